"""Intake rules: the bounded pattern, each condition (in Python and as a query), each action at import and on
demand, the report per file, the revisions naming the rule, and editors' decisions left alone."""

import io
import re
import time
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles import editorial
from articles.intake.match import Conditions, compile_rule, facts_of_article, facts_of_story
from articles.intake.on_demand import apply_rule, matching_ids, preview_rule
from articles.intake.patterns import PatternError, compile_pattern
from articles.intake_models import IntakeRule
from articles.models import Article, Revision, Topic
from articles.stories.parse import parse_story
from articles.stories.sources import find_fixture_files, parse_files
from articles.stories.write import import_parsed, import_paths

from .factories import make_article, make_provider
from .test_import import story_text

pytestmark = pytest.mark.django_db
Decision = IntakeRule.Decision


def make_rule(*, providers=(), topics=(), **values):
    values.setdefault("name", f"Rule {IntakeRule.objects.count() + 1}")
    if not any(values.get(name) for name in ("decision", "add_topics", "remove_topics", "set_category")):
        values["decision"] = Decision.HOLD
    rule = IntakeRule(**values)
    rule.full_clean(exclude=["providers", "topics"])
    rule.save()
    rule.providers.set(providers)
    rule.topics.set(Topic.objects.filter(name__in=topics))
    return rule


def story_file(title="A story", url="https://example.com/a", *, quality=50, published="false", topics=("AI",)):
    text = story_text(title=title, url=url, quality=quality, published=published)
    return text.replace("  - AI\n", "".join(f"  - {name}\n" for name in topics))


def topic_names(article):
    return [topic.name for topic in Article.objects.with_topics().get(pk=article.pk).topic_list]


# --- The pattern: bounded, never a regular expression ----------------------------------


def test_a_pattern_needs_all_its_words_as_whole_words_whatever_their_case():
    pattern = compile_pattern("AI regulation")
    assert pattern.matches("New AI Regulation in the EU")
    assert pattern.matches("Regulation passes", "The AI act")  # a word in the title, one in the excerpt
    assert not pattern.matches("He said the regulation passed")  # "said" holds "ai", not the word
    assert not pattern.matches("AI news")


def test_phrases_prefixes_exclusions_and_alternatives():
    pattern = compile_pattern('"carbon tax" climat* -opinion OR football')
    assert pattern.matches("Carbon tax and the climate")
    assert pattern.matches("A carbon tax for climatic reasons")
    assert not pattern.matches("Tax on carbon, climate")  # not the phrase
    assert not pattern.matches("Opinion: a carbon tax for the climate")
    assert pattern.matches("Football tonight")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("(a+)+$", "Regular expressions are not supported"),
        ("^breaking", "Regular expressions are not supported"),
        ("a|b", "Regular expressions are not supported"),
        ('"open phrase', "A phrase is not closed"),
        ("a*b", "a * may only end a word"),
        ("-only -exclusions", "needs at least one word"),
        ("x" * 501, "at most 500 characters"),
        (" ".join(f"w{n}" for n in range(21)), "at most 20 words"),
    ],
)
def test_patterns_that_cannot_be_used_are_refused_saying_why(text, message):
    with pytest.raises(PatternError, match=re.escape(message)):
        compile_pattern(text)


def test_a_catastrophic_regular_expression_is_refused_and_the_worst_pattern_runs_in_linear_time():
    with pytest.raises(PatternError):
        compile_pattern("(a+)+$")
    # The worst a pattern can ask: a long phrase of one repeated word, on 100,000 words of it.
    pattern = compile_pattern('"' + "a " * 19 + 'b"')
    text = "a " * 100_000
    started = time.perf_counter()
    assert not pattern.matches(text, text)
    assert time.perf_counter() - started < 2
    assert pattern.matches(text + "b")


# --- Conditions: the same in Python (import) and as a query (stored stories) -------------------


