"""Other apps' admins, registered again on StrictModelAdmin.

Django's user and group lists, taggit's and django-axes' failed on the same
query strings ours did (articles.admin.changelist). Their apps come before ours
in INSTALLED_APPS, so the admin's autodiscovery has registered them by the time
it imports articles.admin, whose __init__ imports this module: that is why it
lives here rather than in an app of its own (a test checks that none is left out).
"""

from django.apps import apps
from django.contrib import admin

from .changelist import StrictModelAdmin


def make_strict(site, model):
    """Register `model` again with its admin class on StrictModelAdmin: for other apps' admins."""
    admin_class = type(site.get_model_admin(model))
    site.unregister(model)
    site.register(model, type(admin_class.__name__, (StrictModelAdmin, admin_class), {"__module__": __name__}))


def make_other_admins_strict(site):
    for model in apps.get_models():
        if site.is_registered(model) and not isinstance(site.get_model_admin(model), StrictModelAdmin):
            make_strict(site, model)


make_other_admins_strict(admin.site)
