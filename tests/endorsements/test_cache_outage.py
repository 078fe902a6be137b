"""When Redis, the shared cache, stops answering, the site goes on without it: readers get pages
rendered from the database, organisations endorse, staff sign in and draft. Once Redis answers
again, however it comes back, the cache works again by itself and serves nothing from before a
change made while it was away.

Each test runs a redis-server of its own on a free port, and stops, hangs and starts it."""

import logging
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
import redis
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.test.utils import override_settings

from declaration_site import public_cache
from declaration_site.settings import cache_from_url
from endorsements.models import Endorsement
from principles.models import DeclarationPdf
from tests.html import submit

REDIS_SERVER = shutil.which("redis-server")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PrivateRedis:
    """A redis-server that keeps nothing on disk unless asked to when it stops."""

    def __init__(self, folder: Path):
        self.folder, self.port = folder, free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.start()

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                *(REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--dir", str(self.folder)),
            ],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port)
        for _attempt in range(100):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server on port {self.port} did not start")

    def stop(self, *, keep_data: bool = False) -> None:
        """Stop as a restart does; with keep_data, saving its data for the next start, as a
        Redis with persistence does."""
        if keep_data:
            redis.Redis(port=self.port).save()
        self.process.terminate()
        self.process.wait(timeout=10)

    def hang(self) -> None:
        """Stop answering while keeping every connection open, as a Redis host lost behind a
        network fault does."""
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        os.kill(self.process.pid, signal.SIGCONT)

    def close(self) -> None:
        if self.process.poll() is None:
            self.resume()
            self.process.kill()
            self.process.wait(timeout=10)


@pytest.fixture
def redis_cache(tmp_path, monkeypatch):
    """The site's cache is a private Redis, configured as CACHE_URL=redis://… configures it."""
    if REDIS_SERVER is None:
        pytest.skip("redis-server is not installed: these tests stop and start one of their own")
    server = PrivateRedis(tmp_path)
    # Every request reads the generation, as each one does a second after the previous read.
    monkeypatch.setattr(public_cache, "GENERATION_CHECK_SECONDS", 0)
    try:
        with override_settings(CACHES={"default": cache_from_url(server.url)}):
            public_cache.process_copies.forget()
            yield server
    finally:
        server.close()
        public_cache.process_copies.forget()


def another_process_is_refreshing(*paths: str) -> None:
    """Hold the locks that a process refreshing these pages holds: readers of other processes
    get the previous page meanwhile, if it is recent."""
    for path in paths:
        cache.add(f"public:page:http://testserver{path}?:en:refreshing", "elsewhere", 60)


def count_on_home_page(response) -> str:
    assert response.status_code == 200
    return response.text.split("<strong>", 1)[1].split("</strong>", 1)[0]


def test_while_redis_is_down_readers_get_the_pages_with_the_current_count(
    redis_cache, make_endorsement, approve, client
):
    make_endorsement("Approved Before")
    waiting = make_endorsement("Approved During The Outage", status="confirmed")
    assert count_on_home_page(client.get("/")) == "1"
    client.get("/endorsers/")
    redis_cache.stop()

    approve(waiting)
    home, endorsers = client.get("/"), client.get("/endorsers/")

    assert count_on_home_page(home) == "2"
    assert endorsers.status_code == 200
    assert "Approved During The Outage" in endorsers.text
    assert client.get("/endorsers/count.json").json()["endorsers"] == 2


def test_while_redis_is_down_an_organisation_endorses_and_is_stored(
    redis_cache, endorse, form_data, client, mailoutbox
):
    redis_cache.stop()

    response = endorse(form_data())

    assert response.status_code == 302
    assert client.get(response["Location"]).status_code == 200
    stored = Endorsement.objects.get(organisation_name="Open Schools Network")
    assert stored.status == Endorsement.Status.UNCONFIRMED
    assert mailoutbox[0].to == ["amina@openschools.example.org"]


def test_rate_limits_let_submissions_through_while_redis_is_down_and_count_once_it_is_back(
    redis_cache, endorse, form_data, settings
):
    settings.ENDORSEMENT_RATE_LIMIT = "1/h"

    def send_two(prefix: str) -> list[int]:
        return [
            endorse(
                form_data(organisation_name=f"{prefix} {n}", contact_email=f"{prefix}{n}@ex.org")
            ).status_code
            for n in (1, 2)
        ]

    redis_cache.stop()
    during = send_two("during")
    redis_cache.start()
    after = send_two("after")

    assert during == [302, 302]
    assert after == [302, 429]


