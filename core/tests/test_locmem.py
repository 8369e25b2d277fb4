"""The local-memory cache bounded by bytes (core.locmem): what it keeps and what it drops."""

import itertools
import time

import pytest

from core.locmem import BoundedLocMemCache

_names = itertools.count()


def bounded(max_bytes, **options):
    return BoundedLocMemCache(f"test-bounded-{next(_names)}", {"OPTIONS": {"MAX_BYTES": max_bytes, **options}})


def test_the_least_recently_used_entries_go_first_once_the_bytes_are_spent():
    cache = bounded(50_000)
    for n in range(4):
        cache.set(f"page-{n}", b"x" * 10_000)
    cache.get("page-0")  # read again: now the most recent

    cache.set("page-4", b"x" * 10_000)
    cache.set("page-5", b"x" * 10_000)

    kept = {key for key in [f"page-{n}" for n in range(6)] if cache.get(key) is not None}
    assert kept == {"page-0", "page-3", "page-4", "page-5"}
    assert cache.size <= 50_000


def test_many_small_entries_are_all_kept_within_the_bytes():
    cache = bounded(1_000_000)
    for n in range(3_000):
        cache.set(f"card-{n}", "c" * 100)
    assert all(cache.get(f"card-{n}") is not None for n in range(3_000))


def test_an_entry_rewritten_deleted_or_expired_is_counted_once():
    cache = bounded(1_000_000)
    cache.set("page", b"x" * 10_000)
    once = cache.size
    cache.set("page", b"x" * 10_000)
    assert cache.size == once

    cache.delete("page")
    assert cache.size == 0

    cache.set("short", b"x" * 10_000, timeout=0.01)
    time.sleep(0.02)
    assert cache.get("short") is None
    assert cache.size == 0


def test_an_entry_larger_than_the_bound_is_not_kept_and_drops_nothing_it_could_not_replace():
    cache = bounded(20_000)
    cache.set("small", b"x" * 1_000)
    cache.set("huge", b"x" * 30_000)
    assert cache.get("huge") is None
    assert cache.size <= 20_000


def test_the_count_of_entries_still_bounds_them_one_at_a_time():
    # Django's own cache drops a third once full; this one, the least recent entry only.
    cache = bounded(10_000_000, MAX_ENTRIES=10)
    for n in range(10):
        cache.set(f"entry-{n}", n)
    cache.set("entry-10", 10)
    assert cache.get("entry-0") is None
    assert all(cache.get(f"entry-{n}") == n for n in range(1, 11))


def test_clear_forgets_the_sizes_too():
    cache = bounded(100_000)
    cache.set("page", b"x" * 10_000)
    cache.clear()
    assert cache.size == 0
    assert cache.get("page") is None


def test_instances_of_one_name_share_entries_and_their_sizes():
    # Django makes one instance per thread; they share the entries, as LocMemCache's do.
    name = f"test-shared-{next(_names)}"
    first = BoundedLocMemCache(name, {"OPTIONS": {"MAX_BYTES": 100_000}})
    second = BoundedLocMemCache(name, {"OPTIONS": {"MAX_BYTES": 100_000}})
    first.set("page", b"x" * 10_000)
    assert second.get("page") == b"x" * 10_000
    assert second.size == first.size > 10_000


@pytest.mark.parametrize("max_bytes", [0, 1])
def test_a_bound_too_small_for_any_entry_keeps_nothing(max_bytes):
    cache = bounded(max_bytes)
    cache.set("page", b"x")
    assert cache.get("page") is None
