"""Item-by-item comparison of two texts of the declaration, with word-level differences.

Both sides are snapshots (`Version.snapshot()` or a revision's stored text). Principles and
action lines are matched by their `key`, so an item that was reworded, moved, added or removed
is shown as such. Every piece of text is escaped here before the <ins>/<del> markup is added.
"""

import hashlib
import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from django.core.cache import cache
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from .models import SOURCE_LANGUAGE, Version, normalise

TOKENS = re.compile(r"\s+|[^\s]+")
# Below this share of words in common, two texts are shown as a rewrite rather than word by word.
REWRITE_RATIO = 0.5


def diff_words(old: str, new: str) -> SafeString:
    """`new` as escaped HTML, with words taken out of `old` in <del> and words put in, <ins>.
    Each carries a hidden text label so that the change does not rest on styling alone."""
    old_tokens, new_tokens = TOKENS.findall(old), TOKENS.findall(new)
    matcher = SequenceMatcher(None, old_tokens, new_tokens, autojunk=False)
    opcodes = matcher.get_opcodes()
    if old and new and matcher.ratio() < REWRITE_RATIO:
        # A rewrite reads better as the old text struck out, then the new one, than as a
        # word-by-word patchwork.
        opcodes = [("replace", 0, len(old_tokens), 0, len(new_tokens))]
    parts = []
    for operation, old_start, old_end, new_start, new_end in opcodes:
        removed = "".join(old_tokens[old_start:old_end])
        added = "".join(new_tokens[new_start:new_end])
        if operation == "equal":
            parts.append(format_html("{}", added))
            continue
        if removed:
            parts.append(
                format_html(
                    '<del><span class="visually-hidden">{}</span>{}</del>', _("deleted:"), removed
                )
            )
        if added:
            parts.append(
                format_html(
                    '<ins><span class="visually-hidden">{}</span>{}</ins>', _("inserted:"), added
                )
            )
    # Safe: every part above went through format_html, which escapes the text.
    return mark_safe("".join(parts))


@dataclass
class FieldChange:
    label: str
    html: SafeString
    changed: bool


@dataclass
class ItemChange:
    """One principle or action line: its state in the comparison and its fields' differences."""

    key: str
    kind: str  # "principle" or "action line"
    status: str  # "added", "removed", "changed" or "unchanged"
    number: str
    old_number: str = ""
    moved: bool = False
    fields: list[FieldChange] = field(default_factory=list)
    action_lines: list["ItemChange"] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def is_changed(self) -> bool:
        """Whether this item itself changed, apart from its action lines."""
        return self.status != "unchanged" or self.moved

    @property
    def has_changes(self) -> bool:
        return self.is_changed or any(line.has_changes for line in self.action_lines)


STATUS_LABELS = {
    "added": _("Added"),
    "removed": _("Removed"),
    "changed": _("Reworded"),
    "unchanged": _("Unchanged"),
}


@dataclass
class Comparison:
    title: FieldChange
    preamble: FieldChange
    principles: list[ItemChange]

    @property
    def changed_items(self) -> list[ItemChange]:
        """Every principle and action line that changed, in reading order."""
        return [
            item
            for principle in self.principles
            for item in [principle, *principle.action_lines]
            if item.is_changed
        ]

    @property
    def version_fields(self) -> list[FieldChange]:
        return [self.title, self.preamble]

    @property
    def has_changes(self) -> bool:
        return (
            self.title.changed
            or self.preamble.changed
            or any(principle.has_changes for principle in self.principles)
        )


# A month: the same two texts always give the same redline.
KEPT_DIFF_SECONDS = 30 * 24 * 3600


def kept_diff_words(old: str, new: str) -> SafeString:
    """`diff_words(old, new)`, worked out once and kept in the cache under the hash of both
    texts. A participant's proposal may run to 10,000 characters, and difflib on such a pair
    takes seconds: a page that shows amendments must not pay that on every request."""
    key = "diff-words:" + hashlib.sha256(f"{old}\0{new}".encode()).hexdigest()
    kept = cache.get(key)
    if kept is None:
        kept = str(diff_words(old, new))
        cache.set(key, kept, KEPT_DIFF_SECONDS)
    # Made here from escaped text (`diff_words`), and only ever stored by this function.
    return mark_safe(kept)


