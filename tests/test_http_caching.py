"""What the site tells the proxy in front and browsers: which responses they may store, for how
long, and how a reader who has a page already learns that it has not changed."""

import time

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpResponse
from django.test import Client, RequestFactory

from declaration_site.http_caching import SharedResponsesMiddleware, shared_with_everyone
from tests.html import csrf_token


def for_a_second(expiry: str) -> bool:
    """Whether `expiry` keeps a response in nginx until the end of this second (or the last)."""
    return expiry.startswith("@") and int(time.time()) - 1 <= int(expiry[1:]) <= time.time()


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


def endorsement(version, name: str, status: str = "approved"):
    from django.utils import timezone

    from endorsements.models import Endorsement

    made = Endorsement(
        organisation_type="ngo",
        contact_name="Contact person",
        contact_role="Director",
        contact_email=f"contact@{name.lower().replace(' ', '-')}.example.org",
        version=version,
        content_hash=version.content_hash,
        status=status,
        confirmed_at=timezone.now(),
        approved_at=timezone.now() if status == "approved" else None,
    )
    made.set_organisation(name=name, country="FR")
    made.save()
    return made


@pytest.fixture
def site(publish, settings):
    """A published declaration with one approved endorser, and the open data built at once."""
    settings.TASKS = IMMEDIATE_TASKS
    return endorsement(publish(principles=2, action_lines=2), "Listed Org")


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
    assert for_a_second(rendered[SHARED])
    assert for_a_second(from_the_cache[SHARED])


