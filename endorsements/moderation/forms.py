import ipaddress
import re
import secrets
import unicodedata
from datetime import UTC, datetime, timedelta

from django import forms
from django.core import signing
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from declaration_site.client_identity import network_of
from declaration_site.email_domains import mailbox_key
from declaration_site.moderation import Decision, SelectedIdsField

from ..models import Endorsement, ModerationBatch
from ..names import normalise_name


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


# The widest window the fraud tools look at: a month of hours.
MAX_WINDOW = timedelta(days=31)
DEFAULT_WINDOW = timedelta(hours=48)
# The earliest moment a window may start or end at: long before the first submission.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)


class TypedMoment(forms.DateTimeInput):
    """Writes the typed text back without NUL bytes, which would make the page invalid HTML."""

    def format_value(self, value):
        value = super().format_value(value)
        return value.replace("\x00", "") if isinstance(value, str) else value


class MomentField(forms.DateTimeField):
    """A date and time; Django's parser would read one with a NUL or an invisible character
    after it as the date, hiding what was typed."""

    def to_python(self, value):
        if isinstance(value, str) and any(unicodedata.category(ch) in {"Cc", "Cf"} for ch in value):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


def window_field(label):
    return MomentField(
        label=label,
        required=False,
        widget=TypedMoment(
            attrs={"type": "datetime-local", "class": "form-control"}, format="%Y-%m-%dT%H:%M"
        ),
        error_messages={"invalid": _("Enter a date and time, such as 2026-12-05 14:00.")},
    )


class WindowForm(forms.Form):
    """A time window of submissions, the last 48 hours unless the Moderator chooses; read
    from the query string, so that every view of the activity has an address."""

    start = window_field(_("Submitted from (UTC)"))
    end = window_field(_("until (UTC)"))

    def clean(self):
        cleaned = super().clean()
        # Outside these bounds there is nothing to see, and the arithmetic on the window (the
        # default start, the hours of the chart) would overflow the calendar.
        latest = timezone.now() + timedelta(days=1)
        for name in ("start", "end"):
            moment = cleaned.get(name)
            if moment is not None and not EARLIEST <= moment <= latest:
                self.add_error(name, _("Choose a date from 2000-01-01 until tomorrow."))
        if self.errors:
            return cleaned
        end = cleaned.get("end") or timezone.now()
        start = cleaned.get("start") or end - DEFAULT_WINDOW
        if start >= end:
            self.add_error("end", _("The end must come after the start."))
        elif end - start > MAX_WINDOW:
            self.add_error("start", _("Choose a window of at most 31 days."))
        cleaned["start"], cleaned["end"] = start, end
        return cleaned

    @property
    def window(self) -> tuple:
        """The window asked for, or the default one when what was typed is not valid."""
        if self.is_bound and self.is_valid():
            return self.cleaned_data["start"], self.cleaned_data["end"]
        return self.initial["start"], self.initial["end"]

    @staticmethod
    def default_window() -> dict:
        """The last 48 hours, to the minute the fields show (and the next whole minute)."""
        end = timezone.now().replace(second=0, microsecond=0) + timedelta(minutes=1)
        return {"start": end - DEFAULT_WINDOW, "end": end}


def refuse_hidden_characters(value: str) -> None:
    """Control and format characters (NUL, bidirectional overrides, zero-width spaces) have no
    place in an address or a network, and would make a pattern match what it does not show."""
    if any(unicodedata.category(ch) in {"Cc", "Cf", "Zs", "Zl", "Zp"} for ch in value):
        raise forms.ValidationError(
            _("Remove the spaces and invisible characters."), code="hidden_characters"
        )


DOMAIN = re.compile(r"^[^\W_](?:[\w-]*[^\W_])?(?:\.[^\W_](?:[\w-]*[^\W_])?)+$")


