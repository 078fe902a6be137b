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
