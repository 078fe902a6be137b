"""The form of a moderator's decision about one or several contributions."""

from django import forms
from django.utils.translation import gettext_lazy as _

from declaration_site.moderation import Decision, SelectedIdsField
from principles.models import Consultation, Contribution


class ContributionIdsField(SelectedIdsField):
    default_error_messages = {"required": _("Select at least one contribution.")}


class ReasonTextarea(forms.Textarea):
    """Writes a refused reason back without its NUL bytes, which are not valid in a page."""

    def format_value(self, value):
        return super().format_value(value.replace("\x00", "") if value else value)


class ContributionModerationForm(forms.Form):
    """Approve, reject or mark as spam the selected contributions. A rejection needs a
    standard reason or one in the moderator's words: the participant is emailed it."""

    contributions = ContributionIdsField(label=_("Contributions"))
    decision = forms.ChoiceField(label=_("Decision"), choices=Decision.choices)
    code = forms.ChoiceField(
        label=_("Reason for rejection"),
        required=False,
        choices=[("", _("Choose a reason")), *Contribution.RejectionReason.choices],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    reason = forms.CharField(
        label=_("The reason in your words (needed for another reason; the participant is told)"),
        required=False,
        max_length=1000,
        widget=ReasonTextarea(attrs={"rows": 2, "class": "form-control"}),
    )

    def clean(self):
        cleaned = super().clean()
        code, reason = cleaned.get("code", ""), cleaned.get("reason", "").strip()
        if "reason" in self.errors:
            return cleaned
        if cleaned.get("decision") == Decision.REJECT and code in {"", "other"} and not reason:
            self.add_error(
                "reason", _("Give a reason for the rejection; the participant is told it.")
            )
        return cleaned


class QueueFilterForm(forms.Form):
    consultation = forms.ModelChoiceField(
        Consultation.objects.all(),
        label=_("Consultation"),
        required=False,
        empty_label=_("All consultations"),
        to_field_name="slug",
        widget=forms.Select(attrs={"class": "form-select"}),
    )
