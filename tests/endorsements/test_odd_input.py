"""Odd input from anonymous visitors to the endorsement pages gets a clear answer in their
language that keeps what they typed, never a 500; the rate limits count what they should."""

import pytest
from django.core import mail
from django.test import Client

from endorsements.models import Endorsement
from tests.html import parse_strict, submit


@pytest.fixture
def visitor():
    """A browser, whose errors come back as the page a visitor would see."""
    return Client(raise_request_exception=False)


def typed_name(response) -> str:
    return parse_strict(response.content).find(".//input[@name='organisation_name']").get("value")


@pytest.mark.parametrize("number", ["²", "٣", "1²", "", "-1", "9" * 30, "1\x00"])
def test_an_odd_version_number_in_the_form_is_read_as_the_current_version(
    visitor, form_data, version, number
):
    response = submit(visitor, "/endorse/", form_data(version=number))

    assert response.status_code == 302
    assert Endorsement.objects.get().version == version


def test_an_action_line_posted_twice_is_one_commitment(visitor, form_data):
    data = form_data()
    first = data["action_lines"][0]

    response = submit(visitor, "/endorse/", {**data, "action_lines": [first, first]})

    assert response.status_code == 302
    assert [line.pk for line in Endorsement.objects.get().action_lines.all()] == [int(first)]


def test_failed_attempts_do_not_use_up_the_rate_limit_of_a_shared_network(
    visitor, form_data, settings
):
    settings.ENDORSEMENT_RATE_LIMIT = "10/h"
    for _attempt in range(10):
        mistyped = submit(visitor, "/endorse/", form_data(contact_email="not an address"))
        assert mistyped.status_code == 200

    accepted = submit(visitor, "/endorse/", form_data())

    assert accepted.status_code == 302
    assert Endorsement.objects.count() == 1


def test_accepted_endorsements_are_counted_and_the_next_is_refused_with_its_text_kept(
    visitor, form_data, settings
):
    settings.ENDORSEMENT_RATE_LIMIT = "3/h"
    for country in ("KE", "UG", "TZ"):
        assert submit(visitor, "/endorse/", form_data(country=country)).status_code == 302
    data = form_data(country="RW", organisation_name="Rwanda Schools")

    refused = submit(visitor, "/endorse/", data)

    assert refused.status_code == 429
    assert "Too many endorsements have been sent" in refused.content.decode()
    assert typed_name(refused) == "Rwanda Schools"
    assert Endorsement.objects.count() == 3


def test_a_duplicate_does_not_count_against_the_rate_limit(visitor, form_data, settings):
    settings.ENDORSEMENT_RATE_LIMIT = "1/h"
    other = Client(REMOTE_ADDR="10.0.0.8")
    assert submit(other, "/endorse/", form_data()).status_code == 302

    duplicate = submit(visitor, "/endorse/", form_data())
    accepted = submit(visitor, "/endorse/", form_data(country="UG"))

    assert duplicate.status_code == 200
    assert accepted.status_code == 302


@pytest.mark.parametrize(
    "spelling", ["ann@example.org", " ann@example.org ", "ANN@Example.ORG", "Ann@example.org\t"]
)
def test_the_per_email_limit_on_links_is_not_bypassed_by_case_or_spaces(make_endorsement, spelling):
    make_endorsement("Org", contact_email="ann@example.org")
    for address in ("ann@example.org", "Ann@Example.org", " ann@EXAMPLE.org"):
        # Each from another network: only the per-email limit can refuse.
        submit(
            Client(REMOTE_ADDR=f"10.0.0.{len(address)}"), "/endorse/new-link/", {"email": address}
        )

    refused = submit(Client(REMOTE_ADDR="10.0.9.9"), "/endorse/new-link/", {"email": spelling})

    assert refused.status_code == 429
    assert "Too many links have been asked for" in refused.content.decode()
    assert len(mail.outbox) <= 3
