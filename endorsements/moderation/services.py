"""Writes of the fraud tools: bulk decisions and their undoing, and "this wasn't us"."""

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone

from principles.models import AuditEntry

from ..logos import erase_logos, restore_swept_logos, sweep_pending_logos
from ..models import (
    Endorsement,
    ModerationBatch,
    ModerationBatchItem,
)

AUDIT_ACTION_OF_STATUS = {
    Endorsement.Status.REJECTED: AuditEntry.Action.ENDORSEMENT_REJECT,
    Endorsement.Status.SPAM: AuditEntry.Action.ENDORSEMENT_SPAM,
}


@transaction.atomic
def sweep_endorsements(
    *,
    endorsement_ids: list[int],
    decision: str,
    code: str = "",
    moderator,
    pattern_kind: str,
    pattern: str,
    window: tuple,
    preview_key: str,
    previewed_at,
) -> ModerationBatch:
    """Reject (with the standard reason `code`) or mark as spam the endorsements
    `endorsement_ids` (those a Moderator previewed at `previewed_at`) that are still pending,
    and record them in a batch with their previous statuses, each decision audited; their
    pending logos are rejected with them. What arrived after the preview is not among the ids;
    what someone approved or decided since is left alone (the rows are locked and re-read), and
    so is what an undo restored since the preview: the Moderator did not see it come back.
    Approved endorsements are never swept.

    A preview is applied once: PreviewAlreadyApplied, changing nothing, names the batch that
    applied `preview_key` already."""
    if used := ModerationBatch.objects.filter(preview_key=preview_key).first():
        raise PreviewAlreadyApplied(used)
    try:
        with transaction.atomic():
            batch = ModerationBatch.objects.create(
                decision=decision,
                rejection_code=code if decision == Endorsement.Status.REJECTED else "",
                pattern_kind=pattern_kind,
                pattern=pattern,
                window_start=window[0],
                window_end=window[1],
                created_by=moderator,
                preview_key=preview_key,
            )
    except IntegrityError:  # the same preview, posted twice at once, committed a moment ago
        raise PreviewAlreadyApplied(ModerationBatch.objects.get(preview_key=preview_key)) from None
    restored_since = ModerationBatchItem.objects.filter(
        endorsement_id__in=endorsement_ids, undone_at__gte=previewed_at
    ).values("endorsement_id")
    swept = list(
        Endorsement.objects.select_for_update()
        .pending()
        .filter(pk__in=endorsement_ids, submitted_at__lte=previewed_at)
        .exclude(pk__in=restored_since)
        .order_by("pk")
    )
    items = []
    for endorsement in swept:
        items.append(
            ModerationBatchItem(
                batch=batch, endorsement=endorsement, previous_status=endorsement.status
            )
        )
        endorsement.sweep(
            by=moderator, status=decision, code=batch.rejection_code, at=batch.created_at
        )
        sweep_pending_logos(endorsement=endorsement, moderator=moderator, at=batch.created_at)
        AuditEntry.objects.log(
            actor=moderator,
            action=AUDIT_ACTION_OF_STATUS[decision],
            target=endorsement,
            detail=f"bulk #{batch.pk}: {pattern_kind} {pattern} · {batch.rejection_code}".rstrip(
                " ·"
            ),
        )
    ModerationBatchItem.objects.bulk_create(items)
    return batch


class PreviewAlreadyApplied(Exception):
    """The preview was applied already, by `batch`."""

    def __init__(self, batch: ModerationBatch):
        super().__init__(f"The preview was applied by {batch!r}.")
        self.batch = batch


@dataclass
class UndoResult:
    restored: list = field(default_factory=list)
    # (endorsement, why it was left as it is)
    left: list = field(default_factory=list)


@transaction.atomic
def undo_sweep(*, batch: ModerationBatch, item_ids: list[int], moderator) -> UndoResult:
    """Return each chosen endorsement of `batch` (its items `item_ids` not undone yet) to the
    status it had before, audited. Left as they are, and named: those someone decided since,
    and those whose organisation has endorsed again meanwhile (the duplicate rule)."""
    result = UndoResult()
    items = (
        batch.items.select_for_update()
        .filter(pk__in=item_ids, undone_at__isnull=True)
        .select_related("endorsement")
        .order_by("endorsement__organisation_name", "pk")
    )
    now = timezone.now()
    for item in items:
        endorsement = Endorsement.objects.select_for_update().get(pk=item.endorsement_id)
        why = restore(endorsement, item=item, at=batch.created_at)
        if why:
            result.left.append((endorsement, why))
            continue
        item.undone_at, item.undone_by = now, moderator
        item.save(update_fields=["undone_at", "undone_by"])
        AuditEntry.objects.log(
            actor=moderator,
            action=AuditEntry.Action.ENDORSEMENT_UNDO,
            target=endorsement,
            detail=f"bulk #{batch.pk}: back to {item.previous_status}",
        )
        result.restored.append(endorsement)
    return result


def restore(endorsement: Endorsement, *, item: ModerationBatchItem, at) -> str:
    """Undo one endorsement's sweep; "" when done, else why it was left: "changed" (someone
    decided it since) or "duplicate" (its organisation has a live endorsement again)."""
    if endorsement.status not in Endorsement.SWEPT_STATUSES or endorsement.moderated_at != at:
        return "changed"
    if Endorsement.objects.live().same_organisation_as(endorsement).exists():
        return "duplicate"
    try:
        with transaction.atomic():
            endorsement.unsweep(previous_status=item.previous_status, at=at)
            restore_swept_logos(endorsement=endorsement, at=at)
    except IntegrityError:  # a submission of the organisation committed a moment ago
        return "duplicate"
    return ""


@transaction.atomic
def cancel_submission(*, endorsement: Endorsement) -> bool:
    """ "This wasn't us": cancel the unconfirmed endorsement, erasing its contact's details and
    its logos (the impostor's; files deleted once committed).
    False, changing nothing, when it is no longer unconfirmed (confirmed, cancelled, purged)."""
    endorsement = Endorsement.objects.select_for_update().filter(pk=endorsement.pk).first()
    if endorsement is None or endorsement.status != Endorsement.Status.UNCONFIRMED:
        return False
    endorsement.cancel()
    erase_logos(endorsement=endorsement)
    return True
