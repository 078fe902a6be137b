"""Writes that span several of the declaration's models."""

from django.db import transaction
from django.db.models import F, Max
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from declaration_site.public_cache import public_content_changed

from ..models import (
    SOURCE_LANGUAGE,
    ActionLine,
    ActionLineText,
    AuditEntry,
    Declaration,
    Principle,
    PrincipleText,
    ReviewComment,
    Revision,
    Version,
    VersionStateError,
    VersionText,
)
from ..pdf.tasks import after_publication


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
def publish_version(*, version: Version, by=None) -> Version:
    """Publish a draft under the declaration's next number and make it the current version.

    The declaration row is locked first, so two publishes at once are serialised: the second
    finds the version already published and fails with VersionStateError.

    With `by` (a Publisher), this is the end of the drafting workflow: the draft must be
    approved, still based on the current version, and the publication is audited.
    """
    declaration = Declaration.objects.select_for_update().get(pk=version.declaration_id)
    version = Version.objects.select_for_update().get(pk=version.pk)
    if by is not None:
        _refuse_unless_publishable(version=version, declaration=declaration, by=by)
    version.publish(number=declaration.next_version_number())
    declaration.current_version = version
    declaration.save(update_fields=["current_version"])
    if by is not None:
        _audit(
            draft=version,
            by=by,
            action=AuditEntry.Action.DRAFT_PUBLISH,
            detail=f"v{version.number}",
        )
    after_publication(version=version)
    public_content_changed()
    return version


def _refuse_unless_publishable(*, version: Version, declaration: Declaration, by) -> None:
    if version.authors().filter(pk=by.pk).exists():
        raise VersionStateError(
            _("You have edited this draft, so another publisher must publish it.")
        )
    if version.status != Version.Status.APPROVED:
        raise VersionStateError(
            _("This draft is %(status)s; only an approved draft can be published.")
            % {"status": version.get_status_display().lower()}
        )
    if version.based_on_id and version.based_on_id != declaration.current_version_id:
        raise VersionStateError(
            _("A newer version has been published since this draft was started; start a new draft.")
        )


# Drafting: every write below locks the draft's row first, so that saves to one draft are
# serialised and a stale save is detected reliably, then records a revision and an audit entry.

AUDIT_ACTION_OF_REVISION = {
    Revision.Action.START: AuditEntry.Action.DRAFT_START,
    Revision.Action.RESTORE: AuditEntry.Action.DRAFT_RESTORE,
}
# Far above any real position: reordering passes through it to respect the unique positions.
POSITION_OFFSET = 10_000


class StaleEdit(Exception):
    """A save based on an older revision of the item than the latest one."""

    def __init__(self, latest: Revision):
        super().__init__(f"The item has changed since revision {latest.pk}.")
        self.latest = latest


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


def latest_revision_id(*, draft: Version, item_key: str | None = None) -> int:
    """The id of the latest revision of one item (of the whole draft when item_key is None);
    0 when there is none. Edit forms carry it as their base."""
    revisions = draft.revisions.all()
    if item_key is not None:
        revisions = revisions.filter(item_key=item_key)
    return revisions.aggregate(latest=Max("pk"))["latest"] or 0


def record_revision(
    *, draft: Version, by, action: str, summary: str, item_key: str = "", note: str = ""
) -> Revision:
    """Record a save in the draft's history, with its whole text after the save, and in the
    audit log. Call it inside the transaction that made the change."""
    revision = Revision.objects.create(
        version=draft,
        author=by,
        action=action,
        item_key=item_key,
        summary=summary,
        note=note,
        snapshot=draft.snapshot(),
    )
    AuditEntry.objects.log(
        actor=by,
        action=AUDIT_ACTION_OF_REVISION.get(action, AuditEntry.Action.DRAFT_EDIT),
        target=draft,
        detail=f"{summary} ({note})" if note else summary,
    )
    return revision


