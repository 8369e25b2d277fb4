"""The rows the background jobs keep: periodic jobs' last runs, and admin uploads' progress."""

import uuid

from django.conf import settings
from django.db import models


class PeriodicJob(models.Model):
    """One periodic job of articles.conf JOBS["PERIODIC"]; its row is what several workers agree on."""

    task_path = models.CharField(max_length=200, unique=True)
    # The next run is due at this time; a worker takes the run by moving it on (articles.jobs.periodic).
    due_at = models.DateTimeField()
    last_enqueued_at = models.DateTimeField(null=True, blank=True)
    last_result_id = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = "periodic job"

    def __str__(self):
        return self.task_path


class UploadJob(models.Model):
    """An admin upload: stored by the request, checked and previewed by one job, imported by another."""

    class Status(models.TextChoices):
        CHECKING = "checking", "checking and previewing"
        PREVIEWED = "previewed", "previewed, waiting for confirmation"
        IMPORTING = "importing", "importing"
        DONE = "done", "imported"
        FAILED = "failed", "failed"
        CANCELLED = "cancelled", "cancelled"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # The stored upload (articles.stories.uploads.store_upload) and the digest its preview was of.
    token = models.CharField(max_length=64, unique=True)
    digest = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.CHECKING)
    # Decided by the request from the uploader's permissions, never by the job.
    may_publish = models.BooleanField(default=False)
    overwrite_editorial = models.BooleanField(default=False)
    names = models.TextField(blank=True, help_text="The uploaded files' names.")
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    summary = models.CharField(max_length=200, blank=True)
    error = models.TextField(blank=True)
    # Each (re)start of a step takes the next attempt; a worker holding an older one stops.
    attempt = models.PositiveIntegerField(default=0)
    task_id = models.CharField(max_length=64, blank=True)
    # The keyed hash of the preview's parse kept on disk: only what our job wrote is read back.
    parse_digest = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    heartbeat_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "story upload"
        ordering = ["-created_at"]

    def __str__(self):
        return f"upload of {self.names[:80] or 'files'} ({self.get_status_display()})"

    @property
    def running(self):
        return self.status in (self.Status.CHECKING, self.Status.IMPORTING)