@pytest.fixture
def stories(db):
    bbc = make_provider(name="BBC News", domain="bbc.co.uk")
    other = make_provider(name="Other", domain="other.example")
    return {
        "bbc": make_article(
            title="Cup final tonight",
            provider=bbc,
            web_url="https://www.bbc.co.uk/sport/1",
            category="Sports",
            type="video",
            quality=70,
            heat=50,
            topics=["Football"],
        ),
        "mirror": make_article(
            title="Markets fall",
            provider=other,
            web_url="https://news.bbc.co.uk/business/2",
            category="business",
            quality=30,
            heat=-1,
            topics=["Economy"],
        ),
        "lookalike": make_article(
            title="Climate summit opens",
            excerpt="Leaders meet on the carbon tax.",
            provider=other,
            web_url="https://notbbc.co.uk/3",
            category="news",
            quality=55,
            heat=5,
            topics=["Climate", "Economy"],
        ),
    }


CONDITIONS = [
    ({"domains": "bbc.co.uk"}, {"bbc", "mirror"}),  # the provider's domain, or a subdomain of the link's host
    ({"domains": "www.BBC.co.uk\nexample.org"}, {"bbc", "mirror"}),
    ({"categories": "sports, NEWS"}, {"bbc", "lookalike"}),
    ({"type": "Video"}, {"bbc"}),
    ({"quality_min": 55}, {"bbc", "lookalike"}),
    ({"quality_max": 55}, {"mirror", "lookalike"}),
    ({"quality_min": 31, "quality_max": 69}, {"lookalike"}),
    ({"heat_min": 0}, {"bbc", "lookalike"}),
    ({"heat_max": 5}, {"mirror", "lookalike"}),
    ({"pattern": "carbon"}, {"lookalike"}),  # in the excerpt
    ({"pattern": "cup -final OR markets"}, {"mirror"}),
    ({"pattern": "fin*"}, {"bbc"}),
    ({"domains": "bbc.co.uk", "quality_min": 50}, {"bbc"}),  # every condition must hold
]


@pytest.mark.parametrize(("values", "expected"), CONDITIONS)
def test_each_condition_matches_the_same_stories_in_python_and_in_the_database(stories, values, expected):
    rule = IntakeRule(name="r", decision=Decision.HOLD, **values)
    conditions = Conditions.of(rule, providers=[], topics=[])
    by_id = {article.pk: name for name, article in stories.items()}
    assert {by_id[pk] for pk in matching_ids(conditions)} == expected
    listed = Article.objects.with_topics().select_related("provider")
    assert {by_id[a.pk] for a in listed if conditions.matches(facts_of_article(a))} == expected


@pytest.mark.parametrize(
    ("stored", "condition"), [("Économie", "économie"), ("économie", "ÉCONOMIE"), ("Вести", "вести")]
)
def test_a_category_or_type_with_capitals_outside_ascii_matches_in_the_database_as_in_python(db, stored, condition):
    story = make_article(category=stored, type=stored)
    for values in ({"categories": condition}, {"type": condition}):
        conditions = Conditions.of(IntakeRule(name="r", **values), providers=[], topics=[])
        assert conditions.matches(facts_of_article(Article.objects.with_topics().get()))
        assert matching_ids(conditions) == [story.pk]


def test_provider_and_topic_conditions_match_any_of_theirs(stories):
    bbc = stories["bbc"].provider
    by_provider = Conditions.of(IntakeRule(), providers=[bbc], topics=[])
    assert matching_ids(by_provider) == [stories["bbc"].pk]
    by_topic = Conditions.of(IntakeRule(), providers=[], topics=Topic.objects.filter(name__in=["Climate", "Football"]))
    assert sorted(matching_ids(by_topic)) == sorted([stories["bbc"].pk, stories["lookalike"].pk])
    listed = Article.objects.with_topics().select_related("provider")
    assert sorted(a.pk for a in listed if by_topic.matches(facts_of_article(a))) == sorted(matching_ids(by_topic))


def test_an_imported_file_is_matched_on_the_same_facts_as_a_stored_story():
    story = parse_story(story_file(title="Markets fall", topics=("Economy",)), filename="a.md")
    facts = facts_of_story(story)
    assert (facts.provider, facts.host, facts.topics) == (("example.com", "Example News"), "example.com", {"economy"})
    rule = IntakeRule(domains="example.com", pattern="markets", quality_min=50, heat_max=3, type="article")
    assert Conditions.of(rule, providers=[], topics=[]).matches(facts)


