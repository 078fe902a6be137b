"""Names that people would call the same are the same organisation, and search finds them:
accents, invisible characters and look-alike letters from other scripts do not count. Marks
that change a word in its own script do."""

import importlib

import pytest
from django.apps import apps
from django.db import IntegrityError
from django.utils import timezone

from endorsements.models import Endorsement
from endorsements.names import normalise_name
from endorsements.services import DuplicateEndorsement, submit_endorsement

recompute_migration = importlib.import_module("endorsements.migrations.0007_recompute_name_keys")


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Fundación Sadosky", "FUNDACION SADOSKY"),
        ("Université de Genève", "Universite de Geneve"),
        ("Straße der Schulen", "Strasse der Schulen"),
        ("İstanbul Okulları", "istanbul okullari"),  # noqa: RUF001 - the dotless i
        ("Łódź Schools", "LODZ SCHOOLS"),
        ("UNE\u200bSCO", "UNESCO"),  # zero-width space
        ("Save\u200dthe\u2060Children\ufeff", "SavetheChildren"),  # ZWJ, word joiner, BOM
        ("\u202eOpen Schools\u202c", "Open Schools"),  # right-to-left override
        ("\u2067Open\u200e Schools\u200f\u2069", "Open Schools"),  # isolates and marks
        ("UN\u0415SCO", "UNESCO"),  # Cyrillic capital IE
        ("\u0440ython \u0455chools", "python schools"),  # Cyrillic er and dze
        ("Open Sch\u03bfols", "Open Schools"),  # Greek omicron
        ("مُنَظَّمَة التعليم", "منظمة التعليم"),  # Arabic harakat are optional
        ("Ｕｎｅｓｃｏ", "unesco"),  # noqa: RUF001 - full-width letters are the point
    ],
)
def test_names_that_differ_only_in_accents_invisibles_or_look_alikes_are_the_same(one, other):
    assert normalise_name(one) == normalise_name(other)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("हिंदी कुल", "हिंदी कल"),  # a Devanagari vowel sign makes another word
        ("ภาษาไทย ที่", "ภาษาไทย ท"),  # Thai vowel and tone marks too
        ("がっこう", "かっこう"),  # the Japanese voicing mark: school, cuckoo
        ("한국 학교", "한국 학고"),  # Hangul stays whole
        ("Modern Schools", "Modem Schools"),  # "rn" looks like "m" but is not a homoglyph here
        ("Club 10", "Club lO"),
    ],
)
def test_marks_and_letters_that_change_a_word_keep_names_apart(one, other):
    assert normalise_name(one) != normalise_name(other)


def test_a_name_wholly_in_cyrillic_or_greek_is_left_in_its_script():
    assert normalise_name("Сбер") == "сбер"  # noqa: RUF001
    assert normalise_name("Ελλάδα") == "ελλαδα"


def test_a_name_of_invisible_characters_alone_is_empty():
    assert normalise_name("\u200b\u200d\u202e\ufeff") == ""


def details(**overrides) -> dict:
    return {
        "organisation_name": "Fundación Sadosky",
        "organisation_type": "ngo",
        "country": "AR",
        "website": "",
        "contact_name": "Ana",
        "contact_role": "Director",
        "contact_email": "ana@sadosky.example",
        "statement": "",
        **overrides,
    }


@pytest.mark.parametrize(
    "name", ["Fundacion Sadosky", "FUNDACIÓN SADOSKY", "Fundaci\u043en Sadosky"]
)
def test_an_accent_or_homoglyph_variant_of_a_live_endorsement_is_a_duplicate(version, name):
    submit_endorsement(details=details(), action_line_ids=[], version=version)

    with pytest.raises(DuplicateEndorsement):
        submit_endorsement(
            details=details(organisation_name=name, contact_email="b@x.example"),
            action_line_ids=[],
            version=version,
        )


def test_search_ignores_case_and_accents_both_ways(client, make_endorsement):
    make_endorsement(name="Fundación Sadosky", country="AR")
    make_endorsement(name="Fundacion Vida", country="AR")

    def found(query):
        return sorted(
            Endorsement.objects.public()
            .search(name=query)
            .values_list("organisation_name", flat=True)
        )

    assert found("fundacion") == ["Fundacion Vida", "Fundación Sadosky"]
    assert found("FUNDACIÓN") == ["Fundacion Vida", "Fundación Sadosky"]
    assert found("sadosky") == ["Fundación Sadosky"]
    assert b"Fundaci\xc3\xb3n Sadosky" in client.get("/endorsers/?q=fundacion").content


@pytest.fixture
def stored_before(make_endorsement):
    """An endorsement as the site stored it before the migration, with the previous key."""
    counter = iter(range(1_000_000))

    def make(name, **fields):
        endorsement = make_endorsement(name=f"placeholder {next(counter)}", **fields)
        previous = recompute_migration.previous_normalise_name(name)
        Endorsement.objects.filter(pk=endorsement.pk).update(
            organisation_name=name, name_key=previous
        )
        return endorsement

    return make


def test_the_migration_recomputes_stored_keys_and_keeps_colliding_live_ones_apart(
    stored_before,
):
    first = stored_before("Fundación Sadosky", country="AR")
    later = stored_before(
        "Fundacion Sadosky",
        country="AR",
        status="confirmed",
        submitted_at=timezone.now() + timezone.timedelta(minutes=1),
    )
    withdrawn = stored_before("FUNDACIÓN  SADOSKY", country="AR", status="withdrawn")
    elsewhere = stored_before("Fundación Sadosky", country="UY")

    recompute_migration.forwards(apps, None)

    keys = dict(Endorsement.objects.values_list("pk", "name_key"))
    assert keys[first.pk] == "fundacion sadosky"
    assert keys[later.pk] == f"fundacion sadosky#{later.pk}"
    assert keys[withdrawn.pk] == "fundacion sadosky"
    assert keys[elsewhere.pk] == "fundacion sadosky"
    assert Endorsement.objects.search(name="fundacion", country="AR").count() == 3

    recompute_migration.backwards(apps, None)

    keys = dict(Endorsement.objects.values_list("pk", "name_key"))
    assert keys[first.pk] == "fundación sadosky"
    assert keys[later.pk] == "fundacion sadosky"
    assert keys[withdrawn.pk] == "fundación sadosky"


def test_after_the_migration_the_constraint_still_refuses_a_variant(
    stored_before, make_endorsement
):
    stored_before("Fundación Sadosky", country="AR")
    recompute_migration.forwards(apps, None)

    with pytest.raises(IntegrityError):
        make_endorsement(name="FUNDACION sadosky", country="AR", status="confirmed")
