"""The declaration's text is normalised once, on input: saving an unchanged text records no
change, the content hash depends on the words only, and versions published before keep their
hashes."""

import hashlib
import json
import uuid

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone

from principles.comparison import compare_published
from principles.drafting import review
from principles.drafting import translation_services as translations
from principles.drafting.services import create_draft_from_text, publish_loaded_text
from principles.models import ActionLine, Version, VersionText, normalise
from tests.conftest import declaration_text
from tests.html import submit

PREAMBLE = "We, the signatories, agree.\n\nSecond paragraph of the preamble."  # as loaded


def url(name, *args):
    return reverse(f"drafting:{name}", args=args)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("One\r\n\r\nTwo", "One\n\nTwo"),
        ("One\rTwo\u2028Three\vFour", "One\nTwo\nThree\nFour"),
        ("Trailing  \t\nspaces\u00a0\n", "Trailing\nspaces"),
        ("\n\n  Leading blank lines and indent", "Leading blank lines and indent"),
        ("Too\n\n\n\nmany blank lines", "Too\n\nmany blank lines"),
        ("Two  spaces\tand a tab", "Two spaces and a tab"),
        ("Cafe\u0301", "Café"),  # decomposed é, composed
        # Kept: French non-breaking spaces, a Chinese paragraph's indent, bidi marks.
        ("« Oui » : non\u00a0!", "« Oui » : non\u00a0!"),
        ("\u3000\u3000第一段", "\u3000\u3000第一段"),
        ("العربية \u200eABC\u200f", "العربية \u200eABC\u200f"),
    ],
)
def test_text_is_normalised_as_stored(typed, stored):
    assert normalise(typed) == stored
    assert normalise(stored) == stored


def test_saving_an_unchanged_preamble_sent_with_crlf_records_no_revision(draft, editor, signed_in):
    base = review.latest_revision_id(of=draft, item_key="version")

    response = submit(
        signed_in(editor),
        url("edit-text", draft.pk),
        {
            "title": "Test Declaration ",
            "preamble": PREAMBLE.replace("\n", "\r\n") + "\r\n",
            "note": "",
            "base_revision": base,
        },
    )

    assert response.status_code == 302
    assert draft.revisions.count() == 1  # only "started"
    comparison = compare_published(draft.based_on, draft)
    assert not comparison.has_changes


def test_changing_only_the_title_leaves_the_preamble_and_its_hash_alone_in_public(
    draft, editor, make_user, signed_in, client
):
    reviewer, publisher = make_user("rita", "Reviewer"), make_user("pat", "Publisher")
    submit(
        signed_in(editor),
        url("edit-text", draft.pk),
        {
            "title": "A better title",
            "preamble": PREAMBLE.replace("\n", "\r\n"),
            "note": "",
            "base_revision": review.latest_revision_id(of=draft, item_key="version"),
        },
    )
    review.submit(reviewed=draft, by=editor)
    review.approve(reviewed=draft, by=reviewer)
    review.publish(reviewed=draft, by=publisher)

    page = client.get("/versions/1/compare/2/").content.decode()
    loaded_alike = publish_loaded_text(
        declaration=draft.declaration, text={**declaration_text(), "title": "A better title"}
    )

    assert 'Preamble <span class="diff-label">Unchanged</span>' in page
    assert 'Title <span class="diff-label">Reworded</span>' in page
    assert Version.objects.get(pk=draft.pk).content_hash == loaded_alike.content_hash