def normalise_pattern(kind: str, value: str) -> str:
    """The pattern as `EndorsementQuerySet.matching` compares it, or ValidationError with a
    message that says what is expected."""
    value = value.strip()
    if kind == ModerationBatch.Pattern.NAME:
        key = normalise_name(value)
        if not key:
            raise forms.ValidationError(_("Type a part of a name, with letters or digits."))
        return key
    refuse_hidden_characters(value)
    if kind == ModerationBatch.Pattern.DOMAIN:
        domain = value.lower().removeprefix("@").rstrip(".")
        if len(domain) > 253 or not DOMAIN.match(domain):
            raise forms.ValidationError(_("Type a domain name, such as example.org."))
        return domain
    if kind == ModerationBatch.Pattern.EMAIL:
        if "@" not in value.strip("@") or len(value) > 254:
            raise forms.ValidationError(_("Type an email address, such as name@example.org."))
        return mailbox_key(value)
    return normalise_network(value)


def normalise_network(value: str) -> str:
    """An address, or a /24 (IPv4) or /48 (IPv6) network, as the network it is stored as."""
    try:
        network = ipaddress.ip_network(value, strict=False)
    except ValueError:
        network = None
    expected = {4: 24, 6: 48}
    if network is None or ("/" in value and network.prefixlen != expected[network.version]):
        raise forms.ValidationError(
            _("Type an IP address or its network, such as 203.0.113.0/24 or 2001:db8:1::/48.")
        )
    return network_of(str(network.network_address))


class BulkPatternForm(WindowForm):
    """What a bulk action sweeps: the pending endorsements matching a pattern in a window."""

    kind = forms.ChoiceField(
        label=_("Match by"),
        choices=ModerationBatch.Pattern.choices,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    value = forms.CharField(
        label=_("Pattern"),
        max_length=254,
        widget=forms.TextInput(attrs={"class": "form-control", "dir": "ltr"}),
        error_messages={"required": _("Type the domain, network, address or name to match.")},
    )

    def clean(self):
        cleaned = super().clean()
        if "kind" in cleaned and "value" in cleaned:
            try:
                cleaned["pattern"] = normalise_pattern(cleaned["kind"], cleaned["value"])
            except forms.ValidationError as error:
                self.add_error("value", error)
        return cleaned


PREVIEW_SALT = "endorsements.bulk-preview"
# A preview shows what was pending when it was drawn: confirm soon, or draw it again.
PREVIEW_MAX_AGE = timedelta(hours=1)


def preview_token(*, ids: list[int], kind: str, pattern: str, window: tuple) -> str:
    """The previewed set, signed, so that the confirmation applies to exactly it, with a random
    key that makes it single-use (see `sweep_endorsements`) and the time it was drawn at."""
    payload = {"ids": ids, "kind": kind, "pattern": pattern, "key": secrets.token_hex(16)}
    payload["window"] = [moment.isoformat() for moment in window]
    payload["at"] = timezone.now().isoformat()
    return signing.dumps(payload, salt=PREVIEW_SALT, compress=True)


PREVIEW_FIELDS = {"ids", "kind", "pattern", "key", "window", "at"}


SWEEP_DECISIONS = [
    (Endorsement.Status.REJECTED, _("Reject")),
    (Endorsement.Status.SPAM, _("Mark as spam")),
]


class BulkDecisionForm(forms.Form):
    """The confirmation of a previewed bulk action."""

    preview = forms.CharField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(
        label=_("Decision"), choices=SWEEP_DECISIONS, widget=forms.RadioSelect
    )
    code = forms.ChoiceField(
        label=_("Reason for rejection"),
        required=False,
        choices=[("", _("Choose a reason")), *Endorsement.RejectionReason.choices[:-1]],
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def clean_preview(self) -> dict:
        try:
            payload = signing.loads(
                self.cleaned_data["preview"], salt=PREVIEW_SALT, max_age=PREVIEW_MAX_AGE
            )
        except signing.SignatureExpired:
            raise forms.ValidationError(
                _("This preview is more than an hour old. Preview again."), code="expired"
            ) from None
        except signing.BadSignature:
            raise forms.ValidationError(_("Preview again."), code="invalid") from None
        if not set(payload) >= PREVIEW_FIELDS:  # signed before previews were single-use
            raise forms.ValidationError(_("Preview again."), code="invalid")
        return payload

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == Endorsement.Status.REJECTED and not cleaned.get("code"):
            self.add_error("code", _("Choose the reason for the rejection."))
        return cleaned


class UndoForm(forms.Form):
    items = SelectedIdsField(
        label=_("Endorsements to restore"),
        error_messages={"required": _("Select at least one endorsement to restore.")},
    )
