"""Everything stored about one endorsing organisation, for its endorser to download.

Kept out on purpose (README, "Managing an endorsement"): how a Moderator verified it, why an
approval was revoked (kept in the record, never published nor sent) and who moderated, verified
or decided anything (staff's notes and identities, not the organisation's data). Its dates and
outcomes are in. Only an approved endorsement's endorser can download it (views.export)."""

from django_tasks_db.models import DBTaskResult

from ..models import Endorsement
from ..tasks import send_endorsement_email


def date(value) -> str | None:
    return value.isoformat() if value else None


def export_data(endorsement: Endorsement) -> dict:
    endorsement = Endorsement.objects.select_related("version", "reconfirmed_version").get(
        pk=endorsement.pk
    )
    return {
        "organisation": {
            "public_id": endorsement.public_id,
            "name": endorsement.organisation_name,
            "normalised_name": endorsement.name_key,
            "type": endorsement.organisation_type,
            "country": endorsement.country.code,
            "region": endorsement.region,
            "website": endorsement.website,
            "website_may_be_published": endorsement.website_is_public,
            "statement": endorsement.statement,
        },
        "contact": {
            "name": endorsement.contact_name,
            "role": endorsement.contact_role,
            "email": endorsement.contact_email,
            "email_with_aliases_folded": endorsement.email_key,
            "language": endorsement.language,
        },
        "status": {
            "status": endorsement.status,
            "trust_level": endorsement.trust_level,
            "submitted_at": date(endorsement.submitted_at),
            "submitted_from_network": endorsement.submitted_from,
            "confirmed_at": date(endorsement.confirmed_at),
            "moderated_at": date(endorsement.moderated_at),
            "approved_at": date(endorsement.approved_at),
            "verified_at": date(endorsement.verified_at),
            "rejection_code": endorsement.rejection_code,
            "rejection_reason": endorsement.rejection_reason,
            "revoked_at": date(endorsement.revoked_at),
            "reconfirmed_at": date(endorsement.reconfirmed_at),
            "withdrawn_at": date(endorsement.withdrawn_at),
        },
        "versions": versions(endorsement),
        "commitments": [
            {
                "key": str(line.key),
                "number": f"{line.principle.position}.{line.position}",
                "text": line.text.text,
            }
            for line in endorsement.action_lines.select_related("principle")
            .prefetch_related("texts")
            .order_by("principle__position", "position")
        ],
        "logos": [
            {
                "status": logo.status,
                "uploaded_at": date(logo.uploaded_at),
                "moderated_at": date(logo.moderated_at),
                "width": logo.width,
                "height": logo.height,
                "sha256": logo.content_hash,
                "shown": logo.pk == endorsement.logo_id,
            }
            for logo in endorsement.logos.order_by("uploaded_at", "pk")
        ],
        "name_changes": [
            {
                "organisation_name": change.organisation_name,
                "country": change.country.code,
                "previous_name": change.previous_name,
                "previous_country": change.previous_country.code,
                "status": change.status,
                "requested_at": date(change.requested_at),
                "decided_at": date(change.decided_at),
                "reason": change.reason,
            }
            for change in endorsement.changes.order_by("requested_at", "pk")
        ],
        "emails": emails_queued(endorsement),
    }


def versions(endorsement: Endorsement) -> list[dict]:
    endorsed = [
        {
            "version": endorsement.version.number,
            "content_hash": endorsement.content_hash,
            "endorsed_at": date(endorsement.submitted_at),
        }
    ]
    reconfirmed = [
        {
            "version": row.version.number,
            "content_hash": row.content_hash,
            "reconfirmed_at": date(row.reconfirmed_at),
        }
        for row in endorsement.reconfirmations.select_related("version").order_by("reconfirmed_at")
    ]
    return endorsed + reconfirmed


def emails_queued(endorsement: Endorsement) -> list[dict]:
    """The emails the task queue holds for it (the database queue keeps them until pruned):
    which kind, when queued and sent, never their links."""
    rows = DBTaskResult.objects.filter(
        task_path=send_endorsement_email.module_path,
        args_kwargs__kwargs__endorsement_id=endorsement.pk,
    ).order_by("enqueued_at")
    return [
        {
            "kind": row.args_kwargs["kwargs"].get("kind"),
            "status": row.status,
            "queued_at": date(row.enqueued_at),
            "finished_at": date(row.finished_at),
        }
        for row in rows
    ]
