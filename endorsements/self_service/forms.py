from django import forms
from django.utils.translation import gettext_lazy as _

from declaration_site.countries import CountryChoiceField
from declaration_site.templatetags.bidi import DIRECTIONAL_CONTROLS
from principles.models import Version

from ..forms import ActionLinesField, WebsiteField
from ..names import normalise_name


class ManageForm(forms.Form):
    """What an endorser may change from its link. `seen` is the fingerprint of the endorsement
    as the page showed it (`services.fingerprint`): a save from a stale page is refused."""

    organisation_name = forms.CharField(
        label=_("Organisation name"),
        max_length=200,
        widget=forms.TextInput(attrs={"dir": "auto"}),
        help_text=_("A new name is checked by a moderator before it is shown."),
    )
    country = CountryChoiceField(
        label=_("Country"),
        blank_label=_("Choose a country"),
        help_text=_("A new country is checked by a moderator before it is shown."),
    )
    website = WebsiteField(
        label=_("Website"),
        required=False,
        assume_scheme="https",
        help_text=_("Optional. For example https://example.org"),
    )
    statement = forms.CharField(
        label=_("Statement of commitment"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": 500, "dir": "auto"}),
        help_text=_("Optional, up to 500 characters. Shown on the public list."),
    )
    action_lines = ActionLinesField(
        label=_("Action lines your organisation commits to act on"),
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Optional. The public list shows who commits to what."),
        error_messages={
            "invalid_choice": _(
                "One of the chosen action lines is not in this version. Choose again from the"
                " action lines below."
            )
        },
    )
    logo = forms.FileField(
        label=_("New logo"),
        required=False,
        help_text=_(
            "Optional. PNG, JPEG or WebP, at most 2 MB and 4,000 pixels a side; SVG is not"
            " accepted. A moderator checks it before it is shown."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
    )
    # Not required: a post without it is treated as stale, and shown what is saved now.
    seen = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, version: Version, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action_lines"].for_version(version)

    def clean_organisation_name(self):
        name = self.cleaned_data["organisation_name"].translate(DIRECTIONAL_CONTROLS).strip()
        if not normalise_name(name):
            raise forms.ValidationError(
                _("Enter the organisation's name with at least one letter or digit.")
            )
        return name


class ChangeDecisionForm(forms.Form):
    """A Moderator's decision on one change an endorser asked for."""

    change = forms.IntegerField(min_value=1, max_value=2**62, widget=forms.HiddenInput)
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("approve", _("Approve")), ("decline", _("Decline"))]
    )
    reason = forms.CharField(
        label=_("Note to the endorser (when declining)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "dir": "auto"}),
    )


class LogoDecisionForm(forms.Form):
    """A Moderator's decision on a logo an approved endorser sent from its manage page."""

    logo = forms.IntegerField(min_value=1, max_value=2**62, widget=forms.HiddenInput)
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("approve", _("Approve")), ("decline", _("Decline"))]
    )
