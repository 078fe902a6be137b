"""The bytes of public pages as they leave the site: raw, gzipped by gunicorn, and gzipped or
brotli-compressed by nginx with the repository's configuration (deploy/nginx/declaration.conf).

    .venv/bin/python -m bench.compression [--endorsers 2000]

Run from the project's folder with `-m`. Needs Debian's nginx and its brotli module
(`apt install nginx libnginx-mod-http-brotli-filter`). The site runs as for bench/lighthouse.py
(same DATABASE_URL and CACHE_URL, emptied first; SQLite in a temporary folder by default);
nginx runs deploy/nginx/declaration.conf as tests/test_nginx.py does
(bench.site_processes.start_nginx).
"""

import argparse
import contextlib
import os
import sys
import tempfile
import urllib.request
from pathlib import Path

from bench.lighthouse import emptied, seeded, signing_key
from bench.site_processes import start_nginx, stop
from tests.journeys.deployed import deployed_site

PATHS = (
    "/",
    "/ar/",
    "/endorse/",
    "/ar/endorse/",
    "/endorsers/",
    "/ar/endorsers/",
    "/endorsers.csv",
    "/declaration.pdf",
)
# What a browser asks for, and what a client without compression asks for.
ENCODINGS = {"raw": "identity", "gzip": "gzip", "br": "gzip, deflate, br"}


@contextlib.contextmanager
def nginx(*, folder: Path, upstream: str, media_root: Path):
    """nginx with deploy/nginx/declaration.conf in front of `upstream`; yields its URL."""
    server, url = start_nginx(folder=folder, upstreams=[upstream], media_root=media_root)
    try:
        yield url
    finally:
        stop(server)


def sent(url: str, *, accept: str) -> tuple[int, str]:
    """The bytes sent for `url` to a client that accepts `accept`, and their encoding."""
    request = urllib.request.Request(url, headers={"Accept-Encoding": accept})
    with urllib.request.urlopen(request, timeout=60) as response:
        return len(response.read()), response.headers.get("Content-Encoding", "none")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--endorsers", type=int, default=2_000)
    options = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-compression-"))
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{folder / 'db.sqlite3'}"
    emptied(folder=folder, database_url=database_url)
    with (
        deployed_site(
            folder=folder,
            database_url=database_url,
            cache_url=os.environ.get("CACHE_URL", "redis://127.0.0.1:6379/3"),
            signing_key=signing_key(folder),
            nginx=False,
        ) as site,
        nginx(
            folder=folder / "nginx",
            upstream=site.url.removeprefix("http://"),
            media_root=Path(site.env["MEDIA_ROOT"]),
        ) as proxy,
    ):
        seeded(env=site.env, endorsers=options.endorsers)
        print("| page | raw | gunicorn, gzip | nginx, gzip | nginx, brotli |")
        print("| --- | --- | --- | --- | --- |")
        for path in PATHS:
            raw, _none = sent(site.url + path, accept=ENCODINGS["raw"])
            cells = [
                sent(site.url + path, accept=ENCODINGS["gzip"]),
                sent(proxy + path, accept=ENCODINGS["gzip"]),
                sent(proxy + path, accept=ENCODINGS["br"]),
            ]
            shown = [f"{size:,} B ({encoding})" for size, encoding in cells]
            print(f"| {path} | {raw:,} B | {' | '.join(shown)} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
