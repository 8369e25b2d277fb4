"""
Newsroom's background tasks, on Django's Tasks API (django.tasks; the django-tasks
backport on Django 5.2).

Thin on purpose: each task calls a service function that does the work and is
tested without a worker. Arguments are JSON (ids, not objects). Which backend
runs them (the database, RQ over Redis, or at once in tests) is settings.TASKS.
"""

import datetime

from django.utils import timezone

try:
    from django.tasks import task
except ImportError:  # Django < 6.0
    from django_tasks import task

from .conf import newsroom_settings
from .images.copies import cache_new_images, stories_with_images_to_cache
from .images.prune import prune_images as prune_image_files
from .jobs import links, pings, upload_jobs
from .revisions.snapshots import prune_revisions as prune_old_revisions
from .schedule import apply_due_schedules


def cache_images_later(story_ids) -> int:
    """Enqueue caching of the images these stories lack (after an import); the number of jobs enqueued.

    One job per JOBS["IMAGE_JOB_STORIES"] stories, and none for stories whose
    images all have their copy: re-importing an unchanged folder enqueues nothing.
    """
    config = newsroom_settings.JOBS
    if not config["CACHE_IMAGES_AFTER_IMPORT"]:
        return 0
    story_ids = sorted(set(story_ids))
    size = config["IMAGE_JOB_STORIES"]
    enqueued = 0
    for start in range(0, len(story_ids), size):
        wanting = stories_with_images_to_cache(story_ids[start : start + size])
        if wanting:
            cache_story_images.enqueue(sorted(wanting))
            enqueued += 1
    return enqueued


@task()
def cache_story_images(story_ids: list[int]) -> str:
    """The images of these stories that have no local copy yet (after an import)."""
    return cache_new_images(story_ids=story_ids).summary()


@task()
def apply_schedules() -> int:
    """Scheduled stories whose publish_at or unpublish_at passed: their stored state follows."""
    return apply_due_schedules()


@task()
def check_sources() -> str:
    """The next live stories' originalUrl that are due for a check."""
    return links.check_sources().summary()


# Enqueued by the publishing writes (articles.pings) once they commit; defined beside its work.
send_pings = pings.send_pings


@task()
def retry_webhooks() -> str:
    """Webhook deliveries that are due: retries whose time came, and any whose first job was lost."""
    return pings.deliver_due().summary()


@task()
def prune_revisions() -> int:
    """What manage.py prune_revisions deletes with its defaults."""
    config = newsroom_settings.REVISIONS
    older_than = timezone.now() - datetime.timedelta(days=config["KEEP_DAYS"])
    return prune_old_revisions(older_than=older_than, keep=config["KEEP_LATEST"])


@task()
def prune_images() -> int:
    """Stored image files no image or rendition refers to any more."""
    return len(prune_image_files())


@task()
def prune_uploads() -> int:
    """Admin uploads older than JOBS["KEEP_UPLOAD_DAYS"] that are not running: rows and files."""
    days = newsroom_settings.JOBS["KEEP_UPLOAD_DAYS"]
    return upload_jobs.prune_upload_jobs(older_than=timezone.now() - datetime.timedelta(days=days))


@task()
def preview_upload(job_id: str, attempt: int) -> str:
    """Check and parse an admin upload, and preview what importing it would do."""
    return upload_jobs.preview_upload(job_id=job_id, attempt=attempt)


@task()
def import_upload(job_id: str, attempt: int) -> str:
    """Import a previewed admin upload from the preview's parse, then cache its new images."""
    report = upload_jobs.import_upload(job_id=job_id, attempt=attempt)
    if report is None:
        return "superseded by a newer attempt"
    cache_images_later(report.written)
    return report.summary()
