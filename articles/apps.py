from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Stories"

    def ready(self):
        from django.contrib import admin

        from . import checks  # noqa: F401 - registers the deploy checks
        from .security import RateLimitedAdminAuthenticationForm

        admin.site.login_form = RateLimitedAdminAuthenticationForm
