"""The stored canonical URLs under the rules of 2026-12-07 (articles.canonical): every AMP marker
dropped until none is left, a lone /amp kept, port 443 always dropped and 80 only for http.
Only the rows whose value changes are written (articles.canonical_rows)."""

from django.db import migrations

from articles.canonical_rows import refresh_canonical_urls


def refresh(apps, schema_editor):
    refresh_canonical_urls(
        apps.get_model("articles", "Article"),
        apps.get_model("articles", "RelatedLink"),
        using=schema_editor.connection.alias,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0020_provider_analytics_at_scale"),
    ]

    operations = [
        migrations.RunPython(refresh, migrations.RunPython.noop),
    ]