def _lock_for_editing(draft: Version) -> Version:
    draft = Version.objects.select_for_update().get(pk=draft.pk)
    draft.ensure_editable()
    return draft


def _refuse_if_stale(*, draft: Version, item_key: str | None, base_revision: int) -> None:
    if latest_revision_id(draft=draft, item_key=item_key) != base_revision:
        revisions = draft.revisions.select_related("author")
        if item_key is not None:
            revisions = revisions.filter(item_key=item_key)
        latest = revisions.first()
        # A base that names no revision of an item that has none was not made by our form:
        # nobody else saved the item, so the save goes ahead.
        if latest is not None:
            raise StaleEdit(latest)


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
        draft=draft,
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


def _update_text(model, *, owner_field: str, owner, values: dict) -> bool:
    """Set the source-language text of `owner`; False when nothing changed."""
    text = model.objects.get(**{owner_field: owner, "language": SOURCE_LANGUAGE})
    changed = [name for name, value in values.items() if getattr(text, name) != value]
    for name in changed:
        setattr(text, name, values[name])
    if changed:
        text.save(update_fields=changed)
    return bool(changed)


@transaction.atomic
def save_version_text(
    *, draft: Version, by, title: str, preamble: str, base_revision: int, note: str = ""
) -> Revision | None:
    """Save the draft's title and preamble; None when nothing changed. Raises StaleEdit."""
    draft = _lock_for_editing(draft)
    key = Revision.VERSION_TEXT_KEY
    _refuse_if_stale(draft=draft, item_key=key, base_revision=base_revision)
    values = {"title": title, "preamble": preamble}
    if not _update_text(VersionText, owner_field="version", owner=draft, values=values):
        return None
    summary = _("Edited the title and preamble")
    return record_revision(
        draft=draft, by=by, action=Revision.Action.EDIT, item_key=key, summary=summary, note=note
    )


@transaction.atomic
def save_principle(
    *, principle: Principle, by, title: str, explanation: str, base_revision: int, note: str = ""
) -> Revision | None:
    """Save a principle's title and explanation; None when nothing changed. Raises StaleEdit."""
    draft = _lock_for_editing(principle.version)
    key = str(principle.key)
    _refuse_if_stale(draft=draft, item_key=key, base_revision=base_revision)
    values = {"title": title, "explanation": explanation}
    if not _update_text(PrincipleText, owner_field="principle", owner=principle, values=values):
        return None
    summary = _("Reworded %(item)s") % {"item": describe(principle)}
    return record_revision(
        draft=draft, by=by, action=Revision.Action.EDIT, item_key=key, summary=summary, note=note
    )


@transaction.atomic
def save_action_line(
    *, action_line: ActionLine, by, text: str, base_revision: int, note: str = ""
) -> Revision | None:
    """Save an action line's text; None when nothing changed. Raises StaleEdit."""
    draft = _lock_for_editing(action_line.principle.version)
    key = str(action_line.key)
    _refuse_if_stale(draft=draft, item_key=key, base_revision=base_revision)
    values = {"text": text}
    if not _update_text(
        ActionLineText, owner_field="action_line", owner=action_line, values=values
    ):
        return None
    summary = _("Reworded %(item)s") % {"item": describe(action_line)}
    return record_revision(
        draft=draft, by=by, action=Revision.Action.EDIT, item_key=key, summary=summary, note=note
    )


@transaction.atomic
def add_principle(
    *, draft: Version, by, title: str, explanation: str = "", note: str = ""
) -> Principle:
    """Add a principle, without action lines yet, at the end of the draft."""
    draft = _lock_for_editing(draft)
    position = (draft.principles.aggregate(last=Max("position"))["last"] or 0) + 1
    principle = Principle.objects.create(version=draft, position=position)
    PrincipleText.objects.create(
        principle=principle, language=SOURCE_LANGUAGE, title=title, explanation=explanation
    )
    summary = _("Added %(item)s") % {"item": describe(principle)}
    record_revision(
        draft=draft,
        by=by,
        action=Revision.Action.ADD,
        item_key=str(principle.key),
        summary=summary,
        note=note,
    )
    return principle


