"""Faults and concurrency: imports killed mid-way, and two imports at once, in real processes."""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def process_database(tmp_path):
    """A database URL for subprocesses: a SQLite file, or a fresh PostgreSQL database when the suite runs on one."""
    if connection.vendor == "postgresql":
        import psycopg

        params = connection.settings_dict
        name = f"newsroom_proc_{uuid.uuid4().hex[:8]}"
        admin_url = f"postgresql://{params['USER']}@{params['HOST'] or '127.0.0.1'}:{params['PORT'] or 5432}/postgres"
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        yield admin_url.rsplit("/", 1)[0] + "/" + name
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        yield f"sqlite:///{tmp_path / 'db.sqlite3'}"


def environment(database_url, tmp_path, **extra):
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL"}}
    env.update(DATABASE_URL=database_url, NEWSROOM_VAR_DIR=str(tmp_path / "var"), **extra)
    return env


def manage(env, *args, **kwargs):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, **kwargs
    )


def make_corpus(out, stories, seed=7, start=1):
    subprocess.run(
        [
            sys.executable,
            "bench/make_corpus.py",
            "--stories",
            str(stories),
            "--out",
            str(out),
            "--seed",
            str(seed),
            "--start",
            str(start),
            "--providers",
            "40",
        ],
        cwd=ROOT,
        check=True,
    )


def query(database_url, sql):
    if database_url.startswith("sqlite:///"):
        import sqlite3

        with sqlite3.connect(database_url.removeprefix("sqlite:///"), timeout=30) as conn:
            return conn.execute(sql).fetchall()
    import psycopg

    with psycopg.connect(database_url.replace("postgres://", "postgresql://")) as conn:
        return conn.execute(sql).fetchall()


def state(database_url):
    """Everything an import writes, in a comparable form."""
    return {
        "articles": query(
            database_url,
            "SELECT a.url_key, a.title, a.quality, a.published, a.content_hash, p.domain,"
            " (SELECT COUNT(*) FROM articles_relatedlink r WHERE r.article_id = a.id),"
            " (SELECT COUNT(*) FROM articles_image i WHERE i.article_id = a.id),"
            " (SELECT COUNT(*) FROM articles_image i JOIN articles_relatedlink r ON i.related_link_id = r.id"
            "   WHERE r.article_id = a.id),"
            " (SELECT COUNT(*) FROM articles_taggedarticle t WHERE t.content_object_id = a.id)"
            " FROM articles_article a LEFT JOIN providers_provider p ON p.id = a.provider_id ORDER BY a.url_key",
        ),
        "topics": sorted(query(database_url, "SELECT name FROM articles_topic")),
        "providers": sorted(query(database_url, "SELECT domain, name FROM providers_provider")),
    }


def expected_counts(*folders):
    from articles.stories.parse import parse_story_bytes

    counts = {}
    for path in (path for folder in folders for path in folder.iterdir()):
        story = parse_story_bytes(path.read_bytes(), filename=path.name)
        counts[story.url_key] = (len(story.related), len(story.images), sum(len(r.images) for r in story.related))
    return counts


def assert_consistent(database_url, *folders):
    """No story without all of its related items and images, no orphan rows."""
    expected = expected_counts(*folders)
    for url_key, *_, related, images, related_images, _topics in state(database_url)["articles"]:
        assert (related, images, related_images) == expected[url_key], url_key
    orphans = query(
        database_url,
        "SELECT COUNT(*) FROM articles_image i WHERE (i.article_id IS NOT NULL AND NOT EXISTS"
        " (SELECT 1 FROM articles_article a WHERE a.id = i.article_id)) OR (i.related_link_id IS NOT NULL"
        " AND NOT EXISTS (SELECT 1 FROM articles_relatedlink r WHERE r.id = i.related_link_id))",
    )
    assert orphans == [(0,)]
    assert query(
        database_url,
        "SELECT COUNT(*) FROM articles_relatedlink r WHERE NOT EXISTS"
        " (SELECT 1 FROM articles_article a WHERE a.id = r.article_id)",
    ) == [(0,)]


