"""How the staff pages (histories, the audit log, the admin) name people and give times."""

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html

from .times import machine_time

register = template.Library()


@register.filter
def person(user) -> str:
    """A person as colleagues know them: their full name when the account has one, else
    their username."""
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def moment_text(value) -> str:
    """A time in the reader's language with its zone named: "4 Dec 2026, 14:05 UTC", since
    staff work from several countries."""
    local = timezone.localtime(value)
    zone = local.tzname()
    # Zones without a common abbreviation are named by their offset ("-05"): say from what.
    if zone[:1] in "+-":
        zone = f"UTC{zone}"
    return f"{date_format(local, 'SHORT_DATETIME_FORMAT')} {zone}"


@register.filter
def moment(value):
    """`moment_text` in a `<time>` element that machines can read."""
    if value is None:
        return ""
    return format_html('<time datetime="{}">{}</time>', machine_time(value), moment_text(value))
