"""Staff change their password, and reset a forgotten one through a link emailed in their
language, without the reset page telling anyone which addresses have accounts."""

import re

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client

from tests.html import parse_strict, submit

OLD = "a-long-password-1"
NEW = "a-brand-new-passphrase-7"
IMMEDIATE_TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def emails_sent_at_once(settings):
    settings.TASKS = IMMEDIATE_TASKS
    settings.SITE_URL = "https://declaration.example.org"


@pytest.fixture
def editor(db):
    return User.objects.create_user(
        "edith", "edith@example.org", OLD, first_name="Edith", last_name="Ndlovu"
    )


def browser() -> Client:
    return Client(enforce_csrf_checks=True)


def ask_for_a_reset(client, email: str, *, language: str = ""):
    return submit(client, f"{language}/accounts/password_reset/", {"email": email})


def signs_in(username: str, password: str) -> bool:
    response = submit(browser(), "/accounts/login/", {"username": username, "password": password})
    return response.status_code == 302


def emailed_link(message) -> str:
    """The path of the link in a reset email, which starts with SITE_URL."""
    url = re.search(r"https://declaration\.example\.org(/\S+)", message.body)
    assert url, message.body
    return url.group(1)


def set_new_password(client, link: str, password: str):
    """Follow an emailed link as a browser does (Django moves the token out of the address
    into the session first) and choose a new password."""
    landing = client.get(link)
    assert landing.status_code == 302
    return submit(client, landing.url, {"new_password1": password, "new_password2": password})


def test_a_forgotten_password_is_reset_through_the_emailed_link(editor):
    client = browser()
    sign_in_page = client.get("/accounts/login/").content.decode()
    assert 'href="/accounts/password_reset/"' in sign_in_page

    asked = ask_for_a_reset(client, "Edith@Example.org")

    assert asked.status_code == 302
    assert asked.url == "/accounts/password_reset/done/"
    (message,) = mail.outbox
    assert message.to == ["edith@example.org"]
    assert message.subject == "Reset your password"
    assert "Hello \u2068Edith Ndlovu\u2069," in message.body
    saved = set_new_password(client, emailed_link(message), NEW)
    assert saved.status_code == 302
    assert saved.url == "/accounts/reset/done/"
    assert signs_in("edith", NEW)
    assert not signs_in("edith", OLD)


def test_a_reset_link_works_once(editor):
    client = browser()
    ask_for_a_reset(client, "edith@example.org")
    link = emailed_link(mail.outbox[0])
    set_new_password(client, link, NEW)

    again = browser().get(link, follow=True)

    assert "This link no longer works" in again.content.decode()
    assert signs_in("edith", NEW)


def test_an_unknown_address_gets_the_same_answer_and_no_email(editor, django_user_model):
    django_user_model.objects.create_user("gone", "gone@example.org", OLD, is_active=False)
    django_user_model.objects.create_user("sso", "sso@example.org", None)

    answers = {
        email: ask_for_a_reset(browser(), email)
        for email in [
            "edith@example.org",
            "nobody@example.org",
            "gone@example.org",
            "sso@example.org",
        ]
    }

    assert {(answer.status_code, answer.url) for answer in answers.values()} == {
        (302, "/accounts/password_reset/done/")
    }
    assert [message.to for message in mail.outbox] == [["edith@example.org"]]


def test_the_email_and_its_link_are_in_the_language_the_reset_was_asked_in(editor):
    client = browser()
    ask_for_a_reset(client, "edith@example.org", language="/fr")

    (message,) = mail.outbox
    assert message.subject == "Réinitialisez votre mot de passe"
    assert "Bonjour \u2068Edith Ndlovu\u2069," in message.body
    link = emailed_link(message)
    assert link.startswith("/fr/accounts/reset/")
    set_new_password(client, link, NEW)
    assert signs_in("edith", NEW)


def test_asking_for_reset_links_is_rate_limited_whether_or_not_the_address_is_known(editor):
    for email in ["edith@example.org", "nobody@example.org"]:
        answers = [ask_for_a_reset(browser(), email).status_code for _ in range(4)]

        assert answers == [302, 302, 302, 429]
    assert len(mail.outbox) == 3
    limited = ask_for_a_reset(browser(), "edith@example.org")
    assert "Too many requests for a reset link" in limited.content.decode()


def test_changing_the_password_needs_the_current_one(editor):
    client = browser()
    client.force_login(editor)
    drafting_bar = client.get("/accounts/start/", follow=True).content.decode()
    assert 'href="/accounts/password_change/"' in drafting_bar

    wrong = submit(
        client,
        "/accounts/password_change/",
        {"old_password": "a-guess", "new_password1": NEW, "new_password2": NEW},
    )
    assert wrong.status_code == 200
    assert "Your old password was entered incorrectly" in wrong.content.decode()
    assert signs_in("edith", OLD)

    changed = submit(
        client,
        "/accounts/password_change/",
        {"old_password": OLD, "new_password1": NEW, "new_password2": NEW},
    )
    assert changed.url == "/accounts/password_change/done/"
    assert client.get("/accounts/password_change/").status_code == 200, "still signed in"
    assert signs_in("edith", NEW)
    assert not signs_in("edith", OLD)


def test_changing_the_password_needs_signing_in():
    response = browser().get("/accounts/password_change/")

    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_a_reset_signs_out_other_sessions_and_keeps_lockouts(editor, settings):
    elsewhere = browser()
    elsewhere.force_login(editor)
    guesser = browser()
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        submit(guesser, "/accounts/login/", {"username": "edith", "password": "wrong"})

    client = browser()
    ask_for_a_reset(client, "edith@example.org")
    set_new_password(client, emailed_link(mail.outbox[0]), NEW)

    assert elsewhere.get("/accounts/password_change/").status_code == 302
    locked = submit(guesser, "/accounts/login/", {"username": "edith", "password": NEW})
    assert locked.status_code == 429
    editor.refresh_from_db()
    assert editor.is_active


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/password_reset/",
        "/ar/accounts/password_reset/",
        "/accounts/password_reset/done/",
        "/accounts/reset/done/",
        "/accounts/reset/MQ/not-a-token/",
    ],
)
def test_the_reset_pages_are_valid_html(db, path):
    response = browser().get(path, follow=True)

    assert response.status_code == 200
    parse_strict(response.content)


def test_the_change_pages_are_valid_html(editor):
    client = browser()
    client.force_login(editor)
    for path in ["/accounts/password_change/", "/ar/accounts/password_change/done/"]:
        response = client.get(path)
        assert response.status_code == 200
        parse_strict(response.content)


def test_the_queued_email_carries_no_token_and_skips_an_account_closed_meanwhile(editor, settings):
    from django_tasks_db.models import DBTaskResult

    from declaration_site.accounts import send_password_reset_email

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": []}}
    ask_for_a_reset(browser(), "edith@example.org")

    (queued,) = DBTaskResult.objects.filter(task_path=send_password_reset_email.module_path)
    assert queued.args_kwargs["kwargs"] == {"user_id": editor.pk, "language": "en"}
    editor.is_active = False
    editor.save()
    assert send_password_reset_email.call(user_id=editor.pk, language="en").startswith("skipped")
    assert mail.outbox == []
