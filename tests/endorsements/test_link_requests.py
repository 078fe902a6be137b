"""Asking for confirmation or withdrawal links cannot be used to flood someone's inbox."""

import pytest
from django.core import mail

from tests.html import submit


@pytest.mark.parametrize("path", ["/endorse/new-link/", "/endorse/withdraw/"])
def test_one_address_can_ask_for_links_three_times_an_hour_and_keeps_what_it_typed(
    client, make_endorsement, path
):
    make_endorsement("Org", contact_email="ann@example.org")
    answers = [submit(client, path, {"email": "ann@example.org"}) for _ in range(4)]

    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    refused = answers[-1].content.decode()
    assert "Too many links have been asked for" in refused
    assert 'value="ann@example.org"' in refused
    assert len(mail.outbox) <= 3


def test_new_links_and_withdrawal_links_are_counted_apart(client, make_endorsement):
    make_endorsement("Org", contact_email="ann@example.org")
    for _ in range(3):
        submit(client, "/endorse/new-link/", {"email": "ann@example.org"})

    response = submit(client, "/endorse/withdraw/", {"email": "ann@example.org"})

    assert response.status_code == 200


def test_a_moderation_request_naming_an_impossible_id_is_refused_clearly(
    client, moderator, make_endorsement
):
    make_endorsement(status="confirmed")  # the queue shows its form
    client.force_login(moderator)

    response = submit(
        client, "/moderation/", {"endorsements": "99999999999999999999", "decision": "approve"}
    )

    assert response.status_code == 200
    assert "The selection is not valid." in response.content.decode()
