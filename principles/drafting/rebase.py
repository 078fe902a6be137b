"""Rebasing a draft onto the current version, when a newer version was published after the
draft was started: a three-way merge, item by item, of the version the draft was started from
(the base), the current version and the draft, all matched by the items' keys.

Each item (the title and preamble, a principle's title and explanation, an action line's
text) is decided on its own, by what each side did to it since the base:

- the draft did not change it: it takes the current version's text (or goes, if the current
  version removed it);
- the draft changed it and the current version did not: it keeps the draft's text (or stays
  removed, if the draft removed it);
- both made the same change: that change;
- both changed it differently (one may have removed it): a conflict, shown side by side, that
  the editor settles by choosing the current version's text or the draft's, or (when both
  still have it) by writing a text of their own. A principle that
  one side removed while the other changed one of its action lines is a conflict too, so that
  no change is dropped unseen. An action line goes with its principle when that is removed.

Items added on either side are kept. The draft's order is kept; an item that only the current
version has is placed after the item it follows there (at the start when it follows none).
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..comparison import diff_words
from ..models import (
    SOURCE_LANGUAGE,
    ActionLine,
    ActionLineText,
    Declaration,
    Principle,
    PrincipleText,
    Revision,
    Version,
    VersionStateError,
    VersionText,
)
from .review import lock_for_editing, record_revision, refuse_if_stale

CURRENT, DRAFT = "current", "draft"
VERSION_KEY = Revision.VERSION_TEXT_KEY
FIELDS = {
    "version": ("title", "preamble"),
    "principle": ("title", "explanation"),
    "action line": ("text",),
}


@dataclass
class RebaseItem:
    """One item as the three sides have it (None where it does not exist)."""

    key: str
    kind: str  # "version", "principle" or "action line"
    label: str
    base: dict | None
    current: dict | None
    draft: dict | None
    conflict: bool = False

    @property
    def taken_from(self) -> str:
        """Where an item that is no conflict takes its text from."""
        return DRAFT if self.current == self.base else CURRENT

    @property
    def changed_in_draft(self) -> bool:
        return self.draft != self.base

    def fields(self) -> list[tuple[str, str, str, object]]:
        """For a conflict: each field's name, the current and the draft's text, and the
        draft's text marked word by word against the current one."""
        return [
            (
                name,
                (self.current or {}).get(name, ""),
                (self.draft or {}).get(name, ""),
                diff_words((self.current or {}).get(name, ""), (self.draft or {}).get(name, "")),
            )
            for name in FIELDS[self.kind]
        ]


def _items(snapshot: dict) -> tuple[dict, dict, list]:
    """The texts of `snapshot` by key, each principle's action line keys in order, and the
    principle keys in order, as the merge reads them."""
    texts = {VERSION_KEY: {"title": snapshot["title"], "preamble": snapshot["preamble"]}}
    lines_of = {}
    for principle in snapshot["principles"]:
        texts[principle["key"]] = {
            "title": principle["title"],
            "explanation": principle["explanation"],
        }
        lines_of[principle["key"]] = [line["key"] for line in principle["action_lines"]]
        for line in principle["action_lines"]:
            texts[line["key"]] = {"text": line["text"]}
    return texts, lines_of, [principle["key"] for principle in snapshot["principles"]]


