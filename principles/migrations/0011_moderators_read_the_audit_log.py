"""Moderators read the audit log too, now that it records moderation. The group may not exist
yet (the endorsements app creates it as well); get_or_create makes the order not matter."""

from django.db import migrations

GROUP = "Moderator"
CODENAME = "view_audit_log"
OLD_NAME, NAME = "Can read the drafting audit log", "Can read the audit log"


def grant(apps, *, name: str, to_moderators: bool):
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    permission = Permission.objects.get(content_type__app_label="principles", codename=CODENAME)
    permission.name = name
    permission.save(update_fields=["name"])
    group, _ = Group.objects.get_or_create(name=GROUP)
    if to_moderators:
        group.permissions.add(permission)
    else:
        group.permissions.remove(permission)


def let_moderators_read_the_audit_log(apps, schema_editor):
    grant(apps, name=NAME, to_moderators=True)


def take_it_back(apps, schema_editor):
    grant(apps, name=OLD_NAME, to_moderators=False)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("principles", "0010_audit_entries_always_have_a_target"),
    ]

    operations = [migrations.RunPython(let_moderators_read_the_audit_log, take_it_back)]
