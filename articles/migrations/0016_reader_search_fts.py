"""SQLite's full-text index of the stories (articles.search_index): an FTS5 table, filled from the stories there.

PostgreSQL keeps its search vector (0004), filled here for the stories that
had none; the table exists on SQLite only, and the model is unmanaged:
nothing else creates or alters it.
"""

from django.db import migrations, models

TABLE = "articles_article_fts"
# Porter stemming over Unicode words, accents folded: "Vaccines" finds "vaccine", "Zürich" finds "zurich".
CREATE = f"CREATE VIRTUAL TABLE IF NOT EXISTS {TABLE} USING fts5(title, excerpt, names, tokenize = 'porter unicode61 remove_diacritics 2')"


def _clean(column):
    # The highlight markers (U+E000, U+E001) never come from a story (articles.search).
    return f"replace(replace({column}, char(57344), ''), char(57345), '')"


TOPIC_NAMES = """(
    SELECT group_concat(name, ' ') FROM (
        SELECT t.name AS name FROM articles_taggedarticle ta JOIN articles_topic t ON t.id = ta.tag_id
        WHERE ta.content_object_id = a.id ORDER BY ta.position, ta.id
    )
)"""
NAMES = f"trim(coalesce(p.name, '') || ' ' || coalesce({TOPIC_NAMES}, ''))"
FILL = f"""
INSERT INTO {TABLE} (rowid, title, excerpt, names)
SELECT a.id, {_clean("a.title")}, {_clean("a.excerpt")}, {_clean(NAMES)}
FROM articles_article a LEFT JOIN providers_provider p ON p.id = a.provider_id
"""


# PostgreSQL's vector (0004) was left empty for the stories already there: filled here alike.
TOPICS_PG = """(
    SELECT string_agg(t.name, ' ') FROM articles_taggedarticle ta JOIN articles_topic t ON t.id = ta.tag_id
    WHERE ta.content_object_id = a.id
)"""
FILL_PG = f"""
UPDATE articles_article a SET search_vector =
    setweight(to_tsvector('english', coalesce(a.title, '')), 'A')
    || setweight(to_tsvector('english', coalesce(a.excerpt, '')), 'B')
    || setweight(to_tsvector('english', coalesce((SELECT p.name FROM providers_provider p WHERE p.id = a.provider_id), '')), 'C')
    || setweight(to_tsvector('english', coalesce({TOPICS_PG}, '')), 'C')
WHERE a.search_vector IS NULL
"""


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(CREATE)
        schema_editor.execute(FILL)
    elif schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FILL_PG)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(f"DROP TABLE IF EXISTS {TABLE}")


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0015_revision_sources_schedule_and_api"),
        ("providers", "0003_outlet_per_domain_and_name"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchEntry",
            fields=[
                (
                    "article",
                    models.OneToOneField(
                        db_column="rowid",
                        db_constraint=False,
                        on_delete=models.DO_NOTHING,
                        primary_key=True,
                        related_name="search_entry",
                        serialize=False,
                        to="articles.article",
                    ),
                ),
                ("title", models.TextField()),
                ("excerpt", models.TextField()),
                ("names", models.TextField()),
            ],
            options={"db_table": "articles_article_fts", "managed": False},
        ),
        migrations.RunPython(create_index, drop_index),
    ]
