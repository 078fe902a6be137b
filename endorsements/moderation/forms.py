from django import forms
from django.utils.translation import gettext_lazy as _

from declaration_site.converters import is_ascii_number

from ..models import Endorsement
from ..services import Decision


class EndorsementIdsField(forms.Field):
    """The ids of the endorsements a Moderator checked. Whether each still awaits moderation is
    the service's to decide, under a lock: one that another Moderator decided a moment ago must
    not make the rest of the batch fail."""

    widget = forms.CheckboxSelectMultiple  # drawn by the template, one box an entry
    default_error_messages = {
        "required": _("Select at least one endorsement."),
        "invalid": _("The selection is not valid. Reload the page and select again."),
    }

    def to_python(self, value) -> list[int]:
        if not value:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        if not all(is_ascii_number(str(pk), max_digits=18) for pk in values):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return sorted({int(pk) for pk in values})


class ModerationForm(forms.Form):
    """A Moderator's decision about one or several endorsements awaiting moderation."""

    endorsements = EndorsementIdsField(label=_("Endorsements"))
    decision = forms.ChoiceField(label=_("Decision"), choices=Decision.choices)
    code = forms.ChoiceField(
        label=_("Reason for rejection"),
        required=False,
        choices=[("", _("Choose a reason")), *Endorsement.RejectionReason.choices],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    reason = forms.CharField(
        label=_("Note (required for another reason)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )
    notify = forms.BooleanField(
        label=_("Email the reason to the organisation, in the language it endorsed in"),
        required=False,
    )

    def clean(self):
        cleaned = super().clean()
        code, reason = cleaned.get("code", ""), cleaned.get("reason", "").strip()
        if cleaned.get("decision") == Decision.REJECT and code in {"", "other"} and not reason:
            self.add_error("reason", _("Give a reason for the rejection; the endorser may ask."))
        return cleaned


class RevocationForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the approval is revoked (kept in the record, not published)"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
        error_messages={"required": _("Give the reason for revoking the approval.")},
    )
