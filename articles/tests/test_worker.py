"""Real worker processes (manage.py run_worker) on the database backend, and on RQ where Redis is:
jobs run, periodic jobs are enqueued once by several workers, an admin upload goes through its
jobs, and an import whose worker is killed is resumed with every file all-or-nothing."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from importlib import import_module
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from articles import tasks
from articles.conf import newsroom_settings
from articles.jobs.models import PeriodicJob, UploadJob
from articles.models import Article, Image, RelatedLink, Revision

from .factories import make_article, make_image
from .test_admin_import import make_zip, user_in
from .test_images import (
    ImageServer,
    files,  # noqa: F401 (a fixture)
)
from .test_links import LinkServer

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/5"


def base_env(**extra):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "TASKS_BACKEND"}}
    return {**env, "DJANGO_SETTINGS_MODULE": "articles.tests.worker_settings", **extra}


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory):
    """A migrated SQLite file, copied for each test that needs one (migrating takes seconds)."""
    path = tmp_path_factory.mktemp("worker-db") / "template.sqlite3"
    env = base_env(DATABASE_URL=f"sqlite:///{path}")
    subprocess.run([sys.executable, "manage.py", "migrate", "--no-input", "-v0"], cwd=ROOT, env=env, check=True)
    return path


@pytest.fixture
def shared_database(transactional_db, migrated_sqlite, tmp_path):
    """The URL of a database this test and its worker processes share.

    On PostgreSQL the test database itself (committed, as the test is
    transactional); on SQLite, whose test database lives in this process's
    memory, the test's connection moves to a file for the test's duration.
    """
    connection = connections["default"]
    if connection.vendor != "sqlite":
        config = connection.settings_dict
        yield f"postgres://{config['USER']}@{config['HOST'] or '127.0.0.1'}:{config['PORT'] or 5432}/{config['NAME']}"
        return
    path = tmp_path / "shared.sqlite3"
    shutil.copy(migrated_sqlite, path)
    saved = connection.settings_dict["NAME"], connection.connection
    connection.connection = None
    connection.settings_dict["NAME"] = str(path)
    try:
        yield f"sqlite:///{path}"
    finally:
        connection.close()
        connection.settings_dict["NAME"], connection.connection = saved


@pytest.fixture
def worker(shared_database, settings, tmp_path):
    """Start `manage.py run_worker` processes on the shared database; the test's enqueues go there too."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.NEWSROOM_IMPORT = {**settings.NEWSROOM_IMPORT, "UPLOAD_DIR": str(tmp_path / "uploads")}
    env = base_env(
        DATABASE_URL=shared_database,
        DJANGO_SECRET_KEY=settings.SECRET_KEY,
        NEWSROOM_UPLOAD_DIR=str(tmp_path / "uploads"),
        DJANGO_MEDIA_ROOT=str(tmp_path / "media"),
    )
    # The groups' data migration; a transactional test before this one may have flushed them.
    groups = import_module("articles.migrations.0002_editorial_groups")
    groups.create_groups(apps, SimpleNamespace(connection=connections["default"]))
    started = []

    def start(*args, wait=True, **extra):
        command = [sys.executable, "manage.py", "run_worker", "-v0", *args]
        process = subprocess.Popen(command, cwd=ROOT, env={**env, **extra})
        started.append(process)
        if wait:
            assert process.wait(timeout=300) == 0
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_a_worker_process_runs_an_enqueued_job(worker):
    result = tasks.prune_revisions.enqueue()
    assert DBTaskResult.objects.get().status == "READY"
    worker("--batch", "--no-periodic")
    row = DBTaskResult.objects.get(id=result.id)
    assert (row.status, row.return_value) == ("SUCCESSFUL", 0)


def test_several_workers_enqueue_each_due_periodic_job_once(worker):
    processes = [worker("--batch", wait=False) for _ in range(3)]
    assert [process.wait(timeout=300) for process in processes] == [0, 0, 0]
    paths = sorted(DBTaskResult.objects.values_list("task_path", flat=True))
    periodic = sorted(path for path, _ in newsroom_settings.JOBS["PERIODIC"])
    assert len(periodic) >= 4
    assert paths == periodic
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}
    assert PeriodicJob.objects.count() == len(periodic)


def test_a_worker_caches_an_imported_storys_images_and_checks_its_source(worker, files, settings):  # noqa: F811
    settings.NEWSROOM_JOBS = {"CACHE_IMAGES_AFTER_IMPORT": True}
    images, links = ImageServer(files), LinkServer()
    with images, links:
        article = make_article(original_url=links.url("/gone"), web_url="")
        make_image(article=article, position=0, url=images.url("/gps.jpg"))
        assert tasks.cache_images_later([article.pk]) == 1
        tasks.check_sources.enqueue()
        worker("--batch", "--no-periodic")
        image = Image.objects.get()
        assert image.file and image.renditions.count() == 6
        assert images.requests == ["/gps.jpg"]
        article.refresh_from_db()
        assert article.source_failures == 1 and article.source_checked_at
        assert [method for method, _, _ in links.requests] == ["HEAD", "GET"]


def story(number, title=None):
    return (
        f'---\ntitle: "{title or f"Story {number}"}"\noriginalUrl: "https://example.com/{number}"\n'
        "published: false\nrelated:\n  - title: One\n    webUrl: https://one.example/x\n"
        "  - title: Two\n    webUrl: https://two.example/y\n---\n"
    ).encode()


