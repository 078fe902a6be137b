"""Debian's nginx with the repository's configuration (deploy/nginx/declaration.conf, with only
its addresses and folders replaced: bench.site_processes.nginx_config) in front of two gunicorn
instances and a task worker, as in production: it compresses pages, serves anonymous readers
from a one-second cache without ever handing one visitor's page or token to another, and sends
stored PDFs and open data files itself once Django has chosen them (X-Accel-Redirect).

Marked `scale_out` like tests/test_scale_out.py, and set up the same way (its own database, the
Redis database in SCALE_OUT_REDIS_URL, emptied). Needs Debian's nginx and its brotli module
(`make test` installs them); SKIP_SCALE_OUT=1 skips it.
"""

import gzip
import json
import socket
import time
import urllib.parse
import urllib.request
from pathlib import Path

import brotli
import pytest

from bench.site_processes import (
    NGINX,
    free_port,
    prepare_site,
    site_environment,
    start_gunicorn,
    start_nginx,
    start_worker,
    stop,
    wait_until_healthy,
)
from tests.conftest import PASSPHRASE
from tests.test_scale_out import (
    ADMIN,
    PASSWORD,
    REDIS_URL,
    Response,
    Site,
    Visitor,
    database_of_its_own,
    emptied,
    endorsement_id,
    endorser_count,
    eventually,
    own_redis,
)

pytestmark = [pytest.mark.scale_out, pytest.mark.xdist_group("nginx")]

BROWSER = "gzip, deflate, br"


@pytest.fixture(scope="module")
def site(signing_key, tmp_path_factory):
    """nginx in front of instances A and B (one gunicorn worker each) and a task worker.
    `site.a` is nginx's address, `site.b` instance A's own (behind nginx)."""
    if not Path(NGINX).exists():
        pytest.fail(f"This test needs Debian's nginx at {NGINX}: make test installs it.")
    folder = tmp_path_factory.mktemp("nginx-site")
    with (
        emptied(own_redis(), url=REDIS_URL) as cache,
        database_of_its_own("nginx", folder=folder) as database_url,
    ):
        env = site_environment(
            folder=folder,
            database_url=database_url,
            cache_url=REDIS_URL,
            PDF_SIGNING_PKCS12=str(signing_key),
            PDF_SIGNING_PASSPHRASE=PASSPHRASE,
            RATELIMIT_IP_META_KEY="HTTP_X_REAL_IP",
            X_ACCEL_REDIRECT_PREFIX="/_stored/",
        )
        prepare_site(env=env, admin=ADMIN, password=PASSWORD)
        ports = [free_port(), free_port()]
        processes = [start_gunicorn(port=port, workers=1, env=env, wait=False) for port in ports]
        processes.append(start_worker(env=env))
        try:
            for server, port in zip(processes, ports, strict=False):
                wait_until_healthy(server, port=port)
            proxy, url = start_nginx(
                folder=folder / "nginx",
                upstreams=[f"127.0.0.1:{port}" for port in ports],
                media_root=folder / "media",
            )
            processes.append(proxy)
            yield Site(
                a=url, b=f"http://127.0.0.1:{ports[0]}", emails=folder / "emails", cache=cache
            )
        finally:
            stop(*processes)


def fetched(url: str, *, accept_encoding: str = BROWSER, visitor: Visitor | None = None):
    """`url` as a browser that accepts `accept_encoding` gets it, and its body decoded."""
    request = urllib.request.Request(url, headers={"Accept-Encoding": accept_encoding})
    response = (visitor or Visitor())._open(request)
    encoding = response.headers.get("Content-Encoding")
    body = {
        "br": brotli.decompress,
        "gzip": gzip.decompress,
        None: lambda body: body,
    }[encoding](response.body)
    return Response(response.status, response.headers, body)


def cache_status(response: Response) -> str:
    return response.headers.get("X-Cache-Status", "")


def test_pages_are_compressed_with_brotli_for_browsers_and_gzip_for_the_others(site):
    for path in ["/", "/endorse/", "/endorsers/", "/fr/"]:
        as_browser = fetched(site.a + path)
        as_gzip_client = fetched(site.a + path, accept_encoding="gzip")
        as_plain_client = fetched(site.a + path, accept_encoding="identity")

        assert as_browser.status == as_gzip_client.status == as_plain_client.status == 200
        assert as_browser.headers["Content-Encoding"] == "br", path
        assert as_gzip_client.headers["Content-Encoding"] == "gzip", path
        assert "Content-Encoding" not in as_plain_client.headers, path
        assert as_browser.page.find(".//main") is not None
        assert as_gzip_client.page.find(".//main") is not None
        assert as_plain_client.page.find(".//main") is not None


