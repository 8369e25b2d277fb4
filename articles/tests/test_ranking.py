"""Top stories: the documented score, pins that expire, burials, the explanation, and the reader's Top/Latest switch."""

import datetime as dt
import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from articles.models import RankOverride, Revision
from articles.ranking import (
    DECAY_STEP,
    bury_story,
    explain,
    explain_rank,
    lift_override,
    pin_story,
    ranked,
    ranking_moment,
)

from .factories import make_article
from .test_admin import apply_action, editorial_groups, post_action, staff_user  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def hours_ago(hours):
    return NOW - dt.timedelta(hours=hours)


def order(**kwargs):
    return [item.article_id for item in ranked(now=kwargs.get("now", NOW))]


def test_the_score_is_the_weighted_terms_times_the_decay(settings):
    settings.NEWSROOM_RANKING = {"HEAT": 2.0, "QUALITY": 1.0, "CLUSTER": 10.0, "HALF_LIFE_HOURS": 10}
    article = make_article(heat=30, quality=40, published_at=hours_ago(10))
    item = explain(article, cluster_size=3, now=NOW)
    assert [(t.name, t.value, t.weight, t.contribution) for t in item.terms] == [
        ("heat", 30, 2.0, 60.0),
        ("quality", 40, 1.0, 40.0),
        ("cluster", 2, 10.0, 20.0),
    ]
    assert item.base == 120
    assert item.decay == pytest.approx(0.5)
    assert item.score == pytest.approx(60)


def test_unknown_heat_counts_nothing():
    item = explain(make_article(heat=-1, quality=10, published_at=NOW), now=NOW)
    assert item.terms[0].contribution == 0 and item.terms[0].note == "not computed"


def test_fresh_good_stories_rank_first_and_only_the_newest_are_candidates(settings):
    settings.NEWSROOM_RANKING = {"MAX_CANDIDATES": 3}
    strong = make_article(heat=90, quality=90, published_at=hours_ago(1))
    weak = make_article(heat=5, quality=5, published_at=hours_ago(1))
    decayed = make_article(heat=90, quality=90, published_at=hours_ago(60))
    oldest = make_article(heat=100, quality=100, published_at=hours_ago(100))
    make_article(heat=100, quality=100, published_at=hours_ago(1), published=False)
    assert order() == [strong.pk, decayed.pk, weak.pk]
    assert "not among the newest 3" in explain_rank(oldest, now=NOW).override


def test_a_quiet_week_still_has_top_stories():
    old = make_article(heat=10, published_at=hours_ago(24 * 30))
    assert order() == [old.pk]


def test_a_bigger_cluster_ranks_higher():
    title = "Provance releases ServiceTeam, a new family of ITSM apps"
    clustered = make_article(title=title, heat=10, quality=10, published_at=hours_ago(2))
    make_article(title=title, heat=0, quality=0, published_at=hours_ago(30))
    alone = make_article(title="Alone", heat=12, quality=10, published_at=hours_ago(2))
    assert order().index(clustered.pk) < order().index(alone.pk)


def test_a_pin_holds_its_slot_until_it_expires(admin_user):
    first = make_article(heat=90, published_at=hours_ago(1))
    second = make_article(heat=50, published_at=hours_ago(1))
    third = make_article(heat=10, published_at=hours_ago(1))
    pin_story(article=third, slot=1, hours=2, user=admin_user)
    assert order() == [third.pk, first.pk, second.pk]
    assert order(now=NOW + dt.timedelta(hours=3)) == [first.pk, second.pk, third.pk]
    assert Revision.objects.filter(article=third, message__startswith="Pinned to slot 1").exists()


