from django.conf import settings
from django.core import checks

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
