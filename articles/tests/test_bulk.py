"""insert_rows() (articles.stories.bulk): plain inserts, and upserts as bulk_create()'s update_conflicts."""

import datetime as dt

import pytest
from django.db import connection

from articles.models import RelatedLink, Topic
from articles.stories.bulk import insert_rows
from providers.models import Provider

from .factories import make_article

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


def _statements():
    statements = []

    def record(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    return statements, record


def test_returned_rows_of_any_count_come_back_in_order_from_two_statement_shapes():
    statements, record = _statements()
    with connection.execute_wrapper(record):
        for count in (1, 53, 100, 253):
            rows = [{"name": f"Topic {count}-{n}", "slug": f"topic-{count}-{n}"} for n in range(count)]
            ids = [pk for (pk,) in insert_rows(Topic, rows, returning=["id"])]
            stored = dict(Topic.objects.filter(pk__any_of=ids).values_list("pk", "slug"))
            assert [stored[pk] for pk in ids] == [row["slug"] for row in rows]
    if connection.vendor == "sqlite":
        # 100 rows a statement, and the rest as one JSON parameter: not a statement per number of rows.
        assert len({sql for sql in statements if sql.startswith("INSERT")}) == 2


def test_every_kind_of_value_is_stored_as_django_stores_it():
    article = make_article()
    texts = ["quotes \" and \\ and '", "lines\nand\ttabs", "Tromsø — “dashes” 🚀", "", "1e3", "12", "null"]
    if connection.vendor == "sqlite":
        texts.append("a\x00b")  # PostgreSQL refuses NUL in text; SQLite keeps it, through the VALUES list
    moment = dt.datetime(2026, 10, 16, 20, 55, 7, 123456, tzinfo=dt.UTC)

    def rows(first):
        return [
            {
                "article_id": article.pk,
                "position": first + n,
                "title": text,
                "excerpt": text * 2,
                "published_at": moment if n % 2 else None,
                "web_url": f"https://example.com/{n}",
                "quality": n if n % 3 else None,
                "extra": {"note": text, "n": n, "nested": [True, None, 1.5]},
                "layout": {},
            }
            for n, text in enumerate(texts)
        ]

    ids = [pk for (pk,) in insert_rows(RelatedLink, rows(0), returning=["id"])]
    django_ids = [link.pk for link in RelatedLink.objects.bulk_create(RelatedLink(**row) for row in rows(100))]
    fields = [name for name in rows(0)[0] if name not in ("article_id", "position")]
    ours = [RelatedLink.objects.values(*fields).get(pk=pk) for pk in ids]
    assert ours == [RelatedLink.objects.values(*fields).get(pk=pk) for pk in django_ids]
    assert ours == [{name: row[name] for name in fields} for row in rows(0)]
    if connection.vendor == "sqlite":
        kinds = ", ".join(f"typeof({name})" for name in fields)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {kinds} FROM articles_relatedlink WHERE position < 100 ORDER BY position")
            stored = cursor.fetchall()
            cursor.execute(f"SELECT {kinds} FROM articles_relatedlink WHERE position >= 100 ORDER BY position")
            assert stored == cursor.fetchall()


def test_dates_and_json_are_converted_as_djangos_get_db_prep_save_converts_them():
    from zoneinfo import ZoneInfo

    from articles.images.models import Image
    from articles.models import Article, Revision
    from articles.stories.bulk import _converter

    moments = [
        dt.datetime(2026, 10, 16, 20, 55, tzinfo=dt.UTC),
        dt.datetime(2026, 3, 29, 1, 30, 5, 123, tzinfo=ZoneInfo("Europe/Oslo")),
        dt.datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=dt.timezone(dt.timedelta(hours=-5, minutes=-30))),
    ]
    documents = [
        {},
        [],
        {"b": 1, "a": [True, None, 1.5]},
        {"note": "Tromsø “quoted” \n 🚀", "when": moments[1]},
        "text",
    ]
    checked = 0
    for model in (Article, RelatedLink, Image, Revision):
        for field in model._meta.concrete_fields:
            kind = field.get_internal_type()
            if kind not in ("DateTimeField", "JSONField"):
                continue
            convert = _converter(field, connection)
            for value in moments if kind == "DateTimeField" else documents:
                assert _outcome(convert, value) == _outcome(field.get_db_prep_save, value, connection)
                checked += 1
    assert checked > 50


def _outcome(function, *args):
    """What `function` returns, or the type of error it raises (a date in a plain JSONField)."""
    try:
        result = function(*args)
    except TypeError as error:
        return type(error)
    # PostgreSQL's adapters wrap a JSON document (psycopg's Json and Jsonb).
    return (type(result), getattr(result, "obj", result))
