from django import forms
from django.utils.translation import gettext_lazy as _

from declaration_site.moderation import Decision, SelectedIdsField

from ..models import Endorsement


class EndorsementIdsField(SelectedIdsField):
    default_error_messages = {"required": _("Select at least one endorsement.")}


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


class TypedText(forms.Textarea):
    """A text area that writes the typed text back without NUL bytes, which would make the
    page invalid HTML; the field still refuses them, with its message."""

    def format_value(self, value):
        value = super().format_value(value)
        return value.replace("\x00", "") if value else value


class VerificationForm(forms.Form):
    note = forms.CharField(
        label=_("How you verified it (kept for staff, never published)"),
        max_length=1000,
        help_text=_(
            "For example: called the number on the organisation's website and spoke to its"
            " director on 3 December."
        ),
        widget=TypedText(attrs={"rows": 2, "class": "form-control"}),
        error_messages={"required": _("Say how you verified the organisation.")},
    )


class UnverificationForm(forms.Form):
    # The reason goes into the audit log, whose detail holds 300 characters.
    reason = forms.CharField(
        label=_("Why the verification is withdrawn (kept in the record, not published)"),
        max_length=300,
        widget=TypedText(attrs={"rows": 2, "class": "form-control"}),
        error_messages={"required": _("Give the reason for withdrawing the verification.")},
    )
