"""insert_rows() (articles.stories.bulk): plain inserts, and upserts as bulk_create()'s update_conflicts."""

import datetime as dt

import pytest

from articles.models import Topic
from articles.stories.bulk import insert_rows
from providers.models import Provider

pytestmark = pytest.mark.django_db


def test_rows_are_inserted_and_their_ids_returned_in_order():
    rows = [{"name": "Courts", "slug": "courts"}, {"name": "Space", "slug": "space"}]
    ids = insert_rows(Topic, rows, returning=["id"])

    assert [Topic.objects.get(pk=pk).slug for (pk,) in ids] == ["courts", "space"]


def test_an_upsert_updates_only_the_named_fields_of_a_taken_row_and_returns_its_id():
    kept = Provider.objects.create(name="Old name", domain="old.example", slug="outlet")
    created = kept.created_at

    later = created + dt.timedelta(days=1)
    stamps = {"created_at": later, "updated_at": later}
    rows = [
        {"name": "New name", "domain": "new.example", "slug": "outlet", **stamps},
        {"name": "Another", "domain": "another.example", "slug": "another", **stamps},
    ]
    ids = insert_rows(Provider, rows, returning=["id"], update_conflicts=(["slug"], ["name"]))

    kept.refresh_from_db()
    assert ids[0] == (kept.pk,)
    assert (kept.name, kept.domain, kept.created_at) == ("New name", "old.example", created)
    assert Provider.objects.get(pk=ids[1][0]).name == "Another"


def test_an_upsert_without_returning_writes_the_same():
    Topic.objects.create(name="Courts", slug="courts")

    insert_rows(Topic, [{"name": "Law courts", "slug": "courts"}], update_conflicts=(["slug"], ["name"]))

    assert list(Topic.objects.values_list("name", "slug")) == [("Law courts", "courts")]
