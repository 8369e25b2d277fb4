"""Small factories for tests: make_article(**overrides) and friends."""

import itertools

from django.utils import timezone

from articles.models import Article, Image, RelatedLink, TaggedArticle
from articles.services import stories_changed
from articles.stories.references import ensure_topics
from providers.models import Provider

_numbers = itertools.count(1)


def make_provider(**overrides):
    n = next(_numbers)
    values = {"name": f"Provider {n}", "domain": f"provider{n}.example"}
    values.update(overrides)
    return Provider.objects.create(**values)


def make_article(*, topics=(), images=0, related=0, **overrides):
    """A saved story; `images` and `related` give how many of each to attach."""
    n = next(_numbers)
    values = {
        "title": f"Story number {n}",
        "slug": f"story-number-{n}",
        "excerpt": f"What happened in story {n}.",
        "web_url": f"https://news{n}.example/story/{n}",
        "original_url": f"https://news{n}.example/story/{n}",
        "published_at": timezone.now() - timezone.timedelta(hours=n),
        "quality": 50,
        "heat": 10,
        "published": True,
    }
    values.update(overrides)
    if "web_url" in overrides and "original_url" not in overrides:
        # A story given its page: the outlet's page, as most real files have both the same.
        values["original_url"] = overrides["web_url"]
    if "provider" not in values:
        values["provider"] = make_provider()
    article = Article.objects.create(**values)
    set_topics(article, topics)
    for position in range(images):
        make_image(article=article, position=position)
    for position in range(related):
        make_related(article, position=position)
    stories_changed([article.pk])
    return article


def set_topics(article, names):
    topics = ensure_topics(names)
    TaggedArticle.objects.filter(content_object=article).delete()
    TaggedArticle.objects.bulk_create(
        TaggedArticle(content_object=article, tag=topics[name.lower()], position=i) for i, name in enumerate(names)
    )


def make_image(**overrides):
    n = next(_numbers)
    values = {"url": f"https://img.example/{n}.jpg", "width": 800, "height": 450, "is_cached": True}
    values.update(overrides)
    return Image.objects.create(**values)


def make_related(article, *, images=1, **overrides):
    n = next(_numbers)
    values = {
        "title": f"Related coverage {n}",
        "excerpt": f"Another outlet on story {article.pk}.",
        "web_url": f"https://other{n}.example/{n}",
        "published_at": timezone.now(),
        "type": "article",
        "quality": 40,
        "position": n,
    }
    values.update(overrides)
    if "provider" not in values:
        values["provider"] = make_provider()
    link = RelatedLink.objects.create(article=article, **values)
    for position in range(images):
        make_image(related_link=link, position=position)
    return link
