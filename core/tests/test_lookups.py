"""The `any_of` lookup (core.lookups): the rows of `__in`, with one statement whatever the list's length."""

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.db import connection
from django.db.models.functions import Lower
from django.test.utils import CaptureQueriesContext


@pytest.fixture
def users(db):
    return [User.objects.create(username=f"user{n}", email=f"u{n}@example.com") for n in range(6)]


def test_any_of_selects_the_rows_of_in_for_numbers_and_strings(users):
    ids = [users[0].pk, users[3].pk, 10**9, users[3].pk]
    names = ["user1", "user4", "nobody", None]
    assert set(User.objects.filter(pk__any_of=ids)) == set(User.objects.filter(pk__in=ids))
    assert set(User.objects.filter(username__any_of=names)) == {users[1], users[4]}
    assert set(User.objects.exclude(username__any_of=names)) == set(User.objects.exclude(username__in=names))


def test_any_of_works_on_a_foreign_key_and_an_annotation(users):
    group = Group.objects.create(name="Lookup testers")
    group.permissions.set(Permission.objects.all()[:3])
    wanted = [p.pk for p in Permission.objects.all()[:5]]
    through = Group.permissions.through.objects
    assert set(through.filter(permission_id__any_of=wanted)) == set(through.filter(permission_id__in=wanted))
    lowered = User.objects.annotate(key=Lower("username"))
    assert {u.pk for u in lowered.filter(key__any_of=["USER2", "user5"])} == {users[5].pk}


def test_an_empty_any_of_selects_nothing_and_excludes_nothing_without_a_query(users):
    with CaptureQueriesContext(connection) as queries:
        assert list(User.objects.filter(pk__any_of=[])) == []
    assert len(queries) == 0
    assert User.objects.exclude(pk__any_of=[None]).count() == len(users)


def test_any_of_sends_one_statement_for_lists_of_any_length(users):
    statements = []

    def record(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        for size in (1, 2, 5):
            assert len(User.objects.filter(pk__any_of=[user.pk for user in users[:size]])) == size
        User.objects.filter(pk__any_of=[users[0].pk, users[1].pk]).update(first_name="Ann")
    assert len(set(statements[:3])) == 1
    assert User.objects.filter(first_name="Ann").count() == 2
