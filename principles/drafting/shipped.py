"""The text this site ships in `principles/shipped/`: the first version of the declaration in
English (`<slug>.en.toml`), and our own provisional translations of it beside it, one file per
language (`<slug>.<language>.toml`), each with the English file's structure: its principles
and their action lines in the same order.

`load_declaration` publishes the English as a version (`services.publish_loaded_text`), then
each translation through the translation workflow, as a translator's would go: started, saved
item by item (every save a revision whose note names the file), and published, unreviewed, in
the name of the loader's account (`load_translation`). Translators replace a shipped
translation as any other: a translation they start begins from it, and theirs, once published,
replaces it."""

import tomllib
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction

from ..models import (
    SOURCE_LANGUAGE,
    Revision,
    Translation,
    Version,
    content_hash,
    normalise,
    translation_languages,
)
from . import review
from .translation_services import save_translated_item, start_translation

SHIPPED_TEXT = (
    Path(__file__).resolve().parents[1] / "shipped" / "connectivity-for-education.en.toml"
)
# The account that loaded texts are saved and published in the name of; nobody signs in as it.
LOADER_USERNAME = "shipped-text"


class ShippedTextError(ValueError):
    """A shipped file that cannot be loaded; the message names the file and the item."""


@dataclass
class Outcome:
    """What loading did with one language's shipped translation."""

    language: str
    loaded: bool
    reason: str = ""


def read_shipped_text(path: Path) -> dict:
    """The text of a shipped file, normalised as it is stored, in the shape of
    `Version.canonical_text()` plus its "slug"."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        return {
            "slug": data.get("slug", ""),
            "title": normalise(data["title"]),
            "preamble": normalise(data["preamble"]),
            "principles": [
                {
                    "title": normalise(principle["title"]),
                    "explanation": normalise(principle.get("explanation", "")),
                    "action_lines": [normalise(line) for line in principle["action_lines"]],
                }
                for principle in data["principles"]
            ],
        }
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ShippedTextError(f"{path.name}: cannot be read ({error}).") from error
    except (KeyError, TypeError, AttributeError) as error:
        raise ShippedTextError(
            f"{path.name}: not a declaration text (missing or malformed {error})."
        ) from error


def read_shipped_translations(english_path: Path, *, english: dict) -> dict[str, dict]:
    """The shipped translation beside `english_path` in each language that has one, each
    checked against the structure of `english`."""
    stem = english_path.name.removesuffix(f".{SOURCE_LANGUAGE}.toml")
    translations = {}
    for language, _name in translation_languages():
        path = english_path.with_name(f"{stem}.{language}.toml")
        if path.exists():
            translations[language] = read_shipped_text(path)
            check_structure(translations[language], english=english, name=path.name)
    return translations


def check_structure(translation: dict, *, english: dict, name: str) -> None:
    """Refuse a translation that does not translate each item of `english`, position by
    position, naming the first item that does not match."""
    if not (translation["title"] and translation["preamble"]):
        raise ShippedTextError(f"{name}: the title or the preamble is empty.")
    if len(translation["principles"]) != len(english["principles"]):
        raise ShippedTextError(
            f"{name}: {len(translation['principles'])} principles, but the English text has "
            f"{len(english['principles'])}."
        )
    pairs = zip(translation["principles"], english["principles"], strict=True)
    for number, (translated, source) in enumerate(pairs, start=1):
        if not translated["title"] or bool(translated["explanation"]) != bool(
            source["explanation"]
        ):
            raise ShippedTextError(
                f"{name}: principle {number} needs a title, and an explanation exactly when "
                "the English has one."
            )
        lines, source_lines = translated["action_lines"], source["action_lines"]
        if len(lines) != len(source_lines):
            raise ShippedTextError(
                f"{name}: principle {number} has {len(lines)} action lines, but the English "
                f"text has {len(source_lines)}."
            )
        for line_number, line in enumerate(lines, start=1):
            if not line:
                raise ShippedTextError(f"{name}: action line {number}.{line_number} is empty.")


def canonical(text: dict) -> dict:
    """A shipped text without its slug: what a version's content hash covers."""
    return {name: value for name, value in text.items() if name != "slug"}


def loader_account():
    """The account loaded texts are saved and published in the name of."""
    user, created = get_user_model().objects.get_or_create(username=LOADER_USERNAME)
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def load_shipped_translations(
    *, version: Version, english: dict, translations: dict[str, dict]
) -> list[Outcome]:
    """Publish the shipped translation of `version` in each language that has none yet, when
    `version` holds exactly the shipped English text (`english`); a language with a
    translation, or in translation, is left alone, as is every language when the English
    differs. Running it again adds nothing."""
    matches = version.content_hash == content_hash(canonical(english))
    outcomes = []
    for language, text in translations.items():
        reason = _reason_to_leave_alone(version, language, english_matches=matches)
        if not reason:
            load_translation(version=version, language=language, text=text)
        outcomes.append(Outcome(language=language, loaded=not reason, reason=reason))
    return outcomes


def _reason_to_leave_alone(version: Version, language: str, *, english_matches: bool) -> str:
    if language in version.translated_languages():
        return f"v{version.number} already has a translation in it"
    if Translation.objects.in_progress().of(version, language).exists():
        return f"a translation of v{version.number} into it is in progress"
    if not english_matches:
        return f"the English text of v{version.number} is not the shipped English text"
    return ""


@transaction.atomic
def load_translation(*, version: Version, language: str, text: dict) -> Translation:
    """Translate `version` into `language` with the shipped `text`, item by item, and publish
    it, in the name of the loader's account, with a note on every revision that names the
    file it came from."""
    by = loader_account()
    note = (
        f"Loaded from the shipped file ({language}) in principles/shipped/: a provisional "
        "translation by the platform team."
    )
    translation = start_translation(version=version, language=language, by=by)
    for key, values in _items(version.snapshot(), text).items():
        save_translated_item(
            translation=translation,
            item_key=key,
            by=by,
            values=values,
            base_revision=review.latest_revision_id(of=translation, item_key=key),
            note=note,
        )
    return review.publish_loaded_translation(translation=translation, by=by, detail=note)


def _items(source: dict, text: dict) -> dict[str, dict]:
    """The shipped `text` keyed as a translation keys it: by the key of each item of `source`
    (`Version.snapshot()`) in the same position."""
    items = {Revision.VERSION_TEXT_KEY: {"title": text["title"], "preamble": text["preamble"]}}
    for principle, translated in zip(source["principles"], text["principles"], strict=True):
        items[principle["key"]] = {
            "title": translated["title"],
            "explanation": translated["explanation"],
        }
        for line, line_text in zip(
            principle["action_lines"], translated["action_lines"], strict=True
        ):
            items[line["key"]] = {"text": line_text}
    return items
