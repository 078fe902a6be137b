"""Translating a published version: start a `Translation` and save it item by item.

The same rules as drafting the source text (`review`): every save is a revision, a stale save
is refused, and the translation is reviewed and published like a draft; publishing writes its
text into the version's rows for that language, which is what readers see.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from ..models import (
    Revision,
    Standing,
    Translation,
    TranslationRevision,
    Version,
    VersionStateError,
    normalise,
    translation_languages,
)
from .review import lock_for_editing, record_revision, refuse_if_stale
from .translation_updates import latest_translations

# The fields that each kind of item has, in the order forms show them.
VERSION_FIELDS = ("title", "preamble")
PRINCIPLE_FIELDS = ("title", "explanation")
ACTION_LINE_FIELDS = ("text",)


def source_of(reviewed: Version | Translation) -> dict:
    """The source text (`Version.snapshot()`) whose items a draft or a translation names."""
    return reviewed.source() if isinstance(reviewed, Translation) else reviewed.snapshot()


def item_fields(source: dict, item_key: str) -> tuple[str, ...] | None:
    """The fields of the item named `item_key` in `source` (a `Version.snapshot()`), or None
    when the version has no such item."""
    if item_key == Revision.VERSION_TEXT_KEY:
        return VERSION_FIELDS
    for principle in source["principles"]:
        if principle["key"] == item_key:
            return PRINCIPLE_FIELDS
        if any(line["key"] == item_key for line in principle["action_lines"]):
            return ACTION_LINE_FIELDS
    return None


def source_item(source: dict, item_key: str) -> dict:
    """The source text of one item: {"title", "preamble"}, {"title", "explanation"} or
    {"text"}, plus "number" ("", "2" or "2.3") for principles and action lines."""
    if item_key == Revision.VERSION_TEXT_KEY:
        return {"title": source["title"], "preamble": source["preamble"], "number": ""}
    for p_number, principle in enumerate(source["principles"], start=1):
        if principle["key"] == item_key:
            return {
                "title": principle["title"],
                "explanation": principle["explanation"],
                "number": str(p_number),
            }
        for l_number, line in enumerate(principle["action_lines"], start=1):
            if line["key"] == item_key:
                return {"text": line["text"], "number": f"{p_number}.{l_number}"}
    raise KeyError(item_key)


def _normalised(item_text: dict | None) -> dict | None:
    """An item's translated fields as `normalise` leaves them: a text stored before the rule
    and sent back unchanged is no change."""
    if item_text is None:
        return None
    return {name: normalise(value) for name, value in item_text.items()}


def describe_item(source: dict, item_key: str) -> str:
    number = source_item(source, item_key)["number"]
    if not number:
        return _("title and preamble")
    if "." in number:
        return _("action line %(number)s") % {"number": number}
    return _("principle %(number)s") % {"number": number}


@transaction.atomic
def start_translation(*, version: Version, language: str, by) -> Translation:
    """Start translating a published version into `language`: from its published translation
    when there is one (to revise it), else from the latest translation, in any earlier version,
    of every item whose source text did not change since (`translation_updates`)."""
    version = Version.objects.select_for_update().get(pk=version.pk)
    if not version.is_published:
        raise VersionStateError(_("Only a published version can be translated."))
    if language not in dict(translation_languages()):
        raise VersionStateError(_("Choose one of the languages the site translates into."))
    if Translation.objects.in_progress().of(version, language).exists():
        raise VersionStateError(
            _("A translation of this version into this language is already in progress.")
        )
    current = Translation.objects.published().of(version, language).order_by("-published_at")
    current = current.first()
    if current is not None:
        text, standing = current.text, current.standing
        summary = _("Started from the published translation")
    else:
        update = latest_translations(version).get(language)
        text, standing = (update.kept if update else {}), Standing.PROVISIONAL
        summary = (
            _(
                "Started from the latest translation of every item whose source text did not "
                "change: %(count)s items"
            )
            % {"count": len(text)}
            if text
            else _("Started an empty translation")
        )
    translation = Translation.objects.create(
        version=version, language=language, text=text, standing=standing, based_on=current
    )
    record_revision(
        reviewed=translation, by=by, action=TranslationRevision.Action.START, summary=summary
    )
    return translation


@transaction.atomic
def save_translated_item(
    *, translation: Translation, item_key: str, by, values: dict, base_revision: int, note: str = ""
) -> TranslationRevision | None:
    """Save the translation of one item; None when nothing changed. Raises StaleEdit when
    someone saved this item since `base_revision`."""
    translation = lock_for_editing(translation)
    source = translation.source()
    fields = item_fields(source, item_key)
    if fields is None:
        raise VersionStateError(_("This version has no such item."))
    refuse_if_stale(reviewed=translation, item_key=item_key, base_revision=base_revision)
    new = {name: normalise(values.get(name, "")) for name in fields}
    if _normalised(translation.text.get(item_key)) == new:
        return None
    translation.text = {**translation.text, item_key: new}
    translation.save(update_fields=["text"])
    summary = _("Translated %(item)s") % {"item": describe_item(source, item_key)}
    return record_revision(
        reviewed=translation,
        by=by,
        action=TranslationRevision.Action.EDIT,
        item_key=item_key,
        summary=summary,
        note=note,
    )


@transaction.atomic
def set_standing(*, translation: Translation, standing: str, by) -> TranslationRevision | None:
    """Mark the translation official or provisional; reviewed and published like its text."""
    translation = lock_for_editing(translation)
    if translation.standing == standing:
        return None
    translation.standing = standing
    translation.full_clean(exclude=["version", "based_on", "text"])
    translation.save(update_fields=["standing"])
    summary = (
        _("Marked the translation official")
        if standing == Standing.OFFICIAL
        else _("Marked the translation provisional")
    )
    return record_revision(
        reviewed=translation,
        by=by,
        action=TranslationRevision.Action.STANDING,
        summary=summary,
    )


@transaction.atomic
def restore_translated_item(
    *, translation: Translation, revision: TranslationRevision, item_key: str, by
) -> TranslationRevision:
    """Give one item the translation it had at `revision`, as a new revision."""
    translation = lock_for_editing(translation)
    source = translation.source()
    if revision.translation_id != translation.pk or item_fields(source, item_key) is None:
        raise VersionStateError(_("That revision does not hold this item."))
    old = revision.text.get(item_key)
    text = dict(translation.text)
    if old is None:
        text.pop(item_key, None)
    else:
        text[item_key] = old
    translation.text = text
    translation.save(update_fields=["text"])
    summary = _("Restored %(item)s to revision %(revision)s") % {
        "item": describe_item(source, item_key),
        "revision": revision.pk,
    }
    return record_revision(
        reviewed=translation,
        by=by,
        action=TranslationRevision.Action.RESTORE,
        item_key=item_key,
        summary=summary,
    )
