"""What the fraud tools read and change on endorsements (see moderation/fraud_views.py): kept
apart from endorsement.py, which the rest of the workflow fills."""

from django.db.models import Q
from django.utils import timezone

from .errors import EndorsementStateError


class FraudQuerySetMixin:
    def pending(self):
        """Not decided yet, confirmed or not: what the fraud tools' bulk actions may sweep."""
        return self.filter(status__in=self.model.PENDING_STATUSES)

    def submitted_between(self, start, end):
        """Submitted from `start` (included) to `end` (excluded), by endorsement_submitted_idx."""
        return self.filter(submitted_at__gte=start, submitted_at__lt=end)

    def matching(self, *, kind: str, value: str):
        """Those matching a pattern of the fraud tools, `value` normalised by
        `moderation.forms.normalise_pattern`: an email's registrable domain or a subdomain of
        it, a network, an address with its aliases folded, or part of a normalised name."""
        if kind == "domain":
            return self.filter(
                Q(email_key__endswith="@" + value) | Q(email_key__endswith="." + value)
            )
        if kind == "network":
            return self.filter(submitted_from=value)
        if kind == "email":
            return self.filter(email_key=value)
        return self.filter(name_key__contains=value)


class FraudStateMixin:
    def cancel(self) -> None:
        """Cancel, from the confirmation email's "this wasn't us" link: the contact says someone
        else sent it. Its contact's details are erased; the network it came from stays, since
        it is the sender's, not the contact's, and the fraud tools count it. It can never be
        confirmed, and the organisation may endorse again."""
        self._require(self.Status.UNCONFIRMED, action="cancel")
        self.status = self.Status.CANCELLED
        self.cancelled_at = timezone.now()
        self._erase_personal_data(also=["status", "cancelled_at"])

    def sweep(self, *, by, status: str, code: str = "", at) -> None:
        """Reject (with a standard reason `code`) or mark as spam in a bulk action of the fraud
        tools (see ModerationBatch), at the batch's time `at`. Unlike a decision in the queue,
        also before confirmation: a burst of spam need not be confirmed to be removed."""
        self._require(*self.PENDING_STATUSES, action="sweep")
        if status not in self.SWEPT_STATUSES or (status == self.Status.REJECTED and not code):
            raise EndorsementStateError(f"A bulk action cannot make {self} {status}.")
        self.status = status
        self.rejection_code = code if status == self.Status.REJECTED else ""
        self.moderated_by = by
        self.moderated_at = at
        self.save(update_fields=["status", "rejection_code", "moderated_by", "moderated_at"])

    def unsweep(self, *, previous_status: str, at) -> None:
        """Undo `sweep` made at `at`: back to `previous_status`, as if never decided. Refused
        when anyone decided it since (its decision is no longer the one made at `at`)."""
        if self.status not in self.SWEPT_STATUSES or self.moderated_at != at:
            raise EndorsementStateError(f"{self} was changed after the bulk action.")
        if previous_status not in self.PENDING_STATUSES:
            raise EndorsementStateError(f"A bulk action never swept {self} from {previous_status}.")
        self.status = previous_status
        self.rejection_code = ""
        self.moderated_by = self.moderated_at = None
        self.save(update_fields=["status", "rejection_code", "moderated_by", "moderated_at"])
