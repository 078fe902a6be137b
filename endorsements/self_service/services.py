"""Writes an endorser makes from its manage link, and the Moderators' decisions on the changes
it asks for."""

import hashlib
import json

from django.db import IntegrityError, transaction

from principles.models import AuditEntry

from ..logos import ProcessedLogo, delete_files_when_committed, store_logo
from ..models import Endorsement, EndorsementChange, EndorsementStateError, Logo
from ..names import normalise_name
from ..services import enqueue_email, refresh_signatory_pdfs
from ..trust import refresh_trust_level


class StaleEdit(Exception):
    """The endorsement changed after the page that posted was shown (another tab, another
    person with the link): nothing was saved. `current` is the endorsement as it is now."""

    def __init__(self, current: Endorsement):
        super().__init__(f"{current} changed since the page was shown.")
        self.current = current


class NameTaken(Exception):
    """Another live endorsement has that name in that country: the same organisation."""


def committed_line_ids(endorsement: Endorsement) -> list[int]:
    """Its commitments among the action lines of the latest version it endorsed, by id."""
    version = endorsement.latest_version
    return sorted(endorsement.commitments_in(version).values_list("pk", flat=True))


def pending_change(endorsement: Endorsement) -> EndorsementChange | None:
    return endorsement.changes.pending().first()


def fingerprint(endorsement: Endorsement) -> str:
    """What the manage page shows that a save may change, hashed: a page posts the fingerprint
    it was drawn from, and a save is refused when it no longer matches."""
    change = pending_change(endorsement)
    shown = [
        endorsement.organisation_name,
        endorsement.country.code,
        endorsement.website,
        endorsement.statement,
        committed_line_ids(endorsement),
        [change.organisation_name, change.country.code] if change else None,
    ]
    return hashlib.sha256(json.dumps(shown).encode()).hexdigest()


def check_fresh(endorsement: Endorsement, *, seen: str) -> None:
    """Raise StaleEdit when the page that posted (`seen`) no longer shows what is saved. The
    view asks before decoding a logo, so that a stale post costs no decoding; the save asks
    again under its lock."""
    current = Endorsement.objects.get(pk=endorsement.pk)
    if fingerprint(current) != seen:
        raise StaleEdit(current)


def name_is_taken(endorsement: Endorsement, *, name: str, country: str) -> bool:
    others = Endorsement.objects.live().exclude(pk=endorsement.pk)
    return others.filter(name_key=normalise_name(name), country=country).exists()


@transaction.atomic
def update_endorsement(
    *,
    endorsement: Endorsement,
    seen: str,
    organisation_name: str,
    country: str,
    website: str,
    statement: str,
    action_line_ids: list[int],
    logo: ProcessedLogo | None = None,
) -> list[str]:
    """Apply what the endorser changed on its manage page and return the names of what
    changed. The statement, website and commitments are its own words and apply at once (a
    Moderator can still revoke), but a new website takes back a verification by the
    secretariat ("verification" among the names returned); a new logo waits for a Moderator,
    in place of any logo waiting already; a new name or country is asked for as an
    EndorsementChange, and the endorsement stays public under its name.

    Raises StaleEdit when the endorsement changed since the page was drawn (`seen`, see
    `fingerprint`), NameTaken when another live endorsement has the new name in the new
    country, changing nothing in either case."""
    endorsement = Endorsement.objects.select_for_update().get(pk=endorsement.pk)
    if fingerprint(endorsement) != seen:
        raise StaleEdit(endorsement)
    changed = [
        name
        for name, value in [("website", website), ("statement", statement)]
        if getattr(endorsement, name) != value
    ]
    if changed:
        endorsement.website, endorsement.statement = website, statement
        endorsement.save(update_fields=changed)
    if "website" in changed and endorsement.verified_at is not None:
        # The secretariat verified the organisation behind the website it saw: a new one
        # could be anybody's. No AuditEntry (it needs a staff actor): the endorsement itself
        # records it, verified_at and the note cleared, and the endorser is told.
        endorsement.set_verification(by=None)
        changed.append("verification")
    if "website" in changed:
        refresh_trust_level(endorsement)
    if sorted(set(action_line_ids)) != committed_line_ids(endorsement):
        endorsement.action_lines.set(action_line_ids)
        changed.append("action_lines")
    if ask_for_new_name(endorsement, name=organisation_name, country=country):
        changed.append("organisation")
    if logo is not None:
        replace_pending_logo(endorsement=endorsement, processed=logo)
        changed.append("logo")
    if set(changed) & {"website", "statement", "action_lines"}:
        refresh_signatory_pdfs(endorsement)
    return changed


