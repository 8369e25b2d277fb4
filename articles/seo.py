"""What search engines and feed readers are told: the site's name, canonical URLs,
feed links, schema.org JSON-LD for a story, robots.txt and the IndexNow key file."""

from django.http import Http404, HttpResponse
from django.urls import reverse

from .conf import newsroom_settings
from .templatetags.newsroom import as_text, http_url, truncated_chars

SITE_NAME = "Newsroom"
SITE_DESCRIPTION = "Curated news from many outlets, picked and checked by our editors."


def absolute_url(request, path):
    return request.build_absolute_uri(path)


def feed_links(title, rss_url, atom_url):
    return [
        {"title": f"{title} (RSS)", "url": rss_url, "type": "application/rss+xml"},
        {"title": f"{title} (Atom)", "url": atom_url, "type": "application/atom+xml"},
    ]


def news_article_data(article, url, images):
    """schema.org NewsArticle for a story page, as plain data for json_ld; `images` are the story's, in order."""
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": truncated_chars(as_text(article.title), 110),
        "url": url,
        "mainEntityOfPage": url,
        "dateModified": article.public_updated_at.isoformat(),
    }
    if article.published_at:
        data["datePublished"] = article.published_at.isoformat()
    if article.excerpt:
        data["description"] = truncated_chars(as_text(article.excerpt), 300)
    images = [image.url for image in images if http_url(image.url)]
    if images:
        data["image"] = images
    if article.provider:
        publisher = {"@type": "Organization", "name": article.provider.name}
        logo = article.provider.logo
        if logo and http_url(logo.get("url")):
            publisher["logo"] = {"@type": "ImageObject", "url": logo["url"]}
        data["publisher"] = publisher
    if http_url(article.read_url):
        data["isBasedOn"] = article.read_url
    return data


def robots_txt(request):
    sitemap = request.build_absolute_uri(reverse("sitemap"))
    news = request.build_absolute_uri(reverse("sitemap-news"))
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /preview/",
        "",
        f"Sitemap: {sitemap}",
        f"Sitemap: {news}",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


def indexnow_key(request, key):
    """/<key>.txt: IndexNow's proof that the URLs we submit are ours (articles.jobs.pings)."""
    configured = (newsroom_settings.PINGS["INDEXNOW"] or {}).get("KEY", "")
    if not configured or key != configured:
        raise Http404("No such file")
    return HttpResponse(configured, content_type="text/plain; charset=utf-8")