def test_the_count_before_saving_names_examples_and_the_stories_an_editor_decided(stories):
    Article.objects.filter(pk=stories["mirror"].pk).update(status_by=Article.StatusBy.EDITOR)
    preview = preview_rule(Conditions.of(IntakeRule(domains="bbc.co.uk"), providers=[], topics=[]))
    assert (preview.count, preview.decided, preview.exact) == (2, 1, True)
    assert set(preview.examples) == {"Cup final tonight", "Markets fall"}
    with_pattern = preview_rule(Conditions.of(IntakeRule(pattern="markets OR cup"), providers=[], topics=[]))
    assert (with_pattern.count, with_pattern.decided, with_pattern.exact) == (2, 1, True)


def test_the_count_of_a_pattern_says_when_it_looked_at_the_newest_candidates_only(stories, settings):
    settings.NEWSROOM_INTAKE = {"PREVIEW_CANDIDATES": 2}
    preview = preview_rule(Conditions.of(IntakeRule(pattern="cup OR markets OR climate"), providers=[], topics=[]))
    assert (preview.count, preview.exact, preview.examined) == (2, False, 2)


# --- At import ------------------------------------------------------------------------


def rule_lines(report, folder):
    """What the rules did to each file, its path relative to `folder`."""
    return {
        str(result.path).removeprefix(f"{folder}/"): [line.removeprefix(f"{folder}/") for line in result.rules]
        for result in report.results
    }


def imported(report):
    assert report.failed == 0, report.results
    return Article.objects.get()


def test_a_hold_rule_keeps_a_story_the_gate_would_publish_waiting_and_says_so(write_fixture, tmp_path):
    rule = make_rule(name="Example to hold", domains="example.com", decision=Decision.HOLD)
    report = import_paths([write_fixture("a.md", story_file(published="true", quality=80))])
    article = imported(report)
    assert (article.status, article.published, article.status_by) == ("waiting", False, "rule")
    assert article.held_at is not None
    assert rule_lines(report, tmp_path)["a.md"] == [
        "a.md: intake rule “Example to hold”: held (instead of published through the gate)"
    ]
    revision = article.revisions.get()
    assert "Intake rule “Example to hold”: held" in revision.message
    assert list(revision.intake_rules.all()) == [rule]


def test_a_reject_rule_rejects_and_the_files_later_recommendation_does_not_publish(write_fixture):
    make_rule(name="No example", pattern="story", decision=Decision.REJECT)
    path = write_fixture("a.md", story_file(published="true", quality=80))
    article = imported(import_paths([path]))
    assert (article.status, article.published, article.status_by) == ("rejected", False, "rule")
    IntakeRule.objects.all().delete()
    path.write_text(story_file(title="A story, updated", published="true", quality=90))
    report = import_paths([path])
    article.refresh_from_db()
    assert (article.title, article.status, article.published) == ("A story, updated", "rejected", False)
    assert report.updated == 1


def test_an_approve_rule_publishes_only_through_the_gate(write_fixture, tmp_path):
    make_rule(name="Trust example", domains="example.com", decision=Decision.APPROVE)
    report = import_paths(
        [
            write_fixture("good.md", story_file(url="https://example.com/good", quality=60)),
            write_fixture("low.md", story_file(url="https://example.com/low", quality=10)),
        ]
    )
    good, low = Article.objects.get(web_url__endswith="good"), Article.objects.get(web_url__endswith="low")
    assert (good.status, good.published, good.status_by) == ("live", True, "rule")
    assert (low.status, low.published) == ("waiting", False)
    lines = rule_lines(report, tmp_path)
    assert lines["good.md"] == ["good.md: intake rule “Trust example”: approved: published through the gate"]
    assert lines["low.md"] == [
        "low.md: intake rule “Trust example”: not approved: quality 10 is below the publishing gate (40)"
    ]
    assert "Trust example" in good.revisions.get().message
    assert not low.revisions.get().intake_rules.exists()


