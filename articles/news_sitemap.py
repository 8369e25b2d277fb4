"""/sitemap-news.xml: the Google News sitemap (news:news entries) of the live stories of the last two days."""

import datetime as dt

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps.views import sitemap
from django.db.models import Min
from django.utils import timezone

from .models import Article
from .seo import SITE_NAME

# Google News reads the stories of the last two days, at most 1,000 a sitemap.
NEWS_WINDOW = dt.timedelta(days=2)
NEWS_LIMIT = 1000


class NewsSitemap(Sitemap):
    limit = NEWS_LIMIT

    def items(self):
        since = timezone.now() - NEWS_WINDOW
        return (
            Article.objects.published()
            .filter(published_at__gte=since)
            .only("slug", "title", "published_at", "updated_at")
            .order_by("-published_at", "-id")[:NEWS_LIMIT]
        )

    def lastmod(self, article):
        return article.updated_at


def news_language():
    """The ISO 639 code Google News asks for: the site's language without its region."""
    return settings.LANGUAGE_CODE.split("-")[0].lower()


NEWS_SITEMAPS = {"news": NewsSitemap}


def news_moment(request):
    """The sitemap's stamp of the present (articles.pagecache's `moment`): its oldest story.

    Stories leave the sitemap as they pass two days, with no write to tell the
    page cache: when the oldest one goes, the stamp changes.
    """
    since = timezone.now() - NEWS_WINDOW
    oldest = Article.objects.published().filter(published_at__gte=since).aggregate(oldest=Min("published_at"))
    return str(oldest["oldest"])


def news_sitemap(request, sitemaps, template_name):
    """Django's sitemap view, with the publication's name and language for the template."""
    response = sitemap(request, sitemaps=sitemaps, template_name=template_name)
    response.context_data.update(publication=SITE_NAME, language=news_language())
    return response
