"""After signing in, each role lands on a page it can use; a refused page is a styled 403 in the
reader's language."""

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.test import Client

from tests.html import parse_strict, submit

PASSWORD = "a-long-password-1"


@pytest.fixture
def person(db):
    """`person("name", "Moderator", staff=True)`: a user in those role groups."""
    from importlib import import_module

    from django.apps import apps

    import_module("principles.migrations.0003_create_roles").create_roles(apps, None)
    moderator, _ = Group.objects.get_or_create(name="Moderator")
    moderator.permissions.add(Permission.objects.get(codename="moderate_endorsement"))

    def make(username, *roles, staff=False):
        user = User.objects.create_user(username, password=PASSWORD, is_staff=staff)
        user.groups.set(Group.objects.filter(name__in=roles))
        return user

    return make


def sign_in(user, *, next_page: str = "") -> str:
    """Sign in through the form as a person does; where the site sends them."""
    browser = Client(enforce_csrf_checks=True)
    url = "/accounts/login/" + (f"?next={next_page}" if next_page else "")
    response = submit(browser, url, {"username": user.username, "password": PASSWORD}, follow=True)
    assert response.status_code == 200, response.status_code
    return response.redirect_chain[-1][0]


@pytest.mark.parametrize(
    ("roles", "staff", "lands_on"),
    [
        (["Moderator"], False, "/moderation/"),
        (["Editor"], False, "/drafting/tasks/"),
        (["Reviewer"], False, "/drafting/tasks/"),
        (["Publisher"], False, "/drafting/tasks/"),
        ([], True, "/admin/"),
    ],
)
def test_each_role_lands_on_the_page_it_works_on(person, roles, staff, lands_on):
    assert sign_in(person("someone", *roles, staff=staff)) == lands_on


def test_someone_without_a_role_is_told_so_instead_of_refused(person):
    browser = Client()
    browser.force_login(person("newcomer"))

    response = browser.get("/accounts/start/")

    assert response.status_code == 200
    parse_strict(response.content)
    assert "has no role on this site yet" in response.content.decode()


def test_the_page_asked_for_before_signing_in_wins(person):
    moderator = person("mo", "Moderator")

    assert sign_in(moderator, next_page="/endorsers/") == "/endorsers/"


def test_a_refused_page_is_the_site_s_own_page_in_the_reader_s_language(person):
    browser = Client()
    browser.force_login(person("mo", "Moderator"))

    response = browser.get("/ar/drafting/")

    assert response.status_code == 403
    page = parse_strict(response.content)
    assert (page.get("lang"), page.get("dir")) == ("ar", "rtl")
    assert page.find(".//header") is not None
    assert page.find(".//a[@href='/ar/accounts/start/']") is not None
