"""/sitemap-news.xml: the Google News sitemap (news:news entries) of the live stories of the last two days."""

import datetime as dt

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps.views import sitemap
from django.db.models import Max, Min
from django.utils import timezone

from .models import Article
from .seo import SITE_NAME

# Google News reads the stories of the last two days, at most 1,000 a sitemap.
NEWS_WINDOW = dt.timedelta(days=2)
NEWS_LIMIT = 1000


class NewsSitemap(Sitemap):
    limit = NEWS_LIMIT

    def items(self):
        return (
            _in_window()
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

    Stories leave the sitemap as they pass two days, and one dated ahead comes
    in when its date passes, with no write to tell the page cache: the stamp is
    the oldest and the newest date shown.
    """
    edges = _in_window().aggregate(oldest=Min("published_at"), newest=Max("published_at"))
    return f"{edges['oldest']}|{edges['newest']}"


def _in_window():
    """Live stories of the last two days, none dated in the future (Google News refuses those).

    A story dated ahead comes in once its date passes: the newest date then
    changes news_moment()'s stamp, as the oldest's leaving does.
    """
    now = timezone.now()
    return Article.objects.published().filter(published_at__gte=now - NEWS_WINDOW, published_at__lte=now)


def news_sitemap(request, sitemaps, template_name):
    """Django's sitemap view, with the publication's name and language for the template."""
    response = sitemap(request, sitemaps=sitemaps, template_name=template_name)
    response.context_data.update(publication=SITE_NAME, language=news_language())
    return response
