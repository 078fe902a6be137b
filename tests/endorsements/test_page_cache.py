"""The pages every reader sees are served from the cache, and are fresh as soon as an
endorsement is approved, reconfirmed or withdrawn, or a version published."""

import json
import time

import pytest
from django.db import connection
from django.db.models import F
from django.http import HttpResponse
from django.test.utils import CaptureQueriesContext

from declaration_site import public_cache
from declaration_site.models import PublicContentGeneration
from declaration_site.public_cache import cache_public_page, cached_value, public_content_changed
from endorsements.management.commands.seed_demo_data import demo_endorsement
from endorsements.models import Endorsement
from endorsements.services import (
    reconfirm_endorsement,
    withdraw_endorsement,
)


def endorser_count(client) -> int:
    return json.loads(client.get("/endorsers/count.json").content)["endorsers"]


def queries_of(client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        client.get(path)
    return len(queries)


@pytest.mark.parametrize("approved", [100, 2_000])
@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/fr/",
        "/endorsers/",
        "/endorsers/?page=2",
        "/endorsers/?country=FR",
        "/endorsers/count.json",
    ],
)
def test_the_next_readers_of_a_public_page_cost_no_query(
    path, approved, version, client, django_assert_num_queries
):
    Endorsement.objects.bulk_create(demo_endorsement(n, version) for n in range(approved))
    first = client.get(path)

    with django_assert_num_queries(0):
        second = client.get(path)

    assert second.status_code == 200
    assert second.getvalue() == first.getvalue()


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


def test_a_reconfirmation_shows_at_once(
    version, publish, make_endorsement, client, django_capture_on_commit_callbacks
):
    reconfirming = make_endorsement("Reconfirming Org")
    with django_capture_on_commit_callbacks(execute=True):
        newer = publish(principles=3, action_lines=2)
    assert json.loads(client.get("/endorsers/count.json").content)[
        "endorsers_of_current_version"
    ] == (0)

    with django_capture_on_commit_callbacks(execute=True):
        reconfirm_endorsement(endorsement=reconfirming, version=newer)

    count = json.loads(client.get("/endorsers/count.json").content)
    assert count["endorsers_of_current_version"] == 1


def test_publishing_a_version_shows_at_once(
    version, publish, client, django_capture_on_commit_callbacks
):
    assert "/versions/1/" in client.get("/").text
    with django_capture_on_commit_callbacks(execute=True):
        publish(principles=4, action_lines=1)

    assert "Principle title 4" in client.get("/").text


def test_a_change_made_by_another_server_process_reaches_readers_within_a_second(
    version, make_endorsement, client
):
    make_endorsement("Already Approved Org")
    assert endorser_count(client) == 1
    # Another gunicorn worker approves an endorsement and moves the generation on: with the
    # default per-process cache it lives in the database, which every process reads.
    make_endorsement("Approved Elsewhere Org")
    PublicContentGeneration.objects.update(value=F("value") + 1)

    within_the_second = endorser_count(client)
    public_cache.process_copies.read_at -= public_cache.GENERATION_CHECK_SECONDS

    assert within_the_second == 1
    assert endorser_count(client) == 2


def test_with_the_per_process_cache_the_generation_costs_one_query_a_second(
    version, client, django_assert_num_queries
):
    client.get("/")
    public_cache.process_copies.read_at -= public_cache.GENERATION_CHECK_SECONDS

    with django_assert_num_queries(1):
        a_second_later = client.get("/")
    with django_assert_num_queries(0):
        within_that_second = client.get("/")

    assert a_second_later.content == within_that_second.content


def test_each_language_has_its_own_cached_page(version, client):
    english = client.get("/").text
    french = client.get("/fr/").text
    arabic = client.get("/ar/").text

    assert '<html lang="en"' in client.get("/").text
    assert '<html lang="fr"' in client.get("/fr/").text
    assert len({english, french, arabic}) == 3


def deploy(release: str, *, settings, tmp_path) -> None:
    """Switch to the static files of `release`, as collectstatic leaves them on a server."""
    root = tmp_path / release
    root.mkdir()
    hashed = {
        name: name.replace(".", f".{release}.")
        for name in ("css/site.css", "favicon.svg", "img/name-mark.svg")
    }
    manifest = {"version": "1.1", "hash": release, "paths": hashed}
    (root / "staticfiles.json").write_text(json.dumps(manifest))
    settings.STATIC_ROOT = root
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }


def test_after_a_deploy_pages_name_the_new_stylesheet_at_once(version, client, settings, tmp_path):
    deploy("0a1b2c", settings=settings, tmp_path=tmp_path)
    assert "/static/css/site.0a1b2c.css" in client.get("/").text

    deploy("9f8e7d", settings=settings, tmp_path=tmp_path)
    page = client.get("/").text

    assert "/static/css/site.9f8e7d.css" in page
    assert "0a1b2c" not in page


def test_a_cached_page_never_carries_another_readers_language_cookie(version, client):
    client.get("/fr/")  # a first reader, who gets the French cookie, fills the cache
    client.cookies.clear()
    client.cookies["django_language"] = "en"

    response = client.get("/fr/")

    assert response.cookies["django_language"].value == "fr"
    client.cookies["django_language"] = "fr"
    assert "django_language" not in client.get("/fr/").cookies


