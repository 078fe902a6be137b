import os
import shutil
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "declaration_site.settings")
# The suite runs with DEBUG off, as production does; these are the variables such a run needs.
os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
# Playwright's sync API keeps an event loop on the test's thread; the ORM calls that a browser
# test makes on that thread are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_configure():
    """Set Django up here, once the variables above are in place (pytest-django then
    finishes its own set-up)."""
    import django

    django.setup()


@pytest.fixture(autouse=True)
def plain_static_storage(settings):
    """Tests render templates without running collectstatic first."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def client():
    """The test client checks CSRF tokens as the site does: a test that posts a form reads the
    token from the page it got first (`tests.html.submit`), the way a browser does."""
    from django.test import Client

    return Client(enforce_csrf_checks=True)


@pytest.fixture
def page_queries(django_assert_num_queries):
    """`django_assert_num_queries` for what a page itself reads: the public cache's
    generation, which a process reads from the database at most once a second whatever page
    it serves then (tests/endorsements/test_page_cache.py counts that query), is read first."""
    import contextlib

    from declaration_site import public_cache

    @contextlib.contextmanager
    def counting(expected: int):
        public_cache.generation()
        with django_assert_num_queries(expected) as captured:
            yield captured

    return counting


@pytest.fixture(autouse=True)
def media_of_its_own(settings, tmp_path):
    """Files a test stores (the open data files an approval builds, PDFs) go to a folder of its
    own, never to the project's media folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def english_to_begin_with():
    """Every test starts in English: a request leaves its language active in the thread, and
    the next test would build its addresses (`reverse`) and messages in it."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def empty_cache():
    """Every test starts with an empty cache: cached pages and values of another test's
    database must never be served."""
    from django.core.cache import cache

    from declaration_site import public_cache

    cache.clear()
    public_cache.process_copies.forget()
    yield
    cache.clear()
    public_cache.process_copies.forget()


def declaration_text(
    *, principles: int = 3, action_lines: int = 3, title: str = "Test Declaration"
):
    return {
        "title": title,
        "preamble": "We, the signatories, agree.\n\nSecond paragraph of the preamble.",
        "principles": [
            {
                "title": f"Principle title {p}",
                "explanation": f"Why principle {p} matters.",
                "action_lines": [f"Action line {p}.{a} text." for a in range(1, action_lines + 1)],
            }
            for p in range(1, principles + 1)
        ],
    }


@pytest.fixture
def declaration(db, settings):
    from principles.models import Declaration

    return Declaration.objects.create(slug=settings.DECLARATION_SLUG)


@pytest.fixture
def publish(declaration):
    """Publish a version of the site's declaration: `publish(principles=10, action_lines=10)`."""

    from principles.drafting.services import publish_loaded_text

    def publish_text(**shape):
        return publish_loaded_text(declaration=declaration, text=declaration_text(**shape))

    return publish_text


# Browser tests drive Debian's chromium through Playwright, which cannot download its own browser
# here. `make test` installs chromium when it is missing. Mark such tests `browser`.
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A fresh page with JavaScript off (the site must work without it) on a small phone."""
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 740})
    yield context.new_page()
    context.close()


@pytest.fixture
def staff(transactional_db, django_user_model):
    """`staff("ed", "Editor", "Reviewer")`: a user in those role groups, for browser tests. Their
    database is emptied after each test, the groups the migrations made included: make them
    again with the migration's own code."""
    from importlib import import_module

    from django.apps import apps
    from django.contrib.auth.models import Group, Permission

    import_module("principles.migrations.0003_create_roles").create_roles(apps, None)
    moderator, _ = Group.objects.get_or_create(name="Moderator")
    moderator.permissions.add(Permission.objects.get(codename="moderate_endorsement"))

    def make(username: str, *roles: str):
        user = django_user_model.objects.create_user(username, password="a-long-password-1")
        user.groups.set(Group.objects.filter(name__in=roles))
        return user

    return make


@pytest.fixture
def sign_in_browser(live_server):
    """`sign_in_browser(context, user)`: give a browser the session that signing in would."""
    from django.test import Client

    def sign_in(context, user):
        client = Client()
        client.force_login(user)
        session = client.cookies["sessionid"].value
        context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])

    return sign_in


# The signed PDF: one signing key for the whole run (making a key takes a moment).
PASSPHRASE = "test passphrase"


