from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from articles import converters  # noqa: F401 (registers <indexnow_key:...>)
from articles.news_sitemap import NEWS_SITEMAPS, news_moment, news_sitemap
from articles.pagecache import public_page
from articles.seo import indexnow_key, robots_txt
from articles.sitemaps import SITEMAPS
from core.health import healthz

# The editors' admin is Newsroom's, not "Django administration".
admin.site.site_header = "Newsroom"
admin.site.site_title = "Newsroom admin"
admin.site.index_title = "Editorial desk"
# The home shows what needs attention first (articles.admin.dashboard).
admin.site.index_template = "admin/newsroom_index.html"

urlpatterns = [
    # With TASKS_BACKEND=rq the queue is in Redis: django-rq's pages (staff only) show it.
    *([path("admin/rq/", include("django_rq.urls"))] if "django_rq" in settings.INSTALLED_APPS else []),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("sitemap.xml", public_page(sitemap), {"sitemaps": SITEMAPS}, name="sitemap"),
    path(
        "sitemap-news.xml",
        public_page(news_sitemap, moment=news_moment),
        {"sitemaps": NEWS_SITEMAPS, "template_name": "sitemaps/news.xml"},
        name="sitemap-news",
    ),
    path("robots.txt", robots_txt, name="robots"),
    # IndexNow's key file, when a key is configured.
    path("<indexnow_key:key>.txt", indexnow_key, name="indexnow-key"),
    path("api/", include("articles.api.urls")),
    path("", include("articles.urls")),
]

if settings.DEBUG:
    # Cached and uploaded images, for `make run`; production serves media from
    # the web server or object storage (docs/deploy.md).
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
