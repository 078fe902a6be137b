import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import OperationalError
from django.test import RequestFactory
from django.views.defaults import server_error

from declaration_site.settings import cache_from_url
from tests.html import parse_strict

PROJECT_DIR = Path(__file__).resolve().parent.parent
PRODUCTION_ENVIRONMENT = {
    "DEBUG": "0",
    "SECRET_KEY": "k3y-" + "x7Qp9LmZ2vR8sT4wY6uB1nC5dF0gH3jK" * 2,
    "ALLOWED_HOSTS": "declaration.example.org",
    "SECURE_SSL_REDIRECT": "1",
    "SECURE_HSTS_PRELOAD": "1",
    "DATABASE_URL": "sqlite:///unused.sqlite3",
    "CACHE_URL": "redis://127.0.0.1:6379/0",  # `check` does not connect to it
    "SOURCE_CODE_URL": "https://code.example.org/declaration-site",
    # `check` does not ask the authority anything, nor read its certificate.
    "PDF_TIMESTAMP_URL": "https://tsa.example.org/",
    "PDF_TIMESTAMP_TRUST": "/etc/declaration/tsa-root.pem",
}


def manage(*args: str, environment: dict) -> subprocess.CompletedProcess:
    keep = {key: value for key, value in os.environ.items() if key in {"PATH", "HOME", "LANG"}}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT_DIR,
        env={**keep, **environment},
        capture_output=True,
        text=True,
        check=False,
    )


def test_healthz_answers_200_when_the_database_answers(client, db):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.content == b"ok\ncache: ok"


def test_healthz_answers_503_with_a_reason_when_the_database_is_down(client, db, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    with monkeypatch.context() as database_down:
        database_down.setattr("django.db.backends.utils.CursorWrapper.execute", refuse)
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.content == b"database unavailable: OperationalError"


def test_server_errors_get_the_styled_500_page():
    response = server_error(RequestFactory().get("/"))

    assert response.status_code == 500
    page = parse_strict(response.content)
    assert "Something went wrong" in "".join(page.find(".//h1").itertext())
    assert page.find(".//link[@rel='stylesheet']") is not None


def test_check_deploy_reports_nothing_with_production_settings():
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", environment=PRODUCTION_ENVIRONMENT
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_warns_when_the_cache_is_not_shared_between_processes():
    environment = {**PRODUCTION_ENVIRONMENT, "CACHE_URL": "locmem://"}

    result = manage("check", "--deploy", "--fail-level", "WARNING", environment=environment)

    assert result.returncode != 0
    assert "declaration_site.W001" in result.stderr
    assert "CACHE_URL=redis://" in result.stderr


def test_the_site_refuses_to_start_without_a_secret_key_when_debug_is_off():
    environment = {**PRODUCTION_ENVIRONMENT, "SECRET_KEY": ""}

    result = manage("check", environment=environment)

    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr


def test_static_files_are_collected_under_hashed_and_compressed_names(tmp_path):
    environment = {**PRODUCTION_ENVIRONMENT, "STATIC_ROOT": str(tmp_path)}

    result = manage("collectstatic", "--noinput", environment=environment)

    assert result.returncode == 0, result.stderr
    hashed = [
        p for p in (tmp_path / "css").glob("site.*.css") if p.suffixes == [p.suffixes[0], ".css"]
    ]
    assert len(hashed) == 1
    assert Path(f"{hashed[0]}.gz").exists()
    assert Path(f"{hashed[0]}.br").exists()


@pytest.mark.parametrize(
    ("url", "backend"),
    [
        ("redis://127.0.0.1:6379/1", "django_redis.cache.RedisCache"),
        ("locmem://", "django.core.cache.backends.locmem.LocMemCache"),
    ],
)
def test_the_cache_url_chooses_the_cache(url, backend):
    assert cache_from_url(url)["BACKEND"] == backend


def test_an_unknown_cache_url_is_refused_with_a_clear_message():
    with pytest.raises(ImproperlyConfigured, match="CACHE_URL must start with"):
        cache_from_url("memcached://127.0.0.1")
