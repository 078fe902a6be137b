"""The "We endorse" badge that an endorser shows on its own site.

The badge names the organisation: copied to another site, it says whose it is, and it links
back (the snippet on the endorser's page) to the page that proves it. It is drawn with
presentation attributes only (no style sheet, no font, no script), so that it displays the
same in an <img> anywhere, and its response can forbid everything else.

Nothing measures text on the server, so lines are wrapped and cut by counting characters, wide
ones (Chinese, Japanese, Korean, emoji) as two: enough for a badge that stays legible.
"""

import unicodedata

from django.db.models import Prefetch
from django.utils.translation import get_language, get_language_bidi
from django.utils.translation import gettext as _

from declaration_site.public_cache import cached_value
from principles.models import SOURCE_LANGUAGE, Version, VersionText

LIGHT, DARK = "light", "dark"
THEMES = {
    LIGHT: {"paper": "#ffffff", "frame": "#0a5a8c", "heading": "#063d61", "ink": "#1b1f24"},
    DARK: {"paper": "#1b1f24", "frame": "#7cc4f2", "heading": "#a9dbff", "ink": "#f2f5f8"},
}
WIDTH = 320
# Characters of average width that fit on a line at each size, in the badge's WIDTH.
TITLE_COLUMNS, NAME_COLUMNS = 40, 44
TITLE_LINES = 2
LINE_HEIGHT = 18
# Directional embeddings, overrides, isolates and marks: in a name they could turn the badge's
# words around; each <text> is a paragraph of its own, so none is needed to show it right.
BIDI_CONTROLS = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def printable(text: str) -> str:
    """`text` without what an SVG (XML 1.0) cannot hold or what could reorder it: control
    characters, lone surrogates, non-characters and directional controls."""
    return "".join(
        char
        for char in text
        if char not in BIDI_CONTROLS
        and unicodedata.category(char) not in {"Cc", "Cs"}
        and char not in "\ufffe\uffff"
    )


def columns(char: str) -> int:
    return 2 if unicodedata.east_asian_width(char) in {"W", "F"} else 1


def cut(text: str, width: int) -> str:
    """`text`, ending in "…" if it takes more than `width` columns."""
    if sum(map(columns, text)) <= width:
        return text
    kept, used = [], 1
    for char in text:
        used += columns(char)
        if used > width:
            break
        kept.append(char)
    return "".join(kept).rstrip() + "…"


def chunks(word: str, width: int) -> list[str]:
    """`word` in pieces of at most `width` columns: Chinese and Japanese have no spaces."""
    pieces, piece, used = [], "", 0
    for char in word:
        if used + columns(char) > width:
            pieces.append(piece)
            piece, used = "", 0
        piece += char
        used += columns(char)
    return [*pieces, piece]


def wrap(text: str, width: int, lines: int) -> list[str]:
    """`text` on at most `lines` lines of `width` columns, broken between words (or anywhere
    in a word too long for a line), the last line cut."""
    result, line = [], ""
    for word in (piece for each in text.split() for piece in chunks(each, width)):
        candidate = f"{line} {word}" if line else word
        if sum(map(columns, candidate)) <= width:
            line = candidate
            continue
        result.append(line)
        line = word
    if line:
        result.append(line)
    if len(result) > lines:
        result = [*result[: lines - 1], " ".join(result[lines - 1 :])]
    return [cut(each, width) for each in result] or [""]


def declaration_title() -> str:
    """The current version's title in the reader's language (else in the source language)."""
    languages = {get_language() or SOURCE_LANGUAGE, SOURCE_LANGUAGE}

    def title():
        texts = Prefetch("texts", queryset=VersionText.objects.filter(language__in=languages))
        current = Version.objects.current().prefetch_related(texts).first()
        return current.text.title if current is not None and current.text else ""

    return cached_value(f"declaration-title:{get_language()}", title) or _("the declaration")


def size(title: str) -> tuple[int, int]:
    return WIDTH, 62 + LINE_HEIGHT * len(wrap(title, TITLE_COLUMNS, TITLE_LINES))


def drawing(endorser, *, theme: str) -> dict:
    """What templates/endorsements/badge.svg draws for `endorser` in `theme`."""
    title = declaration_title()
    title_lines = wrap(title, TITLE_COLUMNS, TITLE_LINES)
    name = printable(endorser.organisation_name)
    width, height = size(title)
    return {
        "width": width,
        "height": height,
        "middle": width // 2,
        "colours": THEMES[theme],
        "direction": "rtl" if get_language_bidi() else "ltr",
        "heading": _("We endorse"),
        "title_lines": [(48 + LINE_HEIGHT * index, line) for index, line in enumerate(title_lines)],
        "name": cut(name, NAME_COLUMNS),
        "name_y": height - 12,
        "accessible_title": _("%(organisation)s endorses “%(declaration)s”")
        % {"organisation": name, "declaration": title},
    }
