"""Writes about endorsements that span several rows or send mail."""

from django.db import IntegrityError, models, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext_lazy as _
from django_tasks_db.backend import DatabaseBackend

from declaration_site.public_cache import public_content_changed
from principles.models import ActionLine, Version
from principles.tasks import queue_pdf_refreshes

from . import tasks
from .models import Endorsement, EndorsementStateError, Reconfirmation


class DuplicateEndorsement(Exception):
    """Raised when the organisation (same normalised name, same country) already endorsed."""

    def __init__(self, existing: Endorsement):
        super().__init__(f"{existing} has already endorsed.")
        self.existing = existing


def enqueue_email(kind: str, endorsement: Endorsement, **extra) -> None:
    """Queue an email for the worker, so a slow mail server never holds up the request, and so
    that nothing is sent for a write that is rolled back.

    The database queue (production) takes the task in the current transaction: the write and
    its email commit together or not at all, even when the database goes away between the two.
    Any other backend (the immediate one, in development) is called once the write commits.
    """

    def enqueue():
        tasks.send_endorsement_email.enqueue(kind=kind, endorsement_id=endorsement.pk, **extra)

    if isinstance(tasks.send_endorsement_email.get_backend(), DatabaseBackend):
        enqueue()
    else:
        transaction.on_commit(enqueue)


def refresh_signatory_pdfs(*endorsements: Endorsement) -> None:
    """Once the transaction commits, re-render in each language the PDF of every version that
    lists these organisations, since its list of signatories has changed: the version each
    endorsed and every later one (see `EndorsementQuerySet.listed_in`). Refresh the cached
    public pages and counts too. A version whose PDF nobody has asked for yet is left alone:
    its first download renders it."""
    endorsed = Version.objects.filter(
        pk__in={endorsement.version_id for endorsement in endorsements}
    )
    listing = Version.objects.published().filter(
        Exists(endorsed.filter(declaration=OuterRef("declaration"), number__lte=OuterRef("number")))
    )

    def enqueue_renders():
        for version in listing.with_stored_pdf():
            queue_pdf_refreshes(version=version)

    transaction.on_commit(enqueue_renders)
    public_content_changed()


def find_duplicate(endorsement: Endorsement) -> Endorsement | None:
    return (
        Endorsement.objects.filter(
            name_key=endorsement.name_key,
            country=endorsement.country,
            status__in=Endorsement.LIVE_STATUSES,
        )
        .exclude(pk=endorsement.pk)
        .first()
    )


def submit_endorsement(
    *, details: dict, action_line_ids: list[int], version: Version
) -> Endorsement:
    """Record an endorsement of `version` and queue the email with its confirmation link.

    `details` holds the form's cleaned organisation and contact fields, `action_line_ids` ids of
    the version's action lines that the form checked. This is the write that takes a surge, so
    it is one transaction of at most three INSERTs: the endorsement, its action lines and its
    email in the task queue, which commit together. The database decides whether the
    organisation already endorsed, so two submissions at the same moment still leave one row;
    the loser gets DuplicateEndorsement.
    """
    endorsement = Endorsement(
        organisation_type=details["organisation_type"],
        website=details["website"],
        contact_name=details["contact_name"],
        contact_role=details["contact_role"],
        contact_email=details["contact_email"],
        statement=details["statement"],
        version=version,
        content_hash=version.content_hash,
    )
    endorsement.set_organisation(name=details["organisation_name"], country=details["country"])
    # The version is a row we were handed, not input: no query to check that it exists.
    endorsement.full_clean(exclude={"version"}, validate_constraints=False)
    try:
        with transaction.atomic():
            endorsement.save()
            Chosen = Endorsement.action_lines.through
            Chosen.objects.bulk_create(
                Chosen(endorsement=endorsement, actionline_id=pk) for pk in action_line_ids
            )
            enqueue_email("confirmation", endorsement)
    except IntegrityError:
        existing = find_duplicate(endorsement)
        if existing is None:
            raise
        raise DuplicateEndorsement(existing) from None
    return endorsement


def resend_confirmation(*, email: str) -> int:
    """Email a fresh confirmation link for every unconfirmed, unexpired endorsement that
    `email` submitted. Returns how many; the page does not say, so nobody learns who endorsed."""
    pending = list(Endorsement.objects.awaiting_confirmation().filter(contact_email__iexact=email))
    with transaction.atomic():
        for endorsement in pending:
            enqueue_email("confirmation", endorsement)
    return len(pending)


def request_withdrawal_links(*, email: str) -> int:
    """Email a withdrawal link for every endorsement, not yet withdrawn, made by `email`."""
    endorsements = list(
        Endorsement.objects.filter(
            status__in=Endorsement.LIVE_STATUSES, contact_email__iexact=email
        )
    )
    with transaction.atomic():
        for endorsement in endorsements:
            enqueue_email("withdrawal", endorsement)
    return len(endorsements)


class Decision(models.TextChoices):
    APPROVE = "approve", _("Approve")
    REJECT = "reject", _("Reject")
    SPAM = "spam", _("Mark as spam")


@transaction.atomic
def moderate_endorsements(
    *, endorsements: QuerySet, decision: str, moderator, reason: str = ""
) -> list[Endorsement]:
    """Approve, reject (with `reason`) or mark as spam each endorsement; approval emails the
    contact. The rows are locked so that two moderators cannot decide the same one twice."""
    decided = list(endorsements.select_for_update().awaiting_moderation())
    for endorsement in decided:
        if decision == Decision.APPROVE:
            endorsement.approve(by=moderator)
            enqueue_email("approval", endorsement)
        elif decision == Decision.REJECT:
            endorsement.reject(by=moderator, reason=reason)
        else:
            endorsement.mark_as_spam(by=moderator)
    if decided and decision == Decision.APPROVE:
        # One refresh of each PDF for the whole batch, not one per approval.
        refresh_signatory_pdfs(*decided)
    return decided


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
    chosen = ActionLine.objects.filter(principle__version=version, pk__in=action_line_ids)
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
def withdraw_endorsement(*, endorsement: Endorsement) -> None:
    """Withdraw the endorsement (erasing its personal data) and take it off the PDFs."""
    endorsement = Endorsement.objects.select_for_update().get(pk=endorsement.pk)
    was_public = endorsement.status == Endorsement.Status.APPROVED
    endorsement.withdraw()
    if was_public:
        refresh_signatory_pdfs(endorsement)


def notify_endorsers_of_new_version(*, version: Version) -> None:
    """Once the publication commits, queue the emails asking every approved endorser of an
    earlier version to reconfirm for `version`. A worker fans them out, so publishing stays
    quick however many organisations endorsed."""
    transaction.on_commit(lambda: tasks.ask_endorsers_to_reconfirm.enqueue(version_id=version.pk))
