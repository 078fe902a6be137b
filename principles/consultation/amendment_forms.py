"""The editors' forms: a decision on an amendment, a reply to a contribution."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..drafting.forms import text_field
from ..models import SOURCE_LANGUAGE, normalise


class DecisionForm(forms.Form):
    """One form, three buttons: accept the amendment as proposed, accept the text as the
    editor changed it in the box (prefilled with the proposal), or decline it. Declining needs
    a public reason; the reason is optional otherwise, and public too."""

    ACCEPT, MERGE, DECLINE = "accept", "merge", "decline"

    # Sent by the button pressed; the template writes the buttons, not this field.
    decision = forms.ChoiceField(choices=[(ACCEPT, ACCEPT), (MERGE, MERGE), (DECLINE, DECLINE)])
    text = text_field(
        _("Text to put in the draft"),
        max_length=5_000,
        required=False,
        rows=5,
        language=SOURCE_LANGUAGE,
    )
    reason = text_field(
        _("Public reason (required to decline; shown to everyone and emailed to the proposer)"),
        max_length=2_000,
        required=False,
        rows=3,
    )
    base_revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, proposed_text: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.proposed_text = normalise(proposed_text)

    def clean(self):
        cleaned = super().clean()
        decision, text = cleaned.get("decision"), cleaned.get("text", "")
        if decision == self.DECLINE and not cleaned.get("reason"):
            self.add_error(
                "reason",
                _("Say why the amendment is declined: the proposer and the public read it."),
            )
        elif decision == self.MERGE and not text:
            self.add_error("text", _("Write the text to put in the draft."))
        elif decision == self.ACCEPT and text and text != self.proposed_text:
            self.add_error(
                "text", _("To put your changed text in the draft, choose “Accept with my changes”.")
            )
        return cleaned


class ReplyForm(forms.Form):
    text = text_field(_("Your reply, shown in public as the editors'"), max_length=5_000, rows=5)
