from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Stories"

    def ready(self):
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from providers.models import Provider

        from . import checks, search  # noqa: F401 - checks registers the deploy checks
        from .caching import bump_public_generation, note_local_change
        from .models import Article, Image, RelatedLink, TaggedArticle, Topic

        # Saves in the admin and topic changes keep the full-text index current;
        # imports refresh it in bulk themselves.
        post_save.connect(search.refresh_saved_article, sender=Article, dispatch_uid="article-search-vector")
        m2m_changed.connect(search.refresh_retagged_article, sender=TaggedArticle, dispatch_uid="topic-search-vector")

        # Public pages: this process's own edits show at once (articles.caching).
        # No post_delete on images and related items: it would make the
        # import's bulk deletes fetch every row to send it.
        for model in (Article, Provider, RelatedLink, Image):
            post_save.connect(note_local_change, sender=model, dispatch_uid=f"{model.__name__}-saved-freshness")
        for model in (Article, Provider):
            post_delete.connect(note_local_change, sender=model, dispatch_uid=f"{model.__name__}-deleted-freshness")
        # A renamed or deleted topic changes public pages, not the stories' freshness.
        post_save.connect(bump_public_generation, sender=Topic, dispatch_uid="topic-saved-public-pages")
        post_delete.connect(bump_public_generation, sender=Topic, dispatch_uid="topic-deleted-public-pages")
