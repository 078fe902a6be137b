"""Text whose direction may differ from the page's, kept in its own order.

A name, a statement or an English action line shown inside an Arabic line (or an Arabic name
inside an English one) is reordered by the Unicode bidirectional algorithm together with the text
around it: "المبدأ 1." reads "المبدأ .1", and "Design … 1.1" wraps with the number inside the
English. Isolating the inserted value keeps it one unit, in its own direction.

One filter does it for every output: in HTML (autoescaping on) a `<bdi>` whose `dir` is worked
out here from the first strong character, as `dir="auto"` would be (WeasyPrint ignores
`dir="auto"` and `<bdi>` without a `dir`, but follows an explicit one, so the PDFs isolate too);
in plain text (emails, autoescaping off) the first-strong isolate marks U+2068 … U+2069.
Directional controls inside the value (U+202E and its kin, typed to make a name read backwards)
are dropped first: a stray U+2069 would otherwise close the isolate early and let the rest
reorder the text around it.
"""

import html
import unicodedata

from django import template
from django.utils.html import conditional_escape, format_html, strip_tags
from django.utils.safestring import SafeData, mark_safe

register = template.Library()

FIRST_STRONG_ISOLATE, POP_DIRECTIONAL_ISOLATE = "\u2068", "\u2069"
RIGHT_TO_LEFT = {"R", "AL"}
# Embeddings and overrides (U+202A to U+202E) and isolates (U+2066 to U+2069).
DIRECTIONAL_CONTROLS = dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x206A)])


def without_controls(value) -> str:
    """`value` without directional controls, still safe if it was (they are never markup)."""
    text = str(value).translate(DIRECTIONAL_CONTROLS)
    return mark_safe(text) if isinstance(value, SafeData) else text


def direction(text: str) -> str:
    """ "rtl" or "ltr": the direction of the first strong character, as `dir="auto"` decides
    (no strong character, as in "1.1", is left to right)."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in RIGHT_TO_LEFT:
            return "rtl"
        if kind == "L":
            return "ltr"
    return "ltr"


def isolate_html(value) -> str:
    """`value`, escaped unless already safe, in a `<bdi>` with its own direction."""
    value = without_controls(value)
    if not value:
        return ""
    # A safe value is markup already (a statement with its <br>s): its words decide, not its tags.
    text = html.unescape(strip_tags(value)) if isinstance(value, SafeData) else value
    return format_html('<bdi dir="{}">{}</bdi>', direction(text), conditional_escape(value))


def isolate_text(value) -> str:
    """`value` between the first-strong isolate marks, for plain text."""
    text = without_controls(value)
    return f"{FIRST_STRONG_ISOLATE}{text}{POP_DIRECTIONAL_ISOLATE}" if text else ""


@register.filter(needs_autoescape=True)
def isolate(value, autoescape=True) -> str:
    """`{{ name|isolate }}`: the value kept in its own direction inside the text around it."""
    if value is None:
        return ""
    return isolate_html(value) if autoescape else isolate_text(value)
