"""The stored, signed PDFs of published versions."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .items import language_field
from .text import Version


def declaration_pdf_path(pdf: "DeclarationPdf", filename: str) -> str:
    version = pdf.version
    folder = f"declarations/{version.declaration.slug}/v{version.number}/{pdf.language}"
    return f"{folder}/{pdf.snapshot_hash}.pdf"


class DeclarationPdfQuerySet(models.QuerySet):
    def served(self):
        """The PDFs of the versions of the declaration this site serves."""
        return self.filter(version__in=Version.objects.served())

    def newest_first(self):
        """The PDF that downloads of a version in a language get comes first: the one whose
        signatories a snapshot found last."""
        return self.order_by("-last_matched_at")


class DeclarationPdf(models.Model):
    """The signed PDF of a published version, in one language, with one snapshot of its
    signatories.

    Rendered once for each (version, language, snapshot) and kept in the default storage; a new
    snapshot adds a row. Downloads in a language serve the row whose signatories a snapshot
    found last (`last_matched_at`) until a fresher one is ready, without reading the
    signatories. The PDF exists in the source language and in each language the version has a
    translation in; every language carries the same snapshot.
    """

    version = models.ForeignKey(
        Version, verbose_name=_("version"), on_delete=models.PROTECT, related_name="pdfs"
    )
    language = language_field()
    snapshot_hash = models.CharField(
        _("snapshot hash"),
        max_length=64,
        help_text=_("SHA-256 of the list of signatories that the PDF carries."),
    )
    signatory_count = models.PositiveIntegerField(_("number of signatories"))
    snapshot_taken_at = models.DateTimeField(_("snapshot taken at"))
    file = models.FileField(_("file"), upload_to=declaration_pdf_path, max_length=300)
    size = models.PositiveIntegerField(_("size in bytes"))
    rendered_at = models.DateTimeField(_("rendered at"), default=timezone.now)
    last_matched_at = models.DateTimeField(
        _("signatories last matched at"),
        help_text=_(
            "When a snapshot of the version's signatories last found exactly those of this PDF."
        ),
    )

    objects = DeclarationPdfQuerySet.as_manager()

    class Meta:
        verbose_name = _("declaration PDF")
        verbose_name_plural = _("declaration PDFs")
        get_latest_by = "last_matched_at"
        constraints = [
            models.UniqueConstraint(
                fields=["version", "language", "snapshot_hash"],
                name="one_pdf_per_version_language_and_snapshot",
            )
        ]
        indexes = [
            models.Index(fields=["version", "-last_matched_at"], name="declaration_pdf_newest_idx")
        ]

    def __str__(self):
        return f"{self.version} PDF ({self.language}), {self.signatory_count} signatories"


class PdfRender(models.Model):
    """How long one render of the declaration's PDF took, and whether it produced a PDF: a row
    per render, only ever added, for the render-time histogram of /metrics
    (declaration_site/metrics.py). In the database rather than in the worker's memory, so that
    whichever app server Prometheus asks counts the renders of every worker, on any host.
    Not shown to anyone, so not translated."""

    language = language_field()
    seconds = models.FloatField()
    succeeded = models.BooleanField()
    finished_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        outcome = "rendered" if self.succeeded else "failed"
        return f"PDF ({self.language}) {outcome} in {self.seconds:.1f} s"
