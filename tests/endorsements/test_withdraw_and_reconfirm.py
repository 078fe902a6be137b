"""Withdrawing an endorsement, and reconfirming it for a new version."""

import re

import pytest
from django.core import mail

from endorsements.models import Endorsement
from tests.html import submit


def link_in(message) -> str:
    return re.search(r"https://declaration.test(/endorse/\S+/)", message.body).group(1)


@pytest.fixture
def ask(client, django_capture_on_commit_callbacks):
    def post(path, data=None):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(path, data or {})

    return post


def test_an_endorser_withdraws_through_an_emailed_link_and_a_button(client, ask, make_endorsement):
    endorsement = make_endorsement(
        name="Leaving Org",
        contact_email="lead@leaving.example",
        website="https://leaving.example",
        statement="We commit.",
    )
    ask("/endorse/withdraw/", {"email": "lead@leaving.example"})
    link = link_in(mail.outbox[0])

    assert b"Withdraw our endorsement" in client.get(link).content
    assert Endorsement.objects.public().count() == 1
    response = client.post(link)

    assert response.status_code == 200
    endorsement.refresh_from_db()
    assert endorsement.status == Endorsement.Status.WITHDRAWN
    assert endorsement.withdrawn_at is not None
    assert (endorsement.organisation_name, endorsement.country.code) == ("Leaving Org", "FR")
    assert endorsement.submitted_at is not None
    assert endorsement.approved_at is not None
    erased = ("contact_name", "contact_role", "contact_email", "website", "statement")
    assert all(getattr(endorsement, field) == "" for field in erased)
    assert b"Leaving Org" not in client.get("/endorsers/").content


def test_a_replayed_withdrawal_link_changes_nothing_and_says_so(client, ask, make_endorsement):
    make_endorsement(contact_email="lead@leaving.example")
    ask("/endorse/withdraw/", {"email": "lead@leaving.example"})
    link = link_in(mail.outbox[0])
    client.post(link)

    replay = client.post(link)

    assert replay.status_code == 409
    assert b"already been withdrawn" in replay.content
    assert Endorsement.objects.get().status == Endorsement.Status.WITHDRAWN


def test_asking_for_a_withdrawal_link_reveals_nothing_about_unknown_addresses(ask, db):
    response = ask("/endorse/withdraw/", {"email": "nobody@example.org"})

    assert response.status_code == 200
    assert b"If that address made an endorsement" in response.content
    assert not mail.outbox


def test_publishing_a_new_version_asks_earlier_endorsers_to_reconfirm(
    client, ask, make_endorsement, publish, django_capture_on_commit_callbacks
):
    endorsement = make_endorsement(name="Loyal Org")
    make_endorsement(status="confirmed")

    with django_capture_on_commit_callbacks(execute=True):
        second = publish()

    assert [message.to for message in mail.outbox] == [[endorsement.contact_email]]
    body = mail.outbox[0].body
    assert "https://declaration.test/versions/1/compare/2/" in body
    link = link_in(mail.outbox[0])
    assert b"Endorse version 2" in client.get(link).content
    submit(client, link)

    endorsement.refresh_from_db()
    assert endorsement.reconfirmed_version == second
    assert b"endorsed v1, reconfirmed v2" in client.get("/endorsers/").content
    assert client.post(link).status_code == 409
