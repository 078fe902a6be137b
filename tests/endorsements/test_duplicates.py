"""The same organisation cannot be listed twice, even when two submissions race."""

import threading

import pytest
from django.db import IntegrityError, connection, connections

from endorsements.models import Endorsement
from endorsements.names import normalise_name
from endorsements.services import DuplicateEndorsement, submit_endorsement


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("UNESCO", "unesco"),
        ("Save the Children", "  save   the children. "),
        ("Ｕｎｅｓｃｏ", "unesco"),  # noqa: RUF001 - full-width letters are the point
        ("Université de Genève", "UNIVERSITÉ DE GENÈVE"),
        ("منظمة التعليم", "منظمة  التعليم"),
    ],
)
def test_names_that_differ_only_in_case_spacing_or_punctuation_are_the_same(one, other):
    assert normalise_name(one) == normalise_name(other)


def test_different_names_stay_different():
    assert normalise_name("Save the Children UK") != normalise_name("Save the Children")


def test_the_database_refuses_a_second_live_endorsement_of_one_organisation(make_endorsement):
    make_endorsement(name="Open Schools", country="KE")

    with pytest.raises(IntegrityError, match=r"(?i)unique|one_live_endorsement"):
        make_endorsement(name="open schools", country="KE", status="confirmed")


def test_an_organisation_may_endorse_again_after_withdrawing_or_being_rejected(
    make_endorsement,
):
    make_endorsement(name="Open Schools", country="KE", status="withdrawn")
    make_endorsement(name="Open Schools", country="KE", status="rejected")
    make_endorsement(name="Open Schools", country="KE")

    assert Endorsement.objects.count() == 3


def details(**overrides) -> dict:
    return {
        "organisation_name": "Racing Schools Alliance",
        "organisation_type": "ngo",
        "country": "BR",
        "website": "",
        "contact_name": "Ana",
        "contact_role": "Director",
        "contact_email": "ana@racing.example",
        "statement": "",
        **overrides,
    }


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite serialises all writes, so it cannot show a race; the constraint is the same.",
)
@pytest.mark.django_db(transaction=True)
def test_simultaneous_submissions_of_one_organisation_leave_exactly_one_row(publish):
    version = publish()
    threads_per_round, rounds = 4, 5
    outcomes = []

    def submit(name: str, barrier: threading.Barrier, index: int):
        try:
            barrier.wait()
            submit_endorsement(
                details=details(organisation_name=name, contact_email=f"c{index}@x.example"),
                action_line_ids=[],
                version=version,
            )
            outcomes.append("created")
        except DuplicateEndorsement:
            outcomes.append("duplicate")
        finally:
            connections.close_all()

    for round_number in range(rounds):
        barrier = threading.Barrier(threads_per_round)
        name = f"Racing Schools Alliance {round_number}"
        threads = [
            threading.Thread(target=submit, args=(name.upper() if i % 2 else name, barrier, i))
            for i in range(threads_per_round)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert outcomes.count("created") == rounds
    assert outcomes.count("duplicate") == rounds * (threads_per_round - 1)
    assert Endorsement.objects.count() == rounds