def compare_field(label: str, old: str | None, new: str | None) -> FieldChange:
    # Normalised, so that a text stored before normalisation (an old version, an old
    # revision) does not look reworded next to the same words stored since.
    old, new = normalise(old or ""), normalise(new or "")
    return FieldChange(label=label, html=diff_words(old, new), changed=old != new)


def moved_keys(old_keys: list[str], new_keys: list[str]) -> set[str]:
    """Keys present on both sides whose order relative to the others changed: those outside
    the longest run of items that kept their order."""
    common = set(old_keys) & set(new_keys)
    old_order = [key for key in old_keys if key in common]
    new_order = [key for key in new_keys if key in common]
    matcher = SequenceMatcher(None, old_order, new_order, autojunk=False)
    kept = {
        key
        for block in matcher.get_matching_blocks()
        for key in old_order[block.a : block.a + block.size]
    }
    return common - kept


def compare_items(
    old_items: list[dict], new_items: list[dict], *, kind: str, fields, prefix=""
) -> list:
    """Match items by key: new ones in their new order, then the removed ones."""
    old_by_key = {item["key"]: (number, item) for number, item in enumerate(old_items, start=1)}
    new_keys = [item["key"] for item in new_items]
    moved = moved_keys(list(old_by_key), new_keys)
    changes = []
    for number, item in enumerate(new_items, start=1):
        old_number, old_item = old_by_key.get(item["key"], (None, None))
        changes.append(
            _compare_item(old_item, item, fields, f"{prefix}{number}", old_number, prefix, kind)
        )
        changes[-1].moved = item["key"] in moved
    for key, (old_number, old_item) in old_by_key.items():
        if key not in new_keys:
            changes.append(_compare_item(old_item, None, fields, "", old_number, prefix, kind))
    return changes


def _compare_item(old, new, fields, number, old_number, prefix, kind) -> ItemChange:
    field_changes = [
        compare_field(label, old and old[name], new and new[name]) for name, label in fields
    ]
    if old is None:
        status = "added"
    elif new is None:
        status = "removed"
        field_changes = [
            FieldChange(label=change.label, html=diff_words(old[name], ""), changed=True)
            for change, (name, _label) in zip(field_changes, fields, strict=True)
        ]
    else:
        status = "changed" if any(change.changed for change in field_changes) else "unchanged"
    return ItemChange(
        key=(new or old)["key"],
        kind=kind,
        status=status,
        number=number,
        old_number=f"{prefix}{old_number}" if old_number else "",
        fields=field_changes,
    )


PRINCIPLE_FIELDS = [("title", _("Title")), ("explanation", _("Explanation"))]
ACTION_LINE_FIELDS = [("text", _("Text"))]


def compare(old: dict, new: dict) -> Comparison:
    """Compare two snapshots, old first."""
    principles = compare_items(
        old["principles"], new["principles"], kind=_("Principle"), fields=PRINCIPLE_FIELDS
    )
    old_lines = {p["key"]: p["action_lines"] for p in old["principles"]}
    new_lines = {p["key"]: p["action_lines"] for p in new["principles"]}
    for principle in principles:
        prefix = f"{principle.number or principle.old_number}."
        principle.action_lines = compare_items(
            old_lines.get(principle.key, []),
            new_lines.get(principle.key, []),
            kind=_("Action line"),
            fields=ACTION_LINE_FIELDS,
            prefix=prefix,
        )
    return Comparison(
        title=compare_field(_("Title"), old["title"], new["title"]),
        preamble=compare_field(_("Preamble"), old["preamble"], new["preamble"]),
        principles=principles,
    )


def compare_published(old: Version, new: Version) -> Comparison:
    """What changed from one published version to another, in the source language, as the
    public comparison page shows it."""
    loaded = Version.objects.with_text(SOURCE_LANGUAGE).in_bulk([old.pk, new.pk])
    return compare(
        loaded[old.pk].snapshot_of_loaded_text(), loaded[new.pk].snapshot_of_loaded_text()
    )
