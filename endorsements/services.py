"""Writes about endorsements that span several rows or send mail."""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.translation import get_language
from django_tasks_db.backend import DatabaseBackend

from declaration_site.email_domains import mailbox_key
from declaration_site.moderation import Decision
from declaration_site.public_cache import public_content_changed
from principles.models import ActionLine, AuditEntry, Version
from principles.pdf.tasks import queue_pdf_refreshes

from . import tasks
from .certificate import discard_certificates
from .logos import ProcessedLogo, decide_pending_logos, delete_files, erase_logos, store_logo
from .models import Endorsement, EndorsementStateError, Reconfirmation


class DuplicateEndorsement(Exception):
    """Raised when the organisation (same normalised name, same country) already endorsed."""

    def __init__(self, existing: Endorsement):
        super().__init__(f"{existing} has already endorsed.")
        self.existing = existing


def enqueue_with_the_write(task, **kwargs) -> None:
    """Queue `task` for the worker so that it runs only if the current write commits.

    The database queue (production) takes the task in the current transaction: the write and
    its task commit together or not at all, even when the database goes away between the two.
    Any other backend (the immediate one, in development) is called once the write commits.
    """
    if isinstance(task.get_backend(), DatabaseBackend):
        task.enqueue(**kwargs)
    else:
        transaction.on_commit(lambda: task.enqueue(**kwargs))


def enqueue_email(kind: str, endorsement: Endorsement, **extra) -> None:
    """Queue an email for the worker, so a slow mail server never holds up the request, and so
    that nothing is sent for a write that is rolled back."""
    enqueue_with_the_write(
        tasks.send_endorsement_email, kind=kind, endorsement_id=endorsement.pk, **extra
    )


def refresh_signatory_pdfs(*endorsements: Endorsement) -> None:
    """Once the transaction commits, re-render in each language the PDF of every version that
    lists these organisations, since its list of signatories has changed: the version each
    endorsed and every later one (see `EndorsementQuerySet.listed_in`). Rebuild the open data
    files and refresh the cached public pages and counts too. A version whose PDF nobody has
    asked for yet is left alone: its first download renders it.

    Their certificates too: those of the ones still public are rendered anew by the worker
    where what they state changed (`tasks.refresh_certificate`), those of the others are
    deleted now."""
    refresh_certificates(*endorsements)
    listing = Version.objects.listing_endorsers_of(
        {endorsement.version_id for endorsement in endorsements}
    )

    def enqueue_renders():
        for version in listing.with_stored_pdf():
            queue_pdf_refreshes(version=version)

    transaction.on_commit(enqueue_renders)
    open_data_changed()
    public_content_changed()


def refresh_certificates(*endorsements: Endorsement) -> None:
    """Queue, with the current write, a refresh of the certificate of each of these
    endorsements that is public; delete the stored certificates of the others (personal data
    leaves with them)."""
    gone = [item.pk for item in endorsements if item.status != Endorsement.Status.APPROVED]
    discard_certificates(endorsement_ids=gone)
    for endorsement in endorsements:
        if endorsement.status == Endorsement.Status.APPROVED:
            enqueue_with_the_write(tasks.refresh_certificate, endorsement_id=endorsement.pk)


def open_data_changed() -> None:
    """Queue a build of the open data files (see open_data.py) with the current write: the
    public list of endorsers changed, and with it the hourly series."""
    enqueue_with_the_write(tasks.build_open_data)
    hourly_series_changed()


def hourly_series_changed() -> None:
    """Queue a build of the hourly series (statistics/hourly.py) with the current write: an
    endorsement was confirmed, approved, withdrawn or revoked."""
    enqueue_with_the_write(tasks.build_hourly_series)


def find_duplicate(endorsement: Endorsement) -> Endorsement | None:
    return Endorsement.objects.live().same_organisation_as(endorsement).first()


