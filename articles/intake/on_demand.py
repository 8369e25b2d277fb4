"""
Intake rules on stored stories: the count a rule shows before it is saved, and applying it on demand.

Applying a rule writes through the editors' own write path (editorial.write_decision
and the same bulk updates as their topic and category actions), one revision
per story it changed, attributed to the user who applied it and naming the
rule (source "rule", and IntakeRule.revisions). Stories someone decided are
left alone and counted (match.why_decided). Permissions are the caller's.
"""

from collections import Counter
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import BooleanField, ExpressionWrapper, F, Max, Q
from django.utils import timezone

from ..conf import newsroom_settings
from ..editorial import batches, story_ids, write_decision
from ..intake_models import IntakeRule
from ..models import Article, Revision, TaggedArticle, Topic
from ..revisions.snapshots import record_revisions
from ..services import stories_changed
from ..stories.references import ensure_topics
from .match import Conditions, compile_rule, decided_query

Decision = IntakeRule.Decision
# Rows read at once when a pattern is checked in Python.
CHUNK = 2000


@dataclass
class Preview:
    """What a rule matches among stored stories, before it is saved."""

    count: int
    decided: int  # of them, stories someone decided: the rule leaves them alone
    examples: list  # titles of the newest
    # False when the pattern was checked on the newest PREVIEW_CANDIDATES candidates only: `count` is then a minimum.
    exact: bool = True
    examined: int = 0


def preview_rule(conditions: Conditions) -> Preview:
    """How many stored stories `conditions` match (and which of them were decided), newest examples first."""
    config = newsroom_settings.INTAKE
    stories = Article.objects.filter(conditions.stored_query()).order_by("-published_at", "-id")
    if conditions.pattern is None:
        return Preview(
            count=stories.count(),
            decided=stories.filter(decided_query()).count(),
            examples=list(stories.values_list("title", flat=True)[: config["EXAMPLES"]]),
        )
    limit = config["PREVIEW_CANDIDATES"]
    rows = stories.annotate(decided=ExpressionWrapper(decided_query(), output_field=BooleanField())).values_list(
        "title", "excerpt", "decided"
    )
    preview, examined = Preview(count=0, decided=0, examples=[]), 0
    for title, excerpt, decided in rows[: limit + 1].iterator(chunk_size=CHUNK):
        if examined == limit:
            preview.exact = False
            break
        examined += 1
        if conditions.pattern.matches(title, excerpt):
            preview.count += 1
            preview.decided += bool(decided)
            if len(preview.examples) < config["EXAMPLES"]:
                preview.examples.append(title)
    preview.examined = examined
    return preview


def matching_ids(conditions: Conditions, queryset=None) -> list:
    """The ids of the stored stories (of `queryset`) that `conditions` match, all of them."""
    stories = (queryset if queryset is not None else Article.objects.all()).filter(conditions.stored_query())
    if conditions.pattern is None:
        return story_ids(stories)
    rows = stories.order_by("pk").values_list("pk", "title", "excerpt").iterator(chunk_size=CHUNK)
    return [pk for pk, title, excerpt in rows if conditions.pattern.matches(title, excerpt)]


@dataclass
class Applied:
    """What applying a rule did: the stories changed, each effect and each reason to leave a story alone, counted."""

    changed: list = field(default_factory=list)
    effects: Counter = field(default_factory=Counter)
    skipped: Counter = field(default_factory=Counter)

    @property
    def count(self):
        return len(self.changed)


def apply_rule(*, rule: IntakeRule, user) -> Applied:
    """Apply `rule` to the stored stories it matches, but those someone decided."""
    compiled = compile_rule(rule)
    now = timezone.now()
    applied = Applied()
    with transaction.atomic():
        notes = {}  # story id: [what the rule did to it]
        # In batches: a rule may match more stories than one query may name.
        for batch in batches(matching_ids(compiled.conditions)):
            _apply_batch(compiled, batch, user=user, now=now, applied=applied, notes=notes)
        applied.changed = sorted(notes)
        stories_changed(applied.changed)
        _record(rule, notes, user=user)
    return applied


