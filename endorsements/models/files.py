"""Files stored for endorsers: their logos and the open data builds of the public list."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .endorsement import Endorsement


def logo_path(logo: "Logo", filename: str) -> str:
    return f"logos/{logo.content_hash}-{filename}"


class LogoQuerySet(models.QuerySet):
    def pending(self):
        """Waiting for moderation, the newest first."""
        return self.filter(status=Logo.Status.PENDING).order_by("-uploaded_at", "-pk")

    def in_queue(self):
        """Logos sent from the manage page, waiting in the changes queue: pending, of public
        endorsements (a logo sent with the endorsement is decided with it), oldest first."""
        return (
            self.filter(status=Logo.Status.PENDING, endorsement__status="approved")
            .select_related("endorsement")
            .order_by("uploaded_at", "pk")
        )


class LogoStateError(Exception):
    """Raised when a logo is asked to change state from a state that does not allow it."""


class Logo(models.Model):
    """A logo an endorser uploaded, re-encoded (endorsements/logos.py) into the two sizes the
    pages show. Rows are only ever added; it is moderated with the endorsement or, when sent
    after approval, as a change of its own. `Endorsement.logo` points at the one shown."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for moderation")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    endorsement = models.ForeignKey(
        Endorsement, verbose_name=_("endorsement"), on_delete=models.CASCADE, related_name="logos"
    )
    # WebP files: `small` for the list (at most SMALL_SIZE pixels a side), `large` for the
    # endorser's page and share card.
    small = models.FileField(_("small image"), upload_to=logo_path, max_length=300)
    large = models.FileField(_("large image"), upload_to=logo_path, max_length=300)
    content_hash = models.CharField(_("SHA-256 of the large image"), max_length=64)
    width = models.PositiveIntegerField(_("width of the large image"))
    height = models.PositiveIntegerField(_("height of the large image"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    moderated_at = models.DateTimeField(_("moderated at"), null=True, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("moderated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = LogoQuerySet.as_manager()

    class Meta:
        verbose_name = _("logo")
        verbose_name_plural = _("logos")
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self):
        return f"Logo of {self.endorsement} ({self.get_status_display().lower()})"

    def url(self, size: str = "small") -> str:
        """Its address, as `Endorsement.logo_url` builds that of the logo shown."""
        name = f"{self.content_hash[:16]}-{size}"
        return reverse("endorsements:logo", args=[self.endorsement.public_id, name])

    @property
    def small_url(self) -> str:
        return self.url("small")

    @property
    def large_url(self) -> str:
        return self.url("large")

    def shown_size(self, side: int) -> tuple[int, int]:
        """Width and height in CSS pixels for showing it in a `side` × `side` box."""
        scale = side / max(self.width, self.height)
        return max(1, round(self.width * scale)), max(1, round(self.height * scale))

    @property
    def list_width(self) -> int:
        return self.shown_size(48)[0]

    @property
    def list_height(self) -> int:
        return self.shown_size(48)[1]

    def _decide(self, status: str, *, by, at=None) -> None:
        if self.status != self.Status.PENDING:
            raise LogoStateError(f"{self} was moderated already.")
        self.status = status
        self.moderated_by = by
        self.moderated_at = at or timezone.now()
        self.save(update_fields=["status", "moderated_by", "moderated_at"])

    def approve(self, *, by) -> None:
        self._decide(self.Status.APPROVED, by=by)

    def reject(self, *, by, at=None) -> None:
        """Reject it; `at` is the time of the bulk action that rejects it (see `reopen`)."""
        self._decide(self.Status.REJECTED, by=by, at=at)

    @property
    def has_files(self) -> bool:
        return bool(self.small.name or self.large.name)

    def reopen(self, *, at) -> None:
        """Undo a rejection made by the bulk action of time `at`: waiting for moderation again,
        with its endorsement. Refused once its files are deleted (see `forget_files`)."""
        if self.status != self.Status.REJECTED or self.moderated_at != at or not self.has_files:
            raise LogoStateError(f"{self} cannot come back.")
        self.status = self.Status.PENDING
        self.moderated_by = self.moderated_at = None
        self.save(update_fields=["status", "moderated_by", "moderated_at"])

    def forget_files(self) -> None:
        """Record that the files of this rejected logo are deleted: it can never be shown again.
        The row stays, for the record (its content hash among it)."""
        if self.status != self.Status.REJECTED:
            raise LogoStateError(f"{self} is not rejected: its files are kept.")
        self.small.name = self.large.name = ""
        self.save(update_fields=["small", "large"])


def open_data_path(open_data: "OpenDataFile", filename: str) -> str:
    suffix = OpenDataFile.SUFFIXES[open_data.kind]
    return f"open-data/{open_data.kind}/{open_data.content_hash}{suffix}"


class OpenDataFileQuerySet(models.QuerySet):
    def newest_first(self):
        """The build that downloads get comes first: the one that read the endorsers last."""
        return self.order_by("-taken_at", "-pk")


class OpenDataFile(models.Model):
    """One build of an open data file: the public fields of every approved endorser, as they
    stood at `taken_at`, or the hourly series of confirmations, approvals and withdrawals
    (`endorsements.statistics.hourly`), stored and served the same way.

    Built by the task worker once each time the public list changes (`endorsements.open_data`)
    and kept in the default storage, so that a download streams a stored file and reads one
    row. Downloads get the row of each kind with the latest `taken_at`; older rows are pruned.
    """

    class Kind(models.TextChoices):
        CSV = "csv", "CSV"
        EXCEL_CSV = "excel-csv", _("CSV for Excel")
        JSON = "json", "JSON"
        HOURLY_CSV = "hourly-csv", _("Hourly series, CSV")
        HOURLY_JSON = "hourly-json", _("Hourly series, JSON")

    SUFFIXES = {
        Kind.CSV: ".csv",
        Kind.EXCEL_CSV: ".csv",
        Kind.JSON: ".json",
        Kind.HOURLY_CSV: ".csv",
        Kind.HOURLY_JSON: ".json",
    }

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    file = models.FileField(_("file"), upload_to=open_data_path, max_length=300)
    content_hash = models.CharField(_("SHA-256 of the file"), max_length=64)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    # Endorsers in the list's files; hours in the hourly series (endorsements/statistics).
    row_count = models.PositiveIntegerField(_("number of endorsers"))
    taken_at = models.DateTimeField(
        _("endorsers read at"),
        help_text=_(
            "When the build read the endorsers; a later build that finds the same"
            " content moves it forward."
        ),
    )

    objects = OpenDataFileQuerySet.as_manager()

    class Meta:
        verbose_name = _("open data file")
        verbose_name_plural = _("open data files")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "content_hash"], name="one_open_data_file_per_content"
            )
        ]
        indexes = [models.Index(fields=["kind", "-taken_at"], name="open_data_newest_idx")]

    def __str__(self):
        return f"{self.file.name} ({self.row_count} endorsers)"
