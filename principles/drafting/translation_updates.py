"""Translations across versions of the source text, as wagtail-localize syncs a translated page
with each new revision of its source: nothing translated is lost when the English changes.

Every item (the title and preamble, each principle, each action line) keeps its key from
version to version, so the latest translation of an item in a language can be found in any
earlier version and reused exactly when the item's English is the same as when it was
translated. When a version is published, `carry_translations_over` writes into its rows for
each language:

- the latest translation of every item whose English did not change;
- for an item whose English changed, its latest translation marked `outdated`: readers see the
  new English, marked as being updated, with that translation as the earlier one;
- for a new item, nothing: readers see its English, marked as being updated.

The language's title-and-preamble row then names the version it is a translation of
(`translation_of`) until a translation of the new version is published, which replaces the rows
(`write_language`, the one writer of them) and so clears every mark. Translators are emailed the
items to update (`notify_translators_of_update`), and a translation started then begins with
everything else already translated (`translation_services.start_translation`).
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Prefetch, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation as i18n
from django.utils.translation import ngettext
from django_tasks import task

from ..models import (
    SOURCE_LANGUAGE,
    ActionLine,
    ActionLineText,
    Principle,
    PrincipleText,
    Revision,
    StaffLanguage,
    Standing,
    TranslationRevision,
    Version,
    VersionText,
    normalise,
    translation_languages,
)

# Each kind of item: the model of its text rows, the field there naming the item, and the
# fields a translation gives it.
TEXT_ROWS = {
    Version: (VersionText, "version", ("title", "preamble")),
    Principle: (PrincipleText, "principle", ("title", "explanation")),
    ActionLine: (ActionLineText, "action_line", ("text",)),
}
ROW_FIELDS = {model: names for model, _owner, names in TEXT_ROWS.values()}


@dataclass
class LanguageUpdate:
    """What the translations of earlier versions in one language give a version."""

    language: str
    # Item key -> translated fields, for items whose English is the one that was translated.
    kept: dict[str, dict] = field(default_factory=dict)
    # Item key -> the latest translation of an item whose English changed since.
    earlier: dict[str, dict] = field(default_factory=dict)
    # Keys of the items without an up-to-date translation (changed or new), in reading order.
    to_update: list[str] = field(default_factory=list)
    standing: str = Standing.PROVISIONAL
    # The latest version whose translation in this language was published.
    translation_of: Version | None = None


def latest_translations(version: Version) -> dict[str, LanguageUpdate]:
    """For each language that any version up to `version` (published) has text in: the latest
    translation of each item of `version`, kept where its English is unchanged."""
    history = _history(version)
    return {update.language: update for update in _updates(history)}


def _history(version: Version) -> list[Version]:
    """`version` and the published versions before it, newest first, with every text row."""
    texts = Prefetch("texts", queryset=VersionText.objects.select_related("translation_of"))
    return list(
        Version.objects.published()
        .filter(declaration=version.declaration_id, number__lte=version.number)
        .order_by("-number")
        .prefetch_related(texts, "principles__texts", "principles__action_lines__texts")
    )


def _items(version: Version):
    """(key, item) of every item of a version loaded by `_history`, in reading order."""
    yield Revision.VERSION_TEXT_KEY, version
    for principle in version.principles.all():
        yield str(principle.key), principle
        for line in principle.action_lines.all():
            yield str(line.key), line


def _fields(row) -> dict:
    """The row's text fields as `normalise` leaves them: a row stored before the rule (with
    CRLF, say) still matches the same words stored since."""
    return {name: normalise(getattr(row, name)) for name in ROW_FIELDS[type(row)]}


def _updates(history: list[Version]):
    """A `LanguageUpdate` for `history[0]` in each language that `history` has text in. For
    each item, the newest row in the language is its latest translation; the newest row not
    `outdated` is the last one made for the item's English at the time, and is kept when that
    English is the item's English now."""
    current = history[0]
    source = {}
    for key, item in _items(current):
        rows = {row.language: row for row in item.texts.all()}
        source[key] = _fields(rows[SOURCE_LANGUAGE])
    for language, _name in translation_languages():
        heading = next(
            (row for older in history for row in older.texts.all() if row.language == language),
            None,
        )
        if heading is None:
            continue
        update = LanguageUpdate(
            language=language,
            standing=heading.standing or Standing.PROVISIONAL,
            translation_of=heading.translation_of or heading.version,
        )
        latest, decided = {}, set()
        for older in history:
            for key, item in _items(older):
                rows = {row.language: row for row in item.texts.all()}
                row = rows.get(language)
                if row is None or key not in source or key in decided:
                    continue
                latest.setdefault(key, _fields(row))
                if row.outdated:
                    continue
                # The latest translation of the item itself (not a kept earlier one): reused
                # when the English is still the one it translated.
                decided.add(key)
                if _fields(rows[SOURCE_LANGUAGE]) == source[key]:
                    update.kept[key] = _fields(row)
        update.earlier = {key: fields for key, fields in latest.items() if key not in update.kept}
        update.to_update = [key for key in source if key not in update.kept]
        yield update


