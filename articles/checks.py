from django.conf import settings
from django.core import checks


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
