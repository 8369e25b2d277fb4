from django.db import migrations, models


class Migration(migrations.Migration):
    """Story slugs may be in any script: a validation change only, the column stays as it is.

    On SQLite an AlterField would copy the whole stories table to change nothing in it.
    """

    dependencies = [
        ("articles", "0024_content_changes_listed"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="article",
                    name="slug",
                    field=models.SlugField(allow_unicode=True, max_length=255, unique=True),
                ),
            ],
        ),
    ]
