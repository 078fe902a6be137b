"""Settings for the declaration site, read from the environment.

Every value that differs between a laptop and production comes from an environment variable;
the README lists them all.
"""

import ipaddress
import logging
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def cache_from_url(url: str) -> dict:
    """Translate CACHE_URL (`locmem://`, `redis://host:port/db`, `dummy://`) to a CACHES entry.

    Redis through django-redis, which keeps one client per process: Django's own Redis backend
    builds a new client for every operation, which costs more than the round trip to Redis.
    When Redis does not answer, the site goes on without it (README, "When something fails"):
    django-redis logs the error and answers as if the key were missing, after waiting at most
    a quarter of a second (a Redis that hangs, or a host that no longer answers, would
    otherwise hold each request for minutes); on a local network Redis answers in well under a
    millisecond.
    """
    if url.startswith(("redis://", "rediss://", "unix://")):
        return {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": url,
            "OPTIONS": {
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": 0.25,
                "SOCKET_TIMEOUT": 0.25,
            },
        }
    if url.startswith("locmem://"):
        return {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": url.removeprefix("locmem://") or "declaration",
        }
    if url.startswith("dummy://"):
        return {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    raise ImproperlyConfigured(
        f"CACHE_URL must start with redis://, locmem:// or dummy://: {url!r}"
    )


DEBUG = env_bool("DEBUG", default=False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set SECRET_KEY, or DEBUG=1 for local development.")
    SECRET_KEY = "insecure-development-key-only-for-debug-mode"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# A form refused by the CSRF check keeps what was typed (declaration_site.signing_in_again).
CSRF_FAILURE_VIEW = "declaration_site.views.csrf_failure"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "csp",
    "declaration_site",
    "principles",
    "endorsements",
    # Staff sign-in lockouts (see AXES_* below).
    "axes",
    # The endorsement form's layout, its country field, rate limits and the task queue.
    "crispy_forms",
    "crispy_bootstrap5",
    "django_countries",
    "django_ratelimit",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    # Request counts and latencies per view for /metrics: first and last, so that they time
    # everything in between.
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise, which serves static files compressed ahead of time; before the rest,
    # so that it compresses what they write.
    "declaration_site.middleware.TextGZipMiddleware",
    # Before the middleware that write cookies, so that it sees the response as they leave it.
    "declaration_site.http_caching.SharedResponsesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "declaration_site.middleware.FirstVisitLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes' documentation asks (the metrics' own middleware aside).
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "declaration_site.urls"
WSGI_APPLICATION = "declaration_site.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "declaration_site.context_processors.languages",
                "declaration_site.context_processors.brand",
                "declaration_site.share.pages.share_meta",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Several processes on one SQLite file (gunicorn workers, the task worker): a transaction
    # takes the write lock when it begins, so that it waits for another writer instead of
    # failing with "database is locked" when it starts writing; WAL lets reads go on meanwhile.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": cache_from_url(os.environ.get("CACHE_URL", "locmem://"))}
# Each error that django-redis ignores is logged, on one line (see LOGGING).
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Internationalisation. English is the source language of the declaration; the six UN
# languages are the ones its text and interface can be given in.
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("ar", _("Arabic")),
    ("zh-hans", _("Chinese (simplified)")),
    ("fr", _("French")),
    ("ru", _("Russian")),
    ("es", _("Spanish")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates in each language's own order and grammar, and English ones day first.
FORMAT_MODULE_PATH = ["declaration_site.formats"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# The declaration that "/" shows.
DECLARATION_SLUG = os.environ.get("DECLARATION_SLUG", "connectivity-for-education")

# Static files: WhiteNoise serves them compressed, under content-hashed names.
STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
# Behind nginx (deploy/nginx/declaration.conf), e.g. "/_stored/": stored PDFs and open data files
# are sent by nginx from MEDIA_ROOT, Django answering only which file (X-Accel-Redirect). Empty:
# gunicorn streams them.
X_ACCEL_REDIRECT_PREFIX = os.environ.get("X_ACCEL_REDIRECT_PREFIX", "")

# Email.
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(BASE_DIR / "sent-emails"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "declaration@localhost")
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
ADMINS = [("Site administrators", address) for address in env_list("ADMIN_EMAILS")]

# The footer of every page: the address readers write to, and where the site's source code is
# (its licence, the AGPL, asks that everyone using the site can get it).
CONTACT_EMAIL = os.environ.get("CONTACT_EMAIL", DEFAULT_FROM_EMAIL)
SOURCE_CODE_URL = os.environ.get("SOURCE_CODE_URL", "")
# An optional partner lockup in the footer (declaration_site/partner_lockup.py): a PNG, JPEG,
# WebP or SVG file, by path (absolute, or from the project's folder) or static path, and its
# text as JSON by language ({"en": "…", "ar": "…"}) or plain English.
PARTNER_LOCKUP = os.environ.get("PARTNER_LOCKUP", "")
PARTNER_LOCKUP_ALT = os.environ.get("PARTNER_LOCKUP_ALT", "")

# Security. Behind a TLS-terminating proxy set SECURE_SSL_REDIRECT=1 and
# SECURE_PROXY_SSL_HEADER_NAME=HTTP_X_FORWARDED_PROTO.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# Health checks and Prometheus ask each server directly, over plain HTTP: no redirect for them.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]
if os.environ.get("SECURE_PROXY_SSL_HEADER_NAME"):
    SECURE_PROXY_SSL_HEADER = (os.environ["SECURE_PROXY_SSL_HEADER_NAME"], "https")
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", default=not DEBUG)
X_FRAME_OPTIONS = "DENY"

# Content Security Policy: the site loads nothing from other origins and runs no inline script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# Drafting: staff sign in at /accounts/login/; django-axes locks out a username and address
# pair after repeated failed logins.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
# Each role to the page it works on (declaration_site.views.landing).
LOGIN_REDIRECT_URL = "landing"
LOGOUT_REDIRECT_URL = "principles:current"
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 1  # hour
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False  # no start-up banner on every command; lockouts are still logged


def on_one_line(record: logging.LogRecord) -> bool:
    """Put a logged exception on the record's line instead of a traceback under it: while Redis
    is down django-redis logs every operation it gives up, and what went wrong is enough."""
    if record.exc_info:
        record.msg, record.args = f"{record.getMessage()}: {record.exc_info[1]}", ()
        record.exc_info = record.exc_text = None
    return True


LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"on_one_line": {"()": lambda: on_one_line}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django_redis.cache": {"filters": ["on_one_line"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# Endorsements (issue 4): organisations endorse, confirm by email, and are moderated.
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
# Absolute links in emails (confirmation, withdrawal, reconfirmation) start with this.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Emails are sent by a background worker (`manage.py db_worker`) from a queue in the database;
# in development they are sent at once, to the console, with no worker to run.
TASKS = {
    "default": {
        "BACKEND": os.environ.get(
            "TASKS_BACKEND",
            "django_tasks.backends.immediate.ImmediateBackend"
            if DEBUG
            else "django_tasks_db.DatabaseBackend",
        ),
        "QUEUES": [],
    }
}
ENDORSEMENT_CONFIRMATION_DAYS = int(os.environ.get("ENDORSEMENT_CONFIRMATION_DAYS", "7"))
# A send that fails is retried after this many seconds, then 5, 25 and 125 times as long.
ENDORSEMENT_EMAIL_FIRST_RETRY_SECONDS = float(
    os.environ.get("ENDORSEMENT_EMAIL_FIRST_RETRY_SECONDS", "60")
)
ENDORSEMENT_RATE_LIMIT = os.environ.get("ENDORSEMENT_RATE_LIMIT", "10/h")
# Endorsement forms sent with a logo from one IP address, accepted or not: each logo is decoded,
# which costs up to half a second of CPU.
ENDORSEMENT_LOGO_RATE_LIMIT = os.environ.get("ENDORSEMENT_LOGO_RATE_LIMIT", "20/h")
# Consultation contributions accepted from one address, and for one email, in a window.
CONSULTATION_RATE_LIMIT = os.environ.get("CONSULTATION_RATE_LIMIT", "20/h")
# Checking an uploaded PDF costs about a second of CPU, and so does the first download of a
# certificate that the task worker has not stored yet.
VERIFY_RATE_LIMIT = os.environ.get("VERIFY_RATE_LIMIT", "30/h")
CERTIFICATE_RATE_LIMIT = os.environ.get("CERTIFICATE_RATE_LIMIT", "30/h")
RATELIMIT_USE_CACHE = "default"
# When the cache does not answer, requests are not limited (README, "When something fails").
RATELIMIT_FAIL_OPEN = True
# Behind a load balancer, RATELIMIT_IP_META_KEY names the request header (as in request.META,
# e.g. HTTP_X_REAL_IP) in which it passes the client's address. One function reads it for the
# rate limits and for django-axes' sign-in lockouts alike (declaration_site/client_identity.py).
CLIENT_IP_META_KEY = os.environ.get("RATELIMIT_IP_META_KEY", "")
RATELIMIT_IP_META_KEY = "declaration_site.client_identity.client_ip"
AXES_CLIENT_IP_CALLABLE = "declaration_site.client_identity.client_ip"
AXES_USERNAME_CALLABLE = "declaration_site.client_identity.lockout_username"
# A locmem cache is per process: fine for development and tests, while production sets
# CACHE_URL=redis://… (django-redis, which django-ratelimit supports) so that every app server
# shares one count.
SILENCED_SYSTEM_CHECKS = []
if CACHES["default"]["BACKEND"].endswith("LocMemCache"):
    SILENCED_SYSTEM_CHECKS += ["django_ratelimit.E003", "django_ratelimit.W001"]
# The signed PDF of the declaration (principles/pdf.py, principles/signing.py). SITE_URL is the
# public address printed in the PDF and its QR code. The PKCS#12 file holds the signing key and
# certificate (`manage.py create_signing_key` makes a development one; `make run` does so when
# none is configured). A render runs in a child process stopped after PDF_RENDER_TIMEOUT_SECONDS
# or when it needs more than PDF_RENDER_MEMORY_MB of address space.
PDF_SIGNING_PKCS12 = os.environ.get("PDF_SIGNING_PKCS12", "")
PDF_SIGNING_PASSPHRASE = os.environ.get("PDF_SIGNING_PASSPHRASE", "")
PDF_RENDER_TIMEOUT_SECONDS = int(os.environ.get("PDF_RENDER_TIMEOUT_SECONDS", "300"))
PDF_RENDER_MEMORY_MB = int(os.environ.get("PDF_RENDER_MEMORY_MB", "3072"))
PDF_VERIFY_MAX_UPLOAD_MB = int(os.environ.get("PDF_VERIFY_MAX_UPLOAD_MB", "25"))
# An uploaded PDF is read in a child process stopped after PDF_VERIFY_TIMEOUT_SECONDS or when
# it needs more than PDF_VERIFY_MEMORY_MB of address space (the web worker's own included).
PDF_VERIFY_TIMEOUT_SECONDS = float(os.environ.get("PDF_VERIFY_TIMEOUT_SECONDS", "20"))
PDF_VERIFY_MEMORY_MB = int(os.environ.get("PDF_VERIFY_MEMORY_MB", "2048"))
# Long-term signatures (PAdES-B-LTA, README "Long-term validation"): the RFC 3161 timestamp
# authority, optionally with HTTP basic credentials, and a PEM file with the root certificate(s)
# its timestamps are checked against. Without PDF_TIMESTAMP_URL, PDFs are signed PAdES-B-B.
PDF_TIMESTAMP_URL = os.environ.get("PDF_TIMESTAMP_URL", "")
PDF_TIMESTAMP_USERNAME = os.environ.get("PDF_TIMESTAMP_USERNAME", "")
PDF_TIMESTAMP_PASSWORD = os.environ.get("PDF_TIMESTAMP_PASSWORD", "")
PDF_TIMESTAMP_TRUST = os.environ.get("PDF_TIMESTAMP_TRUST", "")
# A stored PDF gets a new document timestamp once its last one's authority certificate expires
# within this many days (a daily task, principles.pdf.tasks.renew_pdf_timestamps).
PDF_TIMESTAMP_RENEW_DAYS = int(os.environ.get("PDF_TIMESTAMP_RENEW_DAYS", "90"))
# WeasyPrint reports each step of every render at INFO; keep its warnings (refused URLs) only.
LOGGING.setdefault("loggers", {})["weasyprint.progress"] = {"level": "WARNING"}

# /metrics (declaration_site/metrics.py) answers only clients in these networks, by the address
# the site knows them by (behind a proxy, the one in RATELIMIT_IP_META_KEY); others get a 404.
# The header of RATELIMIT_IP_META_KEY is believed there only from TRUSTED_PROXY_NETWORKS, the
# addresses nginx connects from (gunicorn listens on 127.0.0.1 in deploy/systemd).
METRICS_ALLOWED_NETWORKS = env_list("METRICS_ALLOWED_NETWORKS", "127.0.0.1/32,::1/128")
TRUSTED_PROXY_NETWORKS = env_list("TRUSTED_PROXY_NETWORKS", "127.0.0.1/32,::1/128")
for _name in ("METRICS_ALLOWED_NETWORKS", "TRUSTED_PROXY_NETWORKS"):
    try:
        for network in globals()[_name]:
            ipaddress.ip_network(network, strict=False)
    except ValueError as error:
        raise ImproperlyConfigured(f"{_name}: {error}") from None