@transaction.atomic
def add_action_line(*, principle: Principle, by, text: str, note: str = "") -> ActionLine:
    """Add an action line at the end of a principle."""
    draft = _lock_for_editing(principle.version)
    position = (principle.action_lines.aggregate(last=Max("position"))["last"] or 0) + 1
    action_line = ActionLine.objects.create(principle=principle, position=position)
    ActionLineText.objects.create(action_line=action_line, language=SOURCE_LANGUAGE, text=text)
    summary = _("Added %(item)s") % {"item": describe(action_line)}
    record_revision(
        draft=draft,
        by=by,
        action=Revision.Action.ADD,
        item_key=str(action_line.key),
        summary=summary,
        note=note,
    )
    return action_line


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
    draft = _lock_for_editing(item.version if is_principle else item.principle.version)
    key = str(item.key)
    _refuse_if_stale(draft=draft, item_key=key, base_revision=base_revision)
    summary = _("Removed %(item)s") % {"item": describe(item)}
    siblings = draft.principles.all() if is_principle else item.principle.action_lines.all()
    # Texts and action lines go with it (on_delete=CASCADE).
    item.delete()
    _renumber(siblings, [sibling.pk for sibling in siblings.order_by("position")])
    return record_revision(
        draft=draft, by=by, action=Revision.Action.REMOVE, item_key=key, summary=summary, note=note
    )


@transaction.atomic
def reorder_items(
    *, draft: Version, siblings, ordered_pks: list[int], by, base_revision: int, note: str = ""
) -> Revision:
    """Put the principles of a draft, or the action lines of one principle (`siblings`), in the
    order of `ordered_pks`, which must name each of them once. Raises StaleEdit when anything
    in the draft changed since `base_revision`."""
    draft = _lock_for_editing(draft)
    _refuse_if_stale(draft=draft, item_key=None, base_revision=base_revision)
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
        draft=draft, by=by, action=Revision.Action.REORDER, summary=summary, note=note
    )


@transaction.atomic
def restore_item(*, draft: Version, revision: Revision, item_key: str, by) -> Revision:
    """Give an item of the draft back the text it had at `revision`, as a new revision."""
    draft = _lock_for_editing(draft)
    old_text = revision.item_text(item_key) if revision.version_id == draft.pk else None
    if old_text is None:
        raise VersionStateError(_("That revision does not hold this item."))
    if item_key == Revision.VERSION_TEXT_KEY:
        item, model, owner_field = draft, VersionText, "version"
    else:
        item = (
            Principle.objects.filter(version=draft, key=item_key).first()
            or ActionLine.objects.select_related("principle")
            .filter(principle__version=draft, key=item_key)
            .first()
        )
        if item is None:
            return _restore_removed_item(draft=draft, revision=revision, item_key=item_key, by=by)
        model, owner_field = (
            (PrincipleText, "principle")
            if isinstance(item, Principle)
            else (ActionLineText, "action_line")
        )
    _update_text(model, owner_field=owner_field, owner=item, values=old_text)
    summary = _("Restored %(item)s to revision %(revision)s") % {
        "item": describe(item),
        "revision": revision.pk,
    }
    return record_revision(
        draft=draft, by=by, action=Revision.Action.RESTORE, item_key=item_key, summary=summary
    )


