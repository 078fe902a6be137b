"""Who signs: the approved endorsers that one PDF of a version lists."""

import hashlib
import json
import unicodedata
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from functools import cache, cached_property

from django.utils import timezone

from declaration_site.countries import EndorsementCountries, alphabetical_key
from endorsements.models import Endorsement

from ..models import Version

# The language a screen reader should read a name in, from its script: the PDF's structure tree
# tags names in these scripts with it. Latin names are left in the document's language, as there
# is no telling French from English by the letters.
SCRIPT_LANGUAGES = {
    "ARABIC": "ar",
    "CJK": "zh",
    "CYRILLIC": "ru",
    "GREEK": "el",
    "HEBREW": "he",
    "DEVANAGARI": "hi",
    "THAI": "th",
    "HANGUL": "ko",
    "HIRAGANA": "ja",
    "KATAKANA": "ja",
}


@cache
def script_language(char: str) -> str:
    """The language of SCRIPT_LANGUAGES that the letter `char` is written in, or ""."""
    return SCRIPT_LANGUAGES.get(unicodedata.name(char, "").split(" ", 1)[0], "")


def name_language(name: str) -> str:
    """The language tag of a name in a non-Latin script ("ar", "zh"…), or "" for a Latin one.
    Kana anywhere makes a name Japanese, even if it starts with Han characters."""
    if name.isascii():  # most names, decided at once
        return ""
    found = ""
    for char in name:
        if char.isalpha() and (language := script_language(char)):
            if language == "ja":
                return language
            found = found or language
    return found


@dataclass(frozen=True)
class Signatory:
    """One approved endorser. Country and type are codes: the PDF in each language names them
    in that language, and the snapshot's digest is the same in every language.
    `earlier_version` is the number of the earlier version it endorsed, when it has not
    endorsed the PDF's version (yet)."""

    name: str
    country_code: str
    organisation_type: str  # an Endorsement.OrganisationType value
    earlier_version: int | None = None
    trust_level: str = Endorsement.TrustLevel.SELF_DECLARED

    @property
    def trust_label(self) -> str:
        """The trust level in the active language, or "" for self-declared: the annex names
        the levels above it, and its legend says that the others are self-declared, rather
        than repeat it beside most of thousands of names."""
        if self.trust_level == Endorsement.TrustLevel.SELF_DECLARED:
            return ""
        return str(Endorsement.TrustLevel(self.trust_level).label)

    @property
    def language(self) -> str:
        """The language of the name's script, or "" for a Latin name (see name_language)."""
        return name_language(self.name)

    @property
    def organisation_type_label(self) -> str:
        """The type of organisation in the active language."""
        return str(Endorsement.OrganisationType(self.organisation_type).label)


@dataclass(frozen=True)
class SignatorySnapshot:
    """The approved endorsers of a version at one moment: what one PDF carries."""

    signatories: tuple[Signatory, ...]
    taken_at: datetime

    @cached_property
    def digest(self) -> str:
        """SHA-256 of the signatories (not of the moment): equal lists give the same PDF key,
        in every language. An endorser of an earlier version adds that version's number, so
        that its reconfirmation makes a new PDF, and one above self-declared adds its trust
        level, so that a verification does; the others hash as they always have. Kept once
        computed: a PDF prints it three times, and 100,000 names take a second to hash."""
        rows = sorted(
            (
                [
                    s.name,
                    s.country_code,
                    s.organisation_type,
                    *filter(None, [s.earlier_version]),
                    *([s.trust_level] if s.trust_label else []),
                ]
                for s in self.signatories
            ),
            # Numbers and levels may meet at one place of two rows of the same name: order
            # them by kind first instead of failing to compare them.
            key=lambda row: [(isinstance(cell, str), cell) for cell in row],
        )
        return hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode()).hexdigest()

    @cached_property
    def marks(self) -> dict[int, str]:
        """The mark beside the endorsers of each earlier version: "†" for the latest of them,
        "††" for the one before, and so on."""
        earlier = sorted({s.earlier_version for s in self.signatories} - {None}, reverse=True)
        return {number: "†" * index for index, number in enumerate(earlier, start=1)}

    def earlier_versions(self) -> list[tuple[str, int, int]]:
        """(mark, version number, how many) for each earlier version some endorser has not
        gone beyond, latest first."""
        counts = Counter(s.earlier_version for s in self.signatories if s.earlier_version)
        return [(mark, number, counts[number]) for number, mark in self.marks.items()]

    @property
    def endorsing_count(self) -> int:
        """How many endorsed the PDF's own version."""
        return sum(1 for s in self.signatories if s.earlier_version is None)

    def by_country(self) -> list[tuple[str, list[Signatory]]]:
        """Signatories grouped by country, countries (named in the active language) and names
        in that language's alphabetical order."""
        groups: dict[str, list[Signatory]] = {}
        for signatory in self.signatories:
            groups.setdefault(signatory.country_code, []).append(signatory)
        countries = EndorsementCountries()
        alphabetical = alphabetical_key()
        named = [(str(countries.name(code)), members) for code, members in groups.items()]
        return [
            (country, sorted(members, key=lambda s: alphabetical(s.name)))
            for country, members in sorted(named, key=lambda item: alphabetical(item[0]))
        ]


def signatories_of(version: Version) -> SignatorySnapshot:
    """The approved endorsers whom the PDF of `version` lists: those who endorsed it or
    reconfirmed for it, and those who endorsed an earlier version only, marked with it. This
    is the one function that reads endorsements."""
    # Plain rows, not model instances: building 20,000 endorsements took most of a second.
    rows = (
        Endorsement.objects.public()
        .listed_in(version)
        .values_list(
            "organisation_name", "country", "organisation_type", "signed_number", "trust_level"
        )
    )
    return SignatorySnapshot(
        signatories=tuple(
            Signatory(
                name=name,
                country_code=country_code,
                organisation_type=organisation_type,
                earlier_version=signed if signed < version.counts_endorsers_from else None,
                trust_level=trust_level,
            )
            for name, country_code, organisation_type, signed, trust_level in rows.iterator(
                chunk_size=2000
            )
        ),
        taken_at=timezone.now(),
    )
