"""Settings come from the environment, each with a safe default."""

import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

SETTINGS = Path(__file__).resolve().parents[1] / "settings.py"
ROOT = SETTINGS.parents[1]
VARIABLES = [
    "DJANGO_SECRET_KEY",
    "DJANGO_DEBUG",
    "DJANGO_ALLOWED_HOSTS",
    "DATABASE_URL",
    "REDIS_URL",
    "DJANGO_HTTPS",
    "DJANGO_CONN_MAX_AGE",
    "DATABASE_REPLICA_URL",
    "GUNICORN_FORWARDED_ALLOW_IPS",
    "NEWSROOM_MAX_REQUEST_BYTES",
    "NEWSROOM_CACHE_ENTRIES",
    "NEWSROOM_CACHE_MB",
]


@pytest.fixture
def load(monkeypatch, tmp_path):
    """Evaluate settings.py afresh with the given environment."""

    def load(**env):
        for name in VARIABLES:
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("NEWSROOM_VAR_DIR", str(tmp_path / "var"))
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return runpy.run_path(str(SETTINGS))

    return load


def test_defaults_suit_a_laptop(load, tmp_path):
    settings = load()
    assert settings["DEBUG"] is False
    assert settings["ALLOWED_HOSTS"] == ["127.0.0.1", "localhost"]
    database = settings["DATABASES"]["default"]
    assert database["ENGINE"] == "django.db.backends.sqlite3"
    assert database["NAME"] == str(tmp_path / "var" / "db.sqlite3")
    assert database["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in database["OPTIONS"]["init_command"]
    assert "mmap_size=268435456" in database["OPTIONS"]["init_command"]
    assert database["CONN_MAX_AGE"] == 60
    assert settings["CACHES"]["default"]["BACKEND"].endswith("LocMemCache")
    # Bounded in memory however the URLs vary (docs/deploy.md), not by Django's 300 entries.
    assert settings["CACHES"]["default"]["OPTIONS"]["MAX_BYTES"] == 128 * 1024 * 1024
    assert settings["USE_TZ"] is True
    assert settings["TAGGIT_CASE_INSENSITIVE"] is True
    assert settings["SECURE_SSL_REDIRECT"] is False


def test_development_secret_key_is_generated_once_into_var(load, tmp_path):
    first = load()["SECRET_KEY"]
    assert len(first) > 40
    assert (tmp_path / "var" / "secret_key").read_text() == first
    assert load()["SECRET_KEY"] == first
    assert load()["SECRET_KEY_FROM_ENVIRONMENT"] is False


def test_secret_key_from_the_environment_wins(load, tmp_path):
    settings = load(DJANGO_SECRET_KEY="from-env")
    assert (settings["SECRET_KEY"], settings["SECRET_KEY_FROM_ENVIRONMENT"]) == ("from-env", True)


def test_debug_and_allowed_hosts_are_read(load):
    settings = load(DJANGO_DEBUG="1", DJANGO_ALLOWED_HOSTS="news.example, www.news.example")
    assert settings["DEBUG"] is True
    assert settings["ALLOWED_HOSTS"] == ["news.example", "www.news.example"]


def test_a_bad_boolean_is_a_clear_error(load):
    with pytest.raises(ImproperlyConfigured, match="DJANGO_DEBUG must be a boolean"):
        load(DJANGO_DEBUG="perhaps")


def test_database_url_selects_postgresql_with_connection_reuse(load):
    settings = load(DATABASE_URL="postgres://news:pw@db.example:5432/newsroom", DJANGO_CONN_MAX_AGE="120")
    database = settings["DATABASES"]["default"]
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert (database["HOST"], database["NAME"], database["USER"]) == ("db.example", "newsroom", "news")
    assert database["CONN_MAX_AGE"] == 120 and database["CONN_HEALTH_CHECKS"] is True


def test_sqlite_connections_are_reused_for_as_long_as_configured(load):
    database = load(DJANGO_CONN_MAX_AGE="5")["DATABASES"]["default"]
    assert database["ENGINE"] == "django.db.backends.sqlite3"
    assert database["CONN_MAX_AGE"] == 5


def test_the_local_cache_size_is_configurable(load):
    settings = load(NEWSROOM_CACHE_ENTRIES="500", NEWSROOM_CACHE_MB="16")
    assert settings["CACHES"]["default"]["OPTIONS"]["MAX_ENTRIES"] == 500
    assert settings["CACHES"]["default"]["OPTIONS"]["MAX_BYTES"] == 16 * 1024 * 1024


def test_redis_url_switches_the_cache_to_redis(load):
    settings = load(REDIS_URL="redis://127.0.0.1:6379/1")
    assert settings["CACHES"]["default"]["BACKEND"] == "core.cache.ResilientRedisCache"
    assert settings["CACHES"]["default"]["LOCATION"] == "redis://127.0.0.1:6379/1"


def test_with_redis_each_process_keeps_its_own_copy_of_pages_in_front_of_it(load):
    pages = load(REDIS_URL="redis://127.0.0.1:6379/1", NEWSROOM_CACHE_MB="16")["CACHES"]["pages"]
    assert pages["BACKEND"] == "core.cache.LocalFirstCache"
    assert pages["OPTIONS"] == {"SHARED": "default", "MAX_BYTES": 16 * 1024 * 1024}


def test_without_redis_pages_share_the_local_cache(load):
    caches = load()["CACHES"]
    assert caches["pages"] == caches["default"]


def test_https_turns_on_secure_cookies_and_hsts(load):
    settings = load(DJANGO_HTTPS="1")
    assert settings["SECURE_SSL_REDIRECT"] and settings["SESSION_COOKIE_SECURE"] and settings["CSRF_COOKIE_SECURE"]
    assert settings["SECURE_HSTS_SECONDS"] == 31536000


def test_the_log_in_limit_trusts_the_proxies_gunicorn_trusts(load):
    assert load()["NEWSROOM_TRUSTED_PROXIES"] == ["127.0.0.1"]
    settings = load(GUNICORN_FORWARDED_ALLOW_IPS="10.0.0.1, 10.1.0.0/16")
    assert settings["NEWSROOM_TRUSTED_PROXIES"] == ["10.0.0.1", "10.1.0.0/16"]


def test_the_request_body_limit_is_read_and_used_for_django_limits_too(load):
    settings = load(NEWSROOM_MAX_REQUEST_BYTES="65536")
    assert settings["NEWSROOM_MAX_REQUEST_BYTES"] == 65536
    assert settings["DATA_UPLOAD_MAX_MEMORY_SIZE"] == settings["FILE_UPLOAD_MAX_MEMORY_SIZE"] == 65536


def run_deploy_check(tmp_path, **env):
    # DJANGO_ALLOW_ASYNC_UNSAFE: set by the browser tests' fixture, refused (rightly) by the deploy check.
    inherited = {*VARIABLES, "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environment = {k: v for k, v in os.environ.items() if k not in inherited}
    environment.update(NEWSROOM_VAR_DIR=str(tmp_path / "var"), **env)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
    )


def test_deploy_check_passes_with_production_settings(tmp_path):
    result = run_deploy_check(
        tmp_path,
        DJANGO_SECRET_KEY="x" * 20 + "-a-long-random-production-key-0123456789",
        DJANGO_HTTPS="1",
        NEWSROOM_PUBLIC_URL="https://news.example/",
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_deploy_check_refuses_the_generated_development_key(tmp_path):
    result = run_deploy_check(tmp_path, DJANGO_HTTPS="1")
    assert result.returncode != 0
    assert "newsroom.E001" in result.stderr


def test_deploy_check_warns_about_a_localhost_public_url(tmp_path):
    result = run_deploy_check(tmp_path, DJANGO_SECRET_KEY="k" * 60, DJANGO_HTTPS="1")
    assert result.returncode != 0
    assert "newsroom.W002" in result.stderr


def test_replica_url_adds_a_replica_and_the_router(load):
    settings = load(DATABASE_REPLICA_URL="postgres://reader@replica.example/newsroom")
    assert settings["DATABASES"]["replica"]["HOST"] == "replica.example"
    assert settings["DATABASES"]["replica"]["TEST"] == {"MIRROR": "default"}
    assert settings["DATABASE_ROUTERS"] == ["core.routers.ReplicaRouter"]
    assert "replica" not in load()["DATABASES"]
