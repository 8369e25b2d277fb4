"""
What an intake rule matches: a story's facts (an imported file's or a stored story's) against its conditions.

The same conditions are a Python test (matches(), for the import, with no
query per story) and a database query (stored_query(), for the count a rule
shows before it is saved and for applying it to stored stories). The pattern
is the one condition a database cannot test as the rule means it (whole
words): the query narrows the candidates by its words as substrings, and
Python checks the pattern on those.
"""

import re
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q

from ..canonical import canonical_url
from ..intake_models import IntakeRule, domain_list, split_list
from ..models import Article, TaggedArticle
from ..stories.data import StoryData
from ..stories.references import outlet_key, spellings
from .patterns import Pattern, compile_pattern

# The host of a canonical URL (articles.canonical: https://host[:port]/path).
_HOST = re.compile(r"^https://([^/:]+)[:/]")


@dataclass(frozen=True)
class Facts:
    """What a rule's conditions look at, the same whether the story is a parsed file or a stored row."""

    provider: tuple | None  # (domain, name): an outlet (articles.stories.references.outlet_key)
    host: str  # of the reading link
    topics: frozenset  # lower-cased names
    category: str
    type: str
    quality: int
    heat: int
    title: str
    excerpt: str


def host_of(url):
    match = _HOST.match(canonical_url(url))
    return match[1] if match else ""


def facts_of_story(story: StoryData) -> Facts:
    return Facts(
        provider=outlet_key(story.provider) if story.provider else None,
        host=host_of(story.read_url),
        topics=frozenset(name.lower() for name in story.topics),
        category=story.category,
        type=story.type,
        quality=story.quality,
        heat=story.heat,
        title=story.title,
        excerpt=story.excerpt,
    )


def facts_of_article(article: Article) -> Facts:
    """A stored story's facts; its provider and topics are best prefetched (for_listing(), with_topics())."""
    provider = article.provider
    return Facts(
        provider=(provider.domain, provider.name) if provider else None,
        host=host_of(article.read_url),
        topics=frozenset(topic.name.lower() for topic in article.topic_list),
        category=article.category,
        type=article.type,
        quality=article.quality,
        heat=article.heat,
        title=article.title,
        excerpt=article.excerpt,
    )


@dataclass(frozen=True)
class Conditions:
    """A rule's conditions, as plain data (from a saved rule, or a form's values before saving)."""

    provider_ids: frozenset = frozenset()
    providers: frozenset = frozenset()  # (domain, name)
    domains: tuple = ()
    topic_ids: frozenset = frozenset()
    topics: frozenset = frozenset()  # lower-cased names
    categories: frozenset = frozenset()  # lower-cased
    type: str = ""
    quality_min: int | None = None
    quality_max: int | None = None
    heat_min: int | None = None
    heat_max: int | None = None
    pattern: Pattern | None = None

    @classmethod
    def of(cls, rule, *, providers, topics):
        """The conditions of `rule` (an IntakeRule, saved or not) with these Provider and Topic rows."""
        return cls(
            provider_ids=frozenset(provider.pk for provider in providers),
            providers=frozenset((provider.domain, provider.name) for provider in providers),
            domains=tuple(domain_list(rule.domains)),
            topic_ids=frozenset(topic.pk for topic in topics),
            topics=frozenset(topic.name.lower() for topic in topics),
            categories=frozenset(entry.lower() for entry in split_list(rule.categories)),
            type=rule.type.strip().lower(),
            quality_min=rule.quality_min,
            quality_max=rule.quality_max,
            heat_min=rule.heat_min,
            heat_max=rule.heat_max,
            pattern=compile_pattern(rule.pattern),
        )

    def matches(self, facts: Facts) -> bool:
        if self.providers and facts.provider not in self.providers:
            return False
        if self.domains and not any(_on_domain(facts, domain) for domain in self.domains):
            return False
        if self.topics and not self.topics & facts.topics:
            return False
        if self.categories and facts.category.lower() not in self.categories:
            return False
        if self.type and facts.type.lower() != self.type:
            return False
        if not _within(facts.quality, self.quality_min, self.quality_max):
            return False
        if not _within(facts.heat, self.heat_min, self.heat_max):
            return False
        return self.pattern is None or self.pattern.matches(facts.title, facts.excerpt)

    def stored_query(self) -> Q:
        """A Q of the stored stories that meet every condition but the pattern, and contain its words."""
        query = Q()
        if self.provider_ids:
            query &= Q(provider_id__in=self.provider_ids)
        if self.domains:
            query &= _any(_domain_query(domain) for domain in self.domains)
        if self.topic_ids:
            query &= Q(
                Exists(TaggedArticle.objects.filter(content_object_id=OuterRef("pk"), tag_id__in=self.topic_ids))
            )
        # In every spelling: iexact folds ASCII letters only on SQLite, where matches() folds all.
        if self.categories:
            query &= _any(Q(category__iexact=s) for category in sorted(self.categories) for s in spellings(category))
        if self.type:
            query &= _any(Q(type__iexact=s) for s in spellings(self.type))
        for name in ("quality", "heat"):
            low, high = getattr(self, f"{name}_min"), getattr(self, f"{name}_max")
            if low is not None:
                query &= Q(**{f"{name}__gte": low})
            if high is not None:
                query &= Q(**{f"{name}__lte": high})
        if self.pattern is not None:
            query &= _pattern_query(self.pattern)
        return query


