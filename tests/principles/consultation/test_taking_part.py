"""Taking part in a consultation as a participant: the form, the email confirmation (only its
POST confirms), moderation before anything is public, withdrawing; two people, CSRF enforced."""

import re
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from principles.models import Contribution, Invitation
from tests.html import csrf_token, parse_strict, submit

IMMEDIATE_TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def taking_part_settings(settings):
    from django.core.cache import cache

    settings.TASKS = IMMEDIATE_TASKS
    settings.SITE_URL = "https://declaration.test"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def person():
    """A second browser: another participant."""
    return Client(enforce_csrf_checks=True, REMOTE_ADDR="10.0.0.2")


def details(**fields) -> dict:
    return {
        "body": "Public libraries should be connected too.",
        "name": "Amina Diallo",
        "organisation_name": "Schools Online Network",
        "organisation_type": "ngo",
        "country": "SN",
        "email": "amina@schools-online.example",
        "consent": "on",
        "nickname": "",
        **fields,
    }


def take_part_url(consultation, language="", **query) -> str:
    prefix = f"/{language}" if language else ""
    path = f"{prefix}/consultation/{consultation.slug}/take-part/"
    return f"{path}?{urlencode(query)}" if query else path


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    """`send(client, url, data)`: load the form, post it with its token; emails go out when
    the request commits."""

    def post(client, url, data):
        with django_capture_on_commit_callbacks(execute=True):
            return submit(client, url, data)

    return post


def links_in(message) -> dict:
    found = re.findall(r"https://declaration.test(/\S+/)", message.body)
    return {
        "confirm": next(link for link in found if "/confirm/" in link),
        "withdraw": next(link for link in found if "/withdraw/" in link),
    }


def line_key(consultation, principle=1, line=2) -> str:
    return consultation.text["principles"][principle - 1]["action_lines"][line - 1]["key"]


def principle_key(consultation, principle=1) -> str:
    return consultation.text["principles"][principle - 1]["key"]


def test_the_form_shows_the_clause_being_commented_on(client, consultation):
    response = client.get(take_part_url(consultation, item=line_key(consultation)))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Action line 1.2" in page
    assert "Action line 1.2 text, made stronger." in page
    parse_strict(response.content)


def test_a_comment_is_public_only_after_the_confirmation_post_and_approval(
    client, person, consultation, moderator, send
):
    url = take_part_url(consultation, item=line_key(consultation))
    sent = send(client, url, details())

    assert sent.status_code == 200
    assert "Check your email" in sent.content.decode()
    contribution = Contribution.objects.get()
    assert contribution.status == Contribution.Status.UNCONFIRMED
    assert contribution.item_key == line_key(consultation)
    assert contribution.language == "en"
    assert list(Contribution.objects.public()) == []

    message = mail.outbox[-1]
    assert message.to == ["amina@schools-online.example"]
    confirm = links_in(message)["confirm"]
    # Another person (or a mail scanner) opening the link confirms nothing.
    assert person.get(confirm).status_code == 200
    assert Contribution.objects.get().status == Contribution.Status.UNCONFIRMED

    confirmed = submit(client, confirm)
    assert confirmed.status_code == 200
    contribution.refresh_from_db()
    assert contribution.status == Contribution.Status.CONFIRMED
    assert list(Contribution.objects.public()) == []

    contribution.approve(by=moderator)
    assert list(Contribution.objects.public()) == [contribution]


def test_two_people_take_part_each_with_their_own_contribution(client, person, consultation, send):
    send(client, take_part_url(consultation), details())
    send(person, take_part_url(consultation), details(name="Li Wei", email="li@example.cn"))

    assert Contribution.objects.count() == 2
    assert {message.to[0] for message in mail.outbox} == {
        "amina@schools-online.example",
        "li@example.cn",
    }


def test_a_post_without_the_pages_token_is_refused(client, consultation):
    response = client.post(take_part_url(consultation), details())

    assert response.status_code == 403
    assert Contribution.objects.count() == 0


def test_confirming_twice_shows_a_friendly_page(client, consultation, send):
    send(client, take_part_url(consultation), details())
    confirm = links_in(mail.outbox[-1])["confirm"]
    token = csrf_token(client.get(confirm))
    client.post(confirm, {"csrfmiddlewaretoken": token})

    again = client.post(confirm, {"csrfmiddlewaretoken": token})

    assert again.status_code == 409
    assert "already been confirmed" in again.content.decode()


def test_an_expired_confirmation_link_is_explained(client, consultation, send, settings):
    send(client, take_part_url(consultation), details())
    confirm = links_in(mail.outbox[-1])["confirm"]
    settings.ENDORSEMENT_CONFIRMATION_DAYS = 0

    response = client.get(confirm)

    assert response.status_code == 410
    assert "This link has expired" in response.content.decode()
    assert Contribution.objects.get().status == Contribution.Status.UNCONFIRMED


