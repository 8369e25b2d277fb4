"""The editors' day in a real browser: log in, filter, publish in bulk, import a file."""

import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from articles.models import Article

from .factories import make_article, make_provider

pytestmark = [pytest.mark.django_db(transaction=True)]

EXAMPLE = Path(__file__).resolve().parents[2] / "fixtures" / "000_8e5473f5569516b7.txt"
EXAMPLE_TITLE = "Minneapolis bans police, government use of facial recognition"
PASSWORD = "a-long-test-password-1"
STORIES = "/admin/articles/article/"


@pytest.fixture
def editor_page(page, settings, tmp_path):
    """A page logged in to the admin through its log-in form."""
    settings.NEWSROOM_IMPORT = {**settings.NEWSROOM_IMPORT, "UPLOAD_DIR": str(tmp_path / "uploads")}
    get_user_model().objects.create_superuser("chief", "chief@example.com", PASSWORD)
    page.goto(f"/admin/login/?next={STORIES}")
    page.get_by_label("Username").fill("chief")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(f"{STORIES}$"))
    return page


def titles(page):
    return page.locator("#result_list th.field-title a")


def test_editor_filters_the_list_by_quality_band(editor_page):
    make_article(title="Strong story", quality=85)
    make_article(title="Middling story", quality=55)
    make_article(title="Weak story", quality=20)
    page = editor_page
    page.goto(STORIES)
    expect(titles(page)).to_have_count(3)
    page.locator("#changelist-filter").get_by_role("link", name="High (70 and above)").click()
    page.wait_for_url(re.compile(r"quality_band=green"))
    expect(titles(page)).to_have_text(["Strong story"])
    badge = page.locator("#result_list td.field-quality_badge").first
    expect(badge).to_have_text("85 High")


def test_editor_publishes_two_stories_with_the_bulk_action(editor_page):
    first = make_article(title="First draft", published=False)
    second = make_article(title="Second draft", published=False)
    make_article(title="Third draft", published=False)
    page = editor_page
    page.goto(STORIES)
    page.locator(f'input.action-select[value="{first.pk}"]').check()
    page.locator(f'input.action-select[value="{second.pk}"]').check()
    page.locator('select[name="action"]').select_option("publish")
    page.get_by_role("button", name="Go").click()
    expect(page.locator(".messagelist")).to_contain_text("Published 2 stories.")
    assert sorted(Article.objects.filter(published=True).values_list("title", flat=True)) == [
        "First draft",
        "Second draft",
    ]


def test_editor_imports_a_fixture_file_and_sees_it_in_the_list(editor_page):
    page = editor_page
    page.get_by_role("link", name="Import stories").click()
    page.get_by_label("Fixture files").set_input_files(str(EXAMPLE))
    page.get_by_role("button", name="Preview import").click()
    row = page.locator("table.import-report tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("000_8e5473f5569516b7.txt")
    expect(row).to_contain_text("created")
    assert not Article.objects.exists()
    page.get_by_role("button", name="Import 1 story").click()
    expect(page.locator(".import-summary")).to_contain_text("Imported: 1 new")
    page.get_by_role("link", name="Back to the stories").click()
    expect(titles(page)).to_have_text([EXAMPLE_TITLE])


def test_editor_filters_by_provider_through_the_autocomplete_box(editor_page):
    dot = make_provider(name="The Daily Dot", domain="dailydot.com")
    make_article(title="From the Dot", provider=dot)
    make_article(title="From elsewhere", provider=make_provider(name="Elsewhere", domain="elsewhere.example"))
    page = editor_page
    page.goto(STORIES)
    page.locator("#changelist-filter .autocomplete-filter .select2-selection").first.click()
    page.locator(".select2-search__field").fill("dailydot")
    page.locator(".select2-results__option", has_text="The Daily Dot").click()
    page.wait_for_url(re.compile(rf"provider={dot.pk}"))
    expect(titles(page)).to_have_text(["From the Dot"])
