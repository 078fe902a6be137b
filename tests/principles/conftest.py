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
