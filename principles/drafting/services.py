"""Drafting the declaration's text: loading it from a file, starting a draft from the current
version, and every edit of a draft. Review and publication are `review`'s, which also holds the
rules every edit follows (locking, stale saves, revisions)."""

from django.db import transaction
from django.db.models import F, Max
from django.utils.translation import gettext as _

from declaration_site.public_cache import public_content_changed

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
    normalise,
)
from . import review
from .review import lock_for_editing, record_revision, refuse_if_stale


@transaction.atomic
def create_draft_from_text(*, declaration: Declaration, text: dict) -> Version:
    """Create a draft version holding `text`, in the shape `Version.canonical_text()` returns:
    {"title", "preamble", "principles": [{"title", "explanation", "action_lines": [str]}]}."""
    version = Version.objects.create(declaration=declaration)
    VersionText.objects.create(
        version=version, language=SOURCE_LANGUAGE, title=text["title"], preamble=text["preamble"]
    )
    for principle_position, principle_text in enumerate(text["principles"], start=1):
        principle = Principle.objects.create(version=version, position=principle_position)
        PrincipleText.objects.create(
            principle=principle,
            language=SOURCE_LANGUAGE,
            title=principle_text["title"],
            explanation=principle_text.get("explanation", ""),
        )
        for line_position, line_text in enumerate(principle_text["action_lines"], start=1):
            action_line = ActionLine.objects.create(principle=principle, position=line_position)
            ActionLineText.objects.create(
                action_line=action_line, language=SOURCE_LANGUAGE, text=line_text
            )
    return version


@transaction.atomic
def publish_loaded_draft(*, draft: Version) -> Version:
    """Publish, unreviewed, a draft made by `create_draft_from_text` that nobody edited in the
    workspace, and make it the current version: the loader's publication (`load_declaration`,
    the demo data, benchmarks and tests). Anything drafted in the workspace is published by
    `review.publish`, in the name of a publisher who is none of its authors."""
    draft = review.lock_for_publication(draft)
    draft.publish_loaded()
    review.make_current(draft)
    public_content_changed()
    return draft


@transaction.atomic
def publish_loaded_text(*, declaration: Declaration, text: dict) -> Version:
    """`create_draft_from_text`, then `publish_loaded_draft`."""
    return publish_loaded_draft(draft=create_draft_from_text(declaration=declaration, text=text))


# Far above any real position: reordering passes through it to respect the unique positions.
POSITION_OFFSET = 10_000
# Each kind of item: the model of its text, the field there that names the item, and the
# fields of its text, in the order forms show them.
ITEM_TEXTS = {
    Version: (VersionText, "version", ("title", "preamble")),
    Principle: (PrincipleText, "principle", ("title", "explanation")),
    ActionLine: (ActionLineText, "action_line", ("text",)),
}


def describe(item) -> str:
    """How a person refers to an item: "principle 2", "action line 2.3", "title and preamble"."""
    if isinstance(item, Principle):
        return _("principle %(number)s") % {"number": item.position}
    if isinstance(item, ActionLine):
        return _("action line %(principle)s.%(line)s") % {
            "principle": item.principle.position,
            "line": item.position,
        }
    return _("title and preamble")


def item_key_of(item) -> str:
    """The key that revisions and comments use for an item (the version itself: "version")."""
    if isinstance(item, Principle | ActionLine):
        return str(item.key)
    return Revision.VERSION_TEXT_KEY


@transaction.atomic
def start_draft(*, declaration: Declaration, by) -> Version:
    """Start a draft from the declaration's current version, copying its source-language text
    and keeping each item's key. Translations are not copied: they would not follow the edits.
    Once the draft is published, translating it starts from the earlier version's translation
    of every item whose source text did not change (`translation_services`)."""
    declaration = Declaration.objects.select_for_update().get(pk=declaration.pk)
    if declaration.current_version_id is None:
        raise VersionStateError(_("There is no published version to start a draft from."))
    source = Version.objects.with_text(SOURCE_LANGUAGE).get(pk=declaration.current_version_id)
    draft = Version.objects.create(declaration=declaration, based_on=source)
    _copy_text(source=source, draft=draft)
    record_revision(
        reviewed=draft,
        by=by,
        action=Revision.Action.START,
        summary=_("Started from version %(number)s") % {"number": source.number},
    )
    return draft


