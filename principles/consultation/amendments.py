"""The editors' side of a consultation: their decision on each amendment (accept it as a
revision of the draft, accept it with changes, or decline it with a public reason) and their
replies to contributions.

An accepted amendment changes the draft through the drafting services, like any edit: the
draft must be in progress, a stale decision is refused (`StaleEdit`), and the revision, written
by the editor, names the proposer's organisation in its note. Nothing is published by it: the
draft still goes through review. Every decision is logged, emailed to its proposer and shown
on the public page, whose cache it makes stale."""

import uuid

from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from declaration_site.public_cache import public_content_changed

from ..drafting import services as drafting
from ..drafting.review import latest_revision_id
from ..models import (
    ActionLine,
    AuditEntry,
    ConsultationStateError,
    Contribution,
    Principle,
    Revision,
    Version,
    normalise,
)
from . import emails
from .report_tasks import queue_report

# The field of an item's text that an amendment's proposed text replaces: the words of an
# action line, the explanation of a principle (its title stays), the preamble of the draft.
AMENDED_FIELD = {Version: "preamble", Principle: "explanation", ActionLine: "text"}


def item_in_draft(draft: Version, item_key: str) -> Version | Principle | ActionLine | None:
    """The item of `draft` that a contribution's key names, or None when it is not (or no
    longer) in the draft."""
    if item_key == Revision.VERSION_TEXT_KEY:
        return draft
    try:
        key = uuid.UUID(item_key)
    except ValueError:  # the whole text (""), or a key that names nothing
        return None
    principles = Principle.objects.filter(version=draft).prefetch_related("texts")
    lines = (
        ActionLine.objects.select_related("principle")
        .prefetch_related("texts")
        .filter(principle__version=draft)
    )
    return principles.filter(key=key).first() or lines.filter(key=key).first()


def target_of(amendment: Contribution, draft: Version):
    """What accepting `amendment` changes: the item whose text it replaces, or the principle a
    new action line goes under; None when that is not in the draft any more."""
    item = item_in_draft(draft, amendment.item_key)
    if amendment.kind == Contribution.Kind.NEW_ACTION_LINE:
        return item if isinstance(item, Principle) else None
    return item


def current_text(item) -> str:
    """The text of `item` that an amendment to it replaces, as the draft holds it now."""
    return getattr(item.source_text, AMENDED_FIELD[type(item)])


def base_revision_of(item) -> int:
    """The revision a decision form starts from, so that a decision made on a text that has
    changed since is refused."""
    return latest_revision_id(of=drafting.draft_of(item), item_key=drafting.item_key_of(item))


def _lock(amendment: Contribution) -> Contribution:
    """The amendment's row, locked, so that two editors cannot decide it twice."""
    amendment = (
        Contribution.objects.select_for_update(of=("self",))
        .select_related("consultation__draft__declaration")
        .get(pk=amendment.pk)
    )
    if not amendment.is_amendment:
        raise ConsultationStateError(_("Only an amendment can be accepted or declined."))
    if amendment.outcome != Contribution.Outcome.PENDING:
        raise ConsultationStateError(
            _("This amendment was already decided: %(outcome)s.")
            % {"outcome": amendment.get_outcome_display().lower()}
        )
    if amendment.approved_at is None:
        raise ConsultationStateError(_("Only an approved amendment can be decided."))
    return amendment


def attribution(amendment: Contribution) -> str:
    """The revision note naming where an accepted amendment came from."""
    note = _("Amendment from %(organisation)s (consultation: %(title)s)") % {
        "organisation": amendment.organisation_name or _("a participant"),
        "title": amendment.consultation.title,
    }
    return Truncator(note).chars(Revision._meta.get_field("note").max_length)