@pytest.mark.django_db
def test_import_killed_mid_way_leaves_whole_files_and_a_rerun_completes_it(tmp_path, process_database):
    corpus = tmp_path / "corpus"
    make_corpus(corpus, 600)
    env = environment(process_database, tmp_path, NEWSROOM_IMPORT_BATCH_SIZE="10")
    assert manage(env, "migrate", "-v0").returncode == 0
    process = subprocess.Popen(
        [sys.executable, "manage.py", "import_stories", str(corpus), "--jobs", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        time.sleep(0.05)
        if query(process_database, "SELECT COUNT(*) FROM articles_article")[0][0] >= 50:
            break
    process.send_signal(signal.SIGKILL)
    process.wait()
    imported = query(process_database, "SELECT COUNT(*) FROM articles_article")[0][0]
    assert 50 <= imported < 600, "the kill must land in the middle of the import"
    assert_consistent(process_database, corpus)

    rerun = manage(env, "import_stories", str(corpus), "--jobs", "1")
    assert rerun.returncode == 0, rerun.stderr
    assert f"unchanged {imported}" in rerun.stdout
    assert_consistent(process_database, corpus)

    clean_url = f"sqlite:///{tmp_path / 'clean.sqlite3'}"
    clean_env = environment(clean_url, tmp_path)
    assert manage(clean_env, "migrate", "-v0").returncode == 0
    assert manage(clean_env, "import_stories", str(corpus)).returncode == 0
    killed, clean = state(process_database), state(clean_url)
    assert killed == clean


@pytest.mark.django_db
def test_two_imports_of_overlapping_folders_at_once_make_no_duplicates(tmp_path, process_database):
    first, second = tmp_path / "first", tmp_path / "second"
    make_corpus(first, 300, seed=11)
    for path in sorted(first.iterdir())[150:]:
        second.mkdir(exist_ok=True)
        (second / path.name).write_bytes(path.read_bytes())
    make_corpus(second, 150, seed=12, start=301)
    env = environment(process_database, tmp_path, NEWSROOM_IMPORT_BATCH_SIZE="25")
    assert manage(env, "migrate", "-v0").returncode == 0
    processes = [
        subprocess.Popen(
            [sys.executable, "manage.py", "import_stories", str(folder), "--jobs", "1"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for folder in (first, second)
    ]
    outputs = [process.communicate(timeout=300) for process in processes]
    for process, (out, err) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, err
        assert "failed 0" in out
    assert query(process_database, "SELECT COUNT(*), COUNT(DISTINCT url_key) FROM articles_article") == [(450, 450)]
    assert (
        query(process_database, "SELECT COUNT(*), COUNT(DISTINCT LOWER(name)) FROM articles_topic")[0][0]
        == (query(process_database, "SELECT COUNT(DISTINCT LOWER(name)) FROM articles_topic")[0][0])
    )
    assert_consistent(process_database, first, second)


def free_port():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.django_db
def test_readers_are_served_while_a_large_import_runs(tmp_path, process_database):
    """Every page request during an import answers 200, none waiting on a lock for a second."""
    import urllib.request

    corpus = tmp_path / "corpus"
    make_corpus(corpus, 800, seed=5)
    env = environment(
        process_database, tmp_path, NEWSROOM_IMPORT_BATCH_SIZE="50", DJANGO_STATIC_ROOT=str(tmp_path / "static")
    )
    for command in (["migrate", "-v0"], ["collectstatic", "--no-input", "-v0"], ["import_stories", "fixtures"]):
        assert manage(env, *command).returncode == 0, command
    port = free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "--config", "gunicorn.conf.py", "newsroom.wsgi"],
        cwd=ROOT,
        env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": "2", "GUNICORN_ACCESS_LOG": "/dev/null"},
        stdout=subprocess.DEVNULL,
        stderr=open(tmp_path / "server.log", "w"),  # noqa: SIM115 - closed with the process
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2).close()
                break
            except OSError:
                time.sleep(0.2)
        importer = subprocess.Popen(
            [sys.executable, "manage.py", "import_stories", str(corpus), "--jobs", "1"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=open(tmp_path / "import.log", "w"),  # noqa: SIM115 - closed with the process
        )
        statuses, slowest, during_import = [], 0.0, 0
        stop_at = time.monotonic() + 60
        # Bounded: at most 400 requests or 60 seconds, whichever comes first.
        for n in range(400):
            if time.monotonic() > stop_at or (importer.poll() is not None and n > 20):
                break
            during_import += importer.poll() is None
            path = ("/", "/?page=2", "/healthz", "/feeds/rss/")[n % 4]
            started = time.monotonic()
            with urllib.request.urlopen(base + path, timeout=10) as response:
                statuses.append(response.status)
            slowest = max(slowest, time.monotonic() - started)
        assert importer.wait(timeout=300) == 0, (tmp_path / "import.log").read_text()[-3000:]
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert set(statuses) == {200}, (tmp_path / "server.log").read_text()[-3000:]
    assert during_import >= 20, "the requests must overlap the import"
    assert set(statuses) == {200}
    assert slowest < 1.0, f"a request waited {slowest:.2f} s"
