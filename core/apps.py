from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Cross-cutting pieces (middleware, cache backend, database router, health view, a JSON field).

    Depends on nothing else of ours, so every app may use it.
    """

    name = "core"
    verbose_name = "Core"

    def ready(self):
        # Registers the `any_of` lookup on every field.
        from . import lookups  # noqa: F401