@pytest.fixture(scope="session")
def signing_key(tmp_path_factory):
    """One self-signed signing key for the whole run (key generation takes a moment)."""
    from principles.pdf.signing import create_self_signed_key

    path = tmp_path_factory.mktemp("signing") / "test.p12"
    create_self_signed_key(path=path, passphrase=PASSPHRASE, common_name="Test signing key")
    return path


@pytest.fixture
def pdf_settings(settings, signing_key, tmp_path):
    """Sign with the test key and store PDFs in a folder of this test's own."""
    settings.PDF_SIGNING_PKCS12 = str(signing_key)
    settings.PDF_SIGNING_PASSPHRASE = PASSPHRASE
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SITE_URL = "https://declaration.example.org"
    return settings


@pytest.fixture
def make_user(db):
    """`make_user("ana", "Editor", "Reviewer")`: a user in the given role groups."""
    from django.contrib.auth.models import Group, User

    def make(username: str, *roles: str):
        user = User.objects.create_user(username, f"{username}@example.org", "a-long-password-1")
        user.groups.set(Group.objects.filter(name__in=roles))
        return user

    return make


@pytest.fixture
def editor(make_user):
    return make_user("ed", "Editor")


@pytest.fixture
def reviewer(make_user):
    return make_user("rita", "Reviewer")


@pytest.fixture
def publisher(make_user):
    return make_user("pat", "Publisher")


@pytest.fixture
def reword(settings, editor, reviewer, publisher):
    """`reword((1, 1), "New text.")`: publish the next version of the site's declaration (however
    it was published) with action line 1.1 reworded, through review."""

    from principles.drafting import review
    from principles.drafting.services import save_item_text, start_draft
    from principles.models import Declaration

    def publish_change(*changes):
        declaration = Declaration.objects.get(slug=settings.DECLARATION_SLUG)
        draft = start_draft(declaration=declaration, by=editor)
        for (principle, line), text in changes:
            item = draft.principles.get(position=principle).action_lines.get(position=line)
            save_item_text(
                item=item,
                by=editor,
                values={"text": text},
                base_revision=review.latest_revision_id(of=draft, item_key=str(item.key)),
            )
        review.submit(reviewed=draft, by=editor)
        review.approve(reviewed=draft, by=reviewer)
        return review.publish(reviewed=draft, by=publisher)

    return publish_change


@pytest.fixture
def moderator(db):
    """A user in the Moderator group. The migration creates the group; tests that flush the
    database (transactional_db) lose it, hence get_or_create."""
    from django.contrib.auth.models import Group, Permission, User

    group, _ = Group.objects.get_or_create(name="Moderator")
    group.permissions.add(Permission.objects.get(codename="moderate_endorsement"))
    user = User.objects.create_user("moderator", "moderator@example.org", "correct horse 42")
    user.groups.add(group)
    return user


@pytest.fixture
def approve(moderator, django_capture_on_commit_callbacks):
    """`approve(endorsement)` as a moderator does, the generation moving on when it commits."""
    from endorsements.models import Endorsement
    from endorsements.services import moderate_endorsements

    def decide(endorsement):
        with django_capture_on_commit_callbacks(execute=True):
            moderate_endorsements(
                endorsements=Endorsement.objects.filter(pk=endorsement.pk),
                decision="approve",
                moderator=moderator,
            )

    return decide


@dataclass(frozen=True)
class TimestampAuthorityForTests:
    url: str
    trust: Path  # its certificate (PEM), for PDF_TIMESTAMP_TRUST


@contextmanager
def running_timestamp_authority(folder: Path, *, days: int = 365):
    """A timestamp authority of its own, with a self-signed certificate valid for `days`,
    answering on a free port of 127.0.0.1 while the block runs."""
    from principles.pdf.timestamp_authority import create_authority, serve_in_thread

    authority = create_authority(folder=folder, days=days, common_name=f"Test TSA {folder.name}")
    server, url = serve_in_thread(authority)
    try:
        yield TimestampAuthorityForTests(url=url, trust=authority.certificate_path)
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def timestamp_authority(tmp_path_factory):
    """One local RFC 3161 timestamp authority for the whole run: no test reaches outside."""
    with running_timestamp_authority(tmp_path_factory.mktemp("tsa")) as authority:
        yield authority


@pytest.fixture
def long_term_pdf_settings(pdf_settings, timestamp_authority):
    """As `pdf_settings`, and PDFs are signed PAdES-B-LTA with the local timestamp authority."""
    pdf_settings.PDF_TIMESTAMP_URL = timestamp_authority.url
    pdf_settings.PDF_TIMESTAMP_TRUST = str(timestamp_authority.trust)
    return pdf_settings
