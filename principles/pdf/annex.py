"""The list of signatories in the PDF, in one of two layouts.

"flowing" (the default): under each country, one paragraph per type of organisation, its names
one after the other as running text ("NGO or civil society: Name A · Name B · …"). Names in a
row that share a script and a direction are one `<span>`, with `lang` for a non-Latin script
(so that the structure tree tells a screen reader to read them in Arabic or Chinese, see
tagging.py) and an explicit `dir` (so that each run keeps its order inside text of the other
direction). WeasyPrint's cost is mostly per box and per line: an element per name made the
annex of 10,000 names take over a minute (docs/benchmarks.md), plain runs of text take seconds.

"rows": the earlier layout, a list item per name in three columns, kept to compare with.
"""

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from declaration_site.organisations import OrganisationType
from declaration_site.templatetags.bidi import direction, without_controls

from .signatories import Signatory, SignatorySnapshot

LAYOUTS = ("flowing", "rows")
DEFAULT_LAYOUT = "flowing"
SEPARATOR = " · "


def annex_countries(snapshot: SignatorySnapshot, *, layout: str, document_language: str) -> list:
    """The countries of the annex in the active language's order, each with what `layout`
    prints: for "rows", (country, [(signatory, mark)…]); for "flowing", (country, count,
    [(type label, names as HTML)…])."""
    if layout not in LAYOUTS:
        raise ValueError(f"Unknown layout of the signatories: {layout!r}")
    countries = []
    for country, members in snapshot.by_country():
        marked = [(member, snapshot.marks.get(member.earlier_version)) for member in members]
        if layout == "rows":
            countries.append((country, marked))
        else:
            countries.append((country, len(members), by_type(marked, document_language)))
    return countries


def by_type(marked: list[tuple[Signatory, str | None]], document_language: str) -> list:
    """(type label, names as HTML) for each type of organisation present, in the order of the
    types; names keep their (alphabetical) order."""
    groups: dict[str, list] = {}
    for signatory, mark in marked:
        groups.setdefault(signatory.organisation_type, []).append((signatory, mark))
    return [
        (str(OrganisationType(kind).label), names_html(groups[kind], document_language))
        for kind in OrganisationType.values
        if kind in groups
    ]


def names_html(marked: list[tuple[Signatory, str | None]], document_language: str) -> SafeString:
    """The names as running text, in runs of one language and direction (see the module)."""
    primary = document_language.split("-", 1)[0]
    runs: list[tuple[tuple[str, str], list[str], str]] = []
    for signatory, mark in marked:
        name = without_controls(signatory.name)
        language = signatory.language if signatory.language != primary else ""
        key = (language, direction(name))
        text = escape(name) + (mark or "")
        # A trust level is in the document's language: it ends the run of its name.
        if runs and runs[-1][0] == key and not runs[-1][2]:
            runs[-1][1].append(text)
        else:
            runs.append((key, [text], ""))
        if signatory.trust_label:
            runs[-1] = (*runs[-1][:2], escape(signatory.trust_label))
    return mark_safe(SEPARATOR.join(run_html(*run) for run in runs))


def run_html(key: tuple[str, str], names: list[str], trust: str) -> str:
    language, text_direction = key
    lang = f' lang="{language}"' if language else ""
    run = f'<span{lang} dir="{text_direction}">{SEPARATOR.join(names)}</span>'
    return f'{run} <span class="trust">({trust})</span>' if trust else run