def test_the_content_hash_depends_on_the_words_only(declaration):
    clean = declaration_text()
    messy = {
        **clean,
        "title": clean["title"] + "  ",
        "preamble": "\r\n" + clean["preamble"].replace("\n", " \r\n") + "\r\n\r\n",
        "principles": [
            {**p, "action_lines": [f"{line}\t" for line in p["action_lines"]]}
            for p in clean["principles"]
        ],
    }

    first = publish_loaded_text(declaration=declaration, text=clean)
    second = publish_loaded_text(declaration=declaration, text=messy)

    assert first.content_hash == second.content_hash
    assert VersionText.objects.get(version=second).preamble == clean["preamble"]


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("A NUL\x00 byte", "Null characters are not allowed."),
        ("Reversed \u202eevil\u202c text", "invisible control characters"),
        ("A bell\x07", "invisible control characters"),
    ],
)
def test_hostile_characters_get_a_clear_message_not_an_error(
    draft, editor, signed_in, typed, message
):
    line = ActionLine.objects.get(principle__version=draft, principle__position=1, position=1)

    response = submit(
        signed_in(editor),
        url("edit-action-line", draft.pk, line.pk),
        {"text": typed, "note": "", "base_revision": 0},
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    assert draft.revisions.count() == 1


def test_a_translation_sent_back_unchanged_with_crlf_records_nothing(publish, editor):
    version = publish()
    french = translations.start_translation(version=version, language="fr", by=editor)

    def save(preamble):
        return translations.save_translated_item(
            translation=french,
            item_key="version",
            by=editor,
            values={"title": "Titre", "preamble": preamble},
            base_revision=review.latest_revision_id(of=french, item_key="version"),
        )

    assert save("Un.\n\nDeux.") is not None
    assert save("Un. \r\n\r\nDeux.\r\n") is None
    assert french.revisions.count() == 2


def test_the_loader_stores_normalised_text(declaration):
    text = {**declaration_text(), "preamble": "One \r\nTwo\r\n"}

    draft = create_draft_from_text(declaration=declaration, text=text)

    assert VersionText.objects.get(version=draft).preamble == "One\nTwo"


# The migration that brought the rule: published versions keep their text and their hash.

BEFORE = [("principles", "0014_schedule_tasks_and_audit_codes")]
OLD_TEXT = {
    "title": "Old title ",
    "preamble": "Typed in a browser.\r\n\r\nWith trailing spaces.  ",
    "principles": [{"title": "P1", "explanation": "Why\r\n", "action_lines": ["Line 1.1 "]}],
}


PRINCIPLE_KEY, LINE_KEY = uuid.uuid4(), uuid.uuid4()


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def sha256_of(canonical: dict) -> str:
    """The content hash as computed before the rule, and since: the same scheme."""
    return hashlib.sha256(
        json.dumps(canonical, ensure_ascii=False, sort_keys=True).encode()
    ).hexdigest()


def store_old_version(apps, declaration, *, status: str, number=None, based_on=None):
    """A version whose text was stored as typed, before the rule existed."""
    version_model = apps.get_model("principles", "Version")
    version = version_model.objects.create(declaration=declaration, based_on=based_on)
    apps.get_model("principles", "VersionText").objects.create(
        version=version, language="en", title=OLD_TEXT["title"], preamble=OLD_TEXT["preamble"]
    )
    [principle_text] = OLD_TEXT["principles"]
    # The same keys in every version, as a draft copies them from its version.
    principle = apps.get_model("principles", "Principle").objects.create(
        version=version, position=1, key=PRINCIPLE_KEY
    )
    apps.get_model("principles", "PrincipleText").objects.create(
        principle=principle,
        language="en",
        title=principle_text["title"],
        explanation=principle_text["explanation"],
    )
    line = apps.get_model("principles", "ActionLine").objects.create(
        principle=principle, position=1, key=LINE_KEY
    )
    apps.get_model("principles", "ActionLineText").objects.create(
        action_line=line, language="en", text=principle_text["action_lines"][0]
    )
    if status == "published":
        version_model.objects.filter(pk=version.pk).update(
            status="published",
            number=number,
            published_at=timezone.now(),
            content_hash=sha256_of(OLD_TEXT),
        )
    return version


@pytest.mark.django_db(transaction=True)
def test_versions_published_before_the_rule_keep_their_text_and_their_hash_still_verifies():
    apps = migrate(BEFORE)
    declaration = apps.get_model("principles", "Declaration").objects.create(slug="old")
    old = store_old_version(apps, declaration, status="published", number=1)
    draft = store_old_version(apps, declaration, status="draft", based_on=old)

    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    published = Version.objects.get(pk=old.pk)
    assert published.canonical_text() == OLD_TEXT  # not rewritten
    assert published.compute_content_hash() == published.content_hash == sha256_of(OLD_TEXT)
    # A draft is still being written: it follows the rule from now on.
    assert Version.objects.get(pk=draft.pk).canonical_text() == {
        "title": "Old title",
        "preamble": "Typed in a browser.\n\nWith trailing spaces.",
        "principles": [{"title": "P1", "explanation": "Why", "action_lines": ["Line 1.1"]}],
    }
    # And comparing the two shows no change: the words are the same.
    assert not compare_published(published, Version.objects.get(pk=draft.pk)).has_changes
