"""When the database cannot be reached, readers get a clear 503 page, and the site comes back by
itself. The database is really unreachable here: a server process pointed at a closed port, or
whose connection the database cut, as a restart does."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import connection
from django.utils import translation
from django.utils.translation import gettext

from tests.html import parse_strict

# Its module-wide fixtures are set up once: under pytest-xdist the module runs in one worker.
pytestmark = pytest.mark.xdist_group("outage")

PROJECT_DIR = Path(__file__).resolve().parent.parent
CSRF_SECRET = "outage0test0secret0of032letters0"

# Runs in a process of its own whose DATABASE_URL points at a port where nothing listens.
PROBE = f"""
import json
import django
django.setup()
from django.test import Client
from django.test.utils import override_settings

plain_static = {{"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
client = Client(raise_request_exception=False)
client.cookies["csrftoken"] = "{CSRF_SECRET}"
answers = {{}}
with override_settings(STORAGES={{"staticfiles": plain_static}}):
    for method, path in [("get", "/"), ("get", "/endorse/"), ("post", "/endorse/"),
                         ("get", "/fr/endorse/"), ("get", "/healthz")]:
        data = {{"csrfmiddlewaretoken": "{CSRF_SECRET}", "organisation_name": "Open Schools"}}
        response = getattr(client, method)(path, data if method == "post" else None)
        answers[f"{{method}} {{path}}"] = {{
            "status": response.status_code,
            "retry_after": response.get("Retry-After"),
            "content": response.content.decode(),
        }}
print(json.dumps(answers))
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_environment(database_url: str) -> dict:
    keep = {key: value for key, value in os.environ.items() if key in {"PATH", "HOME", "LANG"}}
    return {
        **keep,
        "DJANGO_SETTINGS_MODULE": "declaration_site.settings",
        "DEBUG": "0",
        "SECRET_KEY": "outage-test",
        "SECURE_SSL_REDIRECT": "0",
        "ALLOWED_HOSTS": "testserver,127.0.0.1",
        "CACHE_URL": "locmem://",
        "DATABASE_URL": database_url,
        "LOG_LEVEL": "CRITICAL",
    }


@pytest.fixture(scope="module")
def answers_without_database() -> dict:
    nowhere = f"postgres://declaration@127.0.0.1:{free_port()}/declaration"
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=PROJECT_DIR,
        env=server_environment(nowhere),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


@pytest.mark.parametrize("request_line", ["get /", "get /endorse/", "post /endorse/"])
def test_pages_answer_503_with_a_clear_page_when_the_database_cannot_be_reached(
    answers_without_database, request_line
):
    answer = answers_without_database[request_line]

    assert answer["status"] == 503
    assert answer["retry_after"] == "30"
    page = parse_strict(answer["content"].encode())
    heading = "".join(page.find(".//h1").itertext())
    assert heading == "The site is unavailable for a moment"
    assert "send it again" in answer["content"]
    assert page.find(".//link[@rel='stylesheet']") is not None
    assert "OperationalError" not in answer["content"]


def test_the_503_page_is_in_the_reader_s_language(answers_without_database):
    answer = answers_without_database["get /fr/endorse/"]

    assert answer["status"] == 503
    page = parse_strict(answer["content"].encode())
    assert page.get("lang") == "fr"
    with translation.override("fr"):
        expected = gettext("The site is unavailable for a moment")
    assert expected != "The site is unavailable for a moment"
    assert "".join(page.find(".//h1").itertext()) == expected


def test_the_health_check_says_why_it_answers_503(answers_without_database):
    answer = answers_without_database["get /healthz"]

    assert answer["status"] == 503
    assert answer["content"] == "database unavailable: OperationalError"


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="a database server that cuts connections"
)
def test_a_server_reconnects_by_itself_when_the_database_cut_its_connection(db):
    settings = connection.settings_dict
    database_url = (
        f"postgres://{settings['USER']}:{settings['PASSWORD']}@{settings['HOST'] or '127.0.0.1'}"
        f":{settings['PORT'] or 5432}/{settings['NAME']}"
    )
    port = free_port()
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "gunicorn", "declaration_site.wsgi"),
            *("--bind", f"127.0.0.1:{port}", "--workers", "1", "--log-level", "critical"),
        ],
        cwd=PROJECT_DIR,
        env=server_environment(database_url),
    )
    status = None
    try:
        for _attempt in range(100):
            try:
                status, _ = get(f"http://127.0.0.1:{port}/healthz")
                break
            except OSError:
                time.sleep(0.1)
        assert status == 200
        # What a restart of PostgreSQL does to the connection the server keeps open.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            cut = cursor.fetchall()
        assert cut, "the server kept no connection to cut"

        assert get(f"http://127.0.0.1:{port}/healthz") == (200, "ok\ncache: ok")
    finally:
        server.terminate()
        server.wait(timeout=10)
