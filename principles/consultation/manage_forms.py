"""The publishers' forms: opening a consultation, moving its closing, inviting organisations."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from ..drafting.forms import refuse_hidden_controls, refuse_markup, text_field
from ..models import Consultation, Invitation

# Paths under /consultation/ that a consultation's address would hide, or be hidden by
# (/consultation/manage/report/ is the report of "manage", not the publishers' "report").
RESERVED_SLUGS = {
    *("manage", "confirm", "withdraw", "take-part", "report", "invited", "invite"),
    # The publishers' pages under /consultation/manage/ that a slug would shadow.
    *("moderation", "open", "draft", "amendment", "reply"),
}
MAX_INVITEES = 200


def utc_field(label):
    """A date and time typed in UTC, in the browser's own picker."""
    return forms.DateTimeField(
        label=label,
        # To the second, as a scheduled publication: a closing time is a promise to the minute.
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local", "step": "1"}, format="%Y-%m-%dT%H:%M:%S"
        ),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
    )


class TypedTextForm(forms.Form):
    """A form shown again with what was typed, less any NUL character: it is refused with a
    message, and written back into the page it would make the HTML invalid."""

    def full_clean(self):
        super().full_clean()
        if self.is_bound and self._errors:
            data = self.data.copy()
            for name in data:
                data.setlist(name, [value.replace("\x00", "") for value in data.getlist(name)])
            self.data = data


class OpenConsultationForm(TypedTextForm):
    title = text_field(_("Title"), max_length=200)
    slug = forms.CharField(
        label=_("Address"),
        max_length=80,
        required=False,
        help_text=_(
            "The consultation's permanent address, /consultation/<address>/: small letters, "
            "digits and hyphens. Left empty, it is made from the title."
        ),
    )
    introduction = text_field(
        _("Introduction (optional)"), max_length=5_000, rows=5, required=False
    )
    opens_at = utc_field(_("Opens at (UTC)"))
    closes_at = utc_field(_("Closes at (UTC)"))
    languages = forms.MultipleChoiceField(
        label=_("Languages contributions are taken in"),
        choices=settings.LANGUAGES,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one language.")},
    )
    audience = forms.ChoiceField(
        label=_("Who may take part"),
        choices=Consultation.Audience.choices,
        widget=forms.RadioSelect,
        initial=Consultation.Audience.PUBLIC,
    )

    def clean_slug(self):
        title = self.cleaned_data.get("title")
        if title is None and not self.cleaned_data["slug"].strip():
            return ""  # the title is refused: its own message says why
        slug = self.cleaned_data["slug"].strip() or slugify(title)[:80].strip("-")
        if not slug:
            raise ValidationError(
                _("Type an address: the title has no letters an address can hold.")
            )
        if slug != slugify(slug):
            raise ValidationError(
                _("Use only small letters without accents, digits and hyphens, such as %(slug)s.")
                % {"slug": slugify(slug) or "consultation-2026"}
            )
        if slug in RESERVED_SLUGS:
            raise ValidationError(_("This address is taken by the site itself: choose another."))
        if Consultation.objects.filter(slug=slug).exists():
            raise ValidationError(_("Another consultation has this address: choose another."))
        return slug

    def clean(self):
        cleaned = super().clean()
        opens_at, closes_at = cleaned.get("opens_at"), cleaned.get("closes_at")
        if closes_at and closes_at <= timezone.now():
            self.add_error("closes_at", _("Choose a closing time in the future."))
        elif opens_at and closes_at and closes_at <= opens_at:
            self.add_error("closes_at", _("The consultation must close after it opens."))
        return cleaned


class ClosingForm(TypedTextForm):
    closes_at = utc_field(_("Closes at (UTC)"))


class InviteForm(TypedTextForm):
    """Several organisations at once, one a line: "Organisation name, email". Each line's
    problem is named with its number, and the text is kept to be corrected."""

    invitees = forms.CharField(
        label=_("Organisations to invite"),
        help_text=_("One a line: the organisation's name, a comma, its email address."),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=40_000,
        validators=[refuse_markup, refuse_hidden_controls],
    )
    language = forms.ChoiceField(label=_("Language of the email"), choices=settings.LANGUAGES)
    listed = forms.BooleanField(
        label=_(
            "These organisations agreed to be named publicly as invited on the consultation's page."
        ),
        required=False,
    )

    def __init__(self, *args, consultation: Consultation, **kwargs):
        super().__init__(*args, **kwargs)
        self.consultation = consultation

    def clean_invitees(self):
        lines = [line.strip() for line in self.cleaned_data["invitees"].splitlines()]
        numbered = [(number, line) for number, line in enumerate(lines, 1) if line]
        if len(numbered) > MAX_INVITEES:
            raise ValidationError(
                _("Invite at most %(count)d organisations at once.") % {"count": MAX_INVITEES}
            )
        invited = {
            email.casefold()
            for email in Invitation.objects.filter(consultation=self.consultation).values_list(
                "email", flat=True
            )
        }
        invitees, errors = [], []
        for number, line in numbered:
            problem = self.line_problem(line, invited)
            if problem:
                errors.append(
                    ValidationError(
                        _("Line %(number)d: %(problem)s") % {"number": number, "problem": problem}
                    )
                )
                continue
            name, email = (part.strip() for part in line.rsplit(",", 1))
            invited.add(email.casefold())
            invitees.append({"organisation_name": name, "email": email})
        if errors:
            raise ValidationError(errors)
        return invitees

    @staticmethod
    def line_problem(line: str, invited: set[str]) -> str:
        if "," not in line:
            return _("write the organisation's name, a comma, then its email address.")
        name, email = (part.strip() for part in line.rsplit(",", 1))
        if not name:
            return _("the organisation's name is missing.")
        if len(name) > 200:
            return _("the organisation's name is longer than 200 characters.")
        try:
            validate_email(email)
        except ValidationError:
            return _("“%(email)s” is not an email address.") % {"email": email[:254]}
        if email.casefold() in invited:
            return _("%(email)s is already invited.") % {"email": email}
        return ""
