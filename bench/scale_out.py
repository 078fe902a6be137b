"""Two instances of the site and a task worker, sharing one database, one Redis and one media
folder, to try the production layout by hand.

    CACHE_URL=redis://127.0.0.1:6379/15 .venv/bin/python bench/scale_out.py [--workers 1]

Open both addresses it prints in one browser: cookies do not depend on the port, so the
browser sends the same cookies to both, as it would to one load balancer in front of them. Sign
in on one, moderate on the other; emails are written to files, not sent. The database is a
SQLite file in a temporary folder, or DATABASE_URL (migrated, the declaration loaded, a
`moderator` superuser added). tests/test_scale_out.py checks the same layout automatically.
Ctrl-C stops everything and removes the temporary folder.
"""

import argparse
import os
import secrets
import shutil
import sys
import tempfile
from pathlib import Path

from site_processes import (
    free_port,
    manage,
    prepare_site,
    site_environment,
    start_gunicorn,
    start_worker,
    stop,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=1, help="gunicorn workers per instance")
    options = parser.parse_args()
    cache_url = os.environ.get("CACHE_URL", "")
    if not cache_url.startswith("redis"):
        raise SystemExit("Set CACHE_URL=redis://…: the instances must share one cache.")
    folder = Path(tempfile.mkdtemp(prefix="scale-out-"))
    env = site_environment(
        folder=folder,
        database_url=os.environ.get("DATABASE_URL", f"sqlite:///{folder / 'db.sqlite3'}"),
        cache_url=cache_url,
    )
    password = secrets.token_urlsafe(12)
    processes = []
    try:
        manage("create_signing_key", env=env)
        prepare_site(env=env, admin="moderator", password=password)
        ports = [free_port(), free_port()]
        for port in ports:
            processes.append(start_gunicorn(port=port, workers=options.workers, env=env))
        processes.append(start_worker(env=env))
        for name, port in zip("AB", ports, strict=True):
            print(f"Instance {name}: http://127.0.0.1:{port}/")
        print(f"Sign in at /accounts/login/ as moderator, password {password}")
        print(f"Emails are written to {folder / 'emails'}. Ctrl-C stops everything.")
        processes[0].wait()
    except KeyboardInterrupt:
        pass
    finally:
        stop(*processes)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
