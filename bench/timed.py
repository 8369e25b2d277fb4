#!/usr/bin/env python
"""
One measured operation, run in a fresh process by bench/run.py; prints JSON.

    timed.py floor DIR                 read and parse every file with PyYAML's C loader, nothing else
    timed.py import DIR [--jobs N] [--without-revisions]
                                       import_paths() into the database of DATABASE_URL; without
                                       revisions: none built or written, to measure their cost
    timed.py import DIR --cache-images also enqueues the image jobs the import command would
    timed.py upload ZIP                an admin upload end to end: the request, the preview by a worker
                                       process, the confirmation, the import by a worker process
    timed.py loaddata FILE             Django's loaddata of a dumpdata file
    timed.py admin                     the admin's story list (filtered, searched), home (dashboard), triage
                                       and provider analytics: time and queries
    timed.py queries PATH [PATH ...]   SQL queries per public page
    timed.py churn SECONDS DIR         a newsroom at work for SECONDS: an editor saves a live story
                                       every 2 s, and every 60 s 100 files of DIR come back changed
                                       and are imported (bench/longtail.py runs readers meanwhile)
"""

import json
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def floor(folder):
    import yaml

    names = sorted(os.listdir(folder))
    started = time.perf_counter()
    for name in names:
        text = Path(folder, name).read_bytes().decode("utf-8")
        front = text.split("\n---", 1)[0].partition("\n")[2]
        yaml.load(front, Loader=yaml.CSafeLoader)
    return {"seconds": time.perf_counter() - started, "files": len(names)}


def setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()


def import_folder(folder, jobs, *, revisions=True, cache_images=False):
    setup_django()
    from articles.models import Revision
    from articles.stories import write
    from articles.stories.write import import_paths
    from articles.tasks import cache_images_later

    if not revisions:
        # No revision built or written: pending ones go to bulk_create (a generator, not
        # consumed here), live ones to insert_objects(); nothing to link intake rules to.
        Revision.objects.bulk_create = lambda rows, **options: []
        write._revision = lambda item, user, source, status: None
        insert = write.insert_objects
        write.insert_objects = lambda objs, **options: [] if objs and objs[0] is None else insert(objs, **options)
        write._link_rules = lambda planned, revisions: None

    started = time.perf_counter()
    report = import_paths([folder], jobs=jobs, batch_size=200)
    imported = time.perf_counter()
    image_jobs = cache_images_later(report.written) if cache_images else 0
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "summary": report.summary(),
        "peak_rss_mb": peak_rss_mb(),
        "image_jobs": image_jobs,
        "enqueue_seconds": seconds - (imported - started),
    }


