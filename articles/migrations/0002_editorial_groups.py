"""The two groups editors and importers are put in, with their permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUPS = {
    "Editors": [
        ("articles", "article", ["view", "change"]),
        ("articles", "relatedlink", ["view", "change"]),
        ("articles", "image", ["view", "change"]),
        ("providers", "provider", ["view", "change"]),
        ("articles", "topic", ["view"]),
        ("articles", "article", ["publish"]),
    ],
    "Importers": [
        ("articles", "article", ["view", "import"]),
    ],
}
# Custom permissions do not follow the action_model pattern.
CODENAMES = {("article", "publish"): "publish_article", ("article", "import"): "import_stories"}


def ensure_permissions(apps, using):
    # Permissions are normally created after the whole migrate run (post_migrate);
    # on a fresh database they do not exist yet when this migration runs.
    for label in ("articles", "providers"):
        app_config = apps.get_app_config(label)
        # create_permissions skips app configs without a models module, which
        # the migration state's app configs never have.
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = models_module or True
        try:
            create_permissions(app_config, apps=apps, verbosity=0, using=using)
        finally:
            app_config.models_module = models_module


def create_groups(apps, schema_editor):
    using = schema_editor.connection.alias
    ensure_permissions(apps, using)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, grants in GROUPS.items():
        group, _ = Group.objects.using(using).get_or_create(name=name)
        for app_label, model, actions in grants:
            for action in actions:
                codename = CODENAMES.get((model, action), f"{action}_{model}")
                group.permissions.add(
                    Permission.objects.using(using).get(content_type__app_label=app_label, codename=codename)
                )


def delete_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.using(schema_editor.connection.alias).filter(name__in=GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0001_initial"),
        ("providers", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, delete_groups)]
