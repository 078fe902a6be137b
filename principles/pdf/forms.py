"""The form that uploads a PDF to verify."""

from django import forms
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _


class VerifyPdfForm(forms.Form):
    """A PDF that someone wants to check: present, not empty, not too large, and a PDF."""

    pdf = forms.FileField(
        label=_("PDF file to check"),
        error_messages={
            "required": _("Choose the PDF file you want to check."),
            "empty": _("The file you sent is empty. Choose the PDF file itself."),
        },
    )

    def __init__(self, *args, max_bytes: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_bytes = max_bytes

    def clean_pdf(self):
        upload = self.cleaned_data["pdf"]
        if upload.size > self.max_bytes:
            raise ValidationError(
                _("The file is larger than %(limit)s; the declaration's PDFs are smaller."),
                params={"limit": filesizeformat(self.max_bytes)},
            )
        head = upload.read(1024)
        upload.seek(0)
        if not head.lstrip().startswith(b"%PDF-"):
            raise ValidationError(_("This file is not a PDF."))
        return upload
