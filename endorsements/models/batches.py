"""Bulk decisions of the fraud tools, kept so that they can be undone."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .endorsement import Endorsement


class ModerationBatch(models.Model):
    """A bulk rejection or marking as spam of the pending endorsements that matched a pattern
    within a time window, as a Moderator previewed them. Each endorsement's previous status is
    kept in an item, so that the batch, or part of it, can be undone."""

    class Pattern(models.TextChoices):
        DOMAIN = "domain", _("Email domain")
        NETWORK = "network", _("Network")
        EMAIL = "email", _("Email address (aliases folded)")
        NAME = "name", _("Name contains")

    decision = models.CharField(
        _("decision"),
        max_length=20,
        choices=[
            (status, Endorsement.Status(status).label) for status in Endorsement.SWEPT_STATUSES
        ],
    )
    rejection_code = models.CharField(
        _("standard reason for rejection"),
        max_length=30,
        choices=Endorsement.RejectionReason.choices,
        blank=True,
    )
    pattern_kind = models.CharField(_("pattern"), max_length=20, choices=Pattern.choices)
    pattern = models.CharField(_("pattern value"), max_length=254)
    window_start = models.DateTimeField(_("submitted from"))
    window_end = models.DateTimeField(_("submitted until"))
    # Every endorsement it decided has this as its moderation time: how an undo knows that
    # nobody decided it since.
    created_at = models.DateTimeField(_("decided at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The random key of the preview it applied: a preview is applied once, however often its
    # confirmation is posted (a double click, the back button).
    preview_key = models.CharField(
        _("preview key"), max_length=64, unique=True, null=True, blank=True, editable=False
    )
    endorsements = models.ManyToManyField(
        Endorsement, through="ModerationBatchItem", related_name="moderation_batches"
    )

    class Meta:
        verbose_name = _("bulk decision")
        verbose_name_plural = _("bulk decisions")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.get_decision_display()}: {self.get_pattern_kind_display()} {self.pattern}"


class ModerationBatchItem(models.Model):
    """One endorsement a batch decided, with the status it had before."""

    batch = models.ForeignKey(ModerationBatch, on_delete=models.CASCADE, related_name="items")
    endorsement = models.ForeignKey(Endorsement, on_delete=models.CASCADE, related_name="+")
    previous_status = models.CharField(
        _("status before"),
        max_length=20,
        choices=[
            (status, Endorsement.Status(status).label) for status in Endorsement.PENDING_STATUSES
        ],
    )
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("undone by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("endorsement in a bulk decision")
        verbose_name_plural = _("endorsements in a bulk decision")
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "endorsement"], name="one_item_per_endorsement_per_batch"
            )
        ]

    def __str__(self):
        return f"{self.endorsement_id} in {self.batch_id}"

    @property
    def still_as_decided(self) -> bool:
        """Whether its endorsement is still as the batch left it, so that undoing may restore it."""
        endorsement = self.endorsement
        return (
            self.undone_at is None
            and endorsement.status in Endorsement.SWEPT_STATUSES
            and endorsement.moderated_at == self.batch.created_at
        )
