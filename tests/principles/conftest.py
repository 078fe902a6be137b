"""Fixtures for the drafting workflow: people with roles, and a draft to work on."""

import pytest


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
def draft(publish, declaration, editor):
    """A draft started by `editor` from version 1 (3 principles of 3 action lines)."""
    from principles.services import start_draft

    publish(principles=3, action_lines=3)
    declaration.refresh_from_db()
    return start_draft(declaration=declaration, by=editor)


@pytest.fixture
def signed_in(client):
    """`signed_in(user)`: the test client, signed in as `user`."""

    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


PASSPHRASE = "test passphrase"


@pytest.fixture(scope="session")
def signing_key(tmp_path_factory):
    """One self-signed signing key for the whole run (key generation takes a moment)."""
    from principles.signing import create_self_signed_key

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