def test_the_pdf_and_the_open_data_files_may_be_kept_by_the_proxy(site, pdf_settings):
    client = reader()

    for path in ["/declaration.pdf", "/versions/1/declaration.pdf", "/endorsers.csv"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert for_a_second(response[SHARED]), path


@pytest.mark.parametrize("accept_language", ["", "en-GB,en;q=0.9", "de-DE"])
def test_a_first_visit_to_an_english_page_sets_no_cookie_and_may_be_kept(site, accept_language):
    first = Client(enforce_csrf_checks=True).get("/", headers={"Accept-Language": accept_language})

    assert first.status_code == 200
    assert not first.cookies
    assert for_a_second(first[SHARED])
    # A browser that asks for another language is sent to it: the page depends on the header.
    assert "Accept-Language" in vary(first)


def test_a_first_visit_from_a_french_browser_is_sent_to_the_french_page_by_a_private_answer(site):
    first = Client(enforce_csrf_checks=True).get("/", headers={"Accept-Language": "fr-FR,fr"})

    assert first.status_code == 302
    assert first["Location"] == "/fr/"
    assert SHARED not in first
    assert "private" in first["Cache-Control"]


def test_a_first_visit_to_a_french_page_remembers_the_language_so_it_is_private(site):
    first = Client(enforce_csrf_checks=True).get("/fr/")

    assert first.cookies["django_language"].value == "fr"
    assert SHARED not in first
    assert first["Cache-Control"] == "max-age=0, private"


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
        assert "private" in page["Cache-Control"], path


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


def validator(response) -> str:
    etag = response["ETag"]
    assert etag.strip('W/"'), "the ETag is empty"
    return etag


@pytest.mark.parametrize(
    "path", ["/", "/fr/", "/endorsers/", "/endorsers/count.json", "/versions/1/", "/about/"]
)
def test_a_reader_who_has_the_page_gets_a_304_that_reads_and_renders_nothing(
    site, path, page_queries
):
    client = reader()
    client.cookies["django_language"] = "fr" if path.startswith("/fr/") else "en"
    first = client.get(path)

    with page_queries(0):
        again = client.get(path, headers={"If-None-Match": validator(first)})

    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == first["ETag"]
    assert vary(again) == vary(first)
    assert for_a_second(again[SHARED])
    assert again["Cache-Control"] == first["Cache-Control"]


def test_a_compressed_page_is_validated_by_its_weak_etag(site):
    client = reader()
    gzipped = client.get("/endorsers/", headers={"Accept-Encoding": "gzip"})
    assert gzipped["Content-Encoding"] == "gzip"
    assert gzipped["ETag"].startswith('W/"')

    again = client.get(
        "/endorsers/", headers={"Accept-Encoding": "gzip", "If-None-Match": gzipped["ETag"]}
    )

    assert again.status_code == 304
    # As the 200 would have said (RFC 9110, 15.4.5).
    assert again["ETag"] == gzipped["ETag"]
    assert vary(again) == vary(gzipped)


def test_an_approval_changes_the_etag_of_the_pages_that_show_it(site, approve):
    client = reader()
    paths = ["/", "/endorsers/", "/endorsers/count.json"]
    before = {path: validator(client.get(path)) for path in paths}
    waiting = endorsement(site.version, "Newly Approved Org", status="confirmed")

    approve(waiting)

    for path in paths:
        after = client.get(path, headers={"If-None-Match": before[path]})
        assert after.status_code == 200, path
        assert validator(after) != before[path], path
    assert b"Newly Approved Org" in client.get("/endorsers/").content


def test_publishing_a_version_changes_the_etag_of_the_declaration(
    site, publish, django_capture_on_commit_callbacks
):
    client = reader()
    before = validator(client.get("/"))

    with django_capture_on_commit_callbacks(execute=True):
        publish(principles=3, action_lines=1)

    after = client.get("/", headers={"If-None-Match": before})
    assert after.status_code == 200
    assert "Principle title 3" in after.text
    assert validator(after) != before


def test_the_pdf_is_validated_by_its_stored_file(site, pdf_settings):
    client = reader()
    first = client.get("/declaration.pdf")
    b"".join(first.streaming_content)

    again = client.get("/declaration.pdf", headers={"If-None-Match": validator(first)})

    assert again.status_code == 304
    assert for_a_second(again[SHARED])


def test_public_pages_say_how_long_they_may_be_kept_and_on_what_they_depend(site):
    client = reader()

    declaration = client.get("/")
    french = client.get("/fr/")
    count = client.get("/endorsers/count.json")

    assert declaration["Cache-Control"] == "public, max-age=0"
    # An English page's address has no language in it: a first visit may be sent elsewhere.
    assert {"Accept-Language", "Cookie"} <= vary(declaration)
    assert "Cookie" in vary(french)
    assert "Accept-Language" not in vary(french)
    # An approval reaches a reader through a proxy within two seconds.
    assert count["Cache-Control"] == "public, max-age=1"
    assert "Cookie" in vary(count)


def vary(response) -> set[str]:
    return {name.strip() for name in response.get("Vary", "").split(",")}


def test_a_form_page_is_private_to_its_reader(site):
    form = reader().get("/endorse/")

    assert form["Cache-Control"] == "private"
    assert "Cookie" in vary(form)


def test_a_signed_in_reader_gets_public_pages_as_private_ones(site, moderator):
    client = reader()
    client.force_login(moderator)

    for path in ["/", "/endorsers/", "/endorsers/count.json"]:
        response = client.get(path)
        assert "public" not in response["Cache-Control"], path
        assert "private" in response["Cache-Control"], path
    assert "private" in client.get("/moderation/")["Cache-Control"]


def test_two_visitors_never_share_a_token_and_each_posts_with_their_own(site):
    ann, ben = reader(), reader()
    ann_form, ben_form = ann.get("/endorse/new-link/"), ben.get("/endorse/new-link/")
    ann_token, ben_token = csrf_token(ann_form), csrf_token(ben_form)

    assert ann.cookies["csrftoken"].value != ben.cookies["csrftoken"].value
    assert "private" in ann_form["Cache-Control"]
    # A token unmasks to the secret of its visitor's cookie: another visitor's is refused.
    stolen = ben.post(
        "/endorse/new-link/", {"email": "b@example.org", "csrfmiddlewaretoken": ann_token}
    )
    assert stolen.status_code == 403
    for client, token in [(ann, ann_token), (ben, ben_token)]:
        answer = client.post(
            "/endorse/new-link/", {"email": "a@example.org", "csrfmiddlewaretoken": token}
        )
        assert answer.status_code == 200