def submit_endorsement(
    *,
    details: dict,
    action_line_ids: list[int],
    version: Version,
    logo: ProcessedLogo | None = None,
    submitted_from: str = "",
) -> Endorsement:
    """Record an endorsement of `version` and queue the email with its confirmation link.

    `details` holds the form's cleaned organisation and contact fields, `action_line_ids` ids of
    the version's action lines that the form checked. This is the write that takes a surge, so
    it is one transaction of at most three INSERTs: the endorsement, its action lines and its
    email in the task queue, which commit together. The database decides whether the
    organisation already endorsed, so two submissions at the same moment still leave one row;
    the loser gets DuplicateEndorsement. `submitted_from` is the sender's network (never the
    address), for the fraud tools, which also count the contact's address with its aliases
    folded.

    A `logo` (checked and re-encoded by the form, see logos.py) is stored with it, waiting for
    moderation: its files are written in the transaction, and deleted if it rolls back.
    """
    endorsement = Endorsement(
        organisation_type=details["organisation_type"],
        website=details["website"],
        contact_name=details["contact_name"],
        contact_role=details["contact_role"],
        contact_email=details["contact_email"],
        statement=details["statement"],
        language=get_language() or settings.LANGUAGE_CODE,
        version=version,
        content_hash=version.content_hash,
        submitted_from=submitted_from,
        email_key=mailbox_key(details["contact_email"]),
    )
    endorsement.set_organisation(name=details["organisation_name"], country=details["country"])
    # The version is a row we were handed, not input: no query to check that it exists. The
    # public id is random (48 bits): the database's unique index is its check, not a query.
    endorsement.full_clean(exclude={"version", "public_id"}, validate_constraints=False)
    stored = []
    try:
        with transaction.atomic():
            endorsement.save()
            Chosen = Endorsement.action_lines.through
            Chosen.objects.bulk_create(
                Chosen(endorsement=endorsement, actionline_id=pk) for pk in action_line_ids
            )
            if logo is not None:
                stored.append(store_logo(endorsement=endorsement, processed=logo))
            enqueue_email("confirmation", endorsement)
    except BaseException as error:
        # Files are outside the transaction: those it wrote go with it.
        for written in stored:
            delete_files(written)
        existing = find_duplicate(endorsement) if isinstance(error, IntegrityError) else None
        if existing is None:
            raise
        raise DuplicateEndorsement(existing) from None
    return endorsement


def resend_confirmation(*, email: str) -> int:
    """Email a fresh confirmation link for every unconfirmed, unexpired endorsement that
    `email` submitted. Returns how many; the page does not say, so nobody learns who endorsed."""
    pending = list(Endorsement.objects.awaiting_confirmation().from_contact(email))
    with transaction.atomic():
        for endorsement in pending:
            enqueue_email("confirmation", endorsement)
    return len(pending)


def request_withdrawal_links(*, email: str) -> int:
    """Email a withdrawal link for every endorsement, not yet withdrawn, made by `email`."""
    endorsements = list(Endorsement.objects.live().from_contact(email))
    with transaction.atomic():
        for endorsement in endorsements:
            enqueue_email("withdrawal", endorsement)
    return len(endorsements)


AUDIT_ACTION_OF_DECISION = {
    Decision.APPROVE: AuditEntry.Action.ENDORSEMENT_APPROVE,
    Decision.REJECT: AuditEntry.Action.ENDORSEMENT_REJECT,
    Decision.SPAM: AuditEntry.Action.ENDORSEMENT_SPAM,
}


@transaction.atomic
def moderate_endorsements(
    *,
    endorsements: QuerySet,
    decision: str,
    moderator,
    reason: str = "",
    code: str = "",
    notify: bool = False,
) -> list[Endorsement]:
    """Approve, reject (with a standard reason `code`, a free `reason`, or both) or mark as
    spam each of `endorsements` that still awaits moderation, and audit each decision.
    Approval emails the contact; a rejection does when `notify` is set.

    The rows are locked, and only those still waiting once the lock is held are decided: of two
    moderators deciding the same entry, the second leaves it as the first decided it, and the
    rest of their batch is applied. Returns the endorsements decided here."""
    decided = list(endorsements.select_for_update().awaiting_moderation().order_by("pk"))
    for endorsement in decided:
        if decision == Decision.APPROVE:
            endorsement.approve(by=moderator)
            enqueue_email("approval", endorsement)
        elif decision == Decision.REJECT:
            endorsement.reject(by=moderator, reason=reason, code=code)
            if notify:
                enqueue_email("rejection", endorsement)
        else:
            endorsement.mark_as_spam(by=moderator)
        decide_pending_logos(
            endorsement=endorsement, approved=decision == Decision.APPROVE, moderator=moderator
        )
        AuditEntry.objects.log(
            actor=moderator,
            action=AUDIT_ACTION_OF_DECISION[decision],
            target=endorsement,
            detail=" · ".join(filter(None, [code, reason.strip()])),
        )
    if decided and decision == Decision.APPROVE:
        # One refresh of each PDF for the whole batch, not one per approval.
        refresh_signatory_pdfs(*decided)
    return decided


