"""Staff sign in at /accounts/login/; repeated failures are throttled by django-axes."""

from django.test import Client

from tests.html import parse_strict, submit


def test_the_sign_in_page_is_our_own_and_signs_an_editor_in(editor):
    client = Client(enforce_csrf_checks=True)

    page = parse_strict(client.get("/accounts/login/?next=/drafting/").content)
    response = submit(
        client,
        "/accounts/login/",
        {"username": "ed", "password": "a-long-password-1", "next": "/drafting/"},
    )

    assert page.find(".//h1").text == "Sign in"
    assert response.status_code == 302
    assert response.url == "/drafting/"
    assert client.get("/drafting/").status_code == 200


def test_a_wrong_password_gets_a_clear_error(editor):
    response = submit(
        Client(enforce_csrf_checks=True),
        "/accounts/login/",
        {"username": "ed", "password": "wrong"},
    )

    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


def test_repeated_failed_sign_ins_are_locked_out_even_with_the_right_password(editor, settings):
    client = Client(enforce_csrf_checks=True)
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        submit(client, "/accounts/login/", {"username": "ed", "password": "wrong"})

    response = submit(
        client, "/accounts/login/", {"username": "ed", "password": "a-long-password-1"}
    )

    assert response.status_code == 429
    assert "Too many failed attempts" in response.content.decode()
    assert client.get("/drafting/").status_code == 302


def test_signing_out_takes_you_to_the_declaration(editor, signed_in):
    client = signed_in(editor)

    response = submit(client, "/accounts/logout/", page="/drafting/")

    assert response.url == "/"
    assert client.get("/drafting/").status_code == 302


def test_only_people_with_a_drafting_role_see_the_drafting_link(publish, make_user, signed_in):
    publish()

    assert b'href="/drafting/"' not in Client().get("/").content
    assert b'href="/drafting/"' not in signed_in(make_user("mo", "Moderator")).get("/").content
    assert b'href="/drafting/"' in signed_in(make_user("ed", "Editor")).get("/").content
