from django.db import migrations

from endorsements.trust import domain_is_confirmed


def set_trust_levels(apps, schema_editor):
    """Give each existing endorsement the level its fields give it. The values are written
    out: a migration must not change with the model's choices."""
    Endorsement = apps.get_model("endorsements", "Endorsement")
    confirmed = [
        endorsement.pk
        for endorsement in Endorsement.objects.exclude(confirmed_at=None)
        .exclude(website="")
        .only("pk", "confirmed_at", "website", "contact_email")
        .iterator(chunk_size=2000)
        if domain_is_confirmed(endorsement)
    ]
    Endorsement.objects.update(trust_level="self-declared")
    for start in range(0, len(confirmed), 2000):
        Endorsement.objects.filter(pk__in=confirmed[start : start + 2000]).update(
            trust_level="domain-confirmed"
        )
    Endorsement.objects.exclude(verified_at=None).update(trust_level="verified")


def forget_trust_levels(apps, schema_editor):
    apps.get_model("endorsements", "Endorsement").objects.update(trust_level="self-declared")


class Migration(migrations.Migration):
    dependencies = [("endorsements", "0009_trust_public_pages_logos_and_fraud_signals")]

    operations = [migrations.RunPython(set_trust_levels, forget_trust_levels)]
