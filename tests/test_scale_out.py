"""Two gunicorn instances of the site, on two ports, against one database and one Redis, behave
as one site: whichever instance answers, a person sees the same sessions, pages, rate limits,
lockouts, background work and PDFs. This is the production layout of the README.

The instances run with production settings (DEBUG off) on a database of their own (a SQLite file,
or a PostgreSQL database named after DATABASE_URL's with `_instances`), a Redis database that
this test owns and empties (SCALE_OUT_REDIS_URL, default redis://127.0.0.1:6379/15), one media
folder, and one task worker (`manage.py db_worker`). Everything is driven through real HTTP.
Without Redis the test fails; SKIP_SCALE_OUT=1 skips it.
"""

import contextlib
import fcntl
import http.cookiejar
import os
import re
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import dj_database_url
import psycopg2
import pytest
import redis
from psycopg2 import sql

from bench.site_processes import (
    free_port,
    prepare_site,
    site_environment,
    start_gunicorn,
    start_worker,
    stop,
    wait_until_healthy,
)
from tests.conftest import PASSPHRASE
from tests.html import parse_strict
from tests.journeys.mailbox import SEPARATOR
from tests.principles.pdf.pdf_reading import shows, text_lines

pytestmark = [pytest.mark.scale_out, pytest.mark.xdist_group("scale_out")]

REDIS_URL = os.environ.get("SCALE_OUT_REDIS_URL", "redis://127.0.0.1:6379/15")
ADMIN, PASSWORD = "moderator", "a-long-password-1"


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode()

    @property
    def page(self):
        return parse_strict(self.body)


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Visitor:
    """One browser. Cookies do not depend on the port, so it sends the same cookies to both
    instances, as a browser does to the one address of a load balancer."""

    def __init__(self):
        cookies = urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        self.opener = urllib.request.build_opener(cookies, NoRedirects)

    def get(self, url: str) -> Response:
        return self._open(urllib.request.Request(url))

    def post(self, url: str, data: dict, *, form: str) -> Response:
        """Submit `data` to `url` with the CSRF token of the form on the page at `form`."""
        token = self.get(form).page.find(".//input[@name='csrfmiddlewaretoken']").get("value")
        body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": token}, doseq=True)
        return self._open(urllib.request.Request(url, data=body.encode(), method="POST"))

    def sign_in(self, site_url: str, *, username: str = ADMIN, password: str = PASSWORD):
        login = f"{site_url}/accounts/login/"
        return self.post(login, {"username": username, "password": password}, form=login)

    def _open(self, request) -> Response:
        try:
            with self.opener.open(request, timeout=60) as response:
                return Response(response.status, dict(response.headers), response.read())
        except urllib.error.HTTPError as error:
            return Response(error.code, dict(error.headers), error.read())


@dataclass(frozen=True)
class Site:
    a: str
    b: str
    emails: Path
    cache: redis.Redis

    def endorse(self, *, name: str, email: str, via: str) -> Response:
        """An organisation fills in the endorsement form (on either instance) and sends it."""
        return Visitor().post(
            f"{via}/endorse/",
            {
                "version": "1",
                "organisation_name": name,
                "organisation_type": "ngo",
                "country": "KE",
                "contact_name": "Amina Odhiambo",
                "contact_role": "Director",
                "contact_email": email,
                "statement": "We will connect 200 rural schools by 2027.",
                "attestation": "on",
                "consent": "on",
                "nickname": "",
            },
            form=f"{self.a}/endorse/",
        )

    def confirmation_path(self, email: str) -> str | None:
        """The path of the confirmation link emailed to `email`, once the worker sent it."""
        # The file backend writes every message one connection sent into one file: the worker
        # may send two emails through one connection.
        for log in sorted(self.emails.glob("*.log")):
            for text in log.read_text().split(SEPARATOR):
                if f"To: {email}" in text:
                    return re.search(r"https?://\S+?(/endorse/confirm/\S+/)", text).group(1)
        return None


def eventually(check, *, seconds: float = 60, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.1)
    pytest.fail(f"After {seconds} s, still not: {what}")


