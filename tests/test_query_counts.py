"""Every public page reads the database a fixed number of times, whether 10 or 10,000
organisations endorsed: the first reader after a change (nothing cached) pays exactly these
queries, and the readers after them none (tests/endorsements/test_page_cache.py)."""

import pytest
from django.conf import settings
from django.db import transaction

from endorsements.management.commands.seed_demo_data import demo_endorsement
from endorsements.models import Endorsement
from endorsements.open_data import build_open_data
from endorsements.services import reconfirm_endorsement
from endorsements.statistics.hourly import build_hourly_series
from principles.drafting.services import publish_loaded_text
from principles.models import Declaration
from principles.pdf.render import store_declaration_pdf
from tests.conftest import declaration_text
from tests.principles.pdf.pdf_reading import make_snapshot

# Its module-wide fixtures are set up once: under pytest-xdist the module runs in one worker.
pytestmark = pytest.mark.xdist_group("query_counts")


@pytest.fixture(scope="module", params=[10, 10_000], ids=["10 endorsers", "10,000 endorsers"])
def endorsers(request, django_db_setup, django_db_blocker):
    """Two published versions and N approved endorsers, some of whom reconfirmed for the
    second, made once for the whole module and rolled back after it: 10,000 endorsers take
    seconds to make."""
    with django_db_blocker.unblock(), transaction.atomic():
        declaration = Declaration.objects.create(slug=settings.DECLARATION_SLUG)
        first, second = (
            publish_loaded_text(
                declaration=declaration, text=declaration_text(principles=4, action_lines=3)
            )
            for _ in range(2)
        )
        Endorsement.objects.bulk_create(
            demo_endorsement(n, first) for n in range(1, request.param + 1)
        )
        for endorsement in Endorsement.objects.order_by("pk")[:3]:
            reconfirm_endorsement(endorsement=endorsement, version=second)
        yield request.param
        transaction.set_rollback(True)


# What the share card of every public page shows, read by the first page rendered after a
# change (then kept in the cache for every page): the current version and its title, and the
# count of endorsers (declaration_site/share/cards.py).
SHARE_CARD = 3
# The first read of each public page, and the queries it runs, whatever the number of endorsers.
PAGES = {
    # The current version, its texts, principles and their texts, action lines and their
    # texts, the endorsers' totals.
    "/": 7 + SHARE_CARD,
    "/fr/": 7 + SHARE_CARD,
    "/versions/": 2 + SHARE_CARD,
    "/versions/1/": 7 + SHARE_CARD,
    # The two versions, with their texts, principles and action lines, and the change notes
    # of the versions compared.
    "/versions/1/compare/2/": 7 + SHARE_CARD,
    # The page of endorsers and their count, their action lines, the current version, and
    # the totals and charts (totals by version, by type, by region, by trust level, by country,
    # by hour).
    "/endorsers/": 10 + SHARE_CARD,
    "/endorsers/?page=2": 10 + SHARE_CARD,
    "/endorsers/?country=FR&type=ngo": 10 + SHARE_CARD,
    "/endorsers/?q=Escuelas&region=americas": 10 + SHARE_CARD,
    # Nobody is verified: no page of endorsers to read, nor their action lines.
    "/endorsers/?trust=verified": 8 + SHARE_CARD,
    "/endorsers/count.json": 2,
    # The current version, then its text and action lines for the form's choices.
    "/endorse/": 7 + SHARE_CARD,
    "/endorse/check-your-email/": 0 + SHARE_CARD,
    "/endorse/privacy/": 0 + SHARE_CARD,
    "/endorse/new-link/": 0 + SHARE_CARD,
    "/endorse/withdraw/": 0 + SHARE_CARD,
    "/about/": 0 + SHARE_CARD,
    "/verify/": 0 + SHARE_CARD,
    "/accounts/login/": 0,
}


def read(client, path: str) -> int:
    response = client.get(path)
    # Streamed pages (the CSV) read the database while they are sent.
    if response.streaming:
        b"".join(response.streaming_content)
    return response.status_code


@pytest.mark.parametrize(("path", "queries"), PAGES.items(), ids=PAGES.keys())
def test_a_public_page_runs_the_same_queries_however_many_organisations_endorsed(
    path, queries, endorsers, db, client, page_queries
):
    with page_queries(queries):
        status = read(client, path)

    assert status == 200


def test_a_verify_address_that_names_no_file_runs_one_query_and_says_so(
    endorsers, db, client, page_queries
):
    with page_queries(1 + SHARE_CARD):
        status = read(client, "/verify/?version=2&snapshot=" + "0" * 64)

    assert status == 404


@pytest.mark.parametrize(
    ("path", "queries"),
    # The current version; its PDF (the cached choice of file is empty at first). An earlier
    # version: the version, its PDF.
    [("/declaration.pdf", 2), ("/versions/1/declaration.pdf", 2)],
)
def test_a_pdf_download_runs_the_same_queries_however_many_organisations_endorsed(
    path, queries, endorsers, db, client, pdf_settings, page_queries
):
    for version in Declaration.objects.get().versions.published():
        # A PDF of a few names: one of 10,000 takes minutes to render.
        store_declaration_pdf(version=version, snapshot=make_snapshot(["Signatory"]))

    with page_queries(queries):
        status = read(client, path)

    assert status == 200


@pytest.mark.parametrize(
    "path",
    [
        "/endorsers.csv",
        "/endorsers-excel.csv",
        "/endorsers.json",
        "/endorsers/hourly.csv",
        "/endorsers/hourly.json",
    ],
)
def test_an_open_data_download_reads_one_row_however_many_organisations_endorsed(
    path, endorsers, db, client, page_queries
):
    build_open_data()  # the task worker builds the files when the list changes
    build_hourly_series()

    with page_queries(1):
        status = read(client, path)

    assert status == 200