def test_an_approve_rule_does_not_publish_for_an_importer_who_may_not(write_fixture):
    make_rule(domains="example.com", decision=Decision.APPROVE)
    path = write_fixture("a.md", story_file(quality=60))
    report = import_parsed(parse_files(find_fixture_files([path]).files), may_publish=False)
    assert Article.objects.get().status == "waiting"
    assert "not approved: the importer may not publish" in report.results[0].rules[0]


def test_topic_and_category_actions_change_the_story_and_last_through_the_files_updates(write_fixture, tmp_path):
    rule = make_rule(
        name="Tidy", pattern="story", add_topics="Sports, ai", remove_topics="Climate", set_category="Sport"
    )
    path = write_fixture("a.md", story_file(topics=("AI", "Climate")))
    report = import_paths([path])
    article = imported(report)
    assert topic_names(article) == ["AI", "Sports"]
    assert article.category == "Sport"
    assert rule_lines(report, tmp_path)["a.md"] == [
        "a.md: intake rule “Tidy”: removed the topic “Climate”, added the topic “Sports”, set the category to “Sport”"
    ]
    revision = article.revisions.get()
    assert (revision.content["topics"], revision.content["category"]) == (["AI", "Sports"], "Sport")
    # The file stays the merge's base: an update of the file keeps what the rule did, as an editor's change.
    rule.delete()
    path.write_text(story_file(title="Retitled", topics=("AI", "Climate")))
    import_paths([path])
    article.refresh_from_db()
    assert (article.title, article.category, topic_names(article)) == ("Retitled", "Sport", ["AI", "Sports"])


def test_rules_run_in_order_and_the_first_decision_is_the_storys(write_fixture, tmp_path):
    make_rule(name="Second", order=20, pattern="story", decision=Decision.REJECT)
    make_rule(name="First", order=10, pattern="story", decision=Decision.HOLD, add_topics="Later")
    make_rule(name="Sees the topic", order=30, topics=["Later"], set_category="later")
    Topic.objects.get_or_create(name="Later", defaults={"slug": "later"})
    IntakeRule.objects.get(name="Sees the topic").topics.set(Topic.objects.filter(name="Later"))
    report = import_paths([write_fixture("a.md", story_file())])
    article = imported(report)
    assert (article.status, article.category) == ("waiting", "later")
    assert rule_lines(report, tmp_path)["a.md"] == [
        "a.md: intake rule “First”: held, added the topic “Later”",
        "a.md: intake rule “Second”: not rejected: intake rule “First” decided first",
        "a.md: intake rule “Sees the topic”: set the category to “later”",
    ]
    assert set(article.revisions.get().intake_rules.values_list("name", flat=True)) == {"First", "Sees the topic"}


def test_a_disabled_rule_does_nothing(write_fixture):
    make_rule(pattern="story", decision=Decision.REJECT, enabled=False)
    report = import_paths([write_fixture("a.md", story_file())])
    assert imported(report).status == "waiting" and report.results == []


def test_an_update_of_a_story_an_editor_decided_is_left_alone_and_the_report_says_why(write_fixture, tmp_path):
    path = write_fixture("a.md", story_file(quality=60))
    article = imported(import_paths([path]))
    Article.objects.filter(pk=article.pk).update(
        status="live", published=True, status_by=Article.StatusBy.EDITOR, category="news"
    )
    make_rule(name="Reject all", pattern="story", decision=Decision.REJECT, set_category="gone")
    path.write_text(story_file(title="A story again", quality=60, published="true"))
    report = import_paths([path])
    article.refresh_from_db()
    assert (article.status, article.published, article.category) == ("live", True, "news")
    assert rule_lines(report, tmp_path)["a.md"] == [
        "a.md: intake rule “Reject all”: not applied: an editor decided the story (live)"
    ]
    assert not IntakeRule.objects.get().revisions.exists()


