"""Preview links (articles.previews): a story's preview shared with someone without an account, and its visits."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class PreviewLink(models.Model):
    """A signed link to a story's preview (or to a pending revision of it) for someone without an account.

    It works until `expires_at`, unless revoked; every visit is logged
    (PreviewVisit). articles.previews makes, checks and revokes them.
    """

    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="preview_links")
    revision = models.ForeignKey("articles.Revision", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"Preview of {self.article} until {self.expires_at:%Y-%m-%d %H:%M}"

    def is_valid_at(self, when):
        return self.revoked_at is None and when < self.expires_at


class PreviewVisit(models.Model):
    """One visit of a preview link."""

    link = models.ForeignKey(PreviewLink, on_delete=models.CASCADE, related_name="visits")
    visited_at = models.DateTimeField(default=timezone.now)
    address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-visited_at", "-id"]

    def __str__(self):
        return f"Visit of {self.link_id} at {self.visited_at:%Y-%m-%d %H:%M}"