def own_redis() -> redis.Redis:
    if os.environ.get("SKIP_SCALE_OUT") == "1":
        pytest.skip("SKIP_SCALE_OUT=1")
    cache = redis.Redis.from_url(REDIS_URL, socket_timeout=5)
    try:
        cache.ping()
    except redis.RedisError as error:
        pytest.fail(
            f"The scale-out test needs Redis at {REDIS_URL} ({error}). Start Redis, point "
            "SCALE_OUT_REDIS_URL at a database this test may empty, or set SKIP_SCALE_OUT=1."
        )
    return cache


@contextlib.contextmanager
def emptied(cache: redis.Redis, *, url: str):
    """The Redis database at `url`, emptied before and after; two runs on one machine that use
    the same database take turns."""
    lock_name = re.sub(r"\W", "-", url)
    with open(Path(tempfile.gettempdir()) / f"declaration-redis-{lock_name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        cache.flushdb()
        yield cache
        cache.flushdb()


@pytest.fixture(scope="module")
def redis_of_this_test():
    """The Redis database in SCALE_OUT_REDIS_URL, emptied; two runs on one machine take turns."""
    with emptied(own_redis(), url=REDIS_URL) as cache:
        yield cache


@contextlib.contextmanager
def database_of_its_own(suffix: str, *, folder: Path):
    """A database for a site's processes only, apart from the test database: a SQLite file in
    `folder`, or, when DATABASE_URL is PostgreSQL, a fresh database named after the test
    database with `_<suffix>`, dropped afterwards."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        yield f"sqlite:///{folder / 'db.sqlite3'}"
        return
    config = dj_database_url.parse(url)
    name = f"test_{config['NAME']}_{suffix}"
    server = psycopg2.connect(
        dbname="postgres",
        user=config["USER"],
        password=config["PASSWORD"],
        host=config["HOST"],
        port=config["PORT"] or 5432,
    )
    server.autocommit = True
    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
    with server.cursor() as cursor:
        cursor.execute(drop)
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield urllib.parse.urlsplit(url)._replace(path=f"/{name}").geturl()
    finally:
        with server.cursor() as cursor:
            cursor.execute(drop)
        server.close()


@pytest.fixture(scope="module")
def shared_database(tmp_path_factory):
    """A database for the instances only (`_instances` on PostgreSQL) that both can open."""
    with database_of_its_own("instances", folder=tmp_path_factory.mktemp("database")) as url:
        yield url


@pytest.fixture(scope="module")
def site(redis_of_this_test, shared_database, signing_key, tmp_path_factory):
    """Instances A and B (one gunicorn worker each) and a task worker, with the same settings."""
    folder = tmp_path_factory.mktemp("site")
    env = site_environment(
        folder=folder,
        database_url=shared_database,
        cache_url=REDIS_URL,
        PDF_SIGNING_PKCS12=str(signing_key),
        PDF_SIGNING_PASSPHRASE=PASSPHRASE,
    )
    prepare_site(env=env, admin=ADMIN, password=PASSWORD)
    ports = [free_port(), free_port()]
    processes = [start_gunicorn(port=port, workers=1, env=env, wait=False) for port in ports]
    processes.append(start_worker(env=env))
    try:
        for server, port in zip(processes, ports, strict=False):
            wait_until_healthy(server, port=port)
        a, b = (f"http://127.0.0.1:{port}" for port in ports)
        yield Site(a=a, b=b, emails=folder / "emails", cache=redis_of_this_test)
    finally:
        stop(*processes)


def endorser_count(response: Response) -> int:
    return int(response.page.find(".//p[@class='endorser-count']/strong").text)


def endorsement_id(moderation_page: Response, name: str) -> str:
    for label in moderation_page.page.iterfind(".//label[@class='form-check']"):
        if label.findtext(".//strong") == name:
            return label.find("input").get("value")
    raise AssertionError(f"{name} is not waiting for moderation")


def test_a_sign_in_on_one_instance_holds_on_the_other_until_signing_out_there(site):
    moderator = Visitor()

    signed_in = moderator.sign_in(site.a)
    queue_on_b = moderator.get(f"{site.b}/moderation/")
    signed_out = moderator.post(f"{site.b}/accounts/logout/", {}, form=f"{site.b}/drafting/")
    queue_on_a = moderator.get(f"{site.a}/moderation/")

    assert signed_in.status == 302
    assert queue_on_b.status == 200
    assert signed_out.status == 302
    assert queue_on_a.status == 302
    assert queue_on_a.headers["Location"].startswith("/accounts/login/")


def test_failed_sign_ins_on_both_instances_count_towards_one_lockout(site):
    intruder = Visitor()

    failures = [
        intruder.sign_in(instance, username="editor", password="wrong").status
        for instance in [site.a, site.b, site.a, site.b, site.a]
    ]
    sixth = intruder.sign_in(site.b, username="editor", password="wrong")

    assert failures[:4] == [200] * 4
    assert sixth.status == 429
    assert "Too many failed attempts" in sixth.text


def test_the_link_request_limit_counts_requests_to_both_instances_together(site):
    visitor = Visitor()
    form = f"{site.a}/endorse/new-link/"

    answers = [
        visitor.post(f"{instance}/endorse/new-link/", {"email": f"{n}@example.org"}, form=form)
        for n, instance in enumerate([site.a, site.b] * 5)
    ]
    eleventh = visitor.post(f"{site.b}/endorse/new-link/", {"email": "11@example.org"}, form=form)

    assert [answer.status for answer in answers] == [200] * 10
    assert eleventh.status == 429
    assert "Too many links have been asked for" in eleventh.text


def test_an_email_queued_by_one_instance_is_sent_by_the_worker_and_listed_in_the_others_admin(
    site,
):
    moderator = Visitor()
    moderator.sign_in(site.b)
    sent_tasks = f"{site.b}/admin/django_tasks_database/dbtaskresult/?status__exact=SUCCESSFUL"

    def sent_emails() -> int:
        return moderator.get(sent_tasks).text.count("send_endorsement_email")

    before = sent_emails()

    sent = site.endorse(name="Open Schools Network", email="amina@openschools.org", via=site.a)
    link = eventually(
        lambda: site.confirmation_path("amina@openschools.org"), what="confirmation emailed"
    )
    # The worker writes the email, then records the task as done: the admin may lag by a moment
    # behind the mailbox.
    eventually(lambda: sent_emails() > before, what="the sent email listed in the admin")
    after = sent_emails()
    confirmed = Visitor().post(f"{site.b}{link}", {}, form=f"{site.a}{link}")

    assert sent.status == 302
    assert sent.headers["Location"] == "/endorse/check-your-email/"
    assert after == before + 1
    assert confirmed.status == 200
    assert "Open Schools Network" in confirmed.text


def test_an_approval_on_one_instance_shows_within_seconds_on_the_other_and_its_pdf_follows(site):
    name, email = "Rural Connect Foundation", "contact@ruralconnect.org"
    site.endorse(name=name, email=email, via=site.b)
    link = eventually(lambda: site.confirmation_path(email), what="confirmation emailed")
    Visitor().post(f"{site.a}{link}", {}, form=f"{site.a}{link}")
    reader, moderator = Visitor(), Visitor()
    before = endorser_count(reader.get(f"{site.b}/"))
    assert site.cache.keys(f"*:page:*:{site.b}/[?]:en"), "B keeps / in the shared cache"
    stale_pdf = reader.get(f"{site.b}/declaration.pdf").body
    moderator.sign_in(site.a)
    queue = moderator.get(f"{site.a}/moderation/")

    approved = moderator.post(
        f"{site.a}/moderation/",
        {"endorsements": endorsement_id(queue, name), "decision": "approve", "reason": ""},
        form=f"{site.b}/moderation/",
    )
    # Each process re-reads the shared generation once a second (GENERATION_CHECK_SECONDS):
    # B's count follows within a few seconds, never waiting for an entry to expire.
    after = eventually(
        lambda: endorser_count(reader.get(f"{site.b}/")) == before + 1 and before + 1,
        seconds=3,
        what="B's count on / shows the approval made on A",
    )
    message_on_b = moderator.get(f"{site.b}{approved.headers['Location']}")
    fresh_pdf = eventually(
        lambda: (pdf := reader.get(f"{site.b}/declaration.pdf").body) != stale_pdf and pdf,
        what="B serves the PDF that the worker rendered after the approval",
    )

    assert approved.status == 302
    assert after == before + 1
    assert "1 endorsement(s) moderated." in message_on_b.text
    assert shows(name, text_lines(fresh_pdf))