@transaction.atomic
def accept_amendment(
    *, amendment: Contribution, by, base_revision: int, text: str = "", reason: str = ""
) -> Revision | None:
    """Make `amendment` a revision of its consultation's draft, written by `by` and
    attributed to the proposer's organisation: as proposed, or, with `text`, as the editor
    changed it (merged). Refused when the draft is not in progress (VersionStateError), when
    the item changed since `base_revision` (StaleEdit) or is gone (ConsultationStateError).
    The revision is None when the draft already said exactly that."""
    amendment = _lock(amendment)
    if amendment.status != Contribution.Status.APPROVED:
        raise ConsultationStateError(
            _("This amendment was withdrawn by its author; it can only be declined.")
        )
    draft = amendment.consultation.draft
    draft.ensure_editable()
    draft.refuse_if_superseded()
    item = target_of(amendment, draft)
    if item is None:
        raise ConsultationStateError(
            _("What this amendment changes is no longer in the draft; it can only be declined.")
        )
    merged = bool(text) and normalise(text) != normalise(amendment.proposed_text)
    new_text = text if merged else amendment.proposed_text
    note = attribution(amendment)
    if amendment.kind == Contribution.Kind.NEW_ACTION_LINE:
        drafting.add_item(to=item, by=by, text={"text": new_text}, note=note)
        revision = draft.revisions.order_by("-pk").first()
    else:
        values = {**_text_fields(item), AMENDED_FIELD[type(item)]: new_text}
        revision = drafting.save_item_text(
            item=item, by=by, values=values, base_revision=base_revision, note=note
        )
    outcome = Contribution.Outcome.MERGED if merged else Contribution.Outcome.ACCEPTED
    _record(amendment, outcome=outcome, by=by, reason=reason, revision=revision)
    return revision


def _text_fields(item) -> dict:
    _model, _owner, fields = drafting.ITEM_TEXTS[type(item)]
    return {name: getattr(item.source_text, name) for name in fields}


@transaction.atomic
def decline_amendment(*, amendment: Contribution, by, reason: str) -> None:
    """Decline `amendment` with a public `reason` (required)."""
    amendment = _lock(amendment)
    _record(amendment, outcome=Contribution.Outcome.DECLINED, by=by, reason=reason)


def _record(amendment: Contribution, *, outcome: str, by, reason: str, revision=None) -> None:
    amendment.decide(outcome=outcome, by=by, reason=reason, revision=revision)
    AuditEntry.objects.log(
        actor=by,
        action=AUDIT_ACTIONS[outcome],
        target=amendment,
        detail=reason or (f"revision {revision.pk}" if revision else ""),
    )
    _email_outcome(amendment)
    public_content_changed()
    # Decided after closing: the report lists every amendment with its outcome.
    queue_report(amendment.consultation)


AUDIT_ACTIONS = {
    Contribution.Outcome.ACCEPTED: AuditEntry.Action.AMENDMENT_ACCEPT,
    Contribution.Outcome.MERGED: AuditEntry.Action.AMENDMENT_MERGE,
    Contribution.Outcome.DECLINED: AuditEntry.Action.AMENDMENT_DECLINE,
}


def _email_outcome(amendment: Contribution) -> None:
    """Tell the proposer, in the language they wrote in; a withdrawn amendment has no address
    left to write to."""
    if not amendment.email:
        return
    consultation = amendment.consultation
    with translation.override(amendment.language):
        path = reverse("consultation:detail", args=[consultation.slug])
    emails.queue(
        to=amendment.email,
        language=amendment.language,
        subject=gettext_noop("The editors' decision on your amendment"),
        template="outcome",
        context={
            "name": amendment.name,
            "consultation": consultation.title,
            "outcome": amendment.outcome,
            "reason": amendment.outcome_reason,
            "url": emails.absolute(f"{path}#contribution-{amendment.pk}"),
        },
    )


@transaction.atomic
def reply(*, to: Contribution, by, text: str, language: str) -> Contribution:
    """An editor's reply to an approved contribution: public at once, marked as the
    editors'."""
    to = Contribution.objects.select_for_update().get(pk=to.pk)
    if to.status != Contribution.Status.APPROVED or to.parent_id is not None:
        raise ConsultationStateError(_("Only a contribution shown in public can be replied to."))
    now = timezone.now()
    answer = Contribution(
        consultation_id=to.consultation_id,
        parent=to,
        author=by,
        kind=Contribution.Kind.COMMENT,
        item_key=to.item_key,
        body=text,
        language=language,
        status=Contribution.Status.APPROVED,
        created_at=now,
        confirmed_at=now,
        approved_at=now,
    )
    answer.full_clean()
    answer.save()
    public_content_changed()
    return answer
