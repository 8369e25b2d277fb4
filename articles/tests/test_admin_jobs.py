"""The admin's view of the background jobs: the queue with its errors, retrying a failed job, the
progress page of an upload whose worker stopped."""

import datetime
from importlib import import_module
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from articles import tasks
from articles.jobs.models import UploadJob
from articles.models import Article

from .test_admin_import import story, user_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def failed_job():
    result = tasks.prune_images.enqueue()
    row = DBTaskResult.objects.get(id=result.id)
    try:
        raise OSError("storage is read-only")
    except OSError as exc:
        row.set_failed(exc)
    return row


def staff(*permissions):
    user = get_user_model().objects.create_user("staff", password="secret-pass-1", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=permissions))
    client = Client()
    client.force_login(user)
    return client


def test_the_queue_lists_pending_running_and_failed_jobs_with_their_errors(queue, admin_client):
    failed_job()
    tasks.check_sources.enqueue()
    response = admin_client.get(reverse("admin:django_tasks_database_dbtaskresult_changelist"))
    html = response.content.decode()
    assert "OSError: storage is read-only" in html
    assert {row.status for row in response.context["cl"].result_list} == {"FAILED", "READY"}
    filtered = admin_client.get(
        reverse("admin:django_tasks_database_dbtaskresult_changelist"), {"status__exact": "FAILED"}
    )
    assert [row.task_name for row in filtered.context["cl"].result_list] == ["prune_images"]


def test_retrying_a_failed_job_enqueues_it_again(queue, admin_client):
    row = failed_job()
    waiting = tasks.check_sources.enqueue()
    admin_client.post(
        reverse("admin:django_tasks_database_dbtaskresult_changelist"),
        {"action": "retry", "_selected_action": [str(row.pk), str(waiting.id)]},
    )
    assert DBTaskResult.objects.filter(task_path="articles.tasks.prune_images", status="READY").count() == 1
    # A job that did not fail is not run twice.
    assert DBTaskResult.objects.filter(task_path="articles.tasks.check_sources").count() == 1


def test_staff_who_may_only_view_the_queue_cannot_retry(queue):
    row = failed_job()
    client = staff("view_dbtaskresult")
    url = reverse("admin:django_tasks_database_dbtaskresult_changelist")
    assert client.get(url).status_code == 200
    client.post(url, {"action": "retry", "_selected_action": [str(row.pk)]})
    assert DBTaskResult.objects.count() == 1


def upload_job(user, **fields):
    return UploadJob.objects.create(user=user, token="t" * 32, digest="d", total=10, **fields)


def test_a_running_upload_with_fresh_progress_offers_no_resume(admin_client, admin_user):
    job = upload_job(admin_user, status=UploadJob.Status.IMPORTING, done=4)
    url = reverse("admin:articles_article_import_progress", args=[job.pk])
    html = admin_client.get(url).content.decode()
    assert "4 of 10 files" in html and "Resume" not in html
    # A forged resume of a step that is still running starts nothing.
    admin_client.post(url, {"step": "resume"})
    job.refresh_from_db()
    assert job.attempt == 0


def test_a_running_upload_without_progress_for_a_while_offers_resume(admin_client, admin_user, settings):
    job = upload_job(admin_user, status=UploadJob.Status.CHECKING)
    UploadJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - datetime.timedelta(minutes=10))
    html = admin_client.get(reverse("admin:articles_article_import_progress", args=[job.pk])).content.decode()
    assert "seems to have stopped" in html and "Resume" in html


def test_a_failed_upload_shows_its_error_and_offers_resume(admin_client, admin_user):
    job = upload_job(admin_user, status=UploadJob.Status.FAILED, error="the database went away")
    html = admin_client.get(reverse("admin:articles_article_import_progress", args=[job.pk])).content.decode()
    assert "The job failed: the database went away" in html and "Resume" in html
    assert 'http-equiv="refresh"' not in html


def test_the_progress_json_is_the_owners_only(admin_client, admin_user):
    job = upload_job(admin_user, status=UploadJob.Status.IMPORTING, done=3)
    url = reverse("admin:articles_article_import_progress", args=[job.pk])
    answer = admin_client.get(url, {"format": "json"}).json()
    assert answer == {"running": True, "done": 3, "total": 10, "state": "Importing: 3 of 10 files."}
    other = staff("import_stories")
    assert other.get(url, {"format": "json"}).status_code == 404


def test_an_upload_whose_files_have_expired_shows_its_summary(admin_client, admin_user, settings, tmp_path):
    settings.NEWSROOM_IMPORT = {**settings.NEWSROOM_IMPORT, "UPLOAD_DIR": str(tmp_path)}
    job = upload_job(
        admin_user, status=UploadJob.Status.DONE, summary="created 10, updated 0", parse_digest="a:b:c", done=10
    )
    response = admin_client.get(reverse("admin:articles_article_import_progress", args=[job.pk]))
    assert response.status_code == 200
    assert "Created 10, updated 0. The file-by-file report of this upload has expired." in response.content.decode()


def test_publishing_rights_are_the_ones_at_confirmation_not_at_the_preview(settings, tmp_path):
    settings.NEWSROOM_IMPORT = {**settings.NEWSROOM_IMPORT, "UPLOAD_DIR": str(tmp_path)}
    groups = import_module("articles.migrations.0002_editorial_groups")
    groups.create_groups(apps, SimpleNamespace(connection=connection))
    user, client = user_in("editor", "Editors", "Importers")
    text = story("Live at once", "https://example.com/live").replace(b"published: false", b"published: true")
    preview = client.post(
        reverse("admin:articles_article_import"), {"step": "upload", "files": [SimpleUploadedFile("a.md", text)]}
    )
    user.groups.set(Group.objects.filter(name="Importers"))
    client.post(reverse("admin:articles_article_import"), {"step": "confirm", "token": preview.context["token"]})
    assert Article.objects.get().published is False


def test_old_uploads_that_are_not_running_are_forgotten_with_their_files(admin_user, settings, tmp_path):
    settings.NEWSROOM_IMPORT = {**settings.NEWSROOM_IMPORT, "UPLOAD_DIR": str(tmp_path)}
    old = timezone.now() - datetime.timedelta(days=31)
    jobs = {}
    for status in (UploadJob.Status.DONE, UploadJob.Status.IMPORTING):
        token = (status[0] * 32)[:32]
        (tmp_path / token).mkdir()
        jobs[status] = UploadJob.objects.create(user=admin_user, token=token, digest="d", status=status)
    recent = UploadJob.objects.create(user=admin_user, token="r" * 32, digest="d", status=UploadJob.Status.DONE)
    UploadJob.objects.exclude(pk=recent.pk).update(created_at=old)

    assert tasks.prune_uploads.enqueue().return_value == 1
    assert set(UploadJob.objects.all()) == {jobs[UploadJob.Status.IMPORTING], recent}
    assert not (tmp_path / ("d" * 32)).exists() and (tmp_path / ("i" * 32)).exists()
