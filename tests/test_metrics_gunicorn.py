"""Under gunicorn with several workers and DEBUG off, /metrics adds up what every worker
counted (PROMETHEUS_MULTIPROC_DIR), whichever worker answers the scrape."""

import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bench.site_processes import free_port, manage, site_environment, start_gunicorn, stop
from tests.test_scale_out import database_of_its_own

pytestmark = [pytest.mark.scale_out, pytest.mark.xdist_group("scale_out")]

REQUESTS = 40


def health_checks(url: str) -> float:
    with urllib.request.urlopen(f"{url}/metrics", timeout=30) as response:
        text = response.read().decode()
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "django_http_requests_total_by_view_transport_method_total"
        and sample.labels["view"] == "healthz"
    )


def get(url: str) -> int:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status


def scraped_when_up(server, url: str, *, seconds: float = 60) -> float:
    """The first scrape that answers. Not by /healthz, as start_gunicorn waits: a check it gave
    up waiting for would still be answered, and counted, later."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert server.poll() is None, "gunicorn exited"
        try:
            return health_checks(url)
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"gunicorn did not answer within {seconds} s")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """gunicorn with two sync workers, counting into one folder, on a migrated database."""
    folder = tmp_path_factory.mktemp("metrics-site")
    counts = folder / "prometheus"
    counts.mkdir()
    with database_of_its_own("metrics", folder=folder) as database_url:
        env = site_environment(folder=folder, database_url=database_url, cache_url="locmem://")
        manage("migrate", "--noinput", "-v0", env=env)
        port = free_port()
        # As the README says: the folder is gunicorn's alone, emptied before it starts.
        server = start_gunicorn(
            port=port, workers=2, env={**env, "PROMETHEUS_MULTIPROC_DIR": str(counts)}, wait=False
        )
        try:
            yield f"http://127.0.0.1:{port}", counts, server
        finally:
            stop(server)


def test_the_counts_of_both_workers_add_up_in_every_scrape(site):
    url, counts, server = site
    before = scraped_when_up(server, url)

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(get, [f"{url}/healthz"] * REQUESTS))
    scrapes = [health_checks(url) for _ in range(4)]
    workers_counting = {path.stem.rpartition("_")[2] for path in counts.glob("counter_*.db")}

    assert before == 0
    assert statuses == [200] * REQUESTS
    assert scrapes == [before + REQUESTS] * 4
    assert len(workers_counting) == 2
