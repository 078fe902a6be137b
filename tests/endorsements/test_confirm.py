"""Confirming by email: only a POST confirms; bad, expired and used links are explained."""

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from endorsements.models import Endorsement
from tests.html import csrf_token, submit


def link_in(message) -> str:
    return re.search(r"https://declaration.test(/\S+/)", message.body).group(1)


@pytest.fixture
def confirm_link(endorse, form_data):
    endorse(form_data())
    return link_in(mail.outbox[-1])


def test_opening_the_link_shows_a_button_and_confirms_nothing(client, confirm_link):
    response = client.get(confirm_link)
    client.head(confirm_link)

    assert response.status_code == 200
    assert b"Confirm our endorsement" in response.content
    assert Endorsement.objects.get().status == Endorsement.Status.UNCONFIRMED


def test_pressing_the_button_confirms_and_says_what_happens_next(client, confirm_link):
    response = submit(client, confirm_link)

    assert response.status_code == 200
    assert b"What happens next" in response.content
    endorsement = Endorsement.objects.get()
    assert endorsement.status == Endorsement.Status.CONFIRMED
    assert endorsement.confirmed_at is not None


def test_an_already_used_link_says_so_and_changes_nothing(client, confirm_link):
    token = csrf_token(client.get(confirm_link))
    client.post(confirm_link, {"csrfmiddlewaretoken": token})

    response = client.post(confirm_link, {"csrfmiddlewaretoken": token})

    assert response.status_code == 409
    assert b"already been confirmed" in response.content
    assert Endorsement.objects.get().status == Endorsement.Status.CONFIRMED


def test_a_forged_link_is_refused_with_a_clear_message(client, confirm_link):
    token = confirm_link.split("/")[-2]
    forged = f"/endorse/confirm/{token[:-3]}abc/"

    response = submit(client, forged, page="/endorse/new-link/")

    assert response.status_code == 400
    assert b"This link is not valid" in response.content
    assert Endorsement.objects.get().status == Endorsement.Status.UNCONFIRMED


def test_a_link_for_another_purpose_cannot_confirm(client, confirm_link, settings):
    token = confirm_link.split("/")[-2]

    response = submit(client, f"/endorse/withdraw/{token}/", page="/endorse/new-link/")

    assert response.status_code == 400
    assert Endorsement.objects.get().status == Endorsement.Status.UNCONFIRMED


def test_an_expired_link_is_refused_and_offers_a_new_one(client, confirm_link, settings):
    opened = client.get(confirm_link)
    settings.ENDORSEMENT_CONFIRMATION_DAYS = 0

    response = client.post(confirm_link, {"csrfmiddlewaretoken": csrf_token(opened)})

    assert response.status_code == 410
    assert b"This link has expired" in response.content
    assert b'href="/endorse/new-link/"' in response.content
    assert Endorsement.objects.get().status == Endorsement.Status.UNCONFIRMED


def test_a_new_link_can_be_asked_for_without_revealing_who_endorsed(
    client, confirm_link, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        known = submit(client, "/endorse/new-link/", {"email": "AMINA@openschools.example.org"})
        unknown = submit(client, "/endorse/new-link/", {"email": "nobody@example.org"})

    assert known.content == unknown.content
    assert len(mail.outbox) == 2
    submit(client, link_in(mail.outbox[-1]))
    assert Endorsement.objects.get().status == Endorsement.Status.CONFIRMED


def test_the_purge_deletes_expired_unconfirmed_endorsements_after_a_dry_run(
    make_endorsement,
):
    old = timezone.now() - timedelta(days=8)
    expired = make_endorsement(status="unconfirmed", submitted_at=old)
    fresh = make_endorsement(status="unconfirmed")
    confirmed = make_endorsement(status="confirmed", submitted_at=old)

    dry_run = StringIO()
    call_command("purge_unconfirmed_endorsements", "--dry-run", stdout=dry_run)
    assert "Would delete 1 " in dry_run.getvalue()
    assert Endorsement.objects.filter(pk=expired.pk).exists()

    output = StringIO()
    call_command("purge_unconfirmed_endorsements", stdout=output)

    assert "Deleted 1 " in output.getvalue()
    assert set(Endorsement.objects.values_list("pk", flat=True)) == {fresh.pk, confirmed.pk}


def test_the_confirm_button_needs_the_csrf_token(confirm_link):
    response = Client(enforce_csrf_checks=True).post(confirm_link)

    assert response.status_code == 403
    assert Endorsement.objects.get().status == Endorsement.Status.UNCONFIRMED
