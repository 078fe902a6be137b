"""Throughput of the public pages under load: gunicorn on PostgreSQL, driven by wrk.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_surge \\
        .venv/bin/python bench/reads.py [--endorsers 100000] [--seconds 10] [--workers 2]

The database named in DATABASE_URL is emptied (`flush`), so point it at a scratch database. Seeds
a published declaration of 10 principles x 10 action lines and its PDF (rendered before the
endorsers are added: a 100,000-name PDF takes minutes, and downloads serve the newest stored PDF
while the fresh one renders), then N approved endorsers. Starts gunicorn on 127.0.0.1 on a free
port and runs wrk (Debian's `wrk` package) for `--seconds` on each path, one after the other,
including a static file of the same size as `/` served by WhiteNoise: the floor. CACHE_URL is
taken from the environment (local memory by default: one cache per gunicorn worker).
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

from server import free_port, manage, start_gunicorn, stop

# The slowest path last: gunicorn keeps working through its queue after wrk stops, which would
# slow down the next path's run.
PATHS = ["/static/floor.html", "/", "/endorsers/", "/declaration.pdf", "/endorsers/?page=500"]


def prepare(*, endorsers: int, env: dict) -> None:
    manage("migrate", "--noinput", "-v0", env=env)
    manage("flush", "--noinput", env=env)
    manage("create_signing_key", "--keep-existing", env=env)
    manage("seed_demo_data", "--force", "--large-declaration", "--endorsers", "0", env=env)
    manage("render_pdfs", env=env)
    manage("seed_demo_data", "--force", "--endorsers", str(endorsers), env=env)
    manage("collectstatic", "--noinput", "-v0", env=env)


def run_wrk(url: str, *, seconds: int, connections: int) -> dict:
    output = subprocess.run(
        [
            *("wrk", "--threads", "2", "--connections", str(connections)),
            *("--duration", f"{seconds}s", "--timeout", "10s", "--latency", url),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    percentiles = dict(re.findall(r"^\s+(50|90|99)%\s+(\S+)\s*$", output, re.MULTILINE))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    timeouts = re.search(r"timeout (\d+)", output)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50": percentiles.get("50", "-"),
        "p90": percentiles.get("90", "-"),
        "p99": percentiles.get("99", "-"),
        "errors": int(errors.group(1)) if errors else 0,
        "timeouts": int(timeouts.group(1)) if timeouts else 0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endorsers", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    options = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to a scratch PostgreSQL database (it is flushed).")
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk")
    scratch = Path(tempfile.mkdtemp(prefix="bench-reads-"))
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "benchmark-only",
        "SECURE_SSL_REDIRECT": "0",
        "STATIC_ROOT": str(scratch / "static"),
        "MEDIA_ROOT": str(scratch / "media"),
        "PDF_SIGNING_PKCS12": str(scratch / "signing.p12"),
        "PDF_SIGNING_PASSPHRASE": "benchmark-only",
        "LOG_LEVEL": "WARNING",
    }
    prepare(endorsers=options.endorsers, env=env)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_gunicorn(port=port, workers=options.workers, env=env)
    try:
        page_size = len(urllib.request.urlopen(base + "/").read())
    finally:
        stop(server)
    # WhiteNoise indexes the static files when gunicorn starts: add the floor file, restart.
    (scratch / "static" / "floor.html").write_bytes(b"x" * page_size)
    server = start_gunicorn(port=port, workers=options.workers, env=env)
    try:
        print(
            f"{options.endorsers} approved endorsers, gunicorn --workers {options.workers}, "
            f"wrk {options.connections} connections, {options.seconds} s per path, "
            f"CACHE_URL={env.get('CACHE_URL', 'locmem://')}; / is {page_size} bytes"
        )
        columns = ("req/s", "p50", "p90", "p99", "non-2xx", "timeouts")
        print(f"{'path':<24}" + "".join(f" {column:>9}" for column in columns))
        for path in PATHS:
            # One request first, so that the figures measure the cache's hits: the first
            # download after a change reads every signatory (13 s for 100,000 here).
            urllib.request.urlopen(base + path, timeout=120).read()
            result = run_wrk(base + path, seconds=options.seconds, connections=options.connections)
            print(
                f"{path:<24} {result['rps']:>9.0f} {result['p50']:>9} {result['p90']:>9} "
                f"{result['p99']:>9} {result['errors']:>9} {result['timeouts']:>9}"
            )
    finally:
        stop(server)
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