def test_an_update_of_a_waiting_story_is_decided_by_the_rules(write_fixture, tmp_path):
    path = write_fixture("a.md", story_file())
    article = imported(import_paths([path]))
    make_rule(name="Hold it", pattern="again", decision=Decision.HOLD)
    path.write_text(story_file(title="A story again"))
    report = import_paths([path])
    article.refresh_from_db()
    assert article.held_at is not None and article.version == 2
    assert rule_lines(report, tmp_path)["a.md"] == ["a.md: intake rule “Hold it”: held"]


def test_a_dry_run_reports_what_the_rules_would_do_and_writes_nothing(write_fixture, tmp_path):
    make_rule(name="Example to hold", domains="example.com")
    report = import_paths([write_fixture("a.md", story_file())], dry_run=True)
    assert rule_lines(report, tmp_path)["a.md"] == ["a.md: intake rule “Example to hold”: held"]
    assert not Article.objects.exists() and not Revision.objects.exists()


def test_the_command_prints_each_files_rule_effects_in_a_dry_run_and_an_import(write_fixture):
    make_rule(name="Sports to hold", pattern="story", decision=Decision.HOLD, add_topics="Sports")
    path = write_fixture("a.md", story_file())
    dry = io.StringIO()
    call_command("import_stories", str(path), "--dry-run", "--jobs=1", stdout=dry, stderr=io.StringIO())
    line = f"{path}: intake rule “Sports to hold”: held, added the topic “Sports”"
    assert line in dry.getvalue() and "dry run, nothing written" in dry.getvalue()
    assert not Article.objects.exists()
    out = io.StringIO()
    call_command("import_stories", str(path), "--jobs=1", stdout=out, stderr=io.StringIO())
    assert line in out.getvalue()
    assert topic_names(Article.objects.get()) == ["AI", "Sports"]


def test_an_import_with_rules_costs_the_same_queries_whatever_the_number_of_files(
    write_fixture, tmp_path, django_assert_max_num_queries
):
    bbc = make_provider(name="Example News", domain="example.com")
    make_rule(name="Hold", providers=[bbc], decision=Decision.HOLD)
    make_rule(name="Topics", pattern="story", add_topics="Sports", remove_topics="AI")
    make_rule(name="Approve", domains="example.com", decision=Decision.APPROVE, set_category="sport")

    def files(folder, count):
        # Titles far apart, so that no two stories make a coverage cluster whatever the batch.
        return [
            write_fixture(
                f"{folder}/{n}.md",
                story_file(title=f"Story {uuid.uuid4().hex}", url=f"https://example.com/{folder}/{n}"),
            )
            for n in range(count)
        ]

    import_paths(files("warm-up", 1))  # the outlet and the topics exist from then on
    with CaptureQueriesContext(connection) as queries:
        import_paths(files("few", 3), batch_size=100)
    assert Article.objects.filter(status_by="rule").count() == 4
    with django_assert_max_num_queries(len(queries)):
        import_paths(files("many", 15), batch_size=100)
    assert Article.objects.filter(category="sport", held_at__isnull=False).count() == 19
    assert IntakeRule.revisions.through.objects.count() == 19 * 3


# --- On demand ------------------------------------------------------------------------


@pytest.fixture
def editor(db):
    return get_user_model().objects.create_user("editor", password="x", is_staff=True)


def test_applying_a_rule_changes_the_stories_it_matches_with_one_revision_each_naming_it(stories, editor):
    rule = make_rule(name="BBC sport", domains="bbc.co.uk", decision=Decision.HOLD, add_topics="BBC", set_category="uk")
    Article.objects.filter(pk=stories["bbc"].pk).update(status="waiting", published=False)
    applied = apply_rule(rule=rule, user=editor)
    bbc, mirror = Article.objects.get(pk=stories["bbc"].pk), Article.objects.get(pk=stories["mirror"].pk)
    assert applied.count == 2
    assert applied.effects == {"held": 1, "added the topic “BBC”": 2, "set the category to “uk”": 2}
    assert applied.skipped == {"not waiting, or held already": 1}
    assert bbc.held_at is not None and bbc.status_by == "rule"
    assert (mirror.status, mirror.category, topic_names(mirror)) == ("live", "uk", ["Economy", "BBC"])
    revision = bbc.revisions.get()
    assert (revision.source, revision.source_name, revision.user) == ("rule", "BBC sport", editor)
    assert revision.message == "Intake rule “BBC sport” applied: held, added the topic “BBC”, set the category to “uk”."
    assert set(rule.revisions.values_list("article_id", flat=True)) == {bbc.pk, mirror.pk}
    assert stories["lookalike"].revisions.count() == 0