def test_a_cached_page_never_carries_another_readers_csrf_token_or_session(
    version, client, moderator
):
    client.get("/endorsers/")
    form = client.get("/endorse/")  # a form: it sets a CSRF cookie, and is not cached
    client.force_login(moderator)
    client.get("/endorsers/")
    client.logout()
    client.cookies.clear()

    response = client.get("/endorsers/")

    assert "csrftoken" not in response.cookies
    assert "sessionid" not in response.cookies
    assert b"csrfmiddlewaretoken" not in response.content
    assert b"Moderation" not in response.content
    assert form.cookies["csrftoken"].value not in response.text


def test_signed_in_people_are_never_served_from_the_cache(version, client, moderator):
    for _reader in range(2):
        client.get("/endorsers/")
    assert queries_of(client, "/endorsers/") == 0

    client.force_login(moderator)

    assert queries_of(client, "/endorsers/") > 2
    assert "Moderation" in client.get("/endorsers/").text


def test_a_filtered_page_of_the_list_is_cached_whatever_the_order_of_its_parameters(
    version, make_endorsement, client
):
    for n in range(60):
        make_endorsement(f"Kenyan Org {n:02}", country="KE")
    first = client.get("/endorsers/?country=KE&page=2")

    assert queries_of(client, "/endorsers/?page=2&country=KE") == 0
    assert queries_of(client, "/endorsers/?q=&country=KE&region=&type=&page=2") == 0
    assert client.get("/endorsers/?page=2&country=KE").content == first.content
    assert "Kenyan Org 00" in first.text


def test_a_search_by_name_is_never_cached(version, make_endorsement, client):
    make_endorsement("Open Schools Network")
    client.get("/endorsers/?q=schools")

    assert queries_of(client, "/endorsers/?q=schools") > 0


@pytest.mark.parametrize(
    "query",
    [
        "country=XX",
        "region=atlantis",
        "type=club",
        "page=two",
        "page=9999",
        "country=FR&country=KE",
    ],
)
def test_invalid_parameters_never_make_a_cache_entry(query, version, make_endorsement, client):
    make_endorsement("Open Schools Network")
    client.get(f"/endorsers/?{query}")

    assert queries_of(client, f"/endorsers/?{query}") > 0


def test_unknown_parameters_get_the_cached_page_but_never_fill_it(version, client):
    first = client.get("/?utm_source=<i>newsletter</i>")
    assert queries_of(client, "/") > 0  # the page of the first reader was not kept
    assert b"newsletter" not in client.get("/").content

    assert queries_of(client, "/?utm_source=newsletter") == 0
    assert first.status_code == 200


def counted_page(renders: list):
    """A cached view that says how many times it was rendered."""

    @cache_public_page
    def page(request):
        renders.append(request)
        return HttpResponse(f"render {len(renders)}")

    return page


def test_while_one_reader_refreshes_a_page_the_others_get_the_previous_one(
    rf, db, django_capture_on_commit_callbacks
):
    renders, during_refresh = [], []
    page = counted_page(renders)
    page(rf.get("/page/"))
    with django_capture_on_commit_callbacks(execute=True):
        public_content_changed()

    @cache_public_page
    def slow_page(request):
        # Another reader arrives while this one renders the page again.
        during_refresh.append(page(rf.get("/page/")).content)
        return HttpResponse("render 2")

    # The same cache entry as `page` (same address): render it the slow way.
    slow_page(rf.get("/page/"))

    assert during_refresh == [b"render 1"]
    assert page(rf.get("/page/")).content == b"render 2"


def test_a_refresh_that_never_finishes_holds_the_previous_page_back_for_a_few_seconds(
    rf, db, django_capture_on_commit_callbacks, monkeypatch
):
    renders, during_refresh = [], []
    page = counted_page(renders)
    page(rf.get("/page/"))
    with django_capture_on_commit_callbacks(execute=True):
        public_content_changed()
    real_time = time.time

    @cache_public_page
    def stuck_page(request):
        # The refresh is stuck for longer than STALE_SECONDS: a reader then refreshes too.
        monkeypatch.setattr(time, "time", lambda: real_time() + public_cache.STALE_SECONDS + 1)
        during_refresh.append(page(rf.get("/page/")).content)
        return HttpResponse("stuck render")

    stuck_page(rf.get("/page/"))

    assert during_refresh == [b"render 2"]


def test_a_failed_refresh_lets_the_next_reader_refresh_at_once(
    rf, db, django_capture_on_commit_callbacks
):
    renders = []
    page = counted_page(renders)
    page(rf.get("/page/"))
    with django_capture_on_commit_callbacks(execute=True):
        public_content_changed()

    @cache_public_page
    def failing_page(request):
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError):
        failing_page(rf.get("/page/"))

    assert page(rf.get("/page/")).content == b"render 2"


def test_a_value_that_never_changes_outlives_public_changes_and_a_missing_one_is_not_kept(
    db, django_capture_on_commit_callbacks
):
    missing = cached_value("probe", lambda: None, fixed_for=60)
    found = cached_value("probe", lambda: "version 1", fixed_for=60)
    with django_capture_on_commit_callbacks(execute=True):
        public_content_changed()
    public_cache.process_copies.read_at -= public_cache.GENERATION_CHECK_SECONDS

    assert (missing, found) == (None, "version 1")
    assert cached_value("probe", lambda: "recomputed", fixed_for=60) == "version 1"
