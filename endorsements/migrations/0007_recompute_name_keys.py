"""Recompute every endorsement's name key with `normalise_name` as it now is (accents,
invisible characters and Cyrillic or Greek look-alikes folded), and back with the previous rule.

Two live endorsements (unconfirmed, confirmed or approved) of the same country whose names only
differed by those now share a key, which the constraint `one_live_endorsement_per_organisation`
refuses. The earliest submitted keeps the key; each later one keeps a key of its own, the new
key followed by "#" and its id, so that it is still found by a search and a moderator can
decide about it. The migration prints each one it kept apart.
"""

import unicodedata

from django.db import migrations
from django.db.models import TextField, Value
from django.db.models.functions import Cast, Concat

LIVE_STATUSES = ["unconfirmed", "confirmed", "approved"]


def previous_normalise_name(name: str) -> str:
    """normalise_name before this migration, frozen here for the way back."""
    folded = unicodedata.normalize("NFKC", name).casefold()
    kept = "".join(ch if unicodedata.category(ch)[0] in "LNM" else " " for ch in folded)
    return " ".join(kept.split())


def recompute(apps, normalise) -> None:
    Endorsement = apps.get_model("endorsements", "Endorsement")
    taken = set()
    rows = Endorsement.objects.order_by("submitted_at", "pk").only(
        "pk", "organisation_name", "name_key", "country", "status"
    )
    changed = []
    for endorsement in rows.iterator(chunk_size=2000):
        key = normalise(endorsement.organisation_name)
        if endorsement.status in LIVE_STATUSES:
            if (key, endorsement.country) in taken:
                print(f"\n  Endorsement {endorsement.pk} has the same name as an earlier one.")
                key = f"{key}#{endorsement.pk}"
            taken.add((key, endorsement.country))
        if key != endorsement.name_key:
            endorsement.name_key = key
            changed.append(endorsement)
    # Free every changed key first: a row may take the key that another row is giving up.
    ids = [endorsement.pk for endorsement in changed]
    for start in range(0, len(ids), 2000):
        Endorsement.objects.filter(pk__in=ids[start : start + 2000]).update(
            name_key=Concat(Value("#"), Cast("pk", TextField()))
        )
    Endorsement.objects.bulk_update(changed, ["name_key"], batch_size=2000)


def forwards(apps, schema_editor):
    from endorsements.models import normalise_name

    recompute(apps, normalise_name)


def backwards(apps, schema_editor):
    recompute(apps, previous_normalise_name)


class Migration(migrations.Migration):
    dependencies = [
        ("endorsements", "0006_revoke_approvals_and_rejection_reasons"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