def test_applying_a_rule_never_overwrites_an_editors_decision(stories, editor):
    Article.objects.filter(pk=stories["bbc"].pk).update(status_by=Article.StatusBy.EDITOR)
    Article.objects.filter(pk=stories["mirror"].pk).update(status="taken_down", published=False)
    rule = make_rule(domains="bbc.co.uk", decision=Decision.REJECT, remove_topics="Football")
    applied = apply_rule(rule=rule, user=editor)
    assert applied.count == 0 and sum(applied.skipped.values()) == 2
    assert Article.objects.get(pk=stories["bbc"].pk).status == "live"
    assert topic_names(stories["bbc"]) == ["Football"]
    assert not Revision.objects.exists()


def test_a_held_story_is_left_to_the_editor_who_held_it(stories, editor):
    Article.objects.filter(pk=stories["lookalike"].pk).update(status="waiting", published=False)
    editorial.hold_stories(queryset=Article.objects.filter(pk=stories["lookalike"].pk), user=editor)
    rule = make_rule(pattern="climate", decision=Decision.APPROVE)
    applied = apply_rule(rule=rule, user=editor)
    assert applied.count == 0
    assert Article.objects.get(pk=stories["lookalike"].pk).status == "waiting"


def test_applying_approve_and_reject_publishes_through_the_gate_and_takes_stories_off(stories, editor):
    Article.objects.update(status="waiting", published=False)
    approved = apply_rule(rule=make_rule(name="Approve", quality_min=0, decision=Decision.APPROVE), user=editor)
    assert approved.effects == {"approved: published through the gate": 2}
    assert approved.skipped == {"below the publishing gate": 1}
    assert set(Article.objects.filter(status="live").values_list("pk", flat=True)) == {
        stories["bbc"].pk,
        stories["lookalike"].pk,
    }
    rejected = apply_rule(rule=make_rule(name="Reject", pattern="climate", decision=Decision.REJECT), user=editor)
    assert rejected.count == 1
    lookalike = Article.objects.get(pk=stories["lookalike"].pk)
    assert (lookalike.status, lookalike.published, lookalike.status_by, lookalike.reviewed_by) == (
        "rejected",
        False,
        "rule",
        editor,
    )


def test_a_rule_is_compiled_once_with_its_providers_and_topics(stories):
    rule = make_rule(providers=[stories["bbc"].provider], topics=["Football"])
    compiled = compile_rule(IntakeRule.objects.prefetch_related("providers", "topics").get(pk=rule.pk))
    assert compiled.conditions.providers == {("bbc.co.uk", "BBC News")}
    assert compiled.conditions.topics == {"football"}


def test_a_rules_rejection_stands_when_the_file_later_recommends_publishing(write_fixture, editor):
    path = write_fixture("a.md", story_file(quality=80, published="false"))
    article = imported(import_paths([path]))
    apply_rule(rule=make_rule(name="No", pattern="story", decision=Decision.REJECT), user=editor)
    path.write_text(story_file(title="A story, again", quality=80, published="true"))
    report = import_paths([path])
    article.refresh_from_db()
    assert (article.title, article.status, article.published) == ("A story, again", "rejected", False)
    assert any("stays rejected as an intake rule decided" in warning for warning in report.results[0].warnings)


def test_applying_a_rule_removes_a_topic_named_with_capitals_outside_ascii(editor):
    story = make_article(title="Markets", topics=["Économie", "Markets"])
    rule = make_rule(name="Tidy", pattern="markets", remove_topics="économie")
    applied = apply_rule(rule=rule, user=editor)
    assert applied.effects == {"removed the topic “Économie”": 1}
    assert topic_names(story) == ["Markets"]
