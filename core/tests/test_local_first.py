"""A process's own copy in front of the shared cache (core.cache.LocalFirstCache): what it asks the shared one."""

import itertools

import pytest
from django.core.cache import caches

from core.cache import LocalFirstCache

_names = itertools.count()


@pytest.fixture
def shared(settings):
    """A shared cache under the alias "shared", counting the reads that reach it."""
    location = f"test-shared-{next(_names)}"
    settings.CACHES = {**settings.CACHES, "shared": {"BACKEND": "core.locmem.BoundedLocMemCache", "LOCATION": location}}
    reads = []
    cache = caches["shared"]
    get = cache.get
    # The local-memory cache's get_many() asks get() for each key.
    cache.get = lambda key, *args, **kwargs: reads.append(key) or get(key, *args, **kwargs)
    cache.reads = reads
    yield cache
    cache.clear()


def process(max_bytes=1_000_000):
    """A process's pages cache: its own copy, the shared cache behind it."""
    return LocalFirstCache(f"test-process-{next(_names)}", {"OPTIONS": {"SHARED": "shared", "MAX_BYTES": max_bytes}})


def test_what_another_process_wrote_is_read_from_the_shared_cache_once_then_from_our_copy(shared):
    writer, reader = process(), process()
    writer.set("page", b"built by the writer")

    assert [reader.get("page") for _ in range(3)] == [b"built by the writer"] * 3
    assert shared.reads == ["page"]


def test_what_this_process_wrote_is_read_without_asking_the_shared_cache(shared):
    pages = process()
    pages.set("page", b"ours")
    pages.set_many({"card-1": "one", "card-2": "two"})

    assert pages.get("page") == b"ours"
    assert pages.get_many(["card-1", "card-2"]) == {"card-1": "one", "card-2": "two"}
    assert shared.get("page") == b"ours"  # and others find it
    assert shared.reads == ["page"]


def test_many_keys_ask_the_shared_cache_only_for_those_not_kept(shared):
    writer, reader = process(), process()
    writer.set_many({"card-1": "one", "card-2": "two"})
    reader.set("card-3", "three")

    assert reader.get_many(["card-1", "card-2", "card-3", "card-4"]) == {
        "card-1": "one",
        "card-2": "two",
        "card-3": "three",
    }
    assert sorted(shared.reads) == ["card-1", "card-2", "card-4"]
    shared.reads.clear()
    assert reader.get_many(["card-1", "card-2"]) == {"card-1": "one", "card-2": "two"}
    assert shared.reads == []


def test_a_missing_key_is_the_default_and_is_asked_again(shared):
    pages = process()
    assert pages.get("nothing", "default") == "default"
    assert pages.get("nothing") is None
    assert shared.reads == ["nothing", "nothing"]


def test_the_own_copy_is_bounded_and_what_it_dropped_is_found_in_the_shared_cache(shared):
    pages = process(max_bytes=30_000)
    for n in range(5):
        pages.set(f"page-{n}", b"x" * 10_000)

    assert pages._local.size <= 30_000
    assert pages.get("page-4") == b"x" * 10_000
    assert shared.reads == []
    assert pages.get("page-0") == b"x" * 10_000
    assert shared.reads == ["page-0"]


def test_get_or_set_adds_once_and_a_delete_or_clear_reaches_both(shared):
    pages = process()
    assert pages.get_or_set("choices", lambda: ["a"]) == ["a"]
    assert pages.get_or_set("choices", lambda: ["b"]) == ["a"]
    assert shared.get("choices") == ["a"]

    pages.delete("choices")
    assert pages.get("choices") is None and shared.get("choices") is None
    pages.set("page", b"x")
    pages.clear()
    assert pages.get("page") is None and shared.get("page") is None