def test_a_burial_keeps_a_story_out_until_lifted(admin_user):
    top = make_article(heat=90, published_at=hours_ago(1))
    other = make_article(heat=10, published_at=hours_ago(1))
    bury_story(article=top, user=admin_user)
    assert order() == [other.pk]
    assert "buried" in explain_rank(top, now=NOW).override
    assert lift_override(article=top, user=admin_user)
    assert order() == [top.pk, other.pk]
    assert Revision.objects.filter(article=top, message__startswith="Buried").exists()
    assert Revision.objects.filter(article=top, message__startswith="Pin or burial lifted").exists()


def test_the_explanation_names_the_place_and_what_a_pin_did(admin_user):
    a = make_article(heat=90, published_at=hours_ago(1))
    b = make_article(heat=10, published_at=hours_ago(1))
    pin_story(article=b, slot=1, hours=1, user=admin_user)
    item = explain_rank(b)
    assert (item.rank, item.ranked_place) == (1, 2)
    assert item.override.startswith("pinned to slot 1 until")
    assert explain_rank(a).rank == 2


def test_the_admin_explains_a_rank_term_by_term(admin_client, settings):
    settings.NEWSROOM_RANKING = {"HEAT": 2.0, "QUALITY": 0.5, "CLUSTER": 10.0}
    article = make_article(heat=40, quality=60, published_at=hours_ago(1))
    html = admin_client.get(reverse("admin:articles_article_rank", args=[article.pk])).text
    assert "Place 1" in html
    for term in ("heat", "quality", "cluster", "Decay", "Score"):
        assert term in html
    # Each term with its value, its weight and its contribution.
    cells = [re.sub(r"<[^>]+>", " ", row) for row in re.findall(r"<tr>.*?</tr>", html, re.S)]
    rows = [re.sub(r"\s+", " ", row).strip() for row in cells]
    assert any(row.startswith("heat 40 2.0 80.0") or row.startswith("heat 40 2 80") for row in rows), rows
    assert any(row.startswith("quality 60 0.5 30.0") or row.startswith("quality 60 0.5 30") for row in rows), rows
    assert (
        reverse("admin:articles_article_rank", args=[article.pk])
        in admin_client.get(reverse("admin:articles_article_change", args=[article.pk])).text
    )


def test_editors_pin_and_bury_from_the_story_list_and_others_cannot(client, editorial_groups):  # noqa: F811
    a, b = make_article(published_at=hours_ago(1)), make_article(published_at=hours_ago(1))
    client.force_login(staff_user("assistant", permissions=["view_article", "change_article"]))
    apply_action(client, "bury", [a])
    assert not RankOverride.objects.exists()
    client.force_login(staff_user("editor", groups=["Editors"]))
    assert "Pin to Top stories" in post_action(client, "pin_to_top", [b]).text
    apply_action(client, "pin_to_top", [b], slot=1, hours=3)
    post_action(client, "bury", [a])
    assert {(o.article_id, o.kind) for o in RankOverride.objects.all()} == {(b.pk, "pin"), (a.pk, "bury")}


def test_readers_switch_between_top_and_latest(client, django_assert_max_num_queries):
    newer_weak = make_article(title="Newer weak", heat=1, quality=1, published_at=hours_ago(1))
    older_strong = make_article(title="Older strong", heat=99, quality=99, published_at=hours_ago(5))
    # The listing's, Top stories' candidates and overrides, and the stamp of the present.
    with django_assert_max_num_queries(9):
        top = client.get("/top/")
    assert [story.pk for story in top.context["articles"]] == [older_strong.pk, newer_weak.pk]
    assert 'href="/top/" aria-current="page"' in top.text
    latest = client.get("/")
    assert [story.pk for story in latest.context["articles"]][:2] == [newer_weak.pk, older_strong.pk]
    assert 'href="/" aria-current="page"' in latest.text


def test_a_candidate_below_the_top_is_told_its_place(settings):
    settings.NEWSROOM_RANKING = {"SIZE": 1}
    make_article(heat=90, published_at=hours_ago(1))
    second = make_article(heat=10, published_at=hours_ago(1))
    item = explain_rank(second, now=NOW)
    assert (item.rank, item.ranked_place) == (None, 2)
    assert item.override == "its score gives place 2, below the top 1"