def test_while_redis_is_down_the_declaration_pdf_is_served_from_storage(
    redis_cache, version, pdf_settings, client
):
    redis_cache.stop()

    first = client.get("/declaration.pdf")
    second = client.get("/declaration.pdf")

    assert first.status_code == second.status_code == 200
    assert first["Content-Type"] == "application/pdf"
    assert b"".join(first.streaming_content) == b"".join(second.streaming_content)
    assert DeclarationPdf.objects.count() == 1


def test_while_redis_is_down_staff_sign_in_and_start_a_draft(
    redis_cache, version, client, django_user_model
):
    editor = django_user_model.objects.create_user("ed", password="a-long-password-1")
    editor.groups.add(Group.objects.get(name="Editor"))
    redis_cache.stop()

    signed_in = submit(
        client, "/accounts/login/", {"username": "ed", "password": "a-long-password-1"}
    )
    started = submit(client, "/drafting/start/", page="/drafting/", follow=True)

    assert signed_in.status_code == 302
    assert signed_in.url == "/accounts/start/"  # which sends an Editor to /drafting/
    assert started.status_code == 200
    assert "Draft started." in started.text


@pytest.mark.parametrize(
    "comeback", ["restarted empty", "restarted with its data", "answering again after a hang"]
)
@pytest.mark.parametrize("approved_by", ["this server process", "another process"])
def test_a_change_made_while_redis_was_down_shows_once_it_is_back_and_the_cache_works_again(
    comeback,
    approved_by,
    redis_cache,
    make_endorsement,
    approve,
    moderator,
    client,
    django_assert_num_queries,
):
    make_endorsement("Approved Before")
    waiting = make_endorsement("Approved During The Outage", status="confirmed")
    cached_before = client.get("/"), client.get("/endorsers/")
    if comeback == "answering again after a hang":
        redis_cache.hang()
    else:
        redis_cache.stop(keep_data=comeback == "restarted with its data")

    if approved_by == "this server process":
        approve(waiting)
    else:
        # Another process's change, made without telling this one: its own attempt to move
        # the generation on was lost with Redis. This process sees the outage through a reader.
        waiting.approve(by=moderator)
        assert count_on_home_page(client.get("/")) == "2"
    if comeback == "answering again after a hang":
        redis_cache.resume()
    else:
        redis_cache.start()
    another_process_is_refreshing("/", "/endorsers/")
    home, endorsers = client.get("/"), client.get("/endorsers/")

    assert count_on_home_page(cached_before[0]) == "1"
    assert "Approved During The Outage" not in cached_before[1].text
    assert count_on_home_page(home) == "2"
    assert "Approved During The Outage" in endorsers.text
    with django_assert_num_queries(0):
        assert client.get("/").content == home.content


def test_while_redis_is_down_each_error_is_logged_on_one_line_and_no_request_fails(
    redis_cache, version, client, caplog
):
    redis_cache.stop()

    with caplog.at_level(logging.INFO):
        response = client.get("/")

    assert response.status_code == 200
    ignored = [record for record in caplog.records if record.name == "django_redis.cache"]
    assert ignored
    for record in ignored:
        assert record.levelno == logging.ERROR
        assert "Redis ConnectionError" in record.getMessage()
        assert "Connection refused" in record.getMessage()
        assert record.exc_info is None
    assert not [record for record in caplog.records if record.name == "django.request"]


def test_the_health_check_says_whether_redis_answers_and_keeps_the_server_in_rotation(
    redis_cache, db, client
):
    before = client.get("/healthz")
    redis_cache.stop()
    during = client.get("/healthz")
    redis_cache.start()
    after = client.get("/healthz")

    assert (before.status_code, before.text) == (200, "ok\ncache: ok")
    assert (during.status_code, during.text) == (
        200,
        "ok\ncache: unavailable, pages are rendered from the database",
    )
    assert (after.status_code, after.text) == (200, "ok\ncache: ok")
