"""A database made by the last release migrates to this one, with its stories on board."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

# The last release's newest migrations (before outlets per name, revisions and axes).
RELEASE = [("articles", "0007_review_queue_dates"), ("providers", "0002_indexes_for_scale"), ("axes", None)]


@pytest.mark.django_db(transaction=True)
def test_a_release_database_with_stories_migrates_forward():
    executor = MigrationExecutor(connection)
    executor.migrate(RELEASE)
    old = executor.loader.project_state([node for node in RELEASE if node[1]]).apps
    provider = old.get_model("providers", "Provider").objects.create(
        name="The Daily Dot", domain="dailydot.com", slug="dailydotcom"
    )
    old.get_model("articles", "Article").objects.create(
        title="Kept",
        slug="kept",
        url_key="https://e.example/",
        original_url="https://www.e.example/kept/",
        provider=provider,
    )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    from articles.models import Article, Revision

    article = Article.objects.select_related("provider").get()
    assert (article.title, article.provider.name) == ("Kept", "The Daily Dot")
    assert Revision.objects.count() == 0
    # 0013_smart_canonical_urls fills the column for the stories already there.
    assert article.canonical_url == "https://e.example/kept"
    # The stories already there are found by the readers' search, on either database.
    assert list(Article.objects.search("daily dot kept")) == [article]
