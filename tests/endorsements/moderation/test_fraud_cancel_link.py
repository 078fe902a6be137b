"""The confirmation email's "this wasn't us" link: a page with a button that cancels a
submission its contact did not make, erasing the contact's details; a cancelled endorsement
is never confirmed. (The rest of the fraud tools: test_fraud_tools.py.)"""

import re

import pytest
from django.core import mail

from endorsements.models import Endorsement
from tests.html import csrf_token, parse_strict, submit


def cancel_link(message) -> str:
    return re.search(r"https://declaration.test(/endorse/cancel/\S+/)", message.body).group(1)


def confirm_link(message) -> str:
    return re.search(r"https://declaration.test(/endorse/confirm/\S+/)", message.body).group(1)


@pytest.fixture
def confirmation_email(endorse, form_data):
    endorse(form_data())
    return mail.outbox[-1]


def test_the_confirmation_email_offers_to_cancel(confirmation_email):
    assert "This wasn't us" in confirmation_email.body
    assert cancel_link(confirmation_email) != confirm_link(confirmation_email)


def test_opening_the_cancel_link_changes_nothing(client, confirmation_email):
    response = client.get(cancel_link(confirmation_email))
    client.head(cancel_link(confirmation_email))

    assert response.status_code == 200
    parse_strict(response.content)
    assert "Cancel this endorsement" in response.content.decode()
    assert Endorsement.objects.get().status == "unconfirmed"


def test_cancelling_erases_the_contact_and_can_never_be_confirmed(client, confirmation_email):
    response = submit(client, cancel_link(confirmation_email))

    assert response.status_code == 200
    assert "The endorsement is cancelled" in response.content.decode()
    endorsement = Endorsement.objects.get()
    assert endorsement.status == "cancelled"
    assert endorsement.cancelled_at is not None
    assert (endorsement.contact_email, endorsement.contact_name, endorsement.email_key) == (
        "",
        "",
        "",
    )
    assert endorsement.submitted_from == "127.0.0.0/24"
    assert not endorsement.action_lines.exists()
    refused = client.get(confirm_link(confirmation_email))
    assert refused.status_code == 409
    assert "cancelled with the “This wasn't us” link" in refused.content.decode()
    assert Endorsement.objects.get().status == "cancelled"


def test_a_cancelled_organisation_may_endorse_again(client, confirmation_email, endorse, form_data):
    submit(client, cancel_link(confirmation_email))

    endorse(form_data())

    assert Endorsement.objects.filter(status="unconfirmed").count() == 1


def test_the_cancel_link_used_twice_says_so(client, confirmation_email):
    submit(client, cancel_link(confirmation_email))
    again = client.get(cancel_link(confirmation_email))

    assert again.status_code == 409
    assert "already been cancelled" in again.content.decode()


def test_the_cancel_link_after_confirmation_points_to_withdrawal(client, confirmation_email):
    submit(client, confirm_link(confirmation_email))
    opened = client.get(cancel_link(confirmation_email))
    # A token from any form of the site, as a crafted post would carry.
    token = csrf_token(client.get("/endorse/withdraw/"))
    posted = client.post(cancel_link(confirmation_email), {"csrfmiddlewaretoken": token})

    assert opened.status_code == 409
    assert 'href="/endorse/withdraw/"' in opened.content.decode()
    assert posted.status_code == 409
    assert Endorsement.objects.get().status == "confirmed"


def test_an_expired_or_forged_cancel_link_is_refused(client, confirmation_email, settings):
    link = cancel_link(confirmation_email)
    forged = client.get(link[:-3] + "xx/")
    settings.ENDORSEMENT_CONFIRMATION_DAYS = 0

    expired = client.get(link)

    assert forged.status_code == 400
    assert expired.status_code == 410
    assert Endorsement.objects.get().status == "unconfirmed"


def test_the_cancel_button_needs_the_csrf_token(client, confirmation_email):
    response = client.post(cancel_link(confirmation_email))

    assert response.status_code == 403
    assert Endorsement.objects.get().status == "unconfirmed"


def test_a_confirmation_link_cannot_cancel(client, confirmation_email):
    token = confirm_link(confirmation_email).split("/")[-2]

    assert client.get(f"/endorse/cancel/{token}/").status_code == 400


def test_the_cancel_page_reads_the_endorsement_and_nothing_more(
    client, confirmation_email, django_assert_max_num_queries
):
    with django_assert_max_num_queries(2):
        client.get(cancel_link(confirmation_email))