def _restore_removed_item(*, draft: Version, revision: Revision, item_key: str, by) -> Revision:
    """Put a removed item back at the end of its list, with the key and source-language text
    it had at `revision`; a principle comes back with the action lines it had then."""
    for principle in revision.snapshot["principles"]:
        if principle["key"] == item_key:
            item = _recreate_principle(draft=draft, principle=principle)
            break
        line = next((line for line in principle["action_lines"] if line["key"] == item_key), None)
        if line is not None:
            parent = Principle.objects.filter(version=draft, key=principle["key"]).first()
            if parent is None:
                raise VersionStateError(
                    _("Restore the principle this action line belonged to first.")
                )
            item = _recreate_action_line(principle=parent, line=line)
            break
    summary = _("Restored removed %(item)s from revision %(revision)s") % {
        "item": describe(item),
        "revision": revision.pk,
    }
    return record_revision(
        draft=draft, by=by, action=Revision.Action.RESTORE, item_key=item_key, summary=summary
    )


def _recreate_principle(*, draft: Version, principle: dict) -> Principle:
    position = (draft.principles.aggregate(last=Max("position"))["last"] or 0) + 1
    item = Principle.objects.create(version=draft, position=position, key=principle["key"])
    PrincipleText.objects.create(
        principle=item,
        language=SOURCE_LANGUAGE,
        title=principle["title"],
        explanation=principle["explanation"],
    )
    for line in principle["action_lines"]:
        _recreate_action_line(principle=item, line=line)
    return item


def _recreate_action_line(*, principle: Principle, line: dict) -> ActionLine:
    position = (principle.action_lines.aggregate(last=Max("position"))["last"] or 0) + 1
    item = ActionLine.objects.create(principle=principle, position=position, key=line["key"])
    ActionLineText.objects.create(action_line=item, language=SOURCE_LANGUAGE, text=line["text"])
    return item


def _audit(*, draft: Version, by, action: str, detail: str = "") -> None:
    AuditEntry.objects.log(actor=by, action=action, target=draft, detail=detail)


@transaction.atomic
def submit_draft(*, draft: Version, by) -> Version:
    """Send a draft to the reviewers. Only one draft per declaration can be in review."""
    draft = Version.objects.select_for_update().get(pk=draft.pk)
    in_review = Version.objects.filter(
        declaration=draft.declaration_id,
        status__in=[Version.Status.SUBMITTED, Version.Status.APPROVED],
    )
    if in_review.exclude(pk=draft.pk).exists():
        raise VersionStateError(_("Another draft is already in review; wait for its outcome."))
    draft.submit()
    _audit(draft=draft, by=by, action=AuditEntry.Action.DRAFT_SUBMIT)
    return draft


@transaction.atomic
def approve_draft(*, draft: Version, by) -> Version:
    """Approve a submitted draft (four eyes: `by` must not be one of its authors)."""
    draft = Version.objects.select_for_update().get(pk=draft.pk)
    draft.approve(by=by)
    _audit(draft=draft, by=by, action=AuditEntry.Action.DRAFT_APPROVE)
    return draft


@transaction.atomic
def send_back_draft(*, draft: Version, by, comments: dict[str, str]) -> Version:
    """Return a draft under review to its editors with comments keyed by item."""
    draft = Version.objects.select_for_update().get(pk=draft.pk)
    draft.send_back()
    ReviewComment.objects.bulk_create(
        ReviewComment(version=draft, author=by, item_key=key, text=text)
        for key, text in comments.items()
    )
    detail = ngettext("%(count)s comment", "%(count)s comments", len(comments)) % {
        "count": len(comments)
    }
    _audit(draft=draft, by=by, action=AuditEntry.Action.DRAFT_SEND_BACK, detail=detail)
    return draft


@transaction.atomic
def schedule_publication(*, draft: Version, by, at) -> Version:
    """Have `publish_scheduled` publish an approved draft at `at`."""
    draft = Version.objects.select_for_update().get(pk=draft.pk)
    _refuse_unless_publishable(version=draft, declaration=draft.declaration, by=by)
    draft.schedule(at=at, by=by)
    _audit(
        draft=draft,
        by=by,
        action=AuditEntry.Action.DRAFT_SCHEDULE,
        detail=f"{at:%Y-%m-%d %H:%M %Z}",
    )
    return draft
