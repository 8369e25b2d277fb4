"""`make serve`'s way of running: collectstatic with hashed names, whitenoise, gunicorn."""

import gc
import os
import runpy
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture
def production_server(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "DJANGO_DEBUG"}}
    env.update(
        NEWSROOM_VAR_DIR=str(tmp_path / "var"),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        DJANGO_STATIC_ROOT=str(tmp_path / "static"),
        DJANGO_DEBUG="0",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="2",
        GUNICORN_ACCESS_LOG="-",
    )
    for command in (["migrate", "--no-input", "-v0"], ["collectstatic", "--no-input", "-v0"]):
        subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True)
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "--config", "gunicorn.conf.py", "newsroom.wsgi"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if get(base + "/healthz")[0] == 200:
                break
        except OSError:
            time.sleep(0.2)
    yield base, tmp_path / "static"
    server.terminate()
    server.wait(timeout=10)


def test_production_mode_serves_hashed_static_files_with_far_future_caching(production_server):
    base, static_root = production_server
    status, headers, body = get(base + "/healthz")
    assert (status, body) == (200, b'{"status": "ok", "database": "ok"}')
    hashed = sorted(static_root.glob("admin/css/base.*.css"))
    assert hashed, "collectstatic wrote hashed file names"
    status, headers, _ = get(f"{base}/static/admin/css/{hashed[0].name}")
    assert status == 200
    assert "max-age=315360000" in headers["Cache-Control"] and "immutable" in headers["Cache-Control"]


def test_production_mode_shows_no_debug_page(production_server):
    base, _ = production_server
    status, _, body = get(base + "/no-such-page-here/")
    assert status == 404
    assert b"Traceback" not in body and b"DEBUG = True" not in body


def test_gunicorn_recycles_workers_rarely_by_default_and_as_configured(monkeypatch):
    # Each recycled worker makes its requests wait for Django to load: at 2,000 requests a
    # busy worker was replaced every few seconds, and that wait was every page's p99.
    monkeypatch.delenv("GUNICORN_MAX_REQUESTS", raising=False)
    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert (config["max_requests"], config["max_requests_jitter"]) == (100_000, 10_000)
    monkeypatch.setenv("GUNICORN_MAX_REQUESTS", "0")
    assert runpy.run_path(str(ROOT / "gunicorn.conf.py"))["max_requests"] == 0


def test_gunicorn_access_log_goes_to_stdout_unless_turned_off_for_a_proxy_that_logs(monkeypatch):
    monkeypatch.delenv("GUNICORN_ACCESS_LOG", raising=False)
    assert runpy.run_path(str(ROOT / "gunicorn.conf.py"))["accesslog"] == "-"
    monkeypatch.setenv("GUNICORN_ACCESS_LOG", "")
    assert runpy.run_path(str(ROOT / "gunicorn.conf.py"))["accesslog"] is None


def test_gunicorn_workers_freeze_start_up_objects_and_collect_cycles_less_often():
    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    thresholds = gc.get_threshold()
    try:
        config["post_worker_init"](worker=None)
        assert gc.get_threshold() == config["GC_THRESHOLDS"]
        assert config["GC_THRESHOLDS"][0] > thresholds[0]
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