def test_an_anonymous_reader_gets_the_home_page_from_the_microcache(site):
    fetched(f"{site.a}/")

    again = fetched(f"{site.a}/")

    assert cache_status(again) == "HIT"
    assert again.headers["Content-Encoding"] == "br"
    assert "Set-Cookie" not in again.headers
    assert "X-Accel-Expires" not in again.headers
    assert endorser_count(again) >= 0


def test_the_cached_english_home_page_never_keeps_a_reader_from_their_own_language(site):
    """An English first visit to / is kept by nginx; a French browser without the language
    cookie still reaches Django and is sent to /fr/ (nginx keeps a copy per Accept-Language,
    as Django's Vary asks)."""
    english = {"Accept-Encoding": BROWSER, "Accept-Language": "en-GB,en;q=0.9"}
    french = {"Accept-Encoding": BROWSER, "Accept-Language": "fr-FR,fr;q=0.9"}
    for _ in range(2):
        as_english = Visitor()._open(urllib.request.Request(f"{site.a}/", headers=english))
    assert (as_english.status, cache_status(as_english)) == (200, "HIT")

    as_french = Visitor()._open(urllib.request.Request(f"{site.a}/", headers=french))

    assert as_french.status == 302
    assert as_french.headers["Location"].endswith("/fr/")


def test_a_signed_in_person_bypasses_the_cache_and_gets_nothing_compressed(site):
    moderator = Visitor()
    moderator.sign_in(site.a)

    page = fetched(f"{site.a}/", visitor=moderator)
    queue = fetched(f"{site.a}/moderation/", visitor=moderator)

    assert page.status == queue.status == 200
    assert cache_status(page) == cache_status(queue) == "BYPASS"
    assert "Content-Encoding" not in page.headers
    assert "Content-Encoding" not in queue.headers


def csrf_cookie(visitor: Visitor) -> str:
    for handler in visitor.opener.handlers:
        if isinstance(handler, urllib.request.HTTPCookieProcessor):
            return next(c.value for c in handler.cookiejar if c.name == "csrftoken")
    raise AssertionError("no cookie jar")


def endorsement(n: int) -> dict:
    return {
        "version": "1",
        "organisation_name": f"Visitor {n} Network",
        "organisation_type": "ngo",
        "country": "KE",
        "contact_name": "Amina Odhiambo",
        "contact_role": "Director",
        "contact_email": f"visitor{n}@example.org",
        "statement": "We will connect 200 rural schools by 2027.",
        "attestation": "on",
        "consent": "on",
        "nickname": "",
    }


def posted_as_a_browser(visitor: Visitor, url: str, data: dict, *, origin: str) -> Response:
    """`data` sent to the form at `url` with its CSRF token, and the Origin a browser adds
    (Django compares it with the Host that nginx passes on)."""
    token = visitor.get(url).page.find(".//input[@name='csrfmiddlewaretoken']").get("value")
    body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": token}).encode()
    return visitor._open(
        urllib.request.Request(url, data=body, method="POST", headers={"Origin": origin})
    )


def test_two_visitors_get_their_own_csrf_tokens_and_each_can_endorse(site):
    first, second = Visitor(), Visitor()

    forms = [fetched(f"{site.a}/endorse/", visitor=visitor) for visitor in (first, second)]
    sent = [
        posted_as_a_browser(visitor, f"{site.a}/endorse/", endorsement(n), origin=site.a)
        for n, visitor in enumerate((first, second), start=1)
    ]

    assert [cache_status(form) for form in forms] == ["MISS", "MISS"]
    assert csrf_cookie(first) != csrf_cookie(second)
    assert [answer.status for answer in sent] == [302, 302]
    assert all(answer.headers["Location"] == "/endorse/check-your-email/" for answer in sent)


