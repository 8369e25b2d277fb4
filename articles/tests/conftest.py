import os
from pathlib import Path

import pytest
from django.core.cache import cache, caches

ROOT = Path(__file__).resolve().parents[2]
FIXTURES_DIR = ROOT / "fixtures"
EXAMPLE = FIXTURES_DIR / "000_8e5473f5569516b7.txt"
# The real sample files are not ours to commit: NEWSROOM_SAMPLES_DIR, or the
# shared folder beside the checkout on the team's machines.
_SAMPLE_CANDIDATES = [
    os.environ.get("NEWSROOM_SAMPLES_DIR", ""),
    ROOT.parent / "shared" / "samples",
    "/work/shared/samples",
]
SAMPLES_DIR = next((Path(c) for c in _SAMPLE_CANDIDATES if c and Path(c).is_dir()), ROOT.parent / "shared" / "samples")


@pytest.fixture
def example_bytes():
    return EXAMPLE.read_bytes()


@pytest.fixture
def write_fixture(tmp_path):
    """Write a fixture file into a temporary folder and return its path."""

    def write(name, content):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            content = content.encode("utf-8")
        path.write_bytes(content)
        return path

    return write


@pytest.fixture(params=["one local cache", "own copy before a shared cache"])
def page_cache(request, settings):
    """The public page cache on, and empty before and after the test.

    Each test runs twice: with the pages in the local cache, as without Redis,
    and with each process's own copy in front of a shared cache, as with it
    (core.cache.LocalFirstCache; the "default" cache standing in for Redis).
    """
    settings.NEWSROOM_PAGE_CACHE = True
    if request.param == "own copy before a shared cache":
        own_copy = {"BACKEND": "core.cache.LocalFirstCache", "LOCATION": "test-pages", "OPTIONS": {"SHARED": "default"}}
        settings.CACHES = {**settings.CACHES, "pages": own_copy}
    caches["pages"].clear()
    cache.clear()
    yield
    caches["pages"].clear()
    cache.clear()


@pytest.fixture
def refuse_rebuilding(monkeypatch):
    """refuse_rebuilding(View): from then on building that view's page fails: a page served was found in the cache."""

    def arm(view_class):
        def refuse(self, **kwargs):
            raise AssertionError(f"{view_class.__name__} built its page again")

        monkeypatch.setattr(view_class, "get_context_data", refuse)

    return arm