def _copy_text(*, source: Version, draft: Version) -> None:
    VersionText.objects.bulk_create(
        VersionText(version=draft, language=t.language, title=t.title, preamble=t.preamble)
        for t in source.texts.all()
    )
    old_principles = list(source.principles.all())
    new_principles = Principle.objects.bulk_create(
        Principle(version=draft, position=p.position, key=p.key) for p in old_principles
    )
    PrincipleText.objects.bulk_create(
        PrincipleText(principle=new, language=t.language, title=t.title, explanation=t.explanation)
        for old, new in zip(old_principles, new_principles, strict=True)
        for t in old.texts.all()
    )
    old_lines = [
        (new, line)
        for old, new in zip(old_principles, new_principles, strict=True)
        for line in old.action_lines.all()
    ]
    new_lines = ActionLine.objects.bulk_create(
        ActionLine(principle=new, position=line.position, key=line.key) for new, line in old_lines
    )
    ActionLineText.objects.bulk_create(
        ActionLineText(action_line=new, language=t.language, text=t.text)
        for (_principle, old), new in zip(old_lines, new_lines, strict=True)
        for t in old.texts.all()
    )


def draft_of(item: Version | Principle | ActionLine) -> Version:
    if isinstance(item, ActionLine):
        return item.principle.version
    return item.version if isinstance(item, Principle) else item


def _update_text(item, values: dict) -> bool:
    """Set the source-language text of `item` from `values`; False when nothing changed.
    Both sides are compared normalised, so a text sent back unchanged (with a browser's
    CRLF line breaks, say) is no change."""
    model, owner_field, fields = ITEM_TEXTS[type(item)]
    text = model.objects.get(**{owner_field: item, "language": SOURCE_LANGUAGE})
    new = {name: normalise(values[name]) for name in fields}
    changed = [name for name in fields if normalise(getattr(text, name)) != new[name]]
    for name in changed:
        setattr(text, name, new[name])
    if changed:
        text.save(update_fields=changed)
    return bool(changed)


@transaction.atomic
def save_item_text(
    *, item: Version | Principle | ActionLine, by, values: dict, base_revision: int, note: str = ""
) -> Revision | None:
    """Save the source-language text of one item of a draft from `values`: the draft's title
    and preamble (`item` the draft), a principle's title and explanation, or an action line's
    text. None when nothing changed; raises StaleEdit."""
    draft = lock_for_editing(draft_of(item))
    key = item_key_of(item)
    refuse_if_stale(reviewed=draft, item_key=key, base_revision=base_revision)
    if not _update_text(item, values):
        return None
    summary = (
        _("Edited the title and preamble")
        if isinstance(item, Version)
        else _("Reworded %(item)s") % {"item": describe(item)}
    )
    return record_revision(
        reviewed=draft, by=by, action=Revision.Action.EDIT, item_key=key, summary=summary, note=note
    )


@transaction.atomic
def add_item(*, to: Version | Principle, by, text: dict, note: str = "") -> Principle | ActionLine:
    """Add a principle at the end of a draft (`to` the draft), without action lines yet, or an
    action line at the end of a principle (`to` the principle), with its `text`."""
    draft = lock_for_editing(draft_of(to))
    item = _append(to, text=text)
    summary = _("Added %(item)s") % {"item": describe(item)}
    record_revision(
        reviewed=draft,
        by=by,
        action=Revision.Action.ADD,
        item_key=str(item.key),
        summary=summary,
        note=note,
    )
    return item


def _append(parent: Version | Principle, *, text: dict, key: str | None = None):
    """A new principle (`parent` a draft) or action line (`parent` a principle) at the end of
    its list, with its source-language `text`, and with `key` when it comes back."""
    siblings = parent.principles if isinstance(parent, Version) else parent.action_lines
    position = (siblings.aggregate(last=Max("position"))["last"] or 0) + 1
    item = siblings.create(position=position, **({"key": key} if key else {}))
    model, owner_field, fields = ITEM_TEXTS[type(item)]
    model.objects.create(
        **{owner_field: item, "language": SOURCE_LANGUAGE},
        **{name: text.get(name, "") for name in fields},
    )
    return item


