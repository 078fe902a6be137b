"""The participant's form: a comment, or an amendment with its reason, and who sends it."""

from functools import cached_property

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Fieldset, Layout, Submit
from django import forms
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from declaration_site.countries import CountryChoiceField
from declaration_site.organisations import OrganisationType

from ..drafting.forms import PlainTextField, refuse_hidden_controls, refuse_markup
from ..models import Contribution

# A comment says what it needs in a few thousand characters; a proposal replaces one clause,
# and the longest clause (the preamble) may hold ten thousand.
BODY_MAX_LENGTH = 5000
PROPOSED_TEXT_MAX_LENGTH = 10000


def consent_label() -> str:
    link = format_html(
        '<a href="{}#consultations">{}</a>', reverse("endorsements:privacy"), _("privacy notice")
    )
    return format_html(
        _(
            "I agree that my name, organisation, its type and country and what I write here are"
            " published once a moderator approves it; my email address never is ({link})."
        ),
        link=link,
    )


def text_box(label, *, max_length: int, rows: int, help_text="", validators=()):
    return PlainTextField(
        label=label,
        max_length=max_length,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows, "dir": "auto"}),
        validators=[refuse_hidden_controls, *validators],
    )


def line(label, *, max_length: int = 200, help_text=""):
    return forms.CharField(
        label=label,
        max_length=max_length,
        help_text=help_text,
        widget=forms.TextInput(attrs={"dir": "auto"}),
        validators=[refuse_hidden_controls],
    )


class ContributionForm(forms.Form):
    """A comment on a clause (or the whole text), or an amendment: the proposed text of the
    clause, prefilled with its current text, and the reason for it."""

    proposed_text = text_box(
        _("Your proposed text"),
        max_length=PROPOSED_TEXT_MAX_LENGTH,
        rows=6,
        validators=[refuse_markup],
        help_text=_("Change the clause's text as you would like it to read."),
    )
    body = text_box(
        _("Your comment"),
        max_length=BODY_MAX_LENGTH,
        rows=8,
        help_text=_("Up to 5,000 characters. Published once approved."),
    )
    name = line(_("Your name"))
    organisation_name = line(_("Organisation"))
    organisation_type = forms.ChoiceField(
        label=_("Type of organisation"),
        choices=[("", _("Choose a type")), *OrganisationType.choices],
    )
    country = CountryChoiceField(label=_("Country"), blank_label=_("Choose a country"))
    email = forms.EmailField(
        label=_("Email"),
        max_length=254,  # the column's length: a longer address is refused here, not by a 500
        help_text=_("We send a confirmation link here. Never published."),
        validators=[refuse_hidden_controls],
    )
    consent = forms.BooleanField(
        error_messages={
            "required": _("We can only take contributions from people who agree to this.")
        },
    )
    # A honeypot: hidden from people by the stylesheet, filled in by naive bots.
    nickname = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        if kind == Contribution.Kind.COMMENT:
            del self.fields["proposed_text"]
        else:
            self.fields["body"].label = _("Why this change?")
            if kind == Contribution.Kind.NEW_ACTION_LINE:
                self.fields["proposed_text"].label = _("The action line you propose")
                self.fields["proposed_text"].help_text = ""
        self.fields["consent"].label = consent_label()

    @cached_property
    def helper(self) -> FormHelper:
        helper = FormHelper()
        helper.form_tag = False
        helper.disable_csrf = True  # the page's form carries its own token
        contribution = ["proposed_text", "body"] if "proposed_text" in self.fields else ["body"]
        helper.layout = Layout(
            Fieldset(_("Your contribution"), *contribution),
            Fieldset(
                _("About you"),
                "name",
                "organisation_name",
                "organisation_type",
                "country",
                "email",
            ),
            Fieldset(_("Consent"), "consent"),
            Div("nickname", css_class="honeypot", aria_hidden="true"),
            Submit("submit", _("Send")),
        )
        return helper

    def clean_nickname(self):
        if self.cleaned_data["nickname"]:
            raise forms.ValidationError(_("Please leave this field empty."))
        return ""

    def display_without_nul(self) -> None:
        """Show the typed values again without NUL characters, which no page can hold: the
        field's error says what was wrong, and the rest of the text is kept."""
        if any("\x00" in value for value in self.data.values()):
            data = self.data.copy()
            for name in data:
                data.setlist(name, [value.replace("\x00", "") for value in data.getlist(name)])
            self.data = data


class EmailForm(forms.Form):
    """The email a participant gave, to send it the links to withdraw its contributions."""

    email = forms.EmailField(label=_("The email address you gave"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True  # the page's form carries its own token
        self.helper.layout = Layout("email", Submit("submit", _("Email me the links")))
