"""Two editors in two browsers: the story list and the change form never lose a decision."""

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from articles.models import Article
from articles.stories.write import import_paths

from .conftest import EXAMPLE

pytestmark = [pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-test-password-1"
STORIES = "/admin/articles/article/"


@pytest.fixture
def logged_in(browser, live_server):
    """logged_in(username): a page of a browser context of its own, logged in to the admin."""
    contexts = []

    def log_in(username):
        get_user_model().objects.create_superuser(username, f"{username}@example.com", PASSWORD)
        context = browser.new_context(base_url=live_server.url)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(f"/admin/login/?next={STORIES}")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(re.compile(f"{STORIES}$"))
        return page

    yield log_in
    # Closed, so that no keep-alive connection outlives the test's live server.
    for context in contexts:
        context.close()


@pytest.fixture
def story():
    import_paths([EXAMPLE])
    Article.objects.update(published=True)
    return Article.objects.get()


def test_a_list_edit_from_an_old_page_does_not_republish_what_a_colleague_took_down(logged_in, story):
    other = Article.objects.create(
        title="Another story",
        slug="another",
        original_url="https://o.example/",
        url_key="https://o.example/",
        # Above the quality gate, which the list's toggle cannot override.
        quality=60,
    )
    alice, bob = logged_in("alice"), logged_in("bob")
    alice.goto(STORIES)
    bob.goto(STORIES)
    # Bob takes the story down.
    bob.locator(f'input.action-select[value="{story.pk}"]').check()
    bob.locator("select[name=action]").select_option("unpublish")
    bob.get_by_role("button", name="Go").click()
    expect(bob.locator("ul.messagelist")).to_contain_text("Unpublished 1 story")
    # Alice, on her older page, publishes the other story from the list and saves.
    row = alice.locator("#result_list tr", has_text="Another story")
    row.locator("input[type=checkbox][name$='-published']").check()
    alice.get_by_role("button", name="Save").click()
    expect(alice.locator("ul.messagelist")).to_contain_text("someone changed it since you loaded the list")
    story.refresh_from_db()
    other.refresh_from_db()
    assert story.published is False and other.published is True


def test_the_editor_who_loses_a_form_conflict_keeps_their_text_and_saves_over_it(logged_in, story):
    alice, bob = logged_in("alice"), logged_in("bob")
    change = f"{STORIES}{story.pk}/change/"
    alice.goto(change)
    bob.goto(change)
    bob.locator("#id_title").fill("Bob's title")
    bob.locator("input[name=_save]").click()
    bob.wait_for_url(re.compile(f"{STORIES}$"))
    alice.locator("#id_excerpt").fill("Alice's excerpt")
    alice.locator("input[name=_save]").click()
    expect(alice.locator(".errornote, .errorlist").first).to_be_visible()
    expect(alice.locator("body")).to_contain_text("bob saved it at")
    expect(alice.locator("#id_excerpt")).to_have_value("Alice's excerpt")
    alice.locator("input[name=_save]").click()
    alice.wait_for_url(re.compile(f"{STORIES}$"))
    story.refresh_from_db()
    assert (story.title, story.excerpt) == ("Bob's title", "Alice's excerpt")