def _renumber(queryset, ordered_pks: list[int]) -> None:
    """Give the items positions 1…n in the order of `ordered_pks`, in two passes so that the
    unique (parent, position) constraint holds after every statement."""
    queryset.update(position=F("position") + POSITION_OFFSET)
    for position, pk in enumerate(ordered_pks, start=1):
        queryset.filter(pk=pk).update(position=position)


@transaction.atomic
def remove_item(
    *, item: Principle | ActionLine, by, base_revision: int, note: str = ""
) -> Revision:
    """Remove a principle (with its action lines) or an action line; the rest close up."""
    is_principle = isinstance(item, Principle)
    draft = lock_for_editing(draft_of(item))
    key = str(item.key)
    refuse_if_stale(reviewed=draft, item_key=key, base_revision=base_revision)
    summary = _("Removed %(item)s") % {"item": describe(item)}
    siblings = draft.principles.all() if is_principle else item.principle.action_lines.all()
    # Texts and action lines go with it (on_delete=CASCADE).
    item.delete()
    _renumber(siblings, [sibling.pk for sibling in siblings.order_by("position")])
    return record_revision(
        reviewed=draft,
        by=by,
        action=Revision.Action.REMOVE,
        item_key=key,
        summary=summary,
        note=note,
    )


@transaction.atomic
def reorder_items(
    *, draft: Version, siblings, ordered_pks: list[int], by, base_revision: int, note: str = ""
) -> Revision:
    """Put the principles of a draft, or the action lines of one principle (`siblings`), in the
    order of `ordered_pks`, which must name each of them once. Raises StaleEdit when anything
    in the draft changed since `base_revision`."""
    draft = lock_for_editing(draft)
    refuse_if_stale(reviewed=draft, item_key=None, base_revision=base_revision)
    if sorted(ordered_pks) != sorted(siblings.values_list("pk", flat=True)):
        raise ValueError("The new order must name every item being reordered exactly once.")
    _renumber(siblings, ordered_pks)
    is_principles = siblings.model is Principle
    summary = (
        _("Reordered the principles")
        if is_principles
        else _("Reordered the action lines of %(item)s")
        % {"item": describe(siblings.first().principle)}
    )
    return record_revision(
        reviewed=draft, by=by, action=Revision.Action.REORDER, summary=summary, note=note
    )


@transaction.atomic
def restore_item(*, draft: Version, revision: Revision, item_key: str, by) -> Revision:
    """Give an item of the draft back the text it had at `revision`, as a new revision."""
    draft = lock_for_editing(draft)
    old_text = revision.item_text(item_key) if revision.version_id == draft.pk else None
    if old_text is None:
        raise VersionStateError(_("That revision does not hold this item."))
    if item_key == Revision.VERSION_TEXT_KEY:
        item = draft
    else:
        item = (
            Principle.objects.filter(version=draft, key=item_key).first()
            or ActionLine.objects.select_related("principle")
            .filter(principle__version=draft, key=item_key)
            .first()
        )
        if item is None:
            return _restore_removed_item(draft=draft, revision=revision, item_key=item_key, by=by)
    _update_text(item, old_text)
    summary = _("Restored %(item)s to revision %(revision)s") % {
        "item": describe(item),
        "revision": revision.pk,
    }
    return record_revision(
        reviewed=draft, by=by, action=Revision.Action.RESTORE, item_key=item_key, summary=summary
    )


def _restore_removed_item(*, draft: Version, revision: Revision, item_key: str, by) -> Revision:
    """Put a removed item back at the end of its list, with the key and source-language text
    it had at `revision`; a principle comes back with the action lines it had then."""
    for principle in revision.snapshot["principles"]:
        if principle["key"] == item_key:
            item = _append(draft, text=principle, key=principle["key"])
            for line in principle["action_lines"]:
                _append(item, text=line, key=line["key"])
            break
        line = next((line for line in principle["action_lines"] if line["key"] == item_key), None)
        if line is not None:
            parent = Principle.objects.filter(version=draft, key=principle["key"]).first()
            if parent is None:
                raise VersionStateError(
                    _("Restore the principle this action line belonged to first.")
                )
            item = _append(parent, text=line, key=line["key"])
            break
    summary = _("Restored removed %(item)s from revision %(revision)s") % {
        "item": describe(item),
        "revision": revision.pk,
    }
    return record_revision(
        reviewed=draft, by=by, action=Revision.Action.RESTORE, item_key=item_key, summary=summary
    )
