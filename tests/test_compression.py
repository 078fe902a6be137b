"""Pages and other text leave gunicorn gzipped for browsers that accept it; files that are
compressed already leave as stored. bench/compression.py shows the bytes, also through the
nginx with deploy/nginx/declaration.conf, with brotli."""

import gzip
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import FileResponse, HttpResponse
from django.test import RequestFactory
from django.utils.functional import SimpleLazyObject

from declaration_site.middleware import TextGZipMiddleware

BROWSER = "gzip, deflate, br"


@pytest.fixture
def site(publish, client):
    publish(principles=3, action_lines=3)
    return client


@pytest.mark.parametrize("path", ["/", "/ar/", "/endorse/", "/endorsers/", "/ar/endorsers/"])
def test_a_public_page_is_sent_gzipped_to_a_browser(site, path):
    response = site.get(path, headers={"accept-encoding": BROWSER})

    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    html = gzip.decompress(response.content)
    assert html.startswith(b"<!doctype html>")
    assert len(response.content) < len(html) / 2


def test_the_home_page_weighs_under_14_kb_gzipped_with_its_stylesheet(site):
    """What a reader's first visit downloads (no fonts, scripts or images) fits in the first
    round trips of a connection, about 14 KB."""
    page = site.get("/", headers={"accept-encoding": BROWSER})
    css = Path(finders.find("css/site.css")).read_bytes()

    weight = len(page.content) + len(gzip.compress(css))

    assert weight < 14 * 1024, weight


def test_a_page_is_sent_as_it_is_to_a_client_that_does_not_ask_for_compression(site):
    response = site.get("/", headers={"accept-encoding": "identity"})

    assert not response.has_header("Content-Encoding")
    assert response.content.startswith(b"<!doctype html>")


@pytest.mark.parametrize("kind", ["application/pdf", "image/png", "image/jpeg"])
def test_a_file_compressed_already_is_sent_as_stored(kind):
    stored = b"\x00" * 10_000
    middleware = TextGZipMiddleware(lambda request: HttpResponse(stored, content_type=kind))

    response = middleware(RequestFactory().get("/file", headers={"accept-encoding": BROWSER}))

    assert not response.has_header("Content-Encoding")
    assert response.content == stored


@pytest.mark.parametrize("kind", ["text/csv; charset=utf-8", "application/json", "image/svg+xml"])
def test_csv_json_and_svg_that_django_renders_are_gzipped(kind):
    text = b"country,count\n" * 1_000
    middleware = TextGZipMiddleware(lambda request: HttpResponse(text, content_type=kind))

    response = middleware(RequestFactory().get("/file", headers={"accept-encoding": BROWSER}))

    assert response["Content-Encoding"] == "gzip"
    assert gzip.decompress(response.content) == text


def test_a_file_streamed_from_storage_is_sent_as_stored_for_sendfile(tmp_path):
    stored = tmp_path / "endorsers.csv"
    stored.write_bytes(b"country,count\n" * 1_000)

    with stored.open("rb") as file:
        middleware = TextGZipMiddleware(lambda request: FileResponse(file, content_type="text/csv"))
        response = middleware(RequestFactory().get("/file", headers={"accept-encoding": BROWSER}))

    assert not response.has_header("Content-Encoding")
    assert response["Content-Length"] == str(stored.stat().st_size)


@pytest.fixture
def moderator(db, django_user_model):
    from django.contrib.auth.models import Group, Permission

    group, _ = Group.objects.get_or_create(name="Moderator")
    group.permissions.add(Permission.objects.get(codename="moderate_endorsement"))
    user = django_user_model.objects.create_user("moderator", "m@example.org", "pw-42-long")
    user.groups.add(group)
    return user


@pytest.mark.parametrize("path", ["/moderation/?q=secret", "/"])
def test_pages_for_signed_in_people_are_sent_uncompressed_against_breach(site, moderator, path):
    """Staff pages echo query parameters beside personal data: compressed, their length would
    tell an attacker who can make the browser send guesses whether a guess matches."""
    site.force_login(moderator)

    response = site.get(path, headers={"accept-encoding": BROWSER})

    assert response.status_code == 200
    assert not response.has_header("Content-Encoding")
    assert response.content.startswith(b"<!doctype html>")


def test_a_reader_whose_session_holds_no_sign_in_gets_pages_gzipped(site, moderator):
    site.force_login(moderator)
    site.logout()
    site.cookies[settings.SESSION_COOKIE_NAME] = "no-such-session"

    response = site.get("/", headers={"accept-encoding": BROWSER})

    assert response["Content-Encoding"] == "gzip"


def test_a_reader_without_a_session_cookie_is_compressed_without_reading_a_session():
    text = b"<p>text</p>" * 1_000
    middleware = TextGZipMiddleware(lambda request: HttpResponse(text, content_type="text/html"))
    request = RequestFactory().get("/", headers={"accept-encoding": BROWSER})
    request.user = SimpleLazyObject(lambda: pytest.fail("read the session"))

    response = middleware(request)

    assert response["Content-Encoding"] == "gzip"
