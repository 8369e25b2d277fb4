"""/sitemap.xml: published stories, and the topics and providers that have some."""

from django.contrib.sitemaps import Sitemap
from django.db.models import OuterRef, Subquery

from providers.models import Provider

from .models import Article, Topic


def latest_published_edit(**lookup):
    """A subquery: when the newest edit of the published stories matching `lookup` was made."""
    stories = Article.objects.published().filter(**lookup).order_by("-updated_at")
    return Subquery(stories.values("updated_at")[:1])


class ArticleSitemap(Sitemap):
    def items(self):
        return Article.objects.published().only("slug", "updated_at").order_by("-published_at", "-id")

    def lastmod(self, article):
        return article.updated_at


class TopicSitemap(Sitemap):
    def items(self):
        return (
            Topic.objects.annotate(lastmod=latest_published_edit(tagged_topics__tag=OuterRef("pk")))
            .filter(lastmod__isnull=False)
            .order_by("slug")
        )

    def lastmod(self, topic):
        return topic.lastmod


class ProviderSitemap(Sitemap):
    def items(self):
        return (
            Provider.objects.annotate(lastmod=latest_published_edit(provider=OuterRef("pk")))
            .filter(lastmod__isnull=False)
            .order_by("slug")
        )

    def lastmod(self, provider):
        return provider.lastmod


SITEMAPS = {"stories": ArticleSitemap, "topics": TopicSitemap, "providers": ProviderSitemap}