class RebasePlan:
    """The merge of a draft onto the current version, before anyone chose: what moves over by
    itself and what conflicts. `merged(choices)` is the text after the editor's choices."""

    def __init__(self, *, base: dict, current: dict, draft: dict):
        self.sides = {"base": _items(base), CURRENT: _items(current), DRAFT: _items(draft)}
        self.items: dict[str, RebaseItem] = {}
        self._add(VERSION_KEY, "version", _("Title and preamble"))
        principles = self._union(None)
        for key in principles:
            number = self._number(None, key)
            self._add(key, "principle", _("Principle %(number)s") % {"number": number})
            for line_key in self._union(key):
                self._add(
                    line_key,
                    "action line",
                    _("Action line %(number)s")
                    % {"number": f"{number}.{self._number(key, line_key)}"},
                )
        for key in principles:
            self._conflict_if_removal_hides_changes(key)

    @property
    def conflicts(self) -> list[RebaseItem]:
        return [item for item in self.items.values() if item.conflict]

    def counts(self) -> dict[str, int]:
        """How many items take the current version's text, keep the draft's, or conflict."""
        settled = [item for item in self.items.values() if not item.conflict]
        return {
            "from_current": sum(
                item.taken_from == CURRENT and item.current != item.base for item in settled
            ),
            "kept": sum(item.taken_from == DRAFT and item.changed_in_draft for item in settled),
            "conflicts": len(self.conflicts),
        }

    def merged(self, choices: dict) -> dict:
        """The rebased text as a snapshot, with `choices` by the key of each conflict:
        "current", "draft", or the editor's own text of an item both sides have ({field: text})."""
        chosen = {key: self._resolve(item, choices) for key, item in self.items.items()}
        for key in self._union(None):
            # A principle that one side removed and the merge keeps comes with its action
            # lines as the side that kept it has them.
            principle = self.items[key]
            keeper = DRAFT if principle.current is None else CURRENT
            if chosen[key] is not None and None in (principle.current, principle.draft):
                for line_key in self._union(key):
                    chosen[line_key] = getattr(self.items[line_key], keeper)
        return {
            **chosen[VERSION_KEY],
            "principles": [
                {
                    "key": key,
                    **chosen[key],
                    "action_lines": [
                        {"key": line_key, **chosen[line_key]}
                        for line_key in self._order(key, chosen)
                    ],
                }
                for key in self._order(None, chosen)
            ],
        }

    def _resolve(self, item: RebaseItem, choices: dict) -> dict | None:
        if not item.conflict:
            return item.draft if item.taken_from == DRAFT else item.current
        side = choices.get(item.key)
        if isinstance(side, dict) and item.current and item.draft and set(side) == set(item.draft):
            return side  # the editor's own text
        if side not in (CURRENT, DRAFT):
            raise ValueError(f"No choice for the conflicting item {item.key}.")
        return item.current if side == CURRENT else item.draft

    def _text(self, side: str, key: str) -> dict | None:
        return self.sides[side][0].get(key)

    def _keys(self, side: str, parent: str | None) -> list[str]:
        """The keys of one list on one side: the principles (`parent` None) or the action
        lines of the principle `parent`."""
        _texts, lines_of, principles = self.sides[side]
        return principles if parent is None else lines_of.get(parent, [])

    def _union(self, parent: str | None) -> list[str]:
        """The keys of one list on any side: the draft's, then those only the current version
        has, then those only the base had."""
        keys = []
        for side in (DRAFT, CURRENT, "base"):
            keys += [key for key in self._keys(side, parent) if key not in keys]
        return keys

    def _number(self, parent: str | None, key: str) -> int:
        """The item's place in its list in the draft, else in the current version or base."""
        for side in (DRAFT, CURRENT, "base"):
            keys = self._keys(side, parent)
            if key in keys:
                return keys.index(key) + 1
        raise KeyError(key)

    def _add(self, key: str, kind: str, label: str) -> None:
        base, current, draft = (self._text(side, key) for side in ("base", CURRENT, DRAFT))
        conflict = draft != base and current != base and draft != current
        self.items[key] = RebaseItem(key, kind, label, base, current, draft, conflict)

    def _conflict_if_removal_hides_changes(self, key: str) -> None:
        """A principle that one side removed while the other changed one of its action lines
        (added, reworded or removed one) is a conflict."""
        principle = self.items[key]
        if principle.base is None:
            return
        lines = [self.items[line] for line in self._union(key)]
        for remover, keeper in ((CURRENT, DRAFT), (DRAFT, CURRENT)):
            if getattr(principle, remover) is None and getattr(principle, keeper) is not None:
                principle.conflict = principle.conflict or any(
                    getattr(line, keeper) != line.base for line in lines
                )
                # Its action lines go or stay with it (`merged`): they are no choice of their own.
                for line in lines:
                    line.conflict = False

    def _order(self, parent: str | None, chosen: dict) -> list[str]:
        """The draft's order of the items kept, with those only the current version has
        placed after the item they follow there."""
        order = [key for key in self._keys(DRAFT, parent) if chosen.get(key) is not None]
        current = self._keys(CURRENT, parent)
        for index, key in enumerate(current):
            if key in order or chosen.get(key) is None:
                continue
            before = [k for k in current[:index] if k in order]
            order.insert(order.index(before[-1]) + 1 if before else 0, key)
        return order


