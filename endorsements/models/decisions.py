"""The guarded state changes of an endorsement's moderation: confirmation by its contact, then a
Moderator's decision, a revocation, a verification. Kept apart from endorsement.py, which
holds the fields and reads; the fraud tools' changes are in fraud.py."""

from django.utils import timezone

from ..trust import trust_level_of
from .errors import EndorsementStateError


class ModerationDecisionsMixin:
    def _require(self, *statuses, action: str) -> None:
        if self.status not in statuses:
            raise EndorsementStateError(
                f"Cannot {action} {self}: it is {self.get_status_display().lower()}."
            )

    def confirm(self) -> None:
        self._require(self.Status.UNCONFIRMED, action="confirm")
        self.status = self.Status.CONFIRMED
        self.confirmed_at = timezone.now()
        # Confirming proves the contact reads mail at its address: its domain may now count.
        self.trust_level = trust_level_of(self)
        self.save(update_fields=["status", "confirmed_at", "trust_level"])

    def approve(self, *, by) -> None:
        self._require(self.Status.CONFIRMED, action="approve")
        self.status = self.Status.APPROVED
        self.moderated_by = by
        self.moderated_at = self.approved_at = timezone.now()
        self.save(update_fields=["status", "moderated_by", "moderated_at", "approved_at"])

    def reject(self, *, by, reason: str = "", code: str = "") -> None:
        """Reject with a standard reason (`code`, a RejectionReason), a free text, or both."""
        self._require(self.Status.CONFIRMED, action="reject")
        if not reason.strip() and code in {"", self.RejectionReason.OTHER}:
            raise EndorsementStateError("A rejection needs a reason.")
        self.status = self.Status.REJECTED
        self.rejection_reason = reason
        self.rejection_code = code
        self.moderated_by = by
        self.moderated_at = timezone.now()
        self.save(
            update_fields=[
                "status",
                "rejection_reason",
                "rejection_code",
                "moderated_by",
                "moderated_at",
            ]
        )

    def mark_as_spam(self, *, by) -> None:
        self._require(self.Status.CONFIRMED, action="mark as spam")
        self.status = self.Status.SPAM
        self.moderated_by = by
        self.moderated_at = timezone.now()
        self.save(update_fields=["status", "moderated_by", "moderated_at"])

    def revoke_approval(self, *, by, reason: str) -> None:
        """Take an approved endorsement off the public list, for a reason that is kept. The
        approval date stays, for the record; the organisation may endorse again."""
        self._require(self.Status.APPROVED, action="revoke the approval of")
        if not reason.strip():
            raise EndorsementStateError("Revoking an approval needs a reason.")
        self.status = self.Status.REVOKED
        self.revocation_reason = reason
        self.moderated_by = by
        self.moderated_at = self.revoked_at = timezone.now()
        self.save(
            update_fields=[
                "status",
                "revocation_reason",
                "moderated_by",
                "moderated_at",
                "revoked_at",
            ]
        )

    def set_verification(self, *, by=None, note: str = "") -> None:
        """Record that the Moderator `by` verified the endorser, and how (`note`, never public),
        or with `by=None` take it back. Use `services.verify_endorser`, `withdraw_verification`."""
        self._require(self.Status.CONFIRMED, self.Status.APPROVED, action="verify")
        if (by is None) == (self.verified_at is None) or (by and not note.strip()):
            raise EndorsementStateError(f"{self} is verified already, or not, or no note says how.")
        self.verification_note, self.verified_by = note.strip(), by
        self.verified_at = timezone.now() if by else None
        self.trust_level = trust_level_of(self)
        self.save(update_fields=["verification_note", "verified_by", "verified_at", "trust_level"])
