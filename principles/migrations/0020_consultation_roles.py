"""Publishers open consultations; Moderators moderate what participants send. Permissions are
otherwise created only after all migrations have run, so they are fetched or created here."""

from django.db import migrations

GRANTS = {
    ("consultation", "open_consultation"): ("Publisher", "Can open a draft for consultation"),
    ("contribution", "moderate_contribution"): (
        "Moderator",
        "Can moderate consultation contributions",
    ),
}


def grant(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    for (model, codename), (role, name) in GRANTS.items():
        content_type, _ = ContentType.objects.get_or_create(app_label="principles", model=model)
        permission, _ = Permission.objects.get_or_create(
            content_type=content_type, codename=codename, defaults={"name": name}
        )
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.add(permission)


def take_back(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    for (_model, codename), (role, _name) in GRANTS.items():
        for group in Group.objects.filter(name=role):
            group.permissions.remove(
                *Permission.objects.filter(content_type__app_label="principles", codename=codename)
            )


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("principles", "0019_consultations"),
    ]

    operations = [migrations.RunPython(grant, take_back)]
