"""The site as it is deployed, for the journeys: Debian's nginx with the repository's
configuration (deploy/nginx/declaration.conf: its one-second cache, compression, stored files
sent by nginx) in front of gunicorn with production settings (DEBUG off), Redis as the cache, a
task worker (`manage.py db_worker`) and the file email backend, on a database of its own. The
processes are started by bench/site_processes.py, as for the scale-out test and the benchmarks.
JOURNEYS_NGINX=0 leaves nginx out: the browsers then talk to gunicorn."""

import contextlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from bench.site_processes import (
    free_port,
    manage,
    prepare_site,
    site_environment,
    start_gunicorn,
    start_nginx,
    start_worker,
    stop,
    wait_until_healthy,
)
from tests.conftest import PASSPHRASE

PASSWORD = "a-long-password-1"

# Run by `manage.py shell` in the site's environment, as an operator adds members of staff.
ADD_STAFF = """
import json, os
from django.contrib.auth.models import Group, User

for username, roles in json.loads(os.environ["STAFF"]).items():
    groups = Group.objects.filter(name__in=roles)
    assert groups.count() == len(roles), f"No such role among {roles}"
    user = User.objects.create_user(username, password=os.environ["STAFF_PASSWORD"])
    user.groups.set(groups)
"""


@dataclass(frozen=True)
class DeployedSite:
    url: str
    emails: Path
    env: dict

    def add_staff(self, **roles: list[str]) -> None:
        """Members of staff in the role groups that the migrations made (Editor, Reviewer,
        Publisher, Moderator): `add_staff(anna=["Moderator"])`. Their password is PASSWORD."""
        manage(
            *("shell", "-v0", "--command", ADD_STAFF),
            env={**self.env, "STAFF": json.dumps(roles), "STAFF_PASSWORD": PASSWORD},
        )


def nginx_in_front() -> bool:
    return os.environ.get("JOURNEYS_NGINX", "1") != "0"


@contextlib.contextmanager
def deployed_site(
    *,
    folder: Path,
    database_url: str,
    cache_url: str,
    signing_key: Path,
    nginx: bool | None = None,
    **environment: str,
):
    """Migrate, load the declaration, render its PDF, then run gunicorn (two workers) and a
    task worker on `database_url` and `cache_url`, and nginx in front of gunicorn (unless
    `nginx` is false; by default unless JOURNEYS_NGINX=0). Emails land in `folder`/emails, and
    the processes' output in `folder`/site.log (nginx's in `folder`/nginx). SITE_URL is the
    address the browsers use (nginx's, or gunicorn's without it), so the links in emails lead
    back to it. `environment` adds settings (as variables)."""
    nginx = nginx_in_front() if nginx is None else nginx
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    public_port = free_port() if nginx else port
    proxy_settings = (
        {"X_ACCEL_REDIRECT_PREFIX": "/_stored/", "RATELIMIT_IP_META_KEY": "HTTP_X_REAL_IP"}
        if nginx
        else {}
    )
    env = site_environment(
        folder=folder,
        database_url=database_url,
        cache_url=cache_url,
        SITE_URL=f"http://127.0.0.1:{public_port}",
        PDF_SIGNING_PKCS12=str(signing_key),
        PDF_SIGNING_PASSPHRASE=PASSPHRASE,
        **{**proxy_settings, **environment},
    )
    prepare_site(env=env, admin="operator", password=PASSWORD)
    with open(folder / "site.log", "w") as log:
        server = start_gunicorn(port=port, workers=2, env=env, log=log, wait=False)
        worker = start_worker(env=env, log=log)
        processes = [server, worker]
        try:
            wait_until_healthy(server, port=port)
            if nginx:
                proxy, url = start_nginx(
                    folder=folder / "nginx",
                    upstreams=[f"127.0.0.1:{port}"],
                    media_root=Path(env["MEDIA_ROOT"]),
                    port=public_port,
                )
                processes.insert(0, proxy)
            yield DeployedSite(url=url, emails=folder / "emails", env=env)
        finally:
            stop(*processes)


def artifacts_folder(default: Path) -> Path:
    """Where the journeys save screenshots: $JOURNEYS_ARTIFACTS, else `default`."""
    folder = Path(os.environ.get("JOURNEYS_ARTIFACTS") or default)
    folder.mkdir(parents=True, exist_ok=True)
    return folder
