from django.db import migrations, models


class Migration(migrations.Migration):
    """Endorsements sent before the privacy notice said websites are published were promised
    that theirs never would be: they get False; every later one True."""

    dependencies = [
        ("endorsements", "0007_recompute_name_keys"),
    ]

    operations = [
        migrations.AddField(
            model_name="endorsement",
            name="website_is_public",
            field=models.BooleanField(default=False, verbose_name="website may be published"),
        ),
        migrations.AlterField(
            model_name="endorsement",
            name="website_is_public",
            field=models.BooleanField(default=True, verbose_name="website may be published"),
        ),
    ]
