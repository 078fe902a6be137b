"""Changes an endorser asks for that a Moderator decides: a new name or country."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .endorsement import Endorsement, EndorsementCountryField, EndorsementStateError


class EndorsementChangeQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(status=EndorsementChange.Status.PENDING)

    def in_queue(self):
        """What the changes queue shows: those waiting, of endorsements still public, the
        longest waiting first. A withdrawn or revoked endorsement has nothing left to rename."""
        return (
            self.pending()
            .filter(endorsement__status=Endorsement.Status.APPROVED)
            .select_related("endorsement")
            .order_by("requested_at", "pk")
        )


class EndorsementChange(models.Model):
    """A new name or country (or both) that an endorser asked for from its manage page.

    The endorsement stays public under its current name until a Moderator approves; rows are
    only ever added, and decided once. An endorsement has at most one change waiting: asking
    again replaces the one waiting (it is marked "replaced", for the record)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for moderation")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")
        REPLACED = "replaced", _("Replaced by a later request")

    endorsement = models.ForeignKey(
        Endorsement,
        verbose_name=_("endorsement"),
        on_delete=models.CASCADE,
        related_name="changes",
    )
    organisation_name = models.CharField(_("organisation name asked for"), max_length=200)
    country = EndorsementCountryField(_("country asked for"))
    # What it replaces, as it stood when asked: the moderator and the record see both.
    previous_name = models.CharField(_("organisation name before"), max_length=200)
    previous_country = EndorsementCountryField(_("country before"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    requested_at = models.DateTimeField(_("asked for at"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Emailed to the endorser when a Moderator declines.
    reason = models.TextField(_("reason"), blank=True)

    objects = EndorsementChangeQuerySet.as_manager()

    class Meta:
        verbose_name = _("change to an endorsement")
        verbose_name_plural = _("changes to endorsements")
        constraints = [
            models.UniqueConstraint(
                fields=["endorsement"],
                condition=Q(status="pending"),
                name="one_pending_change_per_endorsement",
            )
        ]

    def __str__(self):
        return f"{self.previous_name} → {self.organisation_name} ({self.country.code})"

    def _decide(self, status: str, *, by) -> None:
        if self.status != self.Status.PENDING:
            raise EndorsementStateError(f"The change {self} was already decided.")
        self.status = status
        self.decided_by = by
        self.decided_at = timezone.now()
        self.save(update_fields=["status", "decided_by", "decided_at", "reason"])

    def approve(self, *, by) -> None:
        self._decide(self.Status.APPROVED, by=by)

    def decline(self, *, by, reason: str = "") -> None:
        self.reason = reason
        self._decide(self.Status.DECLINED, by=by)

    def replace(self) -> None:
        self._decide(self.Status.REPLACED, by=None)