def test_an_approval_shows_through_nginx_within_two_seconds_and_only_its_moderator_is_told(site):
    name, email = "Rural Connect Foundation", "contact@ruralconnect.org"
    site.endorse(name=name, email=email, via=site.a)
    link = eventually(lambda: site.confirmation_path(email), what="confirmation emailed")
    Visitor().post(f"{site.a}{link}", {}, form=f"{site.a}{link}")
    moderator = Visitor()
    moderator.sign_in(site.a)
    queue = moderator.get(f"{site.a}/moderation/")

    def count() -> int:
        return json.loads(fetched(f"{site.a}/endorsers/count.json").body)["endorsers"]

    before = count()
    count()  # now in the microcache, if Django marks it cacheable
    approved = moderator.post(
        f"{site.a}/moderation/",
        {"endorsements": endorsement_id(queue, name), "decision": "approve", "reason": ""},
        form=f"{site.a}/moderation/",
    )
    started = time.monotonic()
    eventually(lambda: count() == before + 1, seconds=2, what="count.json shows the approval")
    waited = time.monotonic() - started
    for_moderator = fetched(f"{site.a}{approved.headers['Location']}", visitor=moderator)
    home_for_moderator = fetched(f"{site.a}/", visitor=moderator)
    for_reader = [fetched(f"{site.a}{path}") for path in ("/", "/moderation/")]

    assert approved.status == 302
    assert waited < 2
    assert "1 endorsement(s) moderated." in for_moderator.text + home_for_moderator.text
    assert for_reader[0].status == 200
    assert "moderated" not in for_reader[0].text
    assert for_reader[1].status == 302


def test_nginx_sends_the_stored_pdf_and_open_data_that_django_chose(site):
    pdf = fetched(f"{site.a}/declaration.pdf")
    pdf_again = fetched(f"{site.a}/declaration.pdf")
    chosen = urllib.request.urlopen(f"{site.b}/declaration.pdf", timeout=30)
    data = eventually(
        lambda: (answer := fetched(f"{site.a}/endorsers.csv")).status == 200 and answer,
        what="the open data built",
    )
    as_json = fetched(f"{site.a}/endorsers.json")
    hidden = fetched(f"{site.a}/_stored/")

    assert pdf.status == 200
    assert pdf.body.startswith(b"%PDF")
    assert pdf.headers["Content-Type"] == "application/pdf"
    assert pdf.headers["Content-Language"] == "en"
    assert pdf.headers["Content-Disposition"].startswith('inline; filename="')
    assert "public" in pdf.headers["Cache-Control"]
    assert pdf_again.body == pdf.body
    assert cache_status(pdf_again) == "HIT"
    assert chosen.read() == b""
    assert chosen.headers["X-Accel-Redirect"].startswith("/_stored/")
    assert "X-Accel-Redirect" not in pdf.headers
    assert data.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert data.headers["Content-Disposition"] == 'attachment; filename="endorsers.csv"'
    assert data.headers["ETag"]
    assert data.text.startswith("\ufeff") or "," in data.text.splitlines()[0]
    assert as_json.headers["Content-Type"] == "application/json"
    assert as_json.text.lstrip().startswith(("{", "["))
    assert hidden.status == 404


def sent_raw(url: str, request: str) -> bytes:
    """What nginx at `url` answers to `request`, written as is on a socket (urllib would not
    send an absolute request line); b"" when it closes the connection without a word (444)."""
    address = urllib.parse.urlsplit(url)
    with socket.create_connection((address.hostname, address.port), timeout=30) as connection:
        connection.sendall(request.encode())
        answer = b""
        try:
            while chunk := connection.recv(65536):
                answer += chunk
        except ConnectionResetError:
            pass
        return answer


def test_a_foreign_host_is_refused_or_kept_apart_and_never_reaches_a_reader(site):
    """Django builds links from the Host nginx passes on: a page asked for under another name
    or port must never be the copy a reader gets from the cache."""
    ours = urllib.parse.urlsplit(site.a).netloc
    ask = "GET {target} HTTP/1.1\r\nHost: {host}\r\nAccept-Encoding: " + BROWSER
    ask += "\r\nConnection: close\r\n\r\n"

    foreign_name = sent_raw(site.a, ask.format(target="/endorsers/", host="evil.example:7777"))
    absolute_foreign = sent_raw(
        site.a, ask.format(target="http://evil.example:7777/endorsers/", host=ours)
    )
    for _ in range(2):
        foreign_port = sent_raw(site.a, ask.format(target="/endorsers/", host="127.0.0.1:7777"))
        absolute_port = sent_raw(
            site.a, ask.format(target="http://127.0.0.1:7777/endorsers/", host=ours)
        )
    readers = [fetched(f"{site.a}/endorsers/") for _ in range(3)]

    assert foreign_name == absolute_foreign == b""
    assert foreign_port.startswith(b"HTTP/1.1 200")
    assert absolute_port.startswith(b"HTTP/1.1 200")
    assert "HIT" in [cache_status(reader) for reader in readers]
    for reader in readers:
        assert reader.status == 200
        assert ":7777" not in reader.text
        assert "evil.example" not in reader.text