def plan_rebase(draft: Version) -> RebasePlan:
    """The merge of `draft` onto its declaration's current version; refuses a draft that is
    based on the current version already."""
    if not draft.is_superseded:
        raise VersionStateError(_("This draft is already based on the current version."))
    return RebasePlan(
        base=draft.based_on.snapshot(),
        current=draft.declaration.current_version.snapshot(),
        draft=draft.snapshot(),
    )


@transaction.atomic
def rebase_draft(*, draft: Version, by, choices: dict, base_revision: int, onto: int) -> Revision:
    """Rebase `draft` onto the current version (whose id the editor saw as `onto`), settling
    each conflict by `choices`, and record it as a revision. Raises StaleEdit when the draft
    changed since `base_revision`, and VersionStateError when another version was published
    meanwhile: either way the editor must look at the conflicts again."""
    # The declaration first, as publication locks it: nothing is published meanwhile.
    declaration = Declaration.objects.select_for_update().get(pk=draft.declaration_id)
    draft = lock_for_editing(draft)
    draft.declaration = declaration
    refuse_if_stale(reviewed=draft, item_key=None, base_revision=base_revision)
    if declaration.current_version_id != onto:
        raise VersionStateError(
            _("Another version was published meanwhile; look at the conflicts again.")
        )
    plan = plan_rebase(draft)
    _write(draft, plan.merged(choices))
    current = declaration.current_version
    draft.rebase_onto(current)
    return record_revision(
        reviewed=draft,
        by=by,
        action=Revision.Action.REBASE,
        summary=rebase_summary(number=current.number, counts=plan.counts()),
    )


def rebase_summary(*, number: int, counts: dict[str, int]) -> str:
    """What the history says of a rebase."""
    details = [
        ngettext(
            "%(count)s item updated from it",
            "%(count)s items updated from it",
            counts["from_current"],
        )
        % {"count": counts["from_current"]}
    ]
    details.append(
        ngettext("%(count)s change kept", "%(count)s changes kept", counts["kept"])
        % {"count": counts["kept"]}
    )
    details.append(
        ngettext("%(count)s conflict settled", "%(count)s conflicts settled", counts["conflicts"])
        % {"count": counts["conflicts"]}
    )
    return _("Rebased onto version %(number)s: %(details)s") % {
        "number": number,
        "details": ", ".join(details),
    }


def _write(draft: Version, text: dict) -> None:
    """Replace the draft's source text and structure with `text` (a snapshot), keeping each
    item's key so that history, comments and comparisons still find it."""
    VersionText.objects.filter(version=draft, language=SOURCE_LANGUAGE).update(
        title=text["title"], preamble=text["preamble"]
    )
    # Texts and action lines go with their principles (on_delete=CASCADE).
    draft.principles.all().delete()
    principles = Principle.objects.bulk_create(
        Principle(version=draft, position=position, key=p["key"])
        for position, p in enumerate(text["principles"], start=1)
    )
    PrincipleText.objects.bulk_create(
        PrincipleText(
            principle=principle,
            language=SOURCE_LANGUAGE,
            title=p["title"],
            explanation=p["explanation"],
        )
        for principle, p in zip(principles, text["principles"], strict=True)
    )
    lines = [
        (ActionLine(principle=principle, position=position, key=line["key"]), line["text"])
        for principle, p in zip(principles, text["principles"], strict=True)
        for position, line in enumerate(p["action_lines"], start=1)
    ]
    ActionLine.objects.bulk_create(line for line, _text in lines)
    ActionLineText.objects.bulk_create(
        ActionLineText(action_line=line, language=SOURCE_LANGUAGE, text=line_text)
        for line, line_text in lines
    )
