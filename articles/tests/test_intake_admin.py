"""The intake rules' admin: the count before saving, pattern errors, who may make publishing rules, applying a
rule to stored stories (with its permission checks), and the admin upload's preview of what rules would do."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from articles.intake_models import IntakeRule
from articles.models import Article, Revision

from .factories import make_article, make_provider

pytestmark = pytest.mark.django_db
Decision = IntakeRule.Decision
RULES = ["view_intakerule", "add_intakerule", "change_intakerule"]
STORIES = ["view_article", "change_article", "view_provider", "view_topic"]


def user_with(username, *codenames):
    user = get_user_model().objects.create_user(username, password="secret-pass-1", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    client = Client()
    client.force_login(user)
    return user, client


@pytest.fixture
def editor():
    return user_with("editor", *RULES, *STORIES, "publish_article")


@pytest.fixture
def assistant():
    """May write rules and change stories, but not publish."""
    return user_with("assistant", *RULES, *STORIES)


@pytest.fixture
def sport():
    provider = make_provider(name="Sport Daily", domain="sport.example")
    return [
        make_article(title="Cup final tonight", provider=provider, published=False),
        make_article(title="Transfer news", provider=provider, published=False),
        make_article(title="Markets fall", published=False),
    ]


def add_url():
    return reverse("admin:articles_intakerule_add")


def rule_data(**values):
    data = {
        "name": "Sport to hold",
        "enabled": "on",
        "order": "100",
        "domains": "",
        "categories": "",
        "type": "",
        "pattern": "",
        "decision": "hold",
        "add_topics": "",
        "remove_topics": "",
        "set_category": "",
    }
    data.update(values)
    return data


def test_the_count_before_saving_shows_matches_and_examples_and_saves_nothing(editor, sport):
    _, client = editor
    response = client.post(add_url(), rule_data(domains="sport.example", _preview="1"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "the rule as it stands matches 2 stored stories" in html
    assert "Cup final tonight" in html and "Transfer news" in html and "Markets fall" not in html
    assert "\nsport.example</textarea>" in html  # the form keeps what was typed
    assert not IntakeRule.objects.exists()


def test_the_count_with_a_pattern_and_the_stories_an_editor_decided(editor, sport):
    _, client = editor
    Article.objects.filter(pk=sport[0].pk).update(status="rejected", status_by="editor")
    response = client.post(add_url(), rule_data(pattern="cup OR markets", _preview="1"))
    html = response.content.decode()
    assert "matches 2 stored stories" in html
    assert "1 of them was decided by an editor" in html


def test_saving_a_rule_records_who_made_it(editor):
    user, client = editor
    response = client.post(add_url(), rule_data(domains="sport.example"))
    assert response.status_code == 302
    rule = IntakeRule.objects.get()
    assert (rule.created_by, rule.domains, rule.decision) == (user, "sport.example", "hold")


def test_a_regular_expression_is_refused_with_a_clear_error(editor):
    _, client = editor
    response = client.post(add_url(), rule_data(pattern="(a+)+$"))
    assert response.status_code == 200
    assert "Regular expressions are not supported" in response.content.decode()
    assert not IntakeRule.objects.exists()


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({}, "at least one condition"),
        ({"domains": "https://bbc.co.uk/news"}, "Not a domain"),
        ({"domains": "x.example", "decision": ""}, "Give the rule something to do"),
        ({"domains": "x.example", "quality_min": "50", "quality_max": "10"}, "must not be below"),
        ({"domains": "x.example", "add_topics": "AI", "remove_topics": "ai"}, "both added and removed"),
    ],
)
def test_a_rule_that_cannot_work_is_refused_saying_why(editor, values, message):
    _, client = editor
    response = client.post(add_url(), rule_data(**values))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not IntakeRule.objects.exists()


def test_only_editors_who_may_publish_make_rules_that_approve_or_reject(assistant):
    _, client = assistant
    for decision in ("approve", "reject"):
        response = client.post(add_url(), rule_data(domains="x.example", decision=decision))
        assert "Only editors who may publish" in response.content.decode()
    assert client.post(add_url(), rule_data(domains="x.example", decision="hold")).status_code == 302


def test_the_rule_list_describes_conditions_and_actions(editor):
    _, client = editor
    IntakeRule.objects.create(name="Tidy", domains="bbc.co.uk", quality_min=40, set_category="uk")
    html = client.get(reverse("admin:articles_intakerule_changelist")).content.decode()
    assert "domain bbc.co.uk; quality 40–" in html and "category → uk" in html


# --- Applying a rule to stored stories ---------------------------------------------------


def apply_url(rule):
    return reverse("admin:articles_intakerule_apply", args=[rule.pk])


def test_applying_asks_for_confirmation_with_the_count_then_applies(editor, sport):
    user, client = editor
    rule = IntakeRule.objects.create(name="Sport", domains="sport.example", decision=Decision.HOLD)
    page = client.get(apply_url(rule))
    assert page.status_code == 200 and "matches 2 stored stories" in page.content.decode()
    assert not Article.objects.filter(held_at__isnull=False).exists()
    response = client.post(apply_url(rule), {"apply": "1"}, follow=True)
    assert "Rule “Sport”: changed 2 stories: held (2)." in response.content.decode()
    assert Article.objects.filter(held_at__isnull=False).count() == 2
    revisions = Revision.objects.filter(source="rule")
    assert revisions.count() == 2 and {r.user for r in revisions} == {user}
    assert set(rule.revisions.all()) == set(revisions)


def test_the_rules_page_links_to_applying_it(editor):
    _, client = editor
    rule = IntakeRule.objects.create(name="Sport", domains="sport.example", decision=Decision.HOLD)
    html = client.get(reverse("admin:articles_intakerule_change", args=[rule.pk])).content.decode()
    assert apply_url(rule) in html


def test_applying_needs_the_change_permission_on_stories(sport):
    _, client = user_with("rules-only", *RULES)
    rule = IntakeRule.objects.create(name="Sport", domains="sport.example", decision=Decision.HOLD)
    assert client.get(apply_url(rule)).status_code == 403
    assert client.post(apply_url(rule), {"apply": "1"}).status_code == 403
    assert not Article.objects.filter(held_at__isnull=False).exists()


def test_applying_needs_access_to_the_rules(sport):
    _, client = user_with("stories-only", *STORIES, "publish_article")
    rule = IntakeRule.objects.create(name="Sport", domains="sport.example", decision=Decision.HOLD)
    assert client.post(apply_url(rule), {"apply": "1"}).status_code == 403
    assert not Article.objects.filter(held_at__isnull=False).exists()


def test_applying_an_approving_rule_needs_the_publish_permission(assistant, sport):
    _, client = assistant
    rule = IntakeRule.objects.create(name="Approve sport", domains="sport.example", decision=Decision.APPROVE)
    assert client.post(apply_url(rule), {"apply": "1"}).status_code == 403
    changelist = reverse("admin:articles_intakerule_changelist")
    forged = client.post(changelist, {"action": "apply_to_stored", "_selected_action": [rule.pk], "apply": "1"})
    assert forged.status_code == 403
    assert not Article.objects.filter(published=True).exists()


def test_the_list_action_applies_selected_rules_after_a_confirmation(editor, sport):
    _, client = editor
    rule = IntakeRule.objects.create(name="Tag sport", domains="sport.example", add_topics="Sport")
    changelist = reverse("admin:articles_intakerule_changelist")
    data = {"action": "apply_to_stored", "_selected_action": [rule.pk]}
    confirmation = client.post(changelist, data)
    assert confirmation.status_code == 200 and "matches 2 stored stories" in confirmation.content.decode()
    client.post(changelist, {**data, "apply": "1"})
    tagged = Article.objects.filter(tagged_topics__tag__name="Sport")
    assert set(tagged.values_list("pk", flat=True)) == {sport[0].pk, sport[1].pk}


# --- The admin upload's preview ----------------------------------------------------------


@pytest.fixture
def upload_dir(settings, tmp_path):
    settings.NEWSROOM_IMPORT = {**settings.NEWSROOM_IMPORT, "UPLOAD_DIR": str(tmp_path / "uploads")}


def test_the_upload_preview_shows_what_each_rule_would_do_and_writes_nothing(upload_dir):
    _, client = user_with("importer", "view_article", "import_stories")
    IntakeRule.objects.create(name="Example to hold", domains="example.com", decision=Decision.HOLD)
    text = (
        b'---\ntitle: "A story"\noriginalUrl: "https://example.com/a"\nquality: 50\npublished: false\n'
        b"provider:\n  name: Example News\n  domain: example.com\n---\n"
    )
    files = [SimpleUploadedFile("a.md", text)]
    response = client.post(reverse("admin:articles_article_import"), {"step": "upload", "files": files})
    assert response.status_code == 200
    assert "a.md: intake rule “Example to hold”: held" in response.content.decode()
    assert not Article.objects.exists()
