"""The bytes of public pages as they leave the site: raw, gzipped by gunicorn, and gzipped or
brotli-compressed by nginx with the README's configuration.

    .venv/bin/python -m bench.compression [--endorsers 2000]

Run from the project's folder with `-m`. Needs Debian's nginx and its brotli module
(`apt install nginx libnginx-mod-http-brotli-filter`). The site runs as for bench/lighthouse.py
(same DATABASE_URL and CACHE_URL, emptied first; SQLite in a temporary folder by default);
nginx runs the README's `nginx` block as written, with only the upstream's address and the
port changed (plain HTTP on 127.0.0.1), so this also shows that the block is valid.
"""

import argparse
import contextlib
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.lighthouse import emptied, seeded, signing_key
from bench.site_processes import ROOT, free_port, stop
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
NGINX = "/usr/sbin/nginx"
BROTLI_MODULE = "/usr/lib/nginx/modules/ngx_http_brotli_filter_module.so"
# What a browser asks for, and what a client without compression asks for.
ENCODINGS = {"raw": "identity", "gzip": "gzip", "br": "gzip, deflate, br"}


def readme_block(*, upstream: str, port: int) -> str:
    """The README's nginx block, listening on 127.0.0.1:`port` over HTTP, with `upstream`."""
    block = re.search(r"```nginx\n(.*?)```", (ROOT / "README.md").read_text(), re.DOTALL)[1]
    block = re.sub(
        r"upstream declaration \{.*?\}", f"upstream declaration {{ server {upstream}; }}", block
    )
    return block.replace("listen 443 ssl;", f"listen 127.0.0.1:{port};")


@contextlib.contextmanager
def nginx(*, folder: Path, upstream: str):
    """nginx in the foreground, one process, with its files in `folder`; yields its URL."""
    folder.mkdir()
    port = free_port()
    temp = " ".join(
        f"{kind}_temp_path {folder / kind};" for kind in ("client_body", "proxy", "fastcgi")
    )
    (folder / "nginx.conf").write_text(
        f"load_module {BROTLI_MODULE};\n"
        f"daemon off; master_process off; pid {folder / 'nginx.pid'};\n"
        f"error_log {folder / 'error.log'} warn;\n"
        "events {}\n"
        f"http {{ access_log off; {temp} uwsgi_temp_path {folder / 'uwsgi'}; "
        f"scgi_temp_path {folder / 'scgi'};\n{readme_block(upstream=upstream, port=port)}}}\n"
    )
    subprocess.run(
        [NGINX, "-t", "-q", "-p", str(folder), "-c", str(folder / "nginx.conf")], check=True
    )
    server = subprocess.Popen([NGINX, "-p", str(folder), "-c", str(folder / "nginx.conf")])
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz")
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(server)


def wait_for(url: str, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


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
        ) as site,
        nginx(folder=folder / "nginx", upstream=site.url.removeprefix("http://")) as proxy,
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
