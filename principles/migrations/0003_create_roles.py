"""The drafting roles as groups. Groups are fetched with get_or_create so that another app's
migration may create the same group (Moderator) without clashing."""

from django.db import migrations

ROLES = {
    "Editor": ["edit_draft"],
    "Reviewer": ["review_draft"],
    "Publisher": ["publish_draft", "view_audit_log"],
    "Moderator": [],
}
PERMISSION_NAMES = {
    "edit_draft": "Can start and edit drafts",
    "review_draft": "Can approve drafts or send them back",
    "publish_draft": "Can publish approved drafts",
    "view_audit_log": "Can read the drafting audit log",
}


def create_roles(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    # Permissions are otherwise created only after all migrations have run.
    version_type, _ = ContentType.objects.get_or_create(app_label="principles", model="version")
    for role, codenames in ROLES.items():
        group, _ = Group.objects.get_or_create(name=role)
        for codename in codenames:
            permission, _ = Permission.objects.get_or_create(
                content_type=version_type,
                codename=codename,
                defaults={"name": PERMISSION_NAMES[codename]},
            )
            group.permissions.add(permission)


def remove_drafting_permissions(apps, schema_editor):
    """Leave the groups (another app may use Moderator); take away what this migration gave."""
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(
        content_type__app_label="principles", codename__in=PERMISSION_NAMES
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("principles", "0002_add_review_states_and_revisions"),
    ]

    operations = [migrations.RunPython(create_roles, remove_drafting_permissions)]
