"""Fixtures shared by every app's tests: the browser for end-to-end tests."""

import os
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
AXE_JS = Path(__file__).resolve().parent / "var" / "node" / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright; the tests skip, saying why, where it is missing."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing: `make browser-deps` installs Debian's chromium (needs root and apt-get)")
    # Playwright's sync API runs an event loop in this thread; the Django calls
    # the tests make around it are still plain synchronous code.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def axe_script():
    """axe-core's source, to inject into a page; installed by `make browser-deps`."""
    if not AXE_JS.exists():
        pytest.skip(f"{AXE_JS} is missing: `make browser-deps` installs axe-core from the npm registry")
    return AXE_JS.read_text()


@pytest.fixture(autouse=True)
def _static_files_without_manifest(settings):
    """Plain static storage: templates' {% static %} would need collectstatic's manifest otherwise."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # The production hasher is slow on purpose; tests log in many times.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fresh_public_pages(settings):
    # Tests change stories with queryset.update() and look at once; the
    # one-second memo of articles.pagecache has tests of its own.
    settings.NEWSROOM_FRESHNESS_SECONDS = 0


@pytest.fixture(autouse=True)
def _jobs_run_at_once(settings):
    """Enqueued jobs run at once, in the test (tests of the worker use the database backend)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    # Image caching after an import would reach for the fixtures' image hosts; the
    # tests of that job turn it on with a local server.
    settings.NEWSROOM_JOBS = {"CACHE_IMAGES_AFTER_IMPORT": False}