def carry_translations_over(version: Version) -> None:
    """At the publication of `version`: write into its rows in each language what the earlier
    translations give it (see the module's docstring), and email the translators the items to
    update once the publication commits."""
    history = _history(version)
    already = {row.language for row in history[0].texts.all()}
    updates = [update for update in _updates(history) if update.language not in already]
    for update in updates:
        write_language(
            version,
            update.language,
            texts={**update.kept, **update.earlier},
            outdated=set(update.earlier),
            standing=update.standing,
            translation_of=update.translation_of if update.to_update else None,
        )
    if any(update.to_update for update in updates):
        version_id = version.pk
        transaction.on_commit(lambda: send_update_notices.enqueue(version_id=version_id))


def write_language(
    version: Version,
    language: str,
    *,
    texts: dict[str, dict],
    standing: str,
    outdated: set[str] = frozenset(),
    translation_of: Version | None = None,
) -> None:
    """Replace the rows of `version` in `language` (not the source) with `texts`, item key ->
    translated fields; the items named in `outdated` translate an earlier English and are
    marked as being updated, and an item without an entry gets no row (readers see its
    English). The title-and-preamble row carries the language's `standing` and, while it is
    being updated, the version it is a translation of.

    This is the only writer of a published version's rows in a language other than the source
    (publishing a translation, carrying translations over a new version): the source text and
    the structure stay frozen. Bulk statements are used on purpose: their guard (and
    PostgreSQL's triggers) let rows in other languages through, whereas the rows' own save()
    refuses any change to a published version."""
    version = Version.objects.prefetch_related("principles__action_lines").get(pk=version.pk)
    rows = {}
    for key, item in _items(version):
        model, owner, names = TEXT_ROWS[type(item)]
        fields = texts.get(key)
        rows.setdefault(model, [])
        if fields is None:
            continue
        row = model(
            **{owner: item},
            language=language,
            outdated=key in outdated,
            **{name: fields.get(name, "") for name in names},
        )
        if model is VersionText:
            row.standing, row.translation_of = standing, translation_of
        rows[model].append(row)
    for model, new_rows in rows.items():
        model.objects.filter(**{model.version_path: version, "language": language}).delete()
        model.objects.bulk_create(new_rows)


@task()
def send_update_notices(*, version_id: int) -> None:
    notify_translators_of_update(Version.objects.get(pk=version_id))


def translators():
    """Everyone who may translate: the holders of the editors' permission."""
    granted = Q(groups__permissions__codename="edit_draft") | Q(
        user_permissions__codename="edit_draft"
    )
    return get_user_model().objects.filter(granted, is_active=True).exclude(email="").distinct()


def notify_translators_of_update(version: Version) -> int:
    """Email each translator the items of `version` whose translation is to be updated, in
    the languages they have translated into (every language for someone who never has), in
    the language they read the site in (`StaffLanguage`), else in the one language they
    translate into, else in English. Returns the number of emails sent.

    Which languages a person translates is not recorded: the languages someone has saved
    translations in are theirs, which needs no setting and follows what they actually do."""
    updates = {
        language: update
        for language, update in latest_translations(version).items()
        if update.to_update
    }
    if not updates:
        return 0
    source = version.snapshot()
    worked_in = {}
    for author, language in TranslationRevision.objects.values_list(
        "author", "translation__language"
    ).distinct():
        worked_in.setdefault(author, set()).add(language)
    sent = 0
    for person in translators():
        theirs = [updates[code] for code in updates if code in worked_in.get(person.pk, updates)]
        if not theirs:
            continue
        languages = {update.language for update in theirs}
        only = languages.pop() if len(languages) == 1 else None
        with i18n.override(StaffLanguage.of(person, default=only)):
            _send(person, version, source, theirs)
        sent += 1
    return sent


def _send(person, version: Version, source: dict, updates: list[LanguageUpdate]) -> None:
    # translation_services imports review, which imports this module.
    from .translation_services import describe_item, source_item

    languages = [
        {
            "name": dict(translation_languages())[update.language],
            "items": [
                {
                    "name": describe_item(source, key),
                    "english": [
                        value
                        for name, value in source_item(source, key).items()
                        if name != "number" and value
                    ],
                    "earlier": [value for value in update.earlier.get(key, {}).values() if value],
                }
                for key in update.to_update
            ],
        }
        for update in updates
    ]
    count = sum(len(update.to_update) for update in updates)
    body = render_to_string(
        "emails/principles/translation_update.txt",
        {
            "person": person,
            "version": version,
            "languages": languages,
            "translations_url": settings.SITE_URL + reverse("drafting:translations"),
        },
    )
    subject = ngettext(
        "Version %(number)s: %(count)s translated item to update",
        "Version %(number)s: %(count)s translated items to update",
        count,
    ) % {"number": version.number, "count": count}
    EmailMessage(subject=subject, body=body, to=[person.email]).send()
