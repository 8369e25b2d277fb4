from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Stories"

    def ready(self):
        from django.contrib import admin
        from django.db.models.signals import m2m_changed, post_save

        from . import checks  # noqa: F401 - registers the deploy checks
        from .security import RateLimitedAdminAuthenticationForm

        admin.site.login_form = RateLimitedAdminAuthenticationForm

        from . import search
        from .models import Article, TaggedArticle

        # Saves in the admin and topic changes keep the full-text index current;
        # imports refresh it in bulk themselves.
        post_save.connect(search.refresh_saved_article, sender=Article, dispatch_uid="article-search-vector")
        m2m_changed.connect(search.refresh_retagged_article, sender=TaggedArticle, dispatch_uid="topic-search-vector")

        from django.db.models.signals import post_delete

        from .caching import bump_public_generation
        from .models import Topic

        # A renamed or deleted topic changes public pages, not the stories' freshness.
        post_save.connect(bump_public_generation, sender=Topic, dispatch_uid="topic-saved-public-pages")
        post_delete.connect(bump_public_generation, sender=Topic, dispatch_uid="topic-deleted-public-pages")
