"""Times that machines read: the `datetime` attribute of `<time>`."""

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def machine_time(value) -> str:
    """The moment to the second with its offset ("2026-12-05T08:47:38+00:00"): HTML allows
    at most three digits of a second's fraction, where `|date:'c'` writes six."""
    if value is None:
        return ""
    return timezone.localtime(value).isoformat(timespec="seconds")