def test_the_admin_says_what_a_pin_did(admin_client, admin_user):
    make_article(heat=90, published_at=hours_ago(1))
    pinned = make_article(heat=1, published_at=hours_ago(1))
    pin_story(article=pinned, slot=1, hours=3, user=admin_user)
    html = admin_client.get(reverse("admin:articles_article_rank", args=[pinned.pk])).text
    assert "Place 1" in html and "pinned to slot 1 until" in html


def test_the_top_page_lets_a_pin_go_when_it_expires(client, admin_user):
    strong = make_article(heat=90, published_at=hours_ago(1))
    weak = make_article(heat=1, published_at=hours_ago(1))
    pin_story(article=weak, slot=1, hours=2, user=admin_user)
    pinned = client.get("/top/")
    assert [story.pk for story in pinned.context["articles"]] == [weak.pk, strong.pk]
    # The pin ends with no write to tell the page cache: as time passing would.
    RankOverride.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    after = client.get("/top/", HTTP_IF_NONE_MATCH=pinned["ETag"])
    assert after.status_code == 200
    assert after["ETag"] != pinned["ETag"] and "Last-Modified" not in after
    assert [story.pk for story in after.context["articles"]] == [strong.pk, weak.pk]


def test_the_top_page_follows_the_decay_a_step_at_a_time():
    start = timezone.now().replace(minute=0, second=0, microsecond=0)
    assert ranking_moment(now=start) == ranking_moment(now=start + DECAY_STEP - dt.timedelta(seconds=1))
    assert ranking_moment(now=start) != ranking_moment(now=start + DECAY_STEP)


def test_a_pinned_story_older_than_every_candidate_still_holds_its_slot(settings, admin_user):
    settings.NEWSROOM_RANKING = {"MAX_CANDIDATES": 2}
    old = make_article(heat=5, published_at=NOW - dt.timedelta(days=3))
    newer = [make_article(heat=5, published_at=hours_ago(hours)) for hours in (1, 2)]
    assert old.pk not in order()
    pin_story(article=old, slot=1, hours=5, user=admin_user)
    assert order()[0] == old.pk and set(order()[1:]) == {story.pk for story in newer}
    assert explain_rank(old, now=NOW).override.startswith("pinned to slot 1")


def test_a_story_that_is_not_live_is_not_pinned(client, editorial_groups):  # noqa: F811
    live = make_article(published_at=hours_ago(1))
    waiting = make_article(published=False, published_at=hours_ago(1))
    client.force_login(staff_user("editor", groups=["Editors"]))
    response = apply_action(client, "pin_to_top", [live, waiting], slot=1, hours=3)
    assert set(RankOverride.objects.values_list("article_id", flat=True)) == {live.pk}
    said = [str(message) for message in get_messages(response.wsgi_request)]
    assert "1 story(ies) not pinned: not live, so not in Top stories." in said


def test_every_worker_sees_a_new_pin_a_burial_and_a_lift(admin_user):
    # Their token (services.ranking_changed) is in one process's local cache: the stamp of the
    # present reads the overrides themselves.
    story, other = make_article(published_at=hours_ago(1)), make_article(published_at=hours_ago(1))
    stamps = [ranking_moment(now=NOW)]
    pin_story(article=story, slot=1, hours=3, user=admin_user)
    stamps.append(ranking_moment(now=NOW))
    bury_story(article=other, user=admin_user)
    stamps.append(ranking_moment(now=NOW))
    lift_override(article=other, user=admin_user)
    stamps.append(ranking_moment(now=NOW))
    lift_override(article=story, user=admin_user)
    stamps.append(ranking_moment(now=NOW))
    # A stamp for each set of overrides in force: a lift brings back the stamp of what is left.
    assert len(set(stamps[:3])) == 3
    assert (stamps[3], stamps[4]) == (stamps[1], stamps[0])
