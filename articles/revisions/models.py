"""Revisions: every change to a story, with the story's whole content after it (articles.revisions)."""

import zlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from ..stories.parse import Limits, parse_story_bytes
from .content import pack, to_content, unpack

# A stored file was accepted by an import already: the limits of the day do not apply again.
STORED_FILE_LIMITS = Limits(max_file_bytes=2**62, max_related=2**62, max_images=2**62, max_yaml_nodes=2**62)


class Revision(models.Model):
    """One change to a story, from any source, with the story's whole content after it.

    `content` is what a story file holds (articles.revisions.content), so a
    revision can be compared with any other and restored, and a restored story
    exports as the file of that revision. An import also keeps `upstream`, the
    base of the next import's three-way merge, where it is not the content
    (the merge kept an editor's values).
    """

    class Source(models.TextChoices):
        FORM = "form", "Edited in the admin"
        LIST = "list", "Changed in the story list"
        ACTION = "action", "Bulk action"
        IMPORT = "import", "Command-line import"
        UPLOAD = "upload", "Admin upload"
        RESTORE = "restore", "Restored"
        MODERATION = "moderation", "Importer's change approved"
        SCHEDULE = "schedule", "Schedule"
        API = "api", "Imported through the API"
        RULE = "rule", "Intake rule applied"

    class Status(models.TextChoices):
        LIVE = "live", "Applied"
        PENDING = "pending", "Waiting for an editor"
        REJECTED = "rejected", "Rejected"

    # Kept when its story is deleted (article None, `deletion` set) and given back to it on a restore.
    article = models.ForeignKey(
        "articles.Article", on_delete=models.SET_NULL, null=True, blank=True, related_name="revisions"
    )
    deletion = models.ForeignKey(
        "articles.Deletion", on_delete=models.PROTECT, null=True, blank=True, related_name="revisions"
    )
    created_at = models.DateTimeField(default=timezone.now)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    source = models.CharField(max_length=20, choices=Source.choices)
    source_name = models.CharField("file or action", max_length=255, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.LIVE)
    # The story's version once this revision applied (for a pending one: the version it was made against).
    version = models.PositiveIntegerField()
    # Compressed JSON (articles.revisions.content.pack): read through `content` and `upstream`.
    # An import that took its file as it is keeps the file instead (compressed):
    # it is the content, and far cheaper to keep than its JSON.
    content_data = models.BinaryField(null=True, blank=True)
    file_data = models.BinaryField(null=True, blank=True)
    upstream_data = models.BinaryField(null=True, blank=True)
    message = models.TextField(blank=True)
    conflicts = models.JSONField(default=list, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["article", "-id"], name="revision_by_story"),
            models.Index(fields=["status"], condition=Q(status="pending"), name="revision_pending"),
            models.Index(fields=["created_at"], name="revision_by_date"),
        ]

    def __str__(self):
        return f"{self.get_source_display()} {self.created_at:%Y-%m-%d %H:%M}"

    @classmethod
    def last_applied(cls, article):
        """The story's latest applied revision, with its user: who changed it last, and when."""
        applied = cls.objects.filter(article=article, status=cls.Status.LIVE)
        return applied.select_related("user").order_by("-id").first()

    @property
    def author(self):
        if self.user:
            return self.user.get_username()
        return f"import of {self.source_name}" if self.source in (self.Source.IMPORT, self.Source.UPLOAD) else "—"

    @property
    def content(self):
        if not hasattr(self, "_content"):
            if self.content_data is not None:
                self._content = unpack(self.content_data)
            else:
                # Bytes an import already accepted: the limits of the day do not apply again.
                story = parse_story_bytes(
                    zlib.decompress(bytes(self.file_data)), filename=self.source_name, limits=STORED_FILE_LIMITS
                )
                self._content = to_content(story)
        return self._content

    @content.setter
    def content(self, value):
        if value is not None:
            self._content, self.content_data = value, pack(value)

    @property
    def upstream(self):
        return unpack(self.upstream_data) if self.upstream_data is not None else None

    @upstream.setter
    def upstream(self, value):
        self.upstream_data = pack(value) if value is not None else None

    @property
    def base_content(self):
        """What the file said: the base of the next import's merge."""
        return self.upstream if self.upstream is not None else self.content


class Deletion(models.Model):
    """A story deleted in the admin: who deleted it and when, and what it was, so that neither is lost.

    An import finds a story by its address (Article.url_key): without this,
    the next import of the story's file would bring it back as though it
    were new, and the decision would be lost without a trace. The story's
    revisions stay, detached (Revision.deletion), and come back with it on a
    restore (articles.revisions.deletions), which ends the deletion and says who ended it.
    """

    url_key = models.CharField(max_length=2000)
    title = models.TextField()
    slug = models.CharField(max_length=255, blank=True)
    # The deleted row's id: what the admin's log of the deletion names.
    story_id = models.PositiveBigIntegerField()
    was_published = models.BooleanField(default=False)
    # Its last content, and what its last import's file said (the row's, not the content's:
    # an editor's values are in the content), so that a restored story exports as that file.
    content_data = models.BinaryField()
    content_hash = models.CharField(max_length=64, blank=True)
    imported_published = models.BooleanField(null=True)
    imported_quality = models.IntegerField(null=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    deleted_at = models.DateTimeField(default=timezone.now)
    restored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    restored_at = models.DateTimeField("restored", null=True, blank=True)

    class Meta:
        ordering = ["-deleted_at", "-id"]
        verbose_name = "deleted story"
        verbose_name_plural = "deleted stories"
        indexes = [
            models.Index(fields=["url_key"], condition=Q(restored_at__isnull=True), name="deletion_standing"),
            models.Index(fields=["-deleted_at"], name="deletion_by_date"),
        ]

    def __str__(self):
        return self.title

    @classmethod
    def at(cls, url_keys):
        """{url_key: Deletion} of the standing deletions at these addresses: what an import leaves out."""
        if not url_keys:
            return {}
        found = cls.objects.filter(url_key__any_of=url_keys, restored_at__isnull=True).select_related("deleted_by")
        # The latest deletion at an address, where a story made there again was deleted in its turn.
        return {deletion.url_key: deletion for deletion in found.defer("content_data").order_by("deleted_at", "id")}

    @property
    def content(self):
        return unpack(self.content_data)

    @property
    def deleted_by_name(self):
        return self.deleted_by.get_username() if self.deleted_by else "a user since removed"