@transaction.atomic
def revoke_approval(*, endorsement: Endorsement, moderator, reason: str) -> Endorsement:
    """Take an approved endorsement off the public list, the counts, the open data and the
    PDFs, keeping who revoked it, when and why (on the endorsement and in the audit log)."""
    endorsement = Endorsement.objects.select_for_update().get(pk=endorsement.pk)
    endorsement.revoke_approval(by=moderator, reason=reason)
    AuditEntry.objects.log(
        actor=moderator,
        action=AuditEntry.Action.ENDORSEMENT_REVOKE,
        target=endorsement,
        detail=reason.strip(),
    )
    refresh_signatory_pdfs(endorsement)
    return endorsement


@transaction.atomic
def reconfirm_endorsement(
    *, endorsement: Endorsement, version: Version, action_line_ids: list[int] | None = None
) -> Reconfirmation:
    """Record that the endorser also endorses `version`, with its content hash, and make its
    commitments the action lines of `version` with ids `action_line_ids`; without them, those
    of its action lines that `version` still has (`Endorsement.commitments_in`).

    Raises EndorsementStateError, changing nothing, when an id is not one of the version's
    action lines or comes twice."""
    endorsement = Endorsement.objects.select_for_update().get(pk=endorsement.pk)
    if action_line_ids is None:
        action_line_ids = list(endorsement.commitments_in(version).values_list("pk", flat=True))
    chosen = ActionLine.objects.in_version(version).filter(pk__in=action_line_ids)
    if len(set(action_line_ids)) != len(action_line_ids) or chosen.count() != len(action_line_ids):
        raise EndorsementStateError(
            f"Action lines {action_line_ids} are not distinct action lines of {version}."
        )
    endorsement.reconfirm(version=version)
    reconfirmation = Reconfirmation.objects.create(
        endorsement=endorsement, version=version, content_hash=version.content_hash
    )
    endorsement.action_lines.set(action_line_ids)
    refresh_signatory_pdfs(endorsement)
    return reconfirmation


@transaction.atomic
def confirm_endorsement(*, endorsement: Endorsement) -> Endorsement | None:
    """Confirm the endorsement from its emailed link, reading it again under a lock: a
    confirmation racing "this wasn't us" or a bulk action never undoes them. None, changing
    nothing, when it is no longer unconfirmed; else the endorsement as confirmed."""
    endorsement = Endorsement.objects.select_for_update().filter(pk=endorsement.pk).first()
    if endorsement is None or endorsement.status != Endorsement.Status.UNCONFIRMED:
        return None
    endorsement.confirm()
    return endorsement


@transaction.atomic
def withdraw_endorsement(*, endorsement: Endorsement) -> None:
    """Withdraw the endorsement (erasing its personal data) and take it off the PDFs."""
    endorsement = Endorsement.objects.select_for_update().get(pk=endorsement.pk)
    was_public = endorsement.status == Endorsement.Status.APPROVED
    endorsement.withdraw()
    erase_logos(endorsement=endorsement)
    if was_public:
        refresh_signatory_pdfs(endorsement)


@transaction.atomic
def verify_endorser(*, endorsement: Endorsement, moderator, note: str) -> Endorsement:
    """Record that `moderator` verified the endorser, and how (`note`), audited. The note stays
    on the endorsement for staff only and is not copied into the audit log, which is never
    erased: it may name the people the Moderator spoke to, and withdrawing the endorsement
    erases it. The badge changes on the public pages, the open data and the PDFs."""
    endorsement = Endorsement.objects.select_for_update().get(pk=endorsement.pk)
    endorsement.set_verification(by=moderator, note=note)
    AuditEntry.objects.log(
        actor=moderator, action=AuditEntry.Action.ENDORSEMENT_VERIFY, target=endorsement
    )
    if endorsement.status == Endorsement.Status.APPROVED:
        refresh_signatory_pdfs(endorsement)
    return endorsement


@transaction.atomic
def withdraw_verification(*, endorsement: Endorsement, moderator, reason: str) -> Endorsement:
    """Take back a verification recorded in error, for a reason kept in the audit log; the
    level falls back to what the contact's email domain gives."""
    if not reason.strip():
        raise EndorsementStateError("Withdrawing a verification needs a reason.")
    endorsement = Endorsement.objects.select_for_update().get(pk=endorsement.pk)
    endorsement.set_verification(by=None)
    AuditEntry.objects.log(
        actor=moderator,
        action=AuditEntry.Action.ENDORSEMENT_UNVERIFY,
        target=endorsement,
        detail=reason.strip(),
    )
    if endorsement.status == Endorsement.Status.APPROVED:
        refresh_signatory_pdfs(endorsement)
    return endorsement
