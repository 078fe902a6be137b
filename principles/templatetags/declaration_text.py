from django import template
from django.conf import settings
from django.utils.html import format_html
from django.utils.translation import get_language, get_language_bidi, get_language_info

from declaration_site.templatetags.bidi import isolate_html, isolate_text
from principles.models import SOURCE_LANGUAGE

register = template.Library()


@register.filter
def language_attrs(language: str) -> str:
    """` lang="…" dir="…"` for text in `language`, so that screen readers pronounce it right
    and English shown on an Arabic page still reads left to right."""
    direction = "rtl" if get_language_info(language)["bidi"] else "ltr"
    return format_html(' lang="{}" dir="{}"', language, direction)


@register.filter
def lang_attr(text) -> str:
    """`language_attrs` on an element whose text is not in the page's language (a fallback to
    the English source); nothing otherwise."""
    if text is None:
        return ""
    return other_language_attrs(text.language)


@register.filter
def other_language_attrs(language: str) -> str:
    """`language_attrs` when `language` is not the page's language; nothing otherwise."""
    if language == get_language():
        return ""
    return language_attrs(language)


def numbered(number: str, words: str, text) -> str:
    """A number ("1.1", "Principle 2") and the words of `text` side by side, in boxes of their
    own (`.numbered` in site.css), the number isolated: an English line on an Arabic page keeps
    its number beside it, not inside one of its wrapped lines nor with the full stop moved."""
    return format_html(
        '<span class="numbered">{} <span{}>{}</span></span>',
        isolate_html(number),
        lang_attr(text),
        words,
    )


@register.filter
def language_name(language: str) -> str:
    """The name of `language`, one of settings.LANGUAGES, in the active language ("anglais")."""
    if language not in dict(settings.LANGUAGES):
        return language
    return str(get_language_info(language)["name_translated"])


@register.filter
def isolate_in_rtl(text) -> str:
    """`text` between Unicode's isolate marks on a right-to-left page, as it is otherwise: for
    plain text that is copied (a citation), where left to right the marks would only be
    invisible clutter."""
    return isolate_text(text) if get_language_bidi() else text


@register.simple_tag
def source_language() -> str:
    """The language the declaration is written in, for text shown only in that language (the
    comparisons of versions)."""
    return SOURCE_LANGUAGE