def upload(client, named_files):
    data = {"step": "upload", "files": [SimpleUploadedFile(name, content) for name, content in named_files]}
    return client.post(reverse("admin:articles_article_import"), data)


def confirm(client, token):
    return client.post(reverse("admin:articles_article_import"), {"step": "confirm", "token": token})


def test_an_upload_is_previewed_and_imported_by_jobs_on_a_progress_page(worker):
    _, client = user_in("importer", "Importers")
    response = upload(client, [("a.txt", story(1)), ("b.txt", story(2))])
    job = UploadJob.objects.get()
    progress_url = reverse("admin:articles_article_import_progress", args=[job.pk])
    assert response.status_code == 302 and response.url == progress_url
    response = client.get(progress_url)
    assert response.context["step"] == "progress"
    html = response.content.decode()
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in html
    assert "0 of 2 files" in html

    worker("--batch", "--no-periodic")
    preview = client.get(progress_url)
    assert preview.context["step"] == "preview"
    assert "refresh" not in preview.content.decode()
    assert [(r.path, r.status) for r in preview.context["report"].results] == [
        ("a.txt", "created"),
        ("b.txt", "created"),
    ]
    assert not Article.objects.exists()

    assert confirm(client, preview.context["token"]).url == progress_url
    assert client.get(progress_url).context["step"] == "progress"
    worker("--batch", "--no-periodic")
    done = client.get(progress_url)
    assert done.context["step"] == "done"
    assert sorted(Article.objects.values_list("title", flat=True)) == ["Story 1", "Story 2"]
    assert DBTaskResult.objects.filter(status="SUCCESSFUL").count() == 2


def test_the_same_upload_twice_changes_nothing(worker):
    _, client = user_in("importer", "Importers")
    uploaded = [("a.txt", story(1)), ("b.txt", story(2))]
    upload(client, uploaded)
    worker("--batch", "--no-periodic")
    confirm(client, client.session["articles_pending_import"]["token"])
    worker("--batch", "--no-periodic")
    revisions = Revision.objects.count()

    upload(client, uploaded)
    worker("--batch", "--no-periodic")
    job = UploadJob.objects.order_by("-created_at").first()
    preview = client.get(reverse("admin:articles_article_import_progress", args=[job.pk]))
    assert preview.context["importable"] == 0
    assert {r.status for r in preview.context["report"].results} == {"unchanged"}
    assert Revision.objects.count() == revisions


def test_another_users_upload_job_is_not_found(worker):
    _, owner = user_in("owner", "Importers")
    upload(owner, [("a.txt", story(1))])
    job = UploadJob.objects.get()
    _, other = user_in("other", "Importers")
    url = reverse("admin:articles_article_import_progress", args=[job.pk])
    assert other.get(url).status_code == 404
    assert other.post(url, {"step": "resume"}).status_code == 404


def test_an_import_whose_worker_is_killed_is_resumed_with_every_file_whole(worker, settings):
    count = 1500
    _, client = user_in("editor", "Editors", "Importers")
    upload(client, [("stories.zip", make_zip({f"{number:04d}.txt": story(number) for number in range(count)}))])
    worker("--batch", "--no-periodic")
    job = UploadJob.objects.get()
    confirm(client, client.session["articles_pending_import"]["token"])

    # Small batches make a long import, to kill it in the middle of.
    running = worker("--interval", "0.05", "--no-periodic", wait=False, NEWSROOM_IMPORT_BATCH_SIZE="5")
    deadline = time.monotonic() + 120
    while UploadJob.objects.get().done < 50:
        assert time.monotonic() < deadline and running.poll() is None
        time.sleep(0.02)
    running.send_signal(signal.SIGKILL)
    running.wait()
    job.refresh_from_db()
    assert job.status == "importing" and job.done < count
    # All or nothing: every story written has both of its related items and its revision.
    written = Article.objects.count()
    assert 0 < written < count
    assert RelatedLink.objects.count() == 2 * written
    assert Revision.objects.count() == written

    url = reverse("admin:articles_article_import_progress", args=[job.pk])
    settings.NEWSROOM_JOBS = {"STALE_SECONDS": 0}
    assert "Resume" in client.get(url).content.decode()
    client.post(url, {"step": "resume"})
    # The killed worker's row no longer claims to run.
    assert DBTaskResult.objects.filter(status="RUNNING").count() == 0
    worker("--batch", "--no-periodic")

    done = client.get(url)
    assert done.context["step"] == "done"
    report = done.context["report"]
    assert report.created + report.unchanged == count and report.failed == 0
    assert Article.objects.count() == count
    assert RelatedLink.objects.count() == 2 * count
    assert Revision.objects.count() == count


def redis_is_there():
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


@pytest.mark.skipif(not redis_is_there(), reason="no Redis on 127.0.0.1:6379")
def test_the_rq_backend_runs_jobs_and_the_periodic_trigger_through_redis(worker, settings):
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    settings.RQ_QUEUES = {"default": {"URL": REDIS_URL}}
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    result = tasks.prune_revisions.enqueue()
    worker("--batch", TASKS_BACKEND="rq", REDIS_URL=REDIS_URL)
    result.refresh()
    assert result.status == "SUCCESSFUL" and result.return_value == 0
    periodic = PeriodicJob.objects.get(task_path="articles.tasks.check_sources")
    checked = tasks.check_sources.get_result(periodic.last_result_id)
    assert checked.status == "SUCCESSFUL"
    assert not DBTaskResult.objects.exists()
