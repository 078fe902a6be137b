"""The pages every reader sees are served from the cache, and are fresh as soon as an
endorsement is approved, reconfirmed or withdrawn, or a version published."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from endorsements.management.commands.seed_demo_data import demo_endorsement
from endorsements.models import Endorsement
from endorsements.services import moderate_endorsements, withdraw_endorsement


@pytest.fixture
def approve(moderator, django_capture_on_commit_callbacks):
    def decide(endorsement):
        with django_capture_on_commit_callbacks(execute=True):
            moderate_endorsements(
                endorsements=Endorsement.objects.filter(pk=endorsement.pk),
                decision="approve",
                moderator=moderator,
            )

    return decide


def endorser_count(client) -> int:
    return json.loads(client.get("/endorsers/count.json").content)["endorsers"]


@pytest.mark.parametrize("approved", [10, 2_000])
@pytest.mark.parametrize("path", ["/", "/endorsers/", "/endorsers/count.json", "/fr/"])
def test_a_second_reader_of_a_public_page_costs_at_most_two_queries(
    path, approved, version, client, django_assert_max_num_queries
):
    Endorsement.objects.bulk_create(demo_endorsement(n, version) for n in range(approved))
    first = client.get(path)

    with django_assert_max_num_queries(2):
        second = client.get(path)

    assert second.status_code == 200
    assert second.content == first.content


def test_an_approval_shows_at_once_on_the_declaration_the_list_and_the_count(
    version, make_endorsement, client, approve
):
    make_endorsement("Already Approved Org")
    waiting = make_endorsement("Newly Approved Org", status="confirmed")
    assert "<strong>1</strong> organisation has endorsed" in client.get("/").text
    assert "Newly Approved Org" not in client.get("/endorsers/").text
    assert endorser_count(client) == 1

    approve(waiting)

    assert "<strong>2</strong> organisations have endorsed" in client.get("/").text
    assert "Newly Approved Org" in client.get("/endorsers/").text
    assert endorser_count(client) == 2


def test_a_withdrawal_shows_at_once(
    version, make_endorsement, client, django_capture_on_commit_callbacks
):
    leaving = make_endorsement("Leaving Org")
    assert endorser_count(client) == 1

    with django_capture_on_commit_callbacks(execute=True):
        withdraw_endorsement(endorsement=leaving)

    assert endorser_count(client) == 0


def test_publishing_a_version_shows_at_once(
    version, publish, client, django_capture_on_commit_callbacks
):
    assert "/versions/1/" in client.get("/").text
    with django_capture_on_commit_callbacks(execute=True):
        publish(principles=4, action_lines=1)

    assert "Principle title 4" in client.get("/").text


def test_each_language_has_its_own_cached_page(version, client):
    english = client.get("/").text
    french = client.get("/fr/").text
    arabic = client.get("/ar/").text

    assert '<html lang="en"' in client.get("/").text
    assert '<html lang="fr"' in client.get("/fr/").text
    assert len({english, french, arabic}) == 3


def test_a_cached_page_never_carries_another_readers_language_cookie(version, client):
    client.get("/fr/")  # a first reader, who gets the French cookie, fills the cache
    client.cookies.clear()
    client.cookies["django_language"] = "en"

    response = client.get("/fr/")

    assert response.cookies["django_language"].value == "fr"
    client.cookies["django_language"] = "fr"
    assert "django_language" not in client.get("/fr/").cookies


def queries_of(client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        client.get(path)
    return len(queries)


def test_signed_in_people_and_query_strings_are_never_served_from_the_cache(
    version, client, moderator
):
    for _reader in range(2):
        client.get("/endorsers/")
        client.get("/endorsers/?country=FR")
    assert queries_of(client, "/endorsers/") == 0
    assert queries_of(client, "/endorsers/?country=FR") > 2

    client.force_login(moderator)

    assert queries_of(client, "/endorsers/") > 2