def replace_pending_logo(*, endorsement: Endorsement, processed: ProcessedLogo) -> Logo:
    """Store the new logo as the one waiting for a Moderator: a logo waiting already was never
    shown nor decided, so its row goes and its files are deleted once this commits (the
    endorsement's row lock, taken by the caller, keeps two uploads from both staying)."""
    older = list(Logo.objects.pending().filter(endorsement=endorsement))
    Logo.objects.filter(pk__in=[logo.pk for logo in older]).delete()
    delete_files_when_committed(older)
    return store_logo(endorsement=endorsement, processed=processed)


def ask_for_new_name(endorsement: Endorsement, *, name: str, country: str) -> bool:
    """Record the name and country asked for, replacing the change waiting if any; asking for
    the current ones again withdraws it. Returns whether anything changed."""
    waiting = pending_change(endorsement)
    asked = (name, country)
    if waiting is not None and asked == (waiting.organisation_name, waiting.country.code):
        return False
    if waiting is not None:
        waiting.replace()
    if asked == (endorsement.organisation_name, endorsement.country.code):
        return waiting is not None
    if name_is_taken(endorsement, name=name, country=country):
        raise NameTaken(name)
    EndorsementChange.objects.create(
        endorsement=endorsement,
        organisation_name=name,
        country=country,
        previous_name=endorsement.organisation_name,
        previous_country=endorsement.country.code,
    )
    return True


@transaction.atomic
def approve_change(*, change: EndorsementChange, moderator) -> Endorsement:
    """Give the endorsement the name and country its endorser asked for, audit it, email the
    endorser and refresh everything public. Raises NameTaken when another live endorsement
    took that name in that country meanwhile, EndorsementStateError when it was decided or the
    endorsement is no longer public."""
    change = EndorsementChange.objects.select_for_update().get(pk=change.pk)
    endorsement = Endorsement.objects.select_for_update().get(pk=change.endorsement_id)
    if endorsement.status != Endorsement.Status.APPROVED:
        raise EndorsementStateError(f"{endorsement} is no longer public.")
    name, country = change.organisation_name, change.country.code
    if name_is_taken(endorsement, name=name, country=country):
        raise NameTaken(name)
    change.approve(by=moderator)
    endorsement.set_organisation(name=name, country=country)
    try:
        with transaction.atomic():
            endorsement.save(update_fields=["organisation_name", "name_key", "country", "region"])
    except IntegrityError:  # taken between the check and the write
        raise NameTaken(name) from None
    AuditEntry.objects.log(
        actor=moderator,
        action=AuditEntry.Action.ENDORSEMENT_CHANGE_APPROVE,
        target=endorsement,
        detail=str(change),
    )
    enqueue_email("change-approved", endorsement)
    refresh_signatory_pdfs(endorsement)
    return endorsement


@transaction.atomic
def decline_change(*, change: EndorsementChange, moderator, reason: str = "") -> None:
    """Leave the endorsement's name as it is, audit it and tell the endorser, with `reason`."""
    change = EndorsementChange.objects.select_for_update().get(pk=change.pk)
    change.decline(by=moderator, reason=reason.strip())
    AuditEntry.objects.log(
        actor=moderator,
        action=AuditEntry.Action.ENDORSEMENT_CHANGE_REJECT,
        target=change.endorsement,
        detail=" · ".join(filter(None, [str(change), change.reason])),
    )
    enqueue_email("change-declined", change.endorsement)


def request_manage_links(*, email: str) -> int:
    """Email a manage link for every public endorsement whose contact is `email`."""
    endorsements = list(Endorsement.objects.public().from_contact(email))
    with transaction.atomic():
        for endorsement in endorsements:
            enqueue_email("manage", endorsement)
    return len(endorsements)
