import functools
from functools import cached_property
from urllib.parse import urlencode

from crispy_forms.bootstrap import StrictButton
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Fieldset, Layout, Submit
from django import forms
from django.core.validators import URLValidator
from django.urls import reverse
from django.utils.functional import lazy
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from declaration_site.countries import CountryChoiceField, country_choices
from declaration_site.public_cache import cached_value
from declaration_site.regions import Region
from declaration_site.templatetags.bidi import DIRECTIONAL_CONTROLS
from principles.models import ActionLine, Version
from principles.templatetags.declaration_text import numbered

from .logos import LogoRefused, process_logo
from .models import Endorsement
from .names import normalise_name


class WebsiteField(forms.URLField):
    """A web address: http or https only, so no javascript: or data: link reaches a page.
    Typed in a text box with a URL keyboard: `type="url"` would make the page invalid HTML
    when it shows a rejected address back with its error."""

    default_validators = [URLValidator(schemes=["http", "https"])]
    widget = forms.TextInput(attrs={"inputmode": "url"})


def consent_label() -> str:
    link = format_html('<a href="{}">{}</a>', reverse("endorsements:privacy"), _("privacy notice"))
    return format_html(
        _("I agree that the organisation's name and details are listed publicly ({link})."),
        link=link,
    )


ONE_DAY = 24 * 60 * 60
# Made once: lazy() builds a proxy class each time it is called.
lazy_consent_label = lazy(consent_label, SafeString)


class ActionLinesField(forms.TypedMultipleChoiceField):
    """The action lines of one version, shown grouped under their principles.

    A submission is checked against the version's action line ids (kept in the cache); the
    labels, which need the whole text of the version, are only built when the form is shown. A
    submission is the path that must take a surge, so it stays cheap.
    """

    def for_version(self, version: Version) -> None:
        self.version = version
        self.choices = functools.cache(lambda: action_line_choices(version))

    @cached_property
    def version_line_ids(self) -> set[str]:
        # A published version's action lines never change: read them once per cache.
        def read():
            lines = ActionLine.objects.in_version(self.version)
            return {str(pk) for pk in lines.values_list("pk", flat=True)}

        return cached_value(f"version-action-lines:{self.version.pk}", read, fixed_for=ONE_DAY)

    def valid_value(self, value) -> bool:
        return str(value) in self.version_line_ids

    def clean(self, value) -> list[int]:
        """The chosen ids, each once: a line posted twice (a hand-made or replayed request) is
        one commitment, not a database error that loses what was typed."""
        return list(dict.fromkeys(super().clean(value)))

    def prepare_value(self, value):
        """The checked ids, each once, whether chosen or posted (twice, by a hand-made form)."""
        return list(dict.fromkeys(value or []))


