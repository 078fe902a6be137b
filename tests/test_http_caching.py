"""What the site tells the proxy in front and browsers: which responses they may store, for how
long, and how a reader who has a page already learns that it has not changed."""

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpResponse
from django.test import Client, RequestFactory

from declaration_site.http_caching import SharedResponsesMiddleware, shared_with_everyone
from tests.html import csrf_token

SHARED = "X-Accel-Expires"
IMMEDIATE_TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

PUBLIC_PAGES = [
    "/",
    "/fr/",
    "/ar/",
    "/endorsers/",
    "/endorsers/?page=1",
    "/endorsers/?country=FR",
    "/endorsers/count.json",
    "/endorse/check-your-email/",
    "/consultation/",
]


@pytest.fixture
def site(publish, settings):
    """A published declaration with one approved endorser, and the open data built at once."""
    from django.utils import timezone

    from endorsements.models import Endorsement

    settings.TASKS = IMMEDIATE_TASKS
    version = publish(principles=2, action_lines=2)
    endorsement = Endorsement(
        organisation_type="ngo",
        contact_name="Contact person",
        contact_role="Director",
        contact_email="contact@example.org",
        version=version,
        content_hash=version.content_hash,
        status="approved",
        confirmed_at=timezone.now(),
        approved_at=timezone.now(),
    )
    endorsement.set_organisation(name="Listed Org", country="FR")
    endorsement.save()
    return endorsement


def reader() -> Client:
    """An anonymous reader who has seen a page before: the browser holds the language cookie."""
    client = Client(enforce_csrf_checks=True)
    client.cookies["django_language"] = "en"
    return client


def with_a_message(client: Client) -> Client:
    """The client holds a message waiting to be shown (as after a form that says so)."""
    storage = CookieStorage(RequestFactory().get("/"))
    storage.add(constants.SUCCESS, "Saved.")
    response = HttpResponse()
    storage.update(response)
    client.cookies["messages"] = response.cookies["messages"].value
    return client


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_a_page_every_reader_sees_alike_may_be_kept_by_the_proxy(site, path):
    client = reader()
    client.cookies["django_language"] = {"/fr/": "fr", "/ar/": "ar"}.get(path[:4], "en")

    rendered = client.get(path)
    from_the_cache = client.get(path)

    assert rendered.status_code == from_the_cache.status_code == 200
    assert not rendered.cookies
    assert not from_the_cache.cookies
    assert rendered[SHARED] == from_the_cache[SHARED] == "1"


def test_the_pdf_and_the_open_data_files_may_be_kept_by_the_proxy(site, pdf_settings):
    client = reader()

    for path in ["/declaration.pdf", "/versions/1/declaration.pdf", "/endorsers.csv"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert response[SHARED] == "1", path


def test_a_first_visit_sets_the_language_cookie_and_the_proxy_may_keep_it_with_the_cookie(site):
    """nginx keys its copies by the language cookie a reader sends: every reader who arrives
    without one gets this same answer, cookie included."""
    first = Client(enforce_csrf_checks=True).get("/")

    assert first.cookies["django_language"].value == "en"
    assert first[SHARED] == "1"


def test_the_endorsement_form_is_never_kept_by_the_proxy(site):
    client = reader()

    form = client.get("/endorse/")

    assert form.status_code == 200
    assert csrf_token(form)
    assert SHARED not in form
    assert SHARED not in client.get("/endorse/")


def test_a_signed_in_reader_gets_pages_the_proxy_does_not_keep(site, moderator):
    client = reader()
    client.force_login(moderator)

    for path in ["/", "/endorsers/", "/endorsers/count.json", "/moderation/"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert SHARED not in response, path


def test_a_reader_with_a_message_waiting_gets_pages_the_proxy_does_not_keep(site):
    # Public pages show no messages: the one waiting is for the next staff page.
    client = with_a_message(reader())

    for path in ["/", "/endorsers/"]:
        page = client.get(path)
        assert page.status_code == 200, path
        assert SHARED not in page, path


@pytest.mark.parametrize("path", ["/endorsers/no-such-endorser/", "/versions/9/"])
def test_an_error_is_not_kept_by_the_proxy(site, path):
    response = reader().get(path)

    assert response.status_code == 404
    assert SHARED not in response


@pytest.mark.parametrize(
    "path", ["/endorsers/?q=listed", "/endorsers/?country=XX", "/endorsers/?page=99"]
)
def test_a_search_or_an_address_the_site_does_not_cache_is_not_kept_by_the_proxy(site, path):
    # Free text and invalid values would make an entry for every string anyone types.
    response = reader().get(path)

    assert response.status_code == 200
    assert SHARED not in response


@pytest.mark.parametrize("status", [301, 404, 410, 429, 500, 503])
def test_the_middleware_takes_the_mark_from_any_answer_but_a_page(status, rf):
    middleware = SharedResponsesMiddleware(
        lambda request: shared_with_everyone(HttpResponse(status=status))
    )

    assert SHARED not in middleware(rf.get("/"))


def test_the_middleware_takes_the_mark_from_a_page_that_used_a_csrf_token(rf):
    from django.middleware.csrf import get_token

    def view(request):
        get_token(request)
        return shared_with_everyone(HttpResponse("<form>…</form>"))

    assert SHARED not in SharedResponsesMiddleware(view)(rf.get("/"))


def test_the_middleware_takes_the_mark_from_a_response_that_sets_a_cookie(rf):
    def view(request):
        response = shared_with_everyone(HttpResponse("page"))
        response.set_cookie("anything", "1")
        return response

    assert SHARED not in SharedResponsesMiddleware(view)(rf.get("/"))
