"""
Intake rules applied to an import's plan (articles.stories.plan), before anything is written.

Rules act on the stories a batch creates and on the updated ones still
waiting that nobody decided (match.why_decided); an updated story someone
decided, or already live, is left alone and the report says why. Each rule
that matches changes the planned story: its decision goes into the row's
state (plan.PlannedStory.state), its topics and category into the story
written. The file as it came stays the next import's merge base, so what a
rule changed lasts through the upstream's updates as an editor's change does.
Every effect is a line of the file's report (FileResult.rules: the command's
output, the admin's preview, a dry run's) and of the revision written.
Rules run in their order, each on the story as the ones before left it; the
first decision taken is the story's. No queries: the rules are loaded once
per import (match.load_rules).
"""

import dataclasses

from django.utils import timezone

from ..gate import passes_gate, quality_bar
from ..intake_models import IntakeRule
from ..models import Article
from ..revisions.content import to_content
from .match import facts_of_story, why_decided

Decision = IntakeRule.Decision
_DONE = {Decision.HOLD: "held", Decision.REJECT: "rejected", Decision.APPROVE: "approved"}


def apply_rules(plan, rules, *, may_publish=True) -> None:
    """Apply `rules` ([match.Rule]) to the stories of `plan` (plan.BatchPlan) that are written."""
    if not rules:
        return
    now = timezone.now()
    for item in plan.to_write:
        _apply(item, rules, may_publish=may_publish, now=now)


def _apply(item, rules, *, may_publish, now):
    article = item.article
    reason = _why_left_alone(article) if article is not None else ""
    facts = facts_of_story(item.story)
    decided_by = None
    for rule in rules:
        if not rule.conditions.matches(facts):
            continue
        if reason:
            _report(item, rule, f"not applied: {reason}", effect=False)
            continue
        done, skipped = [], []
        if rule.decision:
            if decided_by:
                skipped.append(f"{_DONE[rule.decision]}: {decided_by} decided first")
            else:
                decided, text = _decide(item, rule.decision, may_publish=may_publish, now=now)
                (done if decided else skipped).append(text)
                if decided:
                    decided_by = rule.label
        done += _edit(item, rule)
        if done:
            facts = facts_of_story(item.story)
            _report(item, rule, ", ".join(done + [f"not {text}" for text in skipped]), effect=True)
        elif skipped:
            _report(item, rule, "; ".join(f"not {text}" for text in skipped), effect=False)


def _why_left_alone(article):
    reason = why_decided(article)
    if reason or article.status == Article.Status.WAITING:
        return reason
    return (
        f"the story is already {article.get_status_display().lower()}; at import, rules decide new and waiting"
        " stories (apply the rule to stored stories to change it)"
    )


def _report(item, rule, text, *, effect):
    item.result.rules.append(f"{item.result.path}: {rule.label}: {text}")
    if effect:
        item.rules.append((rule.pk, f"{rule.label[0].upper()}{rule.label[1:]}: {text}."))


def _decide(item, decision, *, may_publish, now):
    """The rule's decision on the planned story: (True, what it did), or (False, what it did not and why)."""
    state, article = item.state, item.article
    status = state.get("status") or (article.status if article else Article.Status.WAITING)
    decided = {"status_by": Article.StatusBy.RULE, "status_changed_at": now}
    if decision == Decision.HOLD:
        if article is not None and article.held_at is not None and status == Article.Status.WAITING:
            return False, "held: it is held already"
        note = " (instead of published through the gate)" if status == Article.Status.LIVE else ""
        state.update(published=False, status=Article.Status.WAITING, held_at=now, **decided)
        return True, f"held{note}"
    if decision == Decision.REJECT:
        _keep_published(item, False)
        state.update(published=False, status=Article.Status.REJECTED, held_at=None, **decided)
        return True, "rejected"
    if status == Article.Status.LIVE:
        return False, "approved: it is live already"
    if not may_publish:
        return False, "approved: the importer may not publish"
    story = item.story
    domain = story.provider.domain if story.provider else None
    if not passes_gate(story.quality, domain):
        return False, f"approved: quality {story.quality} is below the publishing gate ({quality_bar(domain)})"
    _keep_published(item, True)
    state.update(published=True, status=Article.Status.LIVE, held_at=None, **decided)
    return True, "approved: published through the gate"


def _edit(item, rule):
    """The rule's topics and category on the planned story; what changed, in words."""
    story, done = item.story, []
    topics = list(story.topics)
    if rule.remove_topics:
        removed = [name for name in topics if name.lower() in rule.remove_topics]
        topics = [name for name in topics if name.lower() not in rule.remove_topics]
        done += [f"removed the topic “{name}”" for name in removed]
    for name in rule.add_topics:
        if name.lower() not in {topic.lower() for topic in topics}:
            topics.append(name)
            done.append(f"added the topic “{name}”")
    changes = {}
    if topics != list(story.topics):
        changes["topics"] = topics
    if rule.set_category and story.category != rule.set_category:
        changes["category"] = rule.set_category
        done.append(f"set the category to “{rule.set_category}”")
    if changes:
        _keep_file_as_base(item)
        # A copy: a batch retried file by file plans again from the files as they came.
        item.story = dataclasses.replace(story, **changes)
    return done


def _keep_published(item, value):
    _keep_file_as_base(item)
    item.kept["published"] = value


def _keep_file_as_base(item):
    """Before a rule changes what is written: what the file said stays the base of the next import's merge."""
    if item.upstream is None:
        item.upstream = {**to_content(item.story), **{k: v for k, v in item.kept.items() if k == "published"}}