class EndorsementForm(forms.ModelForm):
    """The public endorsement form, for one published version of the declaration."""

    website = WebsiteField(
        label=_("Website"),
        required=False,
        assume_scheme="https",
        help_text=_("Optional. For example https://example.org"),
    )
    country = CountryChoiceField(label=_("Country"), blank_label=_("Choose a country"))
    logo = forms.FileField(
        label=_("Logo"),
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
        help_text=_(
            "Optional. PNG, JPEG or WebP (not SVG), at most 2 MB and 4,000 × 4,000 pixels."
            " Shown beside your name once a moderator approves it."
        ),
    )
    action_lines = ActionLinesField(
        label=_("Action lines your organisation commits to act on"),
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Optional. The public list shows who commits to what."),
    )
    attestation = forms.BooleanField(
        label=_("I am authorised to endorse the declaration on behalf of this organisation."),
        error_messages={"required": _("Please confirm that you are authorised to endorse.")},
    )
    consent = forms.BooleanField(
        error_messages={"required": _("We can only list endorsers who agree to be listed.")},
    )
    # A honeypot: hidden from people by the stylesheet, filled in by naive bots.
    nickname = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    class Meta:
        model = Endorsement
        fields = Endorsement.SUBMITTED_FIELDS
        # dir="auto": a name or statement in Arabic is typed and shown right to left.
        widgets = {
            "organisation_name": forms.TextInput(attrs={"dir": "auto"}),
            "contact_name": forms.TextInput(attrs={"dir": "auto"}),
            "contact_role": forms.TextInput(attrs={"dir": "auto"}),
            "statement": forms.Textarea(attrs={"rows": 4, "maxlength": 500, "dir": "auto"}),
        }
        help_texts = {
            "statement": _("Optional, up to 500 characters. Shown on the public list."),
            "contact_email": _("We send a confirmation link here. Never published."),
        }

    def __init__(self, *args, version: Version, logos_allowed: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.version, self.logos_allowed = version, logos_allowed
        for name in ("contact_name", "contact_role", "contact_email"):
            self.fields[name].required = True
        self.fields["organisation_type"].choices = [
            ("", _("Choose a type")),
            *Endorsement.OrganisationType.choices,
        ]
        self.fields["action_lines"].for_version(version)
        # The label and the layout are only needed to show the form, not to check a submission.
        self.fields["consent"].label = lazy_consent_label()

    @cached_property
    def helper(self) -> FormHelper:
        helper = FormHelper()
        helper.form_tag = False
        # The page puts its own token outside the form's markup, which is cached and shared by
        # every visitor: a token in here would be the first visitor's, and refused for the rest.
        helper.disable_csrf = True
        helper.layout = Layout(
            Fieldset(
                _("Your organisation"),
                "organisation_name",
                "organisation_type",
                "country",
                "website",
                Field("logo", template="endorsements/logo_field.html"),
            ),
            Fieldset(
                _("Contact person (never published)"),
                "contact_name",
                "contact_role",
                "contact_email",
            ),
            Fieldset(
                _("Your commitment"),
                "statement",
                Field("action_lines", template="endorsements/action_lines_field.html"),
            ),
            Fieldset(_("Authorisation and consent"), "attestation", "consent"),
            Div("nickname", css_class="honeypot", aria_hidden="true"),
            Submit("submit", _("Endorse the declaration")),
        )
        return helper

    def clean_organisation_name(self):
        # Directional controls would make the name read differently on the public list, in the
        # CSV and in the PDF.
        name = self.cleaned_data["organisation_name"].translate(DIRECTIONAL_CONTROLS).strip()
        if not normalise_name(name):
            raise forms.ValidationError(
                _("Enter the organisation's name with at least one letter or digit.")
            )
        return name

    def clean(self):
        """The logo checked and re-encoded (see logos.py) as a ProcessedLogo, or None; nothing
        is stored here. Decoding a large image costs up to a third of a second, so a form
        refused for another reason does not decode it: the browser cannot send the file again
        by itself, and the person chooses it again anyway (`logo_to_choose_again`)."""
        cleaned = super().clean()
        upload, cleaned["logo"] = cleaned.get("logo"), None
        if upload and not self.logos_allowed:
            self.add_error(
                "logo",
                _(
                    "Too many logos were sent from your network in the last hour. Send the form"
                    " without a logo; you can add one later from the link in the approval email."
                ),
            )
        elif upload and not self.errors:
            try:
                cleaned["logo"] = process_logo(upload)
            except LogoRefused as refused:
                self.add_error("logo", str(refused))
        return cleaned

    @property
    def logo_to_choose_again(self) -> bool:
        """Whether a logo was sent with a form that must be sent again: a browser cannot fill
        a file field in, so the person has to choose the file once more."""
        return self.is_bound and "logo" in self.files and bool(self.errors)

    def _post_clean(self):
        """Check nothing more than the fields do (Django's auth forms override this hook too).

        A ModelForm would now build the model instance and check its fields and constraints a
        second time: 8 % of a submission's CPU, which is the cost that limits a surge. The
        service checks the instance's fields once, and the database's constraint decides
        whether the organisation already endorsed, which it must do anyway for two
        submissions that arrive at the same moment."""

    def clean_nickname(self):
        if self.cleaned_data["nickname"]:
            raise forms.ValidationError(_("Please leave this field empty."))
        return ""


def action_line_choices(version: Version) -> list:
    """The version's action lines, grouped under their principles: [(principle, [(pk, text)])]."""
    version = Version.objects.with_text().get(pk=version.pk)
    return [
        (
            numbered(
                _("Principle %(number)s") % {"number": number},
                principle.text.title,
                principle.text,
            ),
            [
                (line.pk, numbered(f"{number}.{position}", line.text.text, line.text))
                for position, line in enumerate(principle.action_lines.all(), start=1)
            ],
        )
        for number, principle in enumerate(version.principles.all(), start=1)
    ]


class ReconfirmForm(forms.Form):
    """An endorser's commitments to the action lines of the version it reconfirms for."""

    action_lines = ActionLinesField(
        label=_("Action lines your organisation commits to act on"),
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Checked: the action lines you committed to that this version still has. Change"
            " them as you wish; the public list shows who commits to what."
        ),
        error_messages={
            "invalid_choice": _(
                "One of the chosen action lines is not in this version. Choose again from the"
                " action lines below."
            )
        },
    )

    def __init__(self, *args, version: Version, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action_lines"].for_version(version)


class EmailForm(forms.Form):
    """Asks for the contact's email: to resend a confirmation link or send a withdrawal link."""

    email = forms.EmailField(label=_("The contact email you endorsed with"))

    def __init__(self, *args, submit_label, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True  # the page's form has its own token
        self.helper.layout = Layout("email", Submit("submit", submit_label))


class EndorserFilterForm(forms.Form):
    """Search and filters of the public list; every value travels in the URL."""

    q = forms.CharField(label=_("Name"), required=False, max_length=200)
    country = forms.ChoiceField(label=_("Country"), required=False)
    region = forms.ChoiceField(
        label=_("Region"), required=False, choices=[("", _("All regions")), *Region.choices]
    )
    type = forms.ChoiceField(
        label=_("Type"),
        required=False,
        choices=[("", _("All types")), *Endorsement.OrganisationType.choices],
    )
    trust = forms.ChoiceField(
        label=_("Trust level"),
        required=False,
        choices=[("", _("All levels")), *Endorsement.TrustLevel.choices],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = country_choices(_("All countries"))
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.form_class = "filters"
        self.helper.layout = Layout(
            "q",
            "country",
            "region",
            "type",
            "trust",
            # A button without a name: Submit's `name=""` is invalid HTML, and a name would
            # add itself to every search's address.
            StrictButton(_("Search"), type="submit", css_class="secondary"),
        )

    @property
    def search_terms(self) -> dict:
        """The valid filters: one bad value (a mangled or outdated link) leaves out that filter
        alone, and `ignored()` says which."""
        self.is_valid()
        data = self.cleaned_data
        return {
            "name": data.get("q", ""),
            "country": data.get("country", ""),
            "region": data.get("region", ""),
            "organisation_type": data.get("type", ""),
            "trust_level": data.get("trust", ""),
        }

    def ignored(self) -> list[tuple[str, str]]:
        """(label, value) of each filter left out because its value is not valid."""
        self.is_valid()
        return [(self[name].label, self.data.get(name, "")) for name in self.errors]

    def query_string(self) -> str:
        """The valid filters as a query string, for the pagination links."""
        self.is_valid()
        return urlencode({key: value for key, value in self.cleaned_data.items() if value})
