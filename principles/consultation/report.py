"""What we heard: the counts and amendments of a closed consultation, read once here so that
the report's page, its CSV and its signed PDF say the same.

Counted are the contributions participants sent that a moderator approved, withdrawn ones
included (their text is gone, their count stays: `ContributionQuerySet.counted`); the editors'
replies are not. Nothing here holds an email address. In an advisory round, an invited
organisation that did not agree to be named is not named."""

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count
from django.utils.translation import get_language_info, pgettext
from django.utils.translation import gettext as _

from declaration_site.organisations import OrganisationType
from declaration_site.regions import REGION_OF_COUNTRY, Region

from ..models import Consultation, Contribution

WHOLE_TEXT, TITLE_AND_PREAMBLE = "", "version"


def clause_labels(text: dict | None) -> dict[str, str]:
    """The label of each clause of a consulted text, by key, in the text's order and the active
    language: "The whole text", "Title and preamble", "Principle 2: Title", "Principle 2,
    action line 3"."""
    labels = {
        WHOLE_TEXT: pgettext("consultation report", "The whole text"),
        TITLE_AND_PREAMBLE: _("Title and preamble"),
    }
    for number, principle in enumerate((text or {}).get("principles", []), start=1):
        labels[principle["key"]] = _("Principle %(number)s: %(title)s") % {
            "number": number,
            "title": principle["title"],
        }
        for line, action_line in enumerate(principle["action_lines"], start=1):
            labels[action_line["key"]] = _("Principle %(number)s, action line %(line)s") % {
                "number": number,
                "line": line,
            }
    return labels


def region_of(country: str) -> str:
    return REGION_OF_COUNTRY.get(country, "")


@dataclass(frozen=True)
class Row:
    label: str
    count: int


@dataclass
class Report:
    """The counts of one consultation, by clause, organisation type, region and language, and
    its amendments in the order of the text."""

    consultation: Consultation
    total: int
    by_clause: list[Row]
    by_type: list[Row]
    by_region: list[Row]
    by_language: list[Row]
    amendments: list[Contribution] = field(default_factory=list)
    # The rows every count adds up: [clause key, type, country, language, count].
    keyed: list[list] = field(default_factory=list)

    @property
    def digest(self) -> str:
        """A fingerprint of what the report says, whatever the language it is written in: a
        PDF stored with another digest is out of date."""
        version = self.consultation.resulting_version
        data = {
            "counts": self.keyed,
            "amendments": [[a.pk, a.status, a.outcome, a.outcome_reason] for a in self.amendments],
            "version": version.number if version else None,
        }
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def counted_contributions(consultation: Consultation):
    """The contributions a report counts and its CSV lists."""
    return Contribution.objects.filter(consultation=consultation).counted().from_participants()


def _keyed_counts(consultation: Consultation) -> list[list]:
    """How many contributions there are for each (clause, type, country, language): one query,
    which every count of the report adds up."""
    rows = (
        counted_contributions(consultation)
        .order_by()
        .values_list("item_key", "organisation_type", "country", "language")
        .annotate(count=Count("pk"))
    )
    return sorted([list(row) for row in rows])


def build_report(consultation: Consultation) -> Report:
    """The report of `consultation`, labelled in the active language. Two queries, whatever
    the number of contributions."""
    keyed = _keyed_counts(consultation)
    clauses, types, regions, languages = Counter(), Counter(), Counter(), Counter()
    for item_key, kind, country, language, count in keyed:
        clauses[item_key] += count
        types[kind] += count
        regions[region_of(country)] += count
        languages[language] += count
    labels = clause_labels(consultation.text)
    amendments = sorted(
        counted_contributions(consultation).amendments().select_related("invitation"),
        key=lambda amendment: (_position(labels, amendment.item_key), amendment.created_at),
    )
    for amendment in amendments:
        amendment.clause_label = _clause_label(labels, amendment.item_key)
        amendment.public_organisation = public_organisation(amendment)
    return Report(
        consultation=consultation,
        total=sum(count for *_keys, count in keyed),
        by_clause=[
            Row(_clause_label(labels, key), clauses[key])
            for key in sorted(clauses, key=lambda key: _position(labels, key))
        ],
        by_type=_rows(types, dict(OrganisationType.choices)),
        by_region=_rows(regions, dict(Region.choices)),
        by_language=_rows(
            languages,
            {code: get_language_info(code)["name_translated"] for code, _n in settings.LANGUAGES},
        ),
        amendments=amendments,
        keyed=keyed,
    )


def _position(labels: dict[str, str], key: str) -> int:
    order = list(labels)
    return order.index(key) if key in labels else len(order)


def _clause_label(labels: dict[str, str], key: str) -> str:
    return labels.get(key) or _("A clause no longer in the text")


def _rows(counts: Counter, names: dict[str, str]) -> list[Row]:
    """The counts in the order of `names`, then any value not among them as "Not given"."""
    rows = [Row(str(name), counts[code]) for code, name in names.items() if counts[code]]
    others = sum(count for code, count in counts.items() if code not in names)
    return rows + ([Row(pgettext("consultation report", "Not given"), others)] if others else [])


def public_organisation(contribution: Contribution) -> str:
    """The organisation a report may name for `contribution`: none once it is withdrawn, nor
    for an invited organisation that did not agree to be named."""
    if contribution.status == Contribution.Status.WITHDRAWN:
        return ""
    invitation = contribution.invitation
    if invitation is not None and not invitation.listed:
        return ""
    return contribution.organisation_name
