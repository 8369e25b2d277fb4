"""Triage in a real browser (issue #14): keyboard shortcuts with JavaScript, buttons and links without."""

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from articles.models import Article

from .factories import make_article

pytestmark = [pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-test-password-1"
TRIAGE = "/admin/articles/article/triage/"


def log_in(page):
    get_user_model().objects.create_superuser("chief", "chief@example.com", PASSWORD)
    page.goto(f"/admin/login/?next={TRIAGE}")
    page.get_by_label("Username").fill("chief")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(re.escape(TRIAGE)))
    return page


@pytest.fixture
def three_waiting():
    return [
        make_article(title=title, published=False, quality=quality)
        for title, quality in (("First in line", 90), ("Second in line", 80), ("Third in line", 70))
    ]


@pytest.fixture
def page_without_js(browser, live_server):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def heading(page):
    return page.locator("#triage-title")


def state_of(title):
    return Article.objects.get(title=title).status


def test_keyboard_decisions_swap_in_the_next_story_without_a_page_load(page, three_waiting):
    log_in(page)
    expect(heading(page)).to_have_text("First in line")
    page.evaluate("window.notReloaded = true")
    page.keyboard.press("a")
    expect(heading(page)).to_have_text("Second in line")
    assert page.evaluate("window.notReloaded") is True
    expect(page.locator("ul.messagelist")).to_contain_text("Approved “First in line”")
    page.keyboard.press("h")
    expect(heading(page)).to_have_text("Third in line")
    page.keyboard.press("r")
    expect(heading(page)).to_have_text("Second in line")  # the held story comes back last
    assert page.evaluate("window.notReloaded") is True
    assert [state_of(t) for t in ("First in line", "Second in line", "Third in line")] == [
        "live",
        "waiting",
        "rejected",
    ]


def test_a_story_swapped_in_has_the_calendar_and_clock_of_its_date_fields(page, three_waiting):
    log_in(page)
    shortcuts = page.locator("#triage .datetimeshortcuts")
    before = shortcuts.count()
    assert before > 0
    page.keyboard.press("h")
    expect(heading(page)).to_have_text("Second in line")
    expect(shortcuts).to_have_count(before)


def test_j_and_k_move_through_the_queue_and_keep_its_filters(page, three_waiting):
    log_in(page)
    page.goto(f"{TRIAGE}?imported=today")
    page.keyboard.press("j")
    expect(heading(page)).to_have_text("Second in line")
    expect(page).to_have_url(re.compile(r"imported=today&at=1"))
    page.keyboard.press("k")
    expect(heading(page)).to_have_text("First in line")
    page.keyboard.press("e")
    page.wait_for_url(re.compile(rf"/{three_waiting[0].pk}/change/"))


def test_question_mark_opens_the_shortcuts_help(page, three_waiting):
    log_in(page)
    page.keyboard.press("?")
    expect(page.get_by_role("dialog")).to_contain_text("Keyboard shortcuts")


def test_typing_a_reason_does_not_trigger_shortcuts(page, three_waiting):
    log_in(page)
    page.get_by_text("Reason, schedule, override", exact=True).click()
    # Typed key by key: "a" and "r" are shortcuts outside the box.
    page.get_by_label("Reason (reject, hold):").press_sequentially("a rare case")
    expect(heading(page)).to_have_text("First in line")
    page.get_by_role("button", name="Reject (r)").click()
    expect(heading(page)).to_have_text("Second in line")
    assert Article.objects.get(title="First in line").revisions.get().source_name == "Rejected: a rare case"


def test_without_javascript_the_buttons_and_links_do_the_same(page_without_js, three_waiting):
    page = log_in(page_without_js)
    expect(heading(page)).to_have_text("First in line")
    page.get_by_role("button", name="Approve (a)").click()
    expect(heading(page)).to_have_text("Second in line")
    expect(page.locator("ul.messagelist")).to_contain_text("Approved “First in line”")
    page.get_by_role("button", name="Skip (j)").click()
    expect(heading(page)).to_have_text("Third in line")
    page.get_by_role("link", name="← Previous (k)").click()
    expect(heading(page)).to_have_text("Second in line")
    page.get_by_role("button", name="Hold (h)").click()
    expect(heading(page)).to_have_text("Third in line")
    assert state_of("First in line") == "live"


def test_the_triage_page_runs_under_the_content_security_policy(page, three_waiting):
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    log_in(page)
    page.keyboard.press("a")
    expect(heading(page)).to_have_text("Second in line")
    assert not [e for e in errors if "Content Security Policy" in e]


def test_triage_and_the_dashboard_have_no_serious_accessibility_violations(browser, live_server, axe_script):
    make_article(title="A waiting story", published=False, quality=60, topics=["AI"], images=1, related=1)
    # The CSP forbids injected scripts, as it should; axe is the test's own.
    context = browser.new_context(base_url=live_server.url, bypass_csp=True)
    page = log_in(context.new_page())
    try:
        for url in (TRIAGE, "/admin/"):
            page.goto(url)
            page.add_script_tag(content=axe_script)
            results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
            serious = [v["id"] for v in results["violations"] if v["impact"] in ("serious", "critical")]
            assert serious == [], url
    finally:
        context.close()
