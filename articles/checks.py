import re

from django.conf import settings
from django.core import checks
from django.utils.module_loading import import_string

try:
    from django.tasks import Task
except ImportError:  # Django < 6.0
    from django_tasks.base import Task

from .conf import newsroom_settings


@checks.register(checks.Tags.security, deploy=True)
def check_secret_key_from_environment(app_configs, **kwargs):
    """In production the key must come from DJANGO_SECRET_KEY, not the generated development file."""
    if settings.DEBUG or getattr(settings, "SECRET_KEY_FROM_ENVIRONMENT", True):
        return []
    return [
        checks.Error(
            "DJANGO_SECRET_KEY is not set: the key in use was generated for development.",
            hint="Set DJANGO_SECRET_KEY to a long random value kept outside the repository.",
            id="newsroom.E001",
        )
    ]


@checks.register(checks.Tags.security, deploy=True)
def check_public_url(app_configs, **kwargs):
    """Uploaded images get absolute URLs from NEWSROOM_PUBLIC_URL; localhost is wrong in production."""
    url = newsroom_settings.IMAGES["PUBLIC_URL"]
    if settings.DEBUG or not any(host in url for host in ("//localhost", "//127.0.0.1")):
        return []
    return [
        checks.Warning(
            f"NEWSROOM_PUBLIC_URL is {url!r}: exported stories would point uploaded images at this machine.",
            hint="Set NEWSROOM_PUBLIC_URL to the site's public address, e.g. https://news.example/.",
            id="newsroom.W002",
        )
    ]


@checks.register()
def check_periodic_jobs(app_configs, **kwargs):
    """Each entry of JOBS["PERIODIC"] names a task and a positive interval in seconds."""
    errors = []
    for entry in newsroom_settings.JOBS["PERIODIC"]:
        try:
            path, seconds = entry
        except (TypeError, ValueError):
            errors.append(checks.Error(f"JOBS['PERIODIC']: {entry!r} is not (task path, seconds)", id="newsroom.E010"))
            continue
        try:
            target = import_string(path)
        except ImportError as exc:
            target = exc
        if not isinstance(target, Task):
            errors.append(
                checks.Error(
                    f"JOBS['PERIODIC']: {path} is not a task (@task() in articles/tasks.py)", id="newsroom.E011"
                )
            )
        if not isinstance(seconds, int | float) or seconds <= 0:
            errors.append(
                checks.Error(f"JOBS['PERIODIC']: {path}: the interval must be positive seconds", id="newsroom.E012")
            )
    return errors


_INDEXNOW_KEY = re.compile(r"[A-Za-z0-9-]{8,128}")


@checks.register()
def check_pings(app_configs, **kwargs):
    """PINGS: hubs and IndexNow endpoints are http(s) URLs; the IndexNow key is one IndexNow accepts."""
    config = newsroom_settings.PINGS
    indexnow = config["INDEXNOW"] or {}
    errors = []
    for name, urls in (("WEBSUB_HUBS", config["WEBSUB_HUBS"]), ("INDEXNOW ENDPOINTS", indexnow.get("ENDPOINTS", ()))):
        for url in urls:
            if not isinstance(url, str) or not url.startswith(("http://", "https://")):
                errors.append(checks.Error(f"PINGS {name}: {url!r} is not an http(s) URL", id="newsroom.E020"))
    key = indexnow.get("KEY", "")
    if key and not _INDEXNOW_KEY.fullmatch(key):
        errors.append(
            checks.Error(
                "PINGS INDEXNOW KEY must be 8 to 128 letters, digits or dashes (IndexNow's rule).",
                id="newsroom.E021",
            )
        )
    if config["MAX_ATTEMPTS"] < 1 or not config["RETRY_DELAYS"]:
        errors.append(checks.Error("PINGS: MAX_ATTEMPTS must be 1 or more, with RETRY_DELAYS", id="newsroom.E022"))
    return errors
