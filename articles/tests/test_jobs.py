"""The jobs' service functions and their tasks, without a worker: the periodic trigger, image caching
after an import, pruning. The worker itself is in test_worker.py."""

import datetime
import os

import pytest
from django.core.management import call_command
from django.utils import timezone

from articles import tasks
from articles.checks import check_periodic_jobs
from articles.jobs.models import PeriodicJob
from articles.jobs.periodic import enqueue_due_jobs
from articles.models import Article, Image, Revision

from .factories import make_article
from .test_cache_images_command import server  # noqa: F401 (a fixture)
from .test_images import files, image_settings  # noqa: F401 (files is a fixture)

pytestmark = pytest.mark.django_db

try:
    from django.tasks import default_task_backend
except ImportError:
    from django_tasks import default_task_backend


@pytest.fixture
def queue(settings):
    """The dummy backend: jobs are recorded, never run; `queue()` lists (task name, args) enqueued so far."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    default_task_backend.clear()
    return lambda: [(result.task.name, result.args) for result in default_task_backend.results]


def periodic(settings, *entries):
    settings.NEWSROOM_JOBS = {**getattr(settings, "NEWSROOM_JOBS", {}), "PERIODIC": list(entries)}


# --- The periodic trigger ------------------------------------------------------


def test_a_due_periodic_job_is_enqueued_once_however_many_workers_look(queue, settings):
    periodic(settings, ("articles.tasks.prune_images", 3600))
    now = timezone.now()
    assert enqueue_due_jobs(now=now) == ["articles.tasks.prune_images"]
    # A second worker's trigger at the same moment finds the run taken.
    assert enqueue_due_jobs(now=now) == []
    assert enqueue_due_jobs(now=now + datetime.timedelta(minutes=59)) == []
    assert queue() == [("prune_images", [])]
    job = PeriodicJob.objects.get()
    assert job.due_at == now + datetime.timedelta(hours=1)
    assert job.last_result_id == str(default_task_backend.results[0].id)


def test_a_periodic_job_is_due_again_after_its_interval(queue, settings):
    periodic(settings, ("articles.tasks.prune_images", 60))
    now = timezone.now()
    enqueue_due_jobs(now=now)
    assert enqueue_due_jobs(now=now + datetime.timedelta(seconds=60)) == ["articles.tasks.prune_images"]
    assert len(queue()) == 2


def test_adding_a_periodic_job_is_one_entry_in_the_jobs_setting(queue, settings):
    periodic(settings, ("articles.tasks.prune_images", 60), ("articles.tasks.check_sources", 3600))
    assert sorted(enqueue_due_jobs()) == ["articles.tasks.check_sources", "articles.tasks.prune_images"]
    assert sorted(name for name, _ in queue()) == ["check_sources", "prune_images"]


def test_a_run_the_queue_refuses_stays_due(settings):
    # A backend whose only queue is not the task's: enqueueing raises, as with Redis away.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": ["other"]}}
    periodic(settings, ("articles.tasks.prune_images", 3600))
    now = timezone.now()
    with pytest.raises(Exception, match="default"):
        enqueue_due_jobs(now=now)
    assert PeriodicJob.objects.get().due_at == now
    assert PeriodicJob.objects.get().last_enqueued_at is None


def test_the_default_periodic_jobs_are_the_schedules_the_prunes_the_source_checks_and_webhook_retries(queue):
    enqueue_due_jobs()
    assert sorted(name for name, _ in queue()) == [
        "apply_schedules",
        "check_sources",
        "prune_images",
        "prune_revisions",
        "prune_uploads",
        "retry_webhooks",
    ]


def test_the_schedule_job_makes_the_stored_state_follow_passed_times(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    story = make_article(published=True)
    Article.objects.filter(pk=story.pk).update(
        status="scheduled", publish_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    assert tasks.apply_schedules.enqueue().return_value == 1
    story.refresh_from_db()
    assert story.status == "live"
    assert story.revisions.latest("pk").source == Revision.Source.SCHEDULE


def test_a_periodic_entry_that_is_not_a_task_fails_the_system_check(settings):
    periodic(settings, ("articles.jobs.periodic.enqueue_due_jobs", 60), ("articles.tasks.prune_images", 0))
    messages = [message.msg for message in check_periodic_jobs(None)]
    assert any("articles.jobs.periodic.enqueue_due_jobs" in message and "not a task" in message for message in messages)
    assert any("articles.tasks.prune_images" in message and "positive" in message for message in messages)


# --- Pruning as jobs -------------------------------------------------------------


def test_the_prune_revisions_job_keeps_what_the_command_keeps(settings):
    settings.NEWSROOM_REVISIONS = {"KEEP_DAYS": 30, "KEEP_LATEST": 1}
    story = make_article()
    old = timezone.now() - datetime.timedelta(days=60)
    for number in range(3):
        revision = Revision.objects.create(article=story, source=Revision.Source.FORM, version=number + 1, content={})
        Revision.objects.filter(pk=revision.pk).update(created_at=old)
    result = tasks.prune_revisions.enqueue()
    assert result.return_value == 2
    assert Revision.objects.count() == 1


def test_the_prune_images_job_deletes_files_no_image_uses(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    orphan = tmp_path / "images" / "ab" / "orphan.webp"
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(b"x")
    old = (timezone.now() - datetime.timedelta(days=1)).timestamp()
    os.utime(orphan, (old, old))
    assert tasks.prune_images.enqueue().return_value == 1
    assert not orphan.exists()


# --- Image caching after every import ------------------------------------------------


def story_file(tmp_path, name, url, *image_urls):
    images = "".join(f'  - url: "{image}"\n' for image in image_urls)
    # Above the quality gate: the file's published: true makes the story live.
    text = f'---\ntitle: "Story {name}"\noriginalUrl: "{url}"\nquality: 80\npublished: true\n' + (
        f"images:\n{images}" if images else ""
    )
    path = tmp_path / "in" / f"{name}.md"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text + "---\n")
    return path


def test_an_import_enqueues_caching_of_its_stories_new_images_only(queue, settings, tmp_path):
    settings.NEWSROOM_JOBS = {"CACHE_IMAGES_AFTER_IMPORT": True}
    story_file(tmp_path, "a", "https://a.example/1", "https://img.example/a.jpg")
    story_file(tmp_path, "b", "https://a.example/2")
    call_command("import_stories", str(tmp_path / "in"), verbosity=0)
    with_images = Image.objects.get().article_id
    assert queue() == [("cache_story_images", [[with_images]])]

    # Unchanged files: nothing new to cache, no job.
    call_command("import_stories", str(tmp_path / "in"), verbosity=0)
    assert len(queue()) == 1


def test_stories_whose_images_all_have_their_copy_enqueue_nothing(queue, settings, tmp_path):
    settings.NEWSROOM_JOBS = {"CACHE_IMAGES_AFTER_IMPORT": True}
    story_file(tmp_path, "a", "https://a.example/1", "https://img.example/a.jpg")
    call_command("import_stories", str(tmp_path / "in"), verbosity=0)
    Image.objects.update(file="images/copy.webp")
    story_file(tmp_path, "a", "https://a.example/1", "https://img.example/a.jpg").write_text(
        '---\ntitle: "Retitled"\noriginalUrl: "https://a.example/1"\nimages:\n  - url: "https://img.example/a.jpg"\n---\n'
    )
    call_command("import_stories", str(tmp_path / "in"), verbosity=0)
    assert len(queue()) == 1


def test_image_jobs_hold_at_most_the_configured_number_of_stories(queue, settings):
    settings.NEWSROOM_JOBS = {"CACHE_IMAGES_AFTER_IMPORT": True, "IMAGE_JOB_STORIES": 2}
    stories = [make_article() for _ in range(5)]
    for story in stories:
        Image.objects.create(article=story, position=0, url="https://img.example/x.jpg")
    assert tasks.cache_images_later([story.pk for story in stories]) == 3
    assert [len(args[0]) for _, args in queue()] == [2, 2, 1]


def test_the_image_job_caches_the_new_images_and_the_page_shows_our_copy(server, settings, tmp_path, client):  # noqa: F811
    image_settings(settings, tmp_path)
    settings.NEWSROOM_JOBS = {"CACHE_IMAGES_AFTER_IMPORT": True}
    story_file(tmp_path, "a", "https://a.example/1", server.url("/gps.jpg"))
    # The immediate backend: the job runs as the import enqueues it.
    call_command("import_stories", str(tmp_path / "in"), verbosity=0)
    image = Image.objects.get()
    assert image.file and image.renditions.exists()
    assert server.requests == ["/gps.jpg"]
    page = client.get(image.article.get_absolute_url()).content.decode()
    assert "/media/images/" in page
    assert f'src="{server.url("/gps.jpg")}"' not in page


def test_the_image_job_leaves_images_that_failed_before_to_retry_failed(server, settings, tmp_path):  # noqa: F811
    image_settings(settings, tmp_path)
    story = make_article()
    Image.objects.create(
        article=story, position=0, url=server.url("/gps.jpg"), fetch_failed_at=timezone.now(), fetch_error="x"
    )
    assert tasks.cache_story_images.enqueue([story.pk]).return_value == "cached 0, failed 0, skipped 0"
    assert server.requests == []
