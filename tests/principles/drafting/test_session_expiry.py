"""A save sent after the session expired is not lost: a sign-in form keeps the typed text and,
once the person signs in again, saves it through the same service, conflicts included. A form
refused by the CSRF check keeps it too, when it came from one of the site's own pages."""

from importlib import import_module

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from principles.drafting import review, translation_services
from principles.drafting.services import save_item_text
from principles.models import ActionLine, Revision
from tests.html import csrf_token, parse_strict, submit

PASSWORD = "a-long-password-1"  # make_user's


def url(name, *args):
    return reverse(f"drafting:{name}", args=args)


def expire_session(client) -> None:
    """What a browser lives through when its session expires: the server no longer knows the
    session; the CSRF cookie, which outlives it, is still there."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    store(session_key=client.cookies[settings.SESSION_COOKIE_NAME].value).delete()
    assert settings.CSRF_COOKIE_NAME in client.cookies


def form_posted_from(response, marker="_signing_in_again") -> dict:
    """Every field of the page's form that holds `marker`, as the browser would post it."""
    page = parse_strict(response.content)
    form = next(
        form for form in page.iter("form") if form.find(f".//input[@name='{marker}']") is not None
    )
    data = {}
    for field in form.iter("input"):
        data.setdefault(field.get("name"), []).append(field.get("value") or "")
    return data


@pytest.fixture
def browser(editor):
    """An editor's browser, signed in for real."""
    client = Client(enforce_csrf_checks=True)
    sign_in(client, editor.username)
    return client


