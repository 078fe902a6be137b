"""The deployed site and the story of each journey (see deployed.py and story.py)."""

import os

import pytest
import redis

from .deployed import artifacts_folder, deployed_site
from .mailbox import Mailbox
from .story import Story

REDIS_URL = os.environ.get("JOURNEYS_REDIS_URL", "redis://127.0.0.1:6379/14")


def pytest_collection_modifyitems(config, items):
    """The journeys run only when a marker expression names them (`-m journeys`, as `make
    journeys` does): they start a whole site and take minutes, so a run of the suite leaves
    them out, also one with another expression such as `-m "not scale_out"`."""
    if "journeys" in (config.option.markexpr or ""):
        return
    journeys = [item for item in items if item.get_closest_marker("journeys")]
    if journeys:
        config.hook.pytest_deselected(items=journeys)
        items[:] = [item for item in items if not item.get_closest_marker("journeys")]


@pytest.fixture(scope="module")
def journeys_redis():
    """The Redis database in JOURNEYS_REDIS_URL, emptied before and after."""
    # The scale-out test's module needs Django set up, which happens after conftests load.
    from tests.test_scale_out import emptied

    cache = redis.Redis.from_url(REDIS_URL, socket_timeout=5)
    try:
        cache.ping()
    except redis.RedisError as error:
        pytest.fail(
            f"The journeys need Redis at {REDIS_URL} ({error}): start Redis, or point "
            "JOURNEYS_REDIS_URL at a database that they may empty."
        )
    with emptied(cache, url=REDIS_URL):
        yield REDIS_URL


@pytest.fixture(scope="module")
def site_environment():
    """Settings a module's site runs with besides the production ones: override it in a
    module, as a fixture of the same name."""
    return {}


@pytest.fixture(scope="module")
def nginx_in_front():
    """Whether nginx runs in front of gunicorn (None: unless JOURNEYS_NGINX=0): override it in
    a module, as a fixture of the same name."""
    return None


@pytest.fixture(scope="module")
def site(journeys_redis, signing_key, tmp_path_factory, site_environment, nginx_in_front):
    """The site as deployed, fresh for each module of stories: its own database (named
    `…_journeys` on PostgreSQL), the Redis database above and its own folders."""
    from tests.test_scale_out import database_of_its_own

    folder = tmp_path_factory.mktemp("site")
    with (
        database_of_its_own("journeys", folder=folder) as database_url,
        deployed_site(
            folder=folder,
            database_url=database_url,
            cache_url=journeys_redis,
            signing_key=signing_key,
            nginx=nginx_in_front,
            **site_environment,
        ) as deployed,
    ):
        yield deployed


@pytest.fixture
def mailbox(site):
    return Mailbox(site.emails)


@pytest.fixture
def story(request, tmp_path_factory):
    """The story of this test; its screenshots go to $JOURNEYS_ARTIFACTS/<test name>/."""
    plugins = request.config.pluginmanager
    reporter, capture = plugins.get_plugin("terminalreporter"), plugins.get_plugin("capturemanager")

    def say(line: str) -> None:
        """Print at once, past pytest's capture: the timing of each step as it ends."""
        with capture.global_and_fixture_disabled():
            reporter.write_line(line)

    folder = artifacts_folder(tmp_path_factory.mktemp("journeys")) / request.node.name
    folder.mkdir(exist_ok=True)
    say(f"\nScreenshots of {request.node.name}: {folder}")
    return Story(request.node.name, folder=folder, say=say)


@pytest.fixture
def cast(browser, site):
    """Brings the people of a story on stage, each in a browser context of their own:
    `cast(Organisation, details=…, language="ar")`. Their contexts close after the test."""
    people = []

    def bring(kind, **details):
        person = kind(browser, site=site, **details)
        people.append(person)
        return person

    yield bring
    for person in people:
        person.close()