@pytest.mark.parametrize("token", ["abc", "x" * 300, "٣", "%00"])
def test_a_forged_link_is_refused_with_a_clear_message(client, consultation, token):
    for path in (f"/consultation/confirm/{token}/", f"/consultation/withdraw/{token}/"):
        response = client.get(path)
        assert response.status_code == 400
        assert "This link is not valid" in response.content.decode()


def test_a_confirmation_token_does_not_withdraw(client, consultation, send):
    send(client, take_part_url(consultation), details())
    token = links_in(mail.outbox[-1])["confirm"].split("/")[-2]

    response = client.get(f"/consultation/withdraw/{token}/")

    assert response.status_code == 400


def test_withdrawing_erases_the_text_keeps_the_count_and_refreshes_public_pages(
    client, consultation, moderator, send, django_capture_on_commit_callbacks
):
    from declaration_site import public_cache

    send(client, take_part_url(consultation), details())
    links = links_in(mail.outbox[-1])
    submit(client, links["confirm"])
    contribution = Contribution.objects.get()
    contribution.approve(by=moderator)
    explained = client.get(links["withdraw"])
    assert "This cannot be undone" in explained.content.decode()
    assert Contribution.objects.get().status == Contribution.Status.APPROVED

    before = public_cache.generation()
    with django_capture_on_commit_callbacks(execute=True):
        withdrawn = submit(client, links["withdraw"])

    assert withdrawn.status_code == 200
    contribution.refresh_from_db()
    assert contribution.status == Contribution.Status.WITHDRAWN
    assert (contribution.body, contribution.name, contribution.email) == ("", "", "")
    assert list(Contribution.objects.public()) == []
    assert list(Contribution.objects.counted()) == [contribution]
    assert public_cache.process_copies.generation != before
    assert client.get(links["withdraw"]).status_code == 409


def test_an_amendment_is_prefilled_with_the_clauses_text_and_keeps_the_proposal(
    client, consultation, send
):
    url = take_part_url(consultation, item=line_key(consultation), kind="amendment")
    form = parse_strict(client.get(url).content)
    assert form.find(".//textarea[@name='proposed_text']").text.strip() == (
        "Action line 1.2 text, made stronger."
    )

    send(
        client,
        url,
        details(proposed_text="Connect every school and library.", body="Libraries matter."),
    )

    amendment = Contribution.objects.get()
    assert amendment.kind == Contribution.Kind.AMENDMENT
    assert amendment.proposed_text == "Connect every school and library."
    assert amendment.body == "Libraries matter."


def test_a_new_action_line_is_proposed_under_a_principle(client, consultation, send):
    url = take_part_url(consultation, item=principle_key(consultation), kind="new-action-line")

    send(client, url, details(proposed_text="Train teachers online.", body="Teachers first."))

    proposal = Contribution.objects.get()
    assert proposal.kind == Contribution.Kind.NEW_ACTION_LINE
    assert proposal.item_key == principle_key(consultation)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"kind": "amendment"}, "Choose the principle or action line you propose to amend."),
        ({"kind": "amendment", "item": "no-such-key"}, "The consulted text has no such clause."),
        ({"kind": "new-action-line", "item": "LINE"}, "A new action line is proposed under"),
        ({"kind": "vote"}, "Choose to comment, to propose an amendment"),
        ({"reply_to": "999"}, "The contribution you are replying to is not public."),
        ({"reply_to": "٣"}, "The contribution you are replying to is not public."),
        ({"reply_to": "²"}, "The contribution you are replying to is not public."),
    ],
)
def test_a_request_the_text_does_not_allow_gets_a_clear_message(
    client, consultation, query, message
):
    line = line_key(consultation)
    query = {name: line if value == "LINE" else value for name, value in query.items()}

    response = client.get(take_part_url(consultation, **query))

    assert response.status_code == 400
    assert message in response.content.decode()


def test_a_reply_to_a_contribution_not_yet_public_is_refused(client, consultation, contribute):
    waiting = contribute(consultation, status=Contribution.Status.CONFIRMED)

    response = client.get(take_part_url(consultation, reply_to=waiting.pk))

    assert response.status_code == 400


def test_a_reply_to_a_public_comment_is_on_its_clause(client, consultation, contribute, send):
    parent = contribute(consultation, item_key=line_key(consultation))

    send(client, take_part_url(consultation, reply_to=parent.pk), details(body="Agreed."))

    reply = Contribution.objects.exclude(pk=parent.pk).get()
    assert (reply.parent, reply.item_key) == (parent, parent.item_key)


def test_a_closed_or_not_yet_open_consultation_takes_nothing(
    client, make_consultation, changed_draft
):
    later = make_consultation(
        changed_draft,
        open=False,
        slug="later",
        opens_at=timezone.now() + timedelta(days=1),
        closes_at=timezone.now() + timedelta(days=9),
    )
    closed = make_consultation(changed_draft, slug="closed")
    closed.close()

    for consultation in (later, closed):
        response = client.get(take_part_url(consultation))
        assert response.status_code == 403
        assert "not open for contributions" in response.content.decode()


