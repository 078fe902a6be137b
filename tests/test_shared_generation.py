"""With the default per-process cache (`locmem://`), a change made by another process reaches
every server process within two seconds: here a draft scheduled from a management command is
published by the task worker, and the two gunicorn workers, which had `/` cached with version 1,
serve version 2 within two seconds of the publication. The generation of the public content
lives in the database when the cache is not shared (declaration_site/public_cache.py).

Real processes on a database of their own (a SQLite file, or `<test database>_generation` on
PostgreSQL); no Redis."""

import subprocess
import time
import urllib.request
from datetime import datetime

import pytest

from bench.site_processes import (
    PYTHON,
    ROOT,
    free_port,
    prepare_site,
    site_environment,
    start_gunicorn,
    start_worker,
    stop,
)
from tests.conftest import PASSPHRASE
from tests.test_scale_out import database_of_its_own

pytestmark = [pytest.mark.scale_out, pytest.mark.xdist_group("shared_generation")]

# Run in a process of its own: a draft rewording one action line, approved, scheduled two
# seconds ahead; prints the time it is scheduled for.
SCHEDULE_A_DRAFT = """
from datetime import timedelta
from django.contrib.auth.models import Group, User
from django.utils import timezone
from principles.drafting import review, services
from principles.models import Declaration

def person(name, role):
    user = User.objects.create_user(name, password="a-long-password-1")
    user.groups.set(Group.objects.filter(name=role))
    return user

editor, reviewer = person("ed", "Editor"), person("rita", "Reviewer")
publisher = person("pat", "Publisher")
draft = services.start_draft(declaration=Declaration.objects.served().get(), by=editor)
line = draft.principles.first().action_lines.first()
services.save_item_text(
    item=line, by=editor, values={"text": "Reworded on schedule."}, base_revision=0
)
review.submit(reviewed=draft, by=editor)
review.approve(reviewed=draft, by=reviewer)
at = timezone.now() + timedelta(seconds=2)
review.schedule(reviewed=draft, by=publisher, at=at)
print(at.timestamp())
"""

PUBLISHED_AT = """
from principles.models import Version
print(Version.objects.published().get(number=2).published_at.timestamp())
"""


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode()


def shell(script: str, env: dict) -> str:
    return subprocess.run(
        [PYTHON, "manage.py", "shell", "-v0", "--command", script],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


@pytest.fixture(scope="module")
def site(signing_key, tmp_path_factory):
    """Gunicorn with two workers (two processes, each with its own local-memory cache) and a
    task worker, on the default cache."""
    folder = tmp_path_factory.mktemp("site")
    with database_of_its_own("generation", folder=folder) as database_url:
        env = site_environment(
            folder=folder,
            database_url=database_url,
            cache_url="locmem://",
            PDF_SIGNING_PKCS12=str(signing_key),
            PDF_SIGNING_PASSPHRASE=PASSPHRASE,
        )
        prepare_site(env=env, admin="admin", password="a-long-password-1")
        port = free_port()
        processes = [start_gunicorn(port=port, workers=2, env=env), start_worker(env=env)]
        try:
            yield f"http://127.0.0.1:{port}", env
        finally:
            stop(*processes)


def test_a_publication_by_the_task_worker_reaches_both_server_processes_within_two_seconds(site):
    url, env = site
    for _ in range(20):  # both gunicorn workers cache / with version 1
        assert "/versions/1/" in get(f"{url}/")

    scheduled_for = float(shell(SCHEDULE_A_DRAFT, env))
    deadline = scheduled_for + 30
    while "/versions/2/" not in get(f"{url}/"):
        assert time.time() < deadline, "/ never showed version 2"
        time.sleep(0.05)
    first_seen = time.time()
    published_at = float(shell(PUBLISHED_AT, env))
    time.sleep(max(0.0, published_at + 2 - time.time()))
    later = [get(f"{url}/") for _ in range(20)]

    assert published_at >= scheduled_for
    assert first_seen - published_at < 2, (
        f"/ showed version 2 {first_seen - published_at:.1f} s after it was published"
    )
    assert all("/versions/2/" in page for page in later), "a server process still serves v1"
    assert "version 2</strong>" in get(f"{url}/endorse/")
    print(
        f"published {datetime.fromtimestamp(published_at):%H:%M:%S.%f} "
        f"({published_at - scheduled_for:.2f} s after its time), on / after "
        f"{first_seen - published_at:.2f} s"
    )