def upload(archive):
    """The admin upload of a zip, end to end, with the database backend and real worker processes."""
    import subprocess

    setup_django()
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    from articles.jobs.models import UploadJob

    user, _ = get_user_model().objects.get_or_create(
        username="bench-admin", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(user)
    url = "/admin/articles/article/import/"
    worker = [sys.executable, "manage.py", "run_worker", "--batch", "--no-periodic", "-v0"]

    def run_worker():
        started = time.perf_counter()
        subprocess.run(worker, cwd=ROOT, check=True)
        return time.perf_counter() - started

    data = Path(archive).read_bytes()
    started = time.perf_counter()
    response = client.post(url, {"step": "upload", "files": [SimpleUploadedFile("stories.zip", data)]})
    request = time.perf_counter() - started
    assert response.status_code == 302, response.status_code
    preview = run_worker()
    job = UploadJob.objects.get()
    assert job.status == "previewed", (job.status, job.error)
    started = time.perf_counter()
    response = client.post(url, {"step": "confirm", "token": job.token})
    confirm = time.perf_counter() - started
    imported = run_worker()
    job.refresh_from_db()
    assert job.status == "done", (job.status, job.error)
    return {
        "files": job.total,
        "upload_request_seconds": request,
        "preview_seconds": preview,
        "confirm_request_seconds": confirm,
        "import_seconds": imported,
        "summary": job.summary,
    }


def loaddata(path):
    setup_django()
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("loaddata", path, verbosity=0)
    return {"seconds": time.perf_counter() - started}


def admin():
    """The admin's pages at this scale: median and best of 5 after a warm-up (wall and CPU), and the queries of one."""
    setup_django()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.db.models import Count, Max, Min
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from articles.models import Article

    user, _ = get_user_model().objects.get_or_create(
        username="bench-admin", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(user)
    dates = Article.objects.aggregate(first=Min("published_at"), last=Max("published_at"))
    whole_range = f"since={dates['first']:%Y-%m-%d}&until={dates['last']:%Y-%m-%d}"
    provider = Article.objects.values("provider").annotate(n=Count("pk")).order_by("-n", "provider")[0]["provider"]
    stories, triage = "/admin/articles/article/", "/admin/articles/article/triage/"
    analytics = "/admin/providers/provider/"
    results = {}
    for name, url in {
        "default": stories,
        "review queue": f"{stories}?review=needed",
        "filtered": f"{stories}?state=waiting&provider={provider}",
        "searched": f"{stories}?q=climate",
        "dashboard": "/admin/",
        "triage": triage,
        "triage, 500th story": f"{triage}?at=500",
        "analytics": f"{analytics}analytics/?{whole_range}",
        "analytics, one provider": f"{analytics}{provider}/analytics/?{whole_range}",
    }.items():
        client.get(url)  # warm up
        times, cpu_times = [], []
        for _ in range(5):
            with CaptureQueriesContext(connection) as queries:
                started, cpu_started = time.perf_counter(), time.process_time()
                response = client.get(url)
                times.append(time.perf_counter() - started)
                cpu_times.append(time.process_time() - cpu_started)
            assert response.status_code == 200, (url, response.status_code)
        results[name] = {
            "seconds": sorted(times)[len(times) // 2],
            "best_seconds": min(times),
            # SQLite runs in this process: its CPU time is the request's cost on a shared machine.
            "cpu_seconds": sorted(cpu_times)[len(cpu_times) // 2],
            "best_cpu_seconds": min(cpu_times),
            "queries": len(queries),
            "url": url,
        }
    return results


def queries(paths):
    setup_django()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    counts = {}
    for path in paths:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
        counts[path] = {"status": response.status_code, "queries": len(captured), "bytes": len(response.content)}
    return counts


def _retitled(text, prefix):
    """The story file `text` with `prefix` before its title, in the file's own quoting and line endings."""
    lines = text.split(b"\n")
    for index, line in enumerate(lines):
        if line.startswith(b"title: "):
            value, cr = (line[7:-1], b"\r") if line.endswith(b"\r") else (line[7:], b"")
            if value.startswith(b'"'):
                value = value[1:]
            else:
                value = value.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'
            lines[index] = b'title: "' + prefix.encode() + value + cr
            break
    return b"\n".join(lines)


def churn(seconds, folder, run=0):
    """An editor's save every 2 s and an import of 100 changed files every 60 s, for `seconds`.

    Each `run` changes other stories and writes other titles: a second run's
    imports are changes too, not the first run's files again.
    """
    setup_django()
    import random
    import tempfile

    from django.contrib.auth import get_user_model

    from articles.editorial import save_story
    from articles.models import Article
    from articles.stories.write import import_paths

    editor, _ = get_user_model().objects.get_or_create(username="bench-editor", defaults={"is_staff": True})
    live = list(Article.objects.published().values_list("pk", flat=True))
    files = sorted(Path(folder).iterdir())
    rng = random.Random(1 + run)
    saves = imports = 0
    started = time.monotonic()
    next_save = next_import = started
    with tempfile.TemporaryDirectory() as changed:
        while (now := time.monotonic()) < started + seconds:
            if now >= next_import:
                # The same stories' files, with a new title: an upstream correction.
                for path in rng.sample(files, min(100, len(files))):
                    Path(changed, path.name).write_bytes(_retitled(path.read_bytes(), f"Update {run}.{imports}: "))
                import_paths([changed])
                imports += 1
                next_import += 60
            if now >= next_save:
                article = Article.objects.get(pk=rng.choice(live))
                article.title = f"{article.title[:400]} (edited {run}.{saves})"
                save_story(article=article, expected_version=article.version, user=editor)
                saves += 1
                next_save += 2
            time.sleep(max(0.0, min(next_save, next_import) - time.monotonic()))
    return {"saves": saves, "imports": imports}


def main():
    operation, *args = sys.argv[1:]
    if operation == "floor":
        result = floor(args[0])
    elif operation == "import":
        jobs = int(args[args.index("--jobs") + 1]) if "--jobs" in args else 1
        result = import_folder(
            args[0], jobs, revisions="--without-revisions" not in args, cache_images="--cache-images" in args
        )
    elif operation == "upload":
        result = upload(args[0])
    elif operation == "loaddata":
        result = loaddata(args[0])
    elif operation == "admin":
        result = admin()
    elif operation == "queries":
        result = queries(args)
    elif operation == "churn":
        result = churn(float(args[0]), args[1], *map(int, args[2:3]))
    else:
        raise SystemExit(__doc__)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
