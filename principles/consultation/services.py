"""What publishers do to a consultation: open a draft for it, move its closing, close it early
and invite organisations to an advisory round. Opening and closing on time is the task
worker's: each time is a task queued to run then (`tasks.open_on_schedule`,
`tasks.close_on_schedule`), which does nothing if the consultation changed meanwhile. Each
change the public pages show (a consultation listed, opened, closed, its closing moved, an
organisation named as invited) makes the cached public pages stale once it commits."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from declaration_site.public_cache import public_content_changed

from ..models import AuditEntry, Consultation, ConsultationStateError, Invitation, Version
from . import emails
from .report_tasks import queue_report

NOT_OPEN_FOR_CONSULTATION = [Version.Status.PUBLISHED, Version.Status.DISCARDED]


def refuse_unless_draft(draft: Version) -> None:
    """Only a draft still being worked on can be consulted on: a published version is final
    and a discarded one abandoned."""
    if draft.status in NOT_OPEN_FOR_CONSULTATION:
        raise ConsultationStateError(
            _("Only a draft can be opened for consultation; this version is %(status)s.")
            % {"status": draft.get_status_display().lower()}
        )


def refuse_without_task_worker() -> None:
    from .tasks import close_on_schedule

    if not close_on_schedule.get_backend().supports_defer:
        raise ConsultationStateError(
            _(
                "This site runs its tasks at once, without a task worker, so it cannot close a "
                "consultation on time: run the site with its task worker."
            )
        )


@transaction.atomic
def open_consultation(*, draft: Version, by, **fields) -> Consultation:
    """Create a consultation on `draft` with `fields` (title, slug, introduction, opens_at,
    closes_at, languages, audience). It opens at once if `opens_at` has come, else when a
    queued task opens it then; another task closes it at `closes_at`."""
    refuse_unless_draft(draft)
    refuse_without_task_worker()
    consultation = Consultation(draft=draft, created_by=by, **fields)
    consultation.full_clean()
    if consultation.closes_at <= timezone.now():
        raise ValidationError({"closes_at": _("Choose a closing time in the future.")})
    try:
        with transaction.atomic():
            consultation.save()
    except IntegrityError as error:  # the same address, taken a moment before
        raise ValidationError(
            {"slug": _("Another consultation has this address: choose another.")}
        ) from error
    _audit(consultation, by=by, action=AuditEntry.Action.CONSULTATION_SCHEDULE)
    if consultation.opens_at <= timezone.now():
        _open(consultation, by=by)
    else:
        _queue_opening(consultation)
    _queue_closing(consultation)
    # `/consultation/` lists a consultation from the moment it is set up, with its dates.
    public_content_changed()
    return consultation


@transaction.atomic
def move_closing(*, consultation: Consultation, by, closes_at: datetime) -> Consultation:
    """Close at `closes_at` instead; the task queued for the old time then does nothing."""
    consultation = _lock(consultation)
    if consultation.status == Consultation.Status.CLOSED:
        raise ConsultationStateError(_("This consultation is closed."))
    if closes_at <= max(timezone.now(), consultation.opens_at):
        raise ValidationError(
            {"closes_at": _("Choose a closing time in the future, after the opening.")}
        )
    consultation.move_closing(closes_at=closes_at)
    _audit(consultation, by=by, action=AuditEntry.Action.CONSULTATION_SCHEDULE)
    _queue_closing(consultation)
    public_content_changed()
    return consultation


@transaction.atomic
def close_now(*, consultation: Consultation, by) -> Consultation:
    """Close an open consultation before its closing time."""
    consultation = _lock(consultation)
    if not consultation.is_open:
        raise ConsultationStateError(_("Only an open consultation can be closed."))
    consultation.close()
    queue_report(consultation)
    _audit(consultation, by=by, action=AuditEntry.Action.CONSULTATION_CLOSE, detail="closed early")
    public_content_changed()
    return consultation


@transaction.atomic
def open_when_due(*, consultation_id: int, at: datetime) -> Consultation | None:
    """Open a consultation that is still to open at `at`; None if it changed meanwhile (a
    task run twice opens it once), or if its draft was published or discarded meanwhile (it
    then stays not yet open, as the publishers' page shows). The audit log names the
    publisher who set it up."""
    consultation = Consultation.objects.select_for_update().filter(pk=consultation_id).first()
    if consultation is None or not consultation.is_due_to_open(at):
        return None
    if consultation.draft.status in NOT_OPEN_FOR_CONSULTATION:
        return None
    _open(consultation, by=consultation.created_by, detail="opened on time by the task worker")
    public_content_changed()
    return consultation


@transaction.atomic
def close_when_due(*, consultation_id: int, at: datetime) -> Consultation | None:
    """Close a consultation that is open and due to close at `at`; None if it was closed or
    its closing moved meanwhile."""
    consultation = Consultation.objects.select_for_update().filter(pk=consultation_id).first()
    if consultation is None or not consultation.is_due_to_close(at):
        return None
    consultation.close()
    queue_report(consultation)
    _audit(
        consultation,
        by=consultation.created_by,
        action=AuditEntry.Action.CONSULTATION_CLOSE,
        detail="closed on time by the task worker",
    )
    public_content_changed()
    return consultation


def _open(consultation: Consultation, *, by, detail: str = "") -> None:
    consultation.open()
    _audit(consultation, by=by, action=AuditEntry.Action.CONSULTATION_OPEN, detail=detail)


def _queue_opening(consultation: Consultation) -> None:
    from .tasks import open_on_schedule

    pk, at = consultation.pk, consultation.opens_at
    transaction.on_commit(
        lambda: open_on_schedule.using(run_after=at).enqueue(
            consultation_id=pk, opens_at=at.isoformat()
        )
    )


def _queue_closing(consultation: Consultation) -> None:
    from .tasks import close_on_schedule

    pk, at = consultation.pk, consultation.closes_at
    transaction.on_commit(
        lambda: close_on_schedule.using(run_after=at).enqueue(
            consultation_id=pk, closes_at=at.isoformat()
        )
    )


def _lock(consultation: Consultation) -> Consultation:
    return Consultation.objects.select_for_update().get(pk=consultation.pk)


def _audit(consultation: Consultation, *, by, action: str, detail: str = "") -> None:
    """Every entry says the dates as they are after the change, in UTC."""
    dates = f"{consultation.opens_at:%Y-%m-%d %H:%M} to {consultation.closes_at:%Y-%m-%d %H:%M} UTC"
    detail = f"{dates}; {detail}" if detail else dates
    AuditEntry.objects.log(actor=by, action=action, target=consultation, detail=detail)


@transaction.atomic
def invite(
    *, consultation: Consultation, by, invitees: list[dict], language: str, listed: bool
) -> list[Invitation]:
    """Invite each of `invitees` ({"organisation_name", "email"}) to an advisory round and
    email each their personal link. An address already invited is refused: nothing is saved."""
    consultation = _lock(consultation)
    if consultation.status == Consultation.Status.CLOSED:
        raise ConsultationStateError(_("This consultation is closed."))
    invitations = []
    for invitee in invitees:
        invitation = Invitation(
            consultation=consultation, invited_by=by, language=language, listed=listed, **invitee
        )
        invitation.full_clean()
        try:
            with transaction.atomic():
                invitation.save()
        except IntegrityError as error:
            raise ValidationError(
                _("%(email)s is already invited.") % {"email": invitation.email}
            ) from error
        _send_invitation(invitation)
        AuditEntry.objects.log(
            actor=by,
            action=AuditEntry.Action.CONSULTATION_INVITE,
            target=consultation,
            detail=f"{invitation.organisation_name} <{invitation.email}>",
        )
        invitations.append(invitation)
    if listed:
        # The consultation's public page names the organisations that agreed to it.
        public_content_changed()
    return invitations


@transaction.atomic
def resend_invitation(*, invitation: Invitation, by) -> None:
    """Email an invited organisation its personal link again."""
    if invitation.consultation.status == Consultation.Status.CLOSED:
        raise ConsultationStateError(_("This consultation is closed."))
    _send_invitation(invitation)
    AuditEntry.objects.log(
        actor=by,
        action=AuditEntry.Action.CONSULTATION_INVITE,
        target=invitation.consultation,
        detail=f"sent again to {invitation.organisation_name} <{invitation.email}>",
    )


def _send_invitation(invitation: Invitation) -> None:
    consultation = invitation.consultation
    with translation.override(invitation.language):
        link = reverse("consultation:invited", args=[consultation.slug, invitation.token()])
    emails.queue(
        to=invitation.email,
        language=invitation.language,
        subject=gettext_noop("You are invited to comment on a draft of the declaration"),
        template="invitation",
        context={
            "organisation_name": invitation.organisation_name,
            "title": consultation.title,
            "introduction": consultation.introduction,
            "opens_at": consultation.opens_at.strftime("%Y-%m-%d %H:%M"),
            "closes_at": consultation.closes_at.strftime("%Y-%m-%d %H:%M"),
            "is_open": consultation.is_open,
            "link": emails.absolute(link),
        },
    )