def _apply_batch(rule, ids, *, user, now, applied, notes):
    decided = set(story_ids(Article.objects.filter(pk__in=ids).filter(decided_query())))
    _skipped(applied, len(decided), "someone decided the story (an editor, a schedule, a rejection or a take-down)")
    eligible = [pk for pk in ids if pk not in decided]
    if rule.decision:
        _decide(rule.decision, eligible, user=user, now=now, applied=applied, notes=notes)
    for name in rule.add_topics:
        _note(notes, applied, _add_topic(eligible, name, now=now), f"added the topic “{name}”")
    for name, changed in _remove_topics(eligible, rule.remove_topics, now=now):
        _note(notes, applied, changed, f"removed the topic “{name}”")
    if rule.set_category:
        changed = story_ids(Article.objects.filter(pk__in=eligible).exclude(category=rule.set_category))
        Article.objects.filter(pk__in=changed).update(
            category=rule.set_category, version=F("version") + 1, updated_at=now
        )
        _note(notes, applied, changed, f"set the category to “{rule.set_category}”")


def _decide(decision, ids, *, user, now, applied, notes):
    stories = Article.objects.filter(pk__in=ids)
    if decision == Decision.HOLD:
        targets = story_ids(stories.waiting().filter(held_at__isnull=True))
        Article.objects.filter(pk__in=targets).update(
            held_at=now,
            status_by=Article.StatusBy.RULE,
            status_changed_at=now,
            version=F("version") + 1,
            updated_at=now,
        )
        _skipped(applied, len(ids) - len(targets), "not waiting, or held already")
        _note(notes, applied, targets, "held")
    elif decision == Decision.REJECT:
        targets = story_ids(stories.exclude(status=Article.Status.REJECTED))
        values = {"published": False, "status": Article.Status.REJECTED}
        write_decision(targets, user=user, now=now, values=values, by=Article.StatusBy.RULE)
        _note(notes, applied, targets, "rejected")
    else:
        waiting = stories.waiting().filter(Q(publish_at__isnull=True) | Q(publish_at__lte=now))
        low = set(story_ids(waiting.below_gate()))
        targets = [pk for pk in story_ids(waiting) if pk not in low]
        _skipped(applied, len(low), "below the publishing gate")
        _skipped(applied, len(ids) - len(targets) - len(low), "not waiting (or waiting for its schedule's approval)")
        values = {"published": True, "status": Article.Status.LIVE}
        write_decision(targets, user=user, now=now, values=values, by=Article.StatusBy.RULE)
        _note(notes, applied, targets, "approved: published through the gate")


def _add_topic(ids, name, *, now):
    """editorial.add_topic's rows, without its own revision: the rule's is written once per story."""
    topic = ensure_topics([name])[name.lower()]
    changed = story_ids(Article.objects.filter(pk__in=ids).exclude(tagged_topics__tag=topic))
    last = dict(
        TaggedArticle.objects.filter(content_object_id__in=changed)
        .values("content_object_id")
        .annotate(last=Max("position"))
        .values_list("content_object_id", "last")
    )
    TaggedArticle.objects.bulk_create(
        TaggedArticle(content_object_id=pk, tag=topic, position=last.get(pk, -1) + 1) for pk in changed
    )
    Article.objects.filter(pk__in=changed).update(version=F("version") + 1, updated_at=now)
    return changed


def _remove_topics(ids, names, *, now):
    if not names:
        return
    # The stories' own topics, named as at import (Python's lower(), match.py): SQL's
    # LOWER() leaves "Économie" as it is on SQLite, and the rule missed it.
    shown = Topic.objects.filter(tagged_articles__content_object_id__in=ids).distinct().order_by("pk")
    for topic in (topic for topic in shown if topic.name.lower() in names):
        tagged = TaggedArticle.objects.filter(content_object_id__in=ids, tag=topic)
        changed = sorted(set(tagged.values_list("content_object_id", flat=True)))
        TaggedArticle.objects.filter(content_object_id__in=changed, tag=topic).delete()
        Article.objects.filter(pk__in=changed).update(version=F("version") + 1, updated_at=now)
        yield topic.name, changed


def _note(notes, applied, ids, text):
    for pk in ids:
        notes.setdefault(pk, []).append(text)
    if ids:
        applied.effects[text] += len(ids)


def _skipped(applied, count, reason):
    if count > 0:
        applied.skipped[reason] += count


def _record(rule, notes, *, user):
    """One revision per changed story naming the rule, grouped by what it did (one bulk write per group)."""
    groups = {}
    for pk, done in notes.items():
        groups.setdefault(tuple(done), []).append(pk)
    revisions = []
    for done, ids in groups.items():
        message = f"Intake rule “{rule.name}” applied: {', '.join(done)}."
        revisions += record_revisions(
            sorted(ids), user=user, source=Revision.Source.RULE, source_name=rule.name[:255], message=message
        )
    Link = IntakeRule.revisions.through
    Link.objects.bulk_create(
        [Link(intakerule_id=rule.pk, revision_id=revision.pk) for revision in revisions], batch_size=1000
    )
