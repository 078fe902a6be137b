"""Every visitor endorses. The empty form is rendered once per version and language and shared
by everyone from the cache; the one CSRF token on the page is each visitor's own, added per
request. Visitors here are separate clients with their own cookies, one after another in the
same process and the same cache, which is never emptied between them."""

import html5lib
import pytest
from django.conf import settings
from django.middleware.csrf import _unmask_cipher_token
from django.test import Client
from django.test.utils import override_settings

from declaration_site import public_cache
from declaration_site.settings import cache_from_url
from endorsements.models import Endorsement
from tests.endorsements.test_cache_outage import REDIS_SERVER, PrivateRedis
from tests.html import csrf_token

ENDORSE_PAGES = ["/endorse/", "/ar/endorse/", "/fr/endorse/"]


@pytest.fixture(params=["local memory", "redis"])
def site_cache(request, tmp_path):
    """The cache of a single server (local memory), then the shared cache of production (a
    redis-server of this test's own)."""
    if request.param == "local memory":
        yield request.param
        return
    if REDIS_SERVER is None:
        pytest.skip("redis-server is not installed")
    server = PrivateRedis(tmp_path)
    try:
        with override_settings(CACHES={"default": cache_from_url(server.url)}):
            public_cache.process_copies.forget()
            yield request.param
    finally:
        server.close()
        public_cache.process_copies.forget()


def new_visitor() -> Client:
    """A browser of its own: its own cookies, and CSRF checked as the site checks it."""
    return Client(enforce_csrf_checks=True)


def tokens_on(response) -> list[str]:
    page = html5lib.parse(response.content, namespaceHTMLElements=False)
    return [
        element.get("value")
        for element in page.iter("input")
        if element.get("name") == "csrfmiddlewaretoken"
    ]


def form_was_rendered(response) -> bool:
    """Whether crispy rendered the form's fields for this response (not taken from the cache)."""
    return any(template.name.startswith("bootstrap5/") for template in response.templates)


@pytest.mark.parametrize("path", ENDORSE_PAGES)
def test_three_visitors_in_a_row_with_their_own_cookies_all_endorse(
    site_cache, path, form_data, django_capture_on_commit_callbacks
):
    for number in (1, 2, 3):
        visitor = new_visitor()
        page = visitor.get(path)
        assert page.status_code == 200
        assert form_was_rendered(page) == (number == 1), "the form after the first is cached"
        data = form_data(
            organisation_name=f"Visitor {number} Network",
            contact_email=f"visitor{number}@example.org",
            csrfmiddlewaretoken=csrf_token(page),
        )

        with django_capture_on_commit_callbacks(execute=True):
            response = visitor.post(path, data)

        assert response.status_code == 302, f"visitor {number} was refused"
        assert response.url.endswith("/endorse/check-your-email/")
    names = Endorsement.objects.order_by("pk").values_list("organisation_name", flat=True)
    assert list(names) == ["Visitor 1 Network", "Visitor 2 Network", "Visitor 3 Network"]


def test_the_endorse_page_carries_one_token_the_visitors_own_and_shares_the_cached_form(
    site_cache, version
):
    first, second = new_visitor(), new_visitor()

    first_page, second_page = first.get("/endorse/"), second.get("/endorse/")

    assert not form_was_rendered(second_page)
    secrets = []
    for visitor, page in [(first, first_page), (second, second_page)]:
        tokens = tokens_on(page)
        assert len(tokens) == 1
        secret = visitor.cookies[settings.CSRF_COOKIE_NAME].value
        assert _unmask_cipher_token(tokens[0]) == secret
        secrets.append(secret)
    assert secrets[0] != secrets[1]


def test_a_token_from_another_visitors_page_is_refused(site_cache, form_data):
    first, second = new_visitor(), new_visitor()
    first_token = csrf_token(first.get("/endorse/"))
    second.get("/endorse/")

    response = second.post("/endorse/", form_data(csrfmiddlewaretoken=first_token))

    assert response.status_code == 403
    assert not Endorsement.objects.exists()


@pytest.mark.parametrize("path", ["/endorse/new-link/", "/endorse/withdraw/"])
def test_the_pages_asking_for_an_email_carry_one_token(client, db, path):
    assert len(tokens_on(client.get(path))) == 1


def test_these_tests_catch_a_cached_form_that_carries_a_token(version, monkeypatch):
    """The mistake these tests guard against, made on purpose: crispy puts a token in the form,
    so the form in the cache holds its first visitor's token."""
    from endorsements.forms import EndorsementForm

    helper = EndorsementForm.helper.func

    def helper_with_a_token(form):
        made = helper(form)
        made.disable_csrf = False
        return made

    monkeypatch.setattr(EndorsementForm, "helper", property(helper_with_a_token))
    new_visitor().get("/endorse/")

    second_page = new_visitor().get("/endorse/")

    assert len(tokens_on(second_page)) == 2
    with pytest.raises(AssertionError, match="2 different CSRF tokens"):
        csrf_token(second_page)
