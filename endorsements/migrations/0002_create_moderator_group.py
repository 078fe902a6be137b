"""The Moderator role: a group allowed to moderate endorsements. The drafting work may create
the same group; get_or_create makes the two migrations agree whichever runs first."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Moderator"
PERMISSION = "moderate_endorsement"


def create_moderator_group(apps, schema_editor):
    # Permissions are normally created after all migrations; create ours now to grant it.
    # create_permissions skips apps without a models module, which migration state lacks.
    app_config = apps.get_app_config("endorsements")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    group.permissions.add(
        Permission.objects.get(content_type__app_label="endorsements", codename=PERMISSION)
    )


def remove_moderation_permission(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name=GROUP):
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="endorsements", codename=PERMISSION)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("endorsements", "0001_create_endorsement"),
    ]

    operations = [
        migrations.RunPython(create_moderator_group, remove_moderation_permission),
    ]