def test_a_language_the_consultation_does_not_take_is_refused_with_links_to_those_it_does(
    client, consultation
):
    response = client.get(take_part_url(consultation, language="ru"))

    assert response.status_code == 400
    page = response.content.decode()
    assert f'href="/fr/consultation/{consultation.slug}/take-part/"' in page
    assert "/ru/" not in re.findall(r'hreflang="\w+"', page)


def test_a_contribution_is_taken_in_the_pages_language(client, consultation, send):
    send(client, take_part_url(consultation, language="fr"), details())

    assert Contribution.objects.get().language == "fr"
    assert mail.outbox[-1].subject == "Veuillez confirmer votre contribution à la consultation"


@pytest.fixture
def advisory_round(make_consultation, changed_draft, publisher):
    consultation = make_consultation(changed_draft, audience="invited", slug="advisory")
    invitation = Invitation.objects.create(
        consultation=consultation,
        organisation_name="Ministry of Education",
        email="office@moe.example",
        invited_by=publisher,
    )
    return consultation, invitation


def test_an_invited_only_consultation_needs_the_invitations_token(client, advisory_round):
    consultation, invitation = advisory_round

    without = client.get(take_part_url(consultation))
    forged = client.get(take_part_url(consultation, invitation=invitation.token() + "x"))

    for response in (without, forged):
        assert response.status_code == 403
        assert "Only invited organisations" in response.content.decode()


def test_an_invitation_prefills_the_organisation_and_is_linked(client, advisory_round, send):
    consultation, invitation = advisory_round
    url = take_part_url(consultation, invitation=invitation.token())
    form = parse_strict(client.get(url).content)
    assert form.find(".//input[@name='organisation_name']").get("value") == "Ministry of Education"
    assert form.find(".//input[@name='email']").get("value") == "office@moe.example"

    send(
        client,
        url,
        details(organisation_name="Ministry of Education", email="office@moe.example"),
    )

    assert Contribution.objects.get().invitation == invitation


def test_the_daily_purge_deletes_contributions_whose_confirmation_link_expired(
    consultation, contribute, settings
):
    from principles.consultation.purge import purge_unconfirmed_contributions

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": []}}
    old = timezone.now() - timedelta(days=settings.ENDORSEMENT_CONFIRMATION_DAYS, hours=1)
    expired = contribute(consultation, status=Contribution.Status.UNCONFIRMED, created_at=old)
    recent = contribute(consultation, status=Contribution.Status.UNCONFIRMED)
    confirmed = contribute(consultation, status=Contribution.Status.CONFIRMED, created_at=old)

    result = purge_unconfirmed_contributions.call()

    assert result == "deleted 1 expired unconfirmed contribution(s)"
    assert set(Contribution.objects.all()) == {recent, confirmed}
    assert not Contribution.objects.filter(pk=expired.pk).exists()


def test_a_lost_withdrawal_link_is_emailed_again_and_works(
    client, person, consultation, contribute, django_capture_on_commit_callbacks
):
    mine = contribute(consultation, email="amina@schools-online.example")
    contribute(consultation, email="someone@else.example")
    with django_capture_on_commit_callbacks(execute=True):
        answer = submit(
            person, "/consultation/withdraw/new-link/", {"email": "Amina@Schools-Online.example"}
        )

    assert answer.status_code == 200
    (message,) = mail.outbox
    assert message.to == ["amina@schools-online.example"]
    (link,) = re.findall(r"https://declaration.test(/consultation/withdraw/\S+/)", message.body)
    submit(person, link)
    mine.refresh_from_db()
    assert mine.status == Contribution.Status.WITHDRAWN


def test_asking_for_withdrawal_links_says_the_same_for_an_unknown_address_and_is_limited(
    client, consultation
):
    answers = [
        submit(client, "/consultation/withdraw/new-link/", {"email": "nobody@example.org"})
        for _attempt in range(4)
    ]

    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    assert "an email with the links is on its way" in answers[0].content.decode()
    assert "Too many links have been asked for" in answers[3].content.decode()
    assert mail.outbox == []


@pytest.mark.parametrize("existing", [10, 1000])
def test_the_form_reads_a_fixed_number_of_queries_however_many_contributions_exist(
    client, consultation, contribute, django_assert_max_num_queries, existing
):
    parent = contribute(consultation, item_key=line_key(consultation))
    Contribution.objects.bulk_create(
        Contribution(consultation=consultation, body=f"Comment {n}", status="approved")
        for n in range(existing)
    )
    url = take_part_url(consultation, reply_to=parent.pk)

    # The form (3), and the share card's title and count (3), read once per change.
    with django_assert_max_num_queries(3 + 3):
        response = client.get(url)

    assert response.status_code == 200
