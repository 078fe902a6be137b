"""The consulted text as its public page shows it: each clause (the whole text, the title and
preamble, every principle and action line) with its anchor and the approved contributions on
it, newest first or as threads of replies, amendments as a redline against the clause.

Every public contribution of the consultation is read in one query, whatever their number;
each clause shows its first `PER_CLAUSE` and links to all of them, a page of `PER_PAGE` at a
time, so that a clause with a thousand contributions costs no more to show than one with ten.
"""

import re
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator

from principles.comparison import kept_diff_words
from principles.models import Contribution, normalise

ORDERS = ("newest", "threaded")
PER_CLAUSE = 10
PER_PAGE = 100
# Replies are indented up to this depth; deeper ones stay there, each naming what it answers.
MAX_DEPTH = 3
# What `?clause=` accepts: a clause's anchor on the page.
CLAUSE_ANCHOR = re.compile(
    r"^(whole-text|preamble|principle-[1-9][0-9]{0,2}(-action-[1-9][0-9]{0,2})?)$", re.ASCII
)


@dataclass
class Clause:
    """One place contributions attach to, with those shown there."""

    key: str
    anchor: str
    text: str
    kind: str  # "text", "preamble", "principle" or "action-line"
    # What an amendment of the clause replaces (as `amendments.AMENDED_FIELD` says): the
    # preamble, a principle's explanation (its title stays) or an action line's text.
    amended: str = ""
    count: int = 0
    entries: list = field(default_factory=list)
    page: Page | None = None  # set when the reader asked for all of this clause's
    more: bool = False
    # What the page shows of a principle or an action line.
    number: str = ""
    title: str = ""
    explanation: str = ""
    action_lines: list["Clause"] = field(default_factory=list)


def clauses_of(text: dict) -> dict[str, Clause]:
    """The clauses of a consulted text (`Consultation.text`) by item key, in reading order."""
    clauses = {
        "": Clause(key="", anchor="whole-text", text="", kind="text"),
        "version": Clause(
            key="version",
            anchor="preamble",
            kind="preamble",
            text=normalise(f"{text['title']}\n\n{text['preamble']}"),
            amended=normalise(text["preamble"]),
        ),
    }
    for number, principle in enumerate(text["principles"], start=1):
        anchor = f"principle-{number}"
        clauses[principle["key"]] = principle_clause = Clause(
            key=principle["key"],
            anchor=anchor,
            kind="principle",
            text=normalise(f"{principle['title']}\n\n{principle['explanation']}"),
            amended=normalise(principle["explanation"]),
            number=str(number),
            title=principle["title"],
            explanation=principle["explanation"],
        )
        for line_number, line in enumerate(principle["action_lines"], start=1):
            clauses[line["key"]] = line_clause = Clause(
                key=line["key"],
                anchor=f"{anchor}-action-{line_number}",
                text=normalise(line["text"]),
                amended=normalise(line["text"]),
                kind="action-line",
                number=f"{number}.{line_number}",
            )
            principle_clause.action_lines.append(line_clause)
    return clauses


def principles_of(clauses: dict[str, Clause]) -> list[Clause]:
    """The principles among `clauses`, in order, each with its action lines."""
    return [clause for clause in clauses.values() if clause.kind == "principle"]


def public_contributions(consultation):
    """Every approved contribution of `consultation`, newest first, without contact details."""
    return consultation.contributions.public().defer("email").order_by("-created_at", "-pk")


def read_clauses(
    consultation, *, order: str = "newest", clause: str = "", page: str = "1"
) -> dict[str, Clause]:
    """The consulted text's clauses, each with its public contributions in `order`; the clause
    whose anchor is `clause` shows all of them, `page` by page, the others their first few."""
    clauses = clauses_of(consultation.text)
    contributions = list(public_contributions(consultation))
    by_pk = {contribution.pk: contribution for contribution in contributions}
    for contribution in contributions:
        contribution.clause = clauses.get(contribution.item_key, clauses[""])
        contribution.clause.count += 1
        contribution.answered = by_pk.get(contribution.parent_id)
    if order == "threaded":
        lists = _threads(contributions)
    else:
        lists = {}
        for contribution in contributions:
            contribution.depth = 0
            lists.setdefault(contribution.clause.key, []).append(contribution)
    for key, entries in lists.items():
        _show(clauses[key], entries, all_of_them=clauses[key].anchor == clause, page=page)
    return clauses


def _threads(contributions: list) -> dict[str, list]:
    """Each clause's threads, newest first, each followed by its replies in the order they
    were written. A reply whose contribution is not public starts a thread of its own."""
    replies: dict[int, list] = {}
    roots = []
    for contribution in contributions:
        if contribution.answered is None:
            roots.append(contribution)
        else:
            replies.setdefault(contribution.parent_id, []).append(contribution)
    lists: dict[str, list] = {}
    for root in roots:
        entries = lists.setdefault(root.clause.key, [])
        stack = [(root, 0)]
        while stack:
            contribution, depth = stack.pop()
            contribution.depth = min(depth, MAX_DEPTH)
            entries.append(contribution)
            # Newest first in `replies`: pushed so, the oldest is taken first.
            stack.extend((reply, depth + 1) for reply in replies.get(contribution.pk, []))
    return lists


def _show(clause: Clause, entries: list, *, all_of_them: bool, page: str) -> None:
    if all_of_them:
        clause.page = Paginator(entries, PER_PAGE).get_page(page)
        shown = list(clause.page.object_list)
    else:
        shown = entries[:PER_CLAUSE]
        clause.more = len(entries) > PER_CLAUSE
    for contribution in shown:
        if contribution.is_amendment:
            base = "" if contribution.kind == Contribution.Kind.NEW_ACTION_LINE else clause.amended
            contribution.redline = kept_diff_words(base, normalise(contribution.proposed_text))
    clause.entries = shown
