"""The stored, signed certificates of approved endorsements."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from principles.models import SOURCE_LANGUAGE

from .endorsement import Endorsement, version_field


def certificate_path(pdf: "CertificatePdf", filename: str) -> str:
    # The public id, not the name: file names outlive a change of name.
    return f"certificates/{pdf.endorsement.public_id}/{pdf.stated_hash}.pdf"


class CertificatePdf(models.Model):
    """The signed one-page certificate of an approved endorsement, as it states things now
    (endorsements/certificate.py): rendered once by the task worker and kept in the default
    storage, so that downloads read a file instead of rendering one. An endorsement has at
    most one; a change of what it states (a reconfirmation, a name, a trust level, the title
    in its language) puts a new one in its place, and the endorsement leaving the public list
    deletes it."""

    endorsement = models.OneToOneField(
        Endorsement,
        verbose_name=_("endorsement"),
        on_delete=models.CASCADE,
        related_name="certificate_pdf",
    )
    version = version_field(_("version"), related_name="+")
    language = models.CharField(_("language"), max_length=10, default=SOURCE_LANGUAGE)
    organisation_name = models.CharField(_("organisation name"), max_length=200)
    stated_hash = models.CharField(
        _("SHA-256 of what it states"),
        max_length=64,
        help_text=_(
            "A hash of what the certificate states, of the address of the site and of the "
            "signing certificate: when one of them changes, a new certificate is rendered."
        ),
    )
    file = models.FileField(_("file"), upload_to=certificate_path, max_length=300)
    size = models.PositiveIntegerField(_("size in bytes"))
    rendered_at = models.DateTimeField(_("rendered at"), default=timezone.now)

    class Meta:
        verbose_name = _("endorsement certificate")
        verbose_name_plural = _("endorsement certificates")

    def __str__(self):
        return f"Certificate of {self.organisation_name}, {self.version} ({self.language})"