def _within(value, low, high):
    return (low is None or value >= low) and (high is None or value <= high)


def _on_domain(facts, domain):
    hosts = [facts.host, facts.provider[0] if facts.provider else ""]
    return any(host == domain or host.endswith("." + domain) for host in hosts if host)


def _domain_query(domain):
    # The same test as _on_domain: the provider's domain, or the canonical URL's host.
    return (
        Q(provider__domain=domain)
        | Q(provider__domain__endswith="." + domain)
        | Q(canonical_url__regex=rf"^https://([^/:]+\.)?{re.escape(domain)}[:/]")
    )


def _pattern_query(pattern):
    alternatives = []
    for words in pattern.substrings():
        if not words:
            return Q()  # an alternative the database cannot narrow: every story is a candidate
        alternatives.append(_all(Q(title__icontains=word) | Q(excerpt__icontains=word) for word in words))
    return _any(alternatives)


def _any(queries):
    result = None
    for query in queries:
        result = query if result is None else result | query
    return result if result is not None else Q()


def _all(queries):
    result = Q()
    for query in queries:
        result &= query
    return result


@dataclass(frozen=True)
class Rule:
    """An enabled rule as the import uses it: loaded once per import, no query per story."""

    pk: int
    name: str
    conditions: Conditions
    decision: str
    add_topics: tuple
    remove_topics: frozenset  # lower-cased
    set_category: str

    @property
    def label(self):
        return f"intake rule “{self.name}”"


def compile_rule(rule, *, providers=None, topics=None) -> Rule:
    """The Rule of an IntakeRule; `providers` and `topics` default to its own (prefetched) rows."""
    providers = rule.providers.all() if providers is None else providers
    topics = rule.topics.all() if topics is None else topics
    return Rule(
        pk=rule.pk,
        name=rule.name,
        conditions=Conditions.of(rule, providers=providers, topics=topics),
        decision=rule.decision,
        add_topics=tuple(split_list(rule.add_topics)),
        remove_topics=frozenset(name.lower() for name in split_list(rule.remove_topics)),
        set_category=rule.set_category.strip(),
    )


def load_rules() -> list[Rule]:
    """The enabled rules in their order (one query, and one per relation when there are rules)."""
    rules = IntakeRule.objects.filter(enabled=True).order_by("order", "pk").prefetch_related("providers", "topics")
    return [compile_rule(rule) for rule in rules]


# Stories a rule leaves alone: someone decided them (docs/intake-rules.md).
def decided_query() -> Q:
    """A Q of the stories a rule must not change: an editor (or their schedule) decided, rejected, taken down, or
    held by an editor."""
    return (
        Q(status_by__in=[Article.StatusBy.EDITOR, Article.StatusBy.SCHEDULE])
        | Q(status__in=[Article.Status.REJECTED, Article.Status.TAKEN_DOWN, Article.Status.SCHEDULED])
        | (Q(held_at__isnull=False) & ~Q(status_by=Article.StatusBy.RULE))
    )


def why_decided(article: Article) -> str:
    """Why a rule leaves `article` alone ("" when it may change it): decided_query() for one story."""
    status = article.get_status_display().lower()
    if article.status_by == Article.StatusBy.EDITOR:
        return f"an editor decided the story ({status})"
    if article.status_by == Article.StatusBy.SCHEDULE or article.status == Article.Status.SCHEDULED:
        return "an editor scheduled the story"
    if article.status in (Article.Status.REJECTED, Article.Status.TAKEN_DOWN):
        return f"the story is {status}"
    if article.held_at is not None and article.status_by != Article.StatusBy.RULE:
        return "an editor held the story"
    return ""
