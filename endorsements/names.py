"""What makes two endorsements the same organisation's: names folded to one key, and the
domains of their websites (email domains are in declaration_site.email_domains)."""

import functools
import unicodedata
from urllib.parse import urlsplit

from icu import SpoofChecker

SPOOF_CHECKER = SpoofChecker()

# Characters that are invisible or only steer the direction of the text around them: zero-width
# space, non-joiner and joiner, word joiner, byte order mark, soft hyphen, the Arabic letter mark
# and the directional marks, embeddings, overrides and isolates. A name that differs from
# another only by these is the same name.
INVISIBLE = dict.fromkeys(
    [
        *(0x00AD, 0x061C, 0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2060, 0xFEFF),
        *range(0x202A, 0x202F),
        *range(0x2066, 0x206A),
    ]
)

# Combining marks that only accent a letter: Latin, Greek and Cyrillic accents, Hebrew points
# and Arabic harakat, which writers may or may not put in. Other scripts' marks are letters of
# their own, or change the word: Devanagari and Thai vowel signs, the virama, the Japanese
# voicing marks (が is not か); those are kept.
ACCENT_RANGES = (
    (0x0300, 0x036F),  # combining diacritical marks
    (0x0483, 0x0489),  # Cyrillic
    (0x0591, 0x05C7),  # Hebrew points and cantillation
    (0x064B, 0x065F),  # Arabic harakat
    (0x0670, 0x0670),  # Arabic superscript alef
    (0x06D6, 0x06ED),  # Arabic Quranic marks
    (0x1AB0, 0x1AFF),  # combining diacritical marks, extended
    (0x1DC0, 0x1DFF),  # combining diacritical marks, supplement
    (0x20D0, 0x20FF),  # combining marks for symbols
    (0xFE20, 0xFE2F),  # combining half marks
)


# Latin letters whose accent Unicode does not decompose (a stroke, a missing dot): read as the
# plain letter, as someone typing without a Polish, Danish or Turkish keyboard writes them.
PLAIN_LETTERS = str.maketrans("łøđħŧƶı", "lodhtzi")


ACCENTS = frozenset(chr(code) for low, high in ACCENT_RANGES for code in range(low, high + 1))


@functools.cache
def is_latin(character: str) -> bool:
    return unicodedata.name(character, "").startswith("LATIN")


@functools.cache
def latin_look_alike(letter: str) -> str:
    """The Latin letter that a Cyrillic or Greek `letter` looks like (Cyrillic "a" and Greek
    omicron are "a" and "o"), by Unicode's confusables (UTS #39, through ICU), else the
    letter itself."""
    if not unicodedata.name(letter, "").startswith(("CYRILLIC", "GREEK")):
        return letter
    skeleton = SPOOF_CHECKER.getSkeleton(0, letter).lower()
    return skeleton if len(skeleton) == 1 and "a" <= skeleton <= "z" else letter


def fold_look_alikes(text: str) -> str:
    """In a name written in Latin letters, the Cyrillic and Greek letters that look like Latin
    ones, as those: "Unesco" with a Cyrillic "e" is "Unesco". A name without a Latin letter is
    left as it is: a name in Russian is not a disguised one."""
    if text.isascii() or not any(is_latin(ch) for ch in text):
        return text
    return "".join(latin_look_alike(ch) for ch in text)


def normalise_name(name: str) -> str:
    """The key that decides whether two names are the same organisation's, and that the public
    list's search looks in.

    Compatibility-normalised, case-folded, without accents (see ACCENT_RANGES), invisible
    characters (INVISIBLE) or punctuation and symbols, whitespace collapsed, and Cyrillic or
    Greek look-alikes in a Latin name read as Latin letters: "UNESCO", "  unesco.", "Unésco",
    "UNESCO" in full-width letters, with a zero-width space inside or with a Cyrillic "E" are
    the same, and "fundacion" is found in "Fundación".
    """
    decomposed = unicodedata.normalize("NFKD", name.translate(INVISIBLE)).casefold()
    decomposed = decomposed.translate(PLAIN_LETTERS)
    stripped = unicodedata.normalize("NFC", "".join(ch for ch in decomposed if ch not in ACCENTS))
    kept = "".join(ch if unicodedata.category(ch)[0] in "LNM" else " " for ch in stripped)
    return " ".join(fold_look_alikes(kept).split())


def domain_of_url(url: str) -> str:
    return (urlsplit(url).hostname or "").lower().removeprefix("www.")