def sign_in(client, username: str) -> None:
    response = submit(client, "/accounts/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302


@pytest.fixture
def action_line(draft):
    return ActionLine.objects.get(principle__version=draft, principle__position=1, position=2)


def typed_while_signed_out(browser, draft, action_line, text="Typed\r\nbefore the expiry."):
    """The editor opens the edit page, writes, her session expires, she presses Save."""
    edit_url = url("edit-action-line", draft.pk, action_line.pk)
    page = browser.get(edit_url)
    base = parse_strict(page.content).find(".//input[@name='base_revision']").get("value")
    expire_session(browser)
    return browser.post(
        edit_url,
        {
            "text": text,
            "note": "Kept",
            "base_revision": base,
            "csrfmiddlewaretoken": csrf_token(page),
        },
    )


def test_a_save_after_the_session_expired_asks_to_sign_in_and_keeps_the_text(
    browser, draft, action_line
):
    response = typed_while_signed_out(browser, draft, action_line)

    content = response.content.decode()
    form = form_posted_from(response)
    assert response.status_code == 200
    assert "Your session has expired" in content
    assert "It is kept on this page: sign in again and it will be saved." in content
    assert form["text"] == ["Typed\nbefore the expiry."]
    assert form["note"] == ["Kept"]
    assert "Typed<br>before the expiry." in content  # the copy she can read
    assert draft.revisions.count() == 1  # nothing saved yet
    assert "no-store" in response["Cache-Control"]


def test_signing_in_again_saves_the_kept_text_as_a_revision_by_that_person(
    browser, draft, action_line, editor
):
    sign_in_page = typed_while_signed_out(browser, draft, action_line)

    response = browser.post(
        url("edit-action-line", draft.pk, action_line.pk),
        {**form_posted_from(sign_in_page), "username": "ed", "password": PASSWORD},
    )

    assert response.status_code == 302
    assert response.url == url("draft", draft.pk) + f"#item-{action_line.key}"
    revision = draft.revisions.first()
    assert (revision.author, revision.action, revision.note) == (editor, "edit", "Kept")
    assert action_line.source_text.text == "Typed\nbefore the expiry."
    assert (
        "Saved: Reworded action line 1.2." in browser.get(url("draft", draft.pk)).content.decode()
    )


def test_a_wrong_password_says_so_and_still_keeps_the_text(browser, draft, action_line, editor):
    edit_url = url("edit-action-line", draft.pk, action_line.pk)
    sign_in_page = typed_while_signed_out(browser, draft, action_line)

    wrong = browser.post(
        edit_url, {**form_posted_from(sign_in_page), "username": "ed", "password": "wrong"}
    )
    right = browser.post(
        edit_url, {**form_posted_from(wrong), "username": "ed", "password": PASSWORD}
    )

    assert wrong.status_code == 200
    assert "Please enter a correct username and password" in wrong.content.decode()
    assert form_posted_from(wrong)["text"] == ["Typed\nbefore the expiry."]
    assert form_posted_from(wrong)["password"] == [""]  # never carried back
    assert right.status_code == 302
    assert draft.revisions.first().author == editor


def test_a_save_by_someone_else_meanwhile_is_shown_as_a_conflict_not_overwritten(
    browser, draft, action_line, make_user
):
    sign_in_page = typed_while_signed_out(browser, draft, action_line)
    olga = make_user("olga", "Editor")
    save_item_text(
        item=action_line,
        by=olga,
        values={"text": "Olga's text."},
        base_revision=review.latest_revision_id(of=draft, item_key=str(action_line.key)),
    )

    response = browser.post(
        url("edit-action-line", draft.pk, action_line.pk),
        {**form_posted_from(sign_in_page), "username": "ed", "password": PASSWORD},
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert "olga saved this item while you were editing it" in content
    assert "Olga&#x27;s text." in content
    assert "before the expiry." in content
    assert ActionLine.objects.get(pk=action_line.pk).source_text.text == "Olga's text."


def test_signing_in_as_someone_without_the_role_is_refused_and_shows_the_text(
    browser, draft, action_line, reviewer
):
    sign_in_page = typed_while_signed_out(browser, draft, action_line)

    response = browser.post(
        url("edit-action-line", draft.pk, action_line.pk),
        {**form_posted_from(sign_in_page), "username": "rita", "password": PASSWORD},
    )

    content = response.content.decode()
    assert response.status_code == 403
    assert "You are signed in as rita, and your roles do not let you make this change." in content
    assert "Typed<br>before the expiry." in content
    assert draft.revisions.count() == 1


def test_an_expired_session_keeps_a_translators_text_too_in_her_language(draft, editor, browser):
    translation = translation_services.start_translation(
        version=draft.based_on, language="fr", by=editor
    )
    edit_url = "/fr" + url("translate-item", translation.pk, "version")
    page = browser.get(edit_url)
    base = parse_strict(page.content).find(".//input[@name='base_revision']").get("value")
    expire_session(browser)
    typed = {"title": "Déclaration d'essai", "preamble": "Nous, les signataires.", "note": ""}
    sign_in_page = browser.post(
        edit_url, {**typed, "base_revision": base, "csrfmiddlewaretoken": csrf_token(page)}
    )

    response = browser.post(
        edit_url, {**form_posted_from(sign_in_page), "username": "ed", "password": PASSWORD}
    )

    assert "Votre session a expiré" in sign_in_page.content.decode()
    assert response.status_code == 302
    translation.refresh_from_db()
    assert translation.text["version"] == {
        "title": "Déclaration d'essai",
        "preamble": "Nous, les signataires.",
    }


def test_a_form_with_nothing_typed_or_too_much_goes_to_the_plain_sign_in_page(
    browser, draft, action_line
):
    edit_url = url("edit-action-line", draft.pk, action_line.pk)
    token = csrf_token(browser.get(edit_url))
    expire_session(browser)

    nothing = browser.post(url("submit", draft.pk), {"csrfmiddlewaretoken": token})
    too_much = browser.post(edit_url, {"text": "x" * 70_000, "csrfmiddlewaretoken": token})

    assert nothing.status_code == too_much.status_code == 302
    assert too_much.url.startswith("/accounts/login/?next=")


def test_a_stale_csrf_token_from_the_sites_own_page_keeps_the_text_to_send_again(
    browser, draft, action_line, editor
):
    edit_url = url("edit-action-line", draft.pk, action_line.pk)
    page = browser.get(edit_url)
    base = parse_strict(page.content).find(".//input[@name='base_revision']").get("value")
    # Signing in again in another window rotates the CSRF token this page carries.
    browser.logout()
    sign_in(browser, "ed")
    typed = {"text": "After a sign-in elsewhere.", "note": "", "base_revision": base}

    refused = browser.post(
        edit_url,
        {**typed, "csrfmiddlewaretoken": csrf_token(page)},
        headers={"Origin": "http://testserver"},
    )
    sent_again = browser.post(edit_url, {**typed, "csrfmiddlewaretoken": csrf_token(refused)})

    assert refused.status_code == 403
    assert "Your text has not been saved yet" in refused.content.decode()
    assert "After a sign-in elsewhere." in refused.content.decode()
    assert sent_again.status_code == 302
    assert action_line.source_text.text == "After a sign-in elsewhere."
    assert draft.revisions.first().author == editor


def test_a_forged_post_from_another_site_is_refused_without_echoing_its_fields(
    browser, draft, action_line
):
    response = browser.post(
        url("edit-action-line", draft.pk, action_line.pk),
        {"text": "Call this number now", "base_revision": 99, "csrfmiddlewaretoken": "x" * 64},
        headers={"Origin": "http://testserver.evil.example"},
    )

    assert response.status_code == 403
    assert "Call this number now" not in response.content.decode()
    assert "The form has expired" in response.content.decode()
    assert Revision.objects.filter(version=draft).count() == 1


def test_a_lockout_after_repeated_wrong_passwords_still_shows_the_text(
    browser, draft, action_line, settings
):
    edit_url = url("edit-action-line", draft.pk, action_line.pk)
    page = typed_while_signed_out(browser, draft, action_line)
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        page = browser.post(
            edit_url, {**form_posted_from(page), "username": "ed", "password": "wrong"}
        )

    content = page.content.decode()
    assert page.status_code == 429
    assert "Too many failed attempts" in content
    assert "Your text has not been saved: copy it from below to keep it." in content
    assert "Typed<br>before the expiry." in content
