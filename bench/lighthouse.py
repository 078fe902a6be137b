"""Lighthouse's four scores (mobile) for the public pages on the production stack.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_lighthouse \\
    CACHE_URL=redis://127.0.0.1:6379/3 \\
        .venv/bin/python -m bench.lighthouse [--endorsers 2000] [--runs 2] \\
        [--paths / /ar/] [--reports FOLDER]

Run from the project's folder with `-m`: this module imports the journeys' deployed site, and
the journeys' Lighthouse test imports its audits. The database named in DATABASE_URL is
emptied (`flush`) and the Redis database in CACHE_URL is used as the cache, so point both at
scratch ones (without DATABASE_URL a SQLite file in a temporary folder is used). The site
runs as the journeys run it (tests/journeys/deployed.py: gunicorn with two workers and DEBUG
off, the task worker), with the shipped declaration and N approved endorsers from
`seed_demo_data`.

Lighthouse 12.2.3 (package.json; 13 needs Node 22) drives Debian's chromium, headless, with its
default mobile form factor and simulated throttling. Each page is loaded once to fill the
page cache, then audited; a page whose performance is under the bar is audited again, up to
`--runs` times, keeping the best run, as the machine is shared and its load moves the
simulated timings. Prints the scores and the key metrics, and exits with 1 if any score is
under 95.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

from bench.site_processes import ROOT, manage, site_environment
from tests.conftest import PASSPHRASE
from tests.journeys.deployed import deployed_site

LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = "/usr/bin/chromium"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
PATHS = ("/", "/endorse/", "/endorsers/", "/ar/", "/ar/endorse/", "/ar/endorsers/")
BAR = 95
# Lighthouse's audit id, and how to show its numeric value.
METRICS = {
    "FCP": ("first-contentful-paint", lambda ms: f"{ms / 1000:.1f} s"),
    "LCP": ("largest-contentful-paint", lambda ms: f"{ms / 1000:.1f} s"),
    "TBT": ("total-blocking-time", lambda ms: f"{ms:.0f} ms"),
    "CLS": ("cumulative-layout-shift", lambda shift: f"{shift:.3f}"),
    "bytes": ("total-byte-weight", lambda size: f"{size:,.0f}"),
}


def audit(url: str) -> dict:
    """One Lighthouse run on `url`: {"scores": {category: 0-100}, "metrics": {name: value},
    "report": Lighthouse's JSON}."""
    completed = subprocess.run(
        [
            str(LIGHTHOUSE),
            url,
            "--quiet",
            "--output=json",
            "--output-path=stdout",
            f"--only-categories={','.join(CATEGORIES)}",
            "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
        ],
        env={**os.environ, "CHROME_PATH": CHROMIUM},
        capture_output=True,
        text=True,
        timeout=180,
    )
    if completed.returncode:
        raise RuntimeError(f"Lighthouse failed on {url}: {completed.stderr[-2000:]}")
    report = json.loads(completed.stdout)
    if report.get("runtimeError"):
        raise RuntimeError(f"Lighthouse could not load {url}: {report['runtimeError']}")
    return {
        "scores": {
            name: round(100 * (report["categories"][name]["score"] or 0)) for name in CATEGORIES
        },
        "metrics": {
            name: report["audits"][audit_id]["numericValue"]
            for name, (audit_id, _shown) in METRICS.items()
        },
        "report": report,
    }


def best_audit(url: str, *, runs: int) -> dict:
    """Audit `url` until performance reaches the bar, at most `runs` times; the best run. A
    run that fails (chromium not starting in time on a busy machine) counts as a run."""
    best, error = None, None
    for _run in range(runs):
        try:
            result = audit(url)
        except RuntimeError as failure:
            error = failure
            continue
        if best is None or result["scores"]["performance"] > best["scores"]["performance"]:
            best = result
        if best["scores"]["performance"] >= BAR:
            break
    if best is None:
        raise error
    return best


def failures(result: dict) -> list[str]:
    """What a run needs to pass: the categories under the bar, and for each the audits that
    cost it points (so that a failing run says what to fix)."""
    report = result["report"]
    found = []
    for name, score in result["scores"].items():
        if score >= BAR:
            continue
        lost = [
            reference["id"]
            for reference in report["categories"][name]["auditRefs"]
            if reference["weight"] and (report["audits"][reference["id"]]["score"] or 0) < 0.9
        ]
        found.append(f"{name} {score}: {', '.join(lost) or 'metrics'}")
    return found


def table(results: dict[str, dict]) -> str:
    header = ["page", *CATEGORIES, *METRICS]
    rows = [
        [
            path,
            *(str(result["scores"][name]) for name in CATEGORIES),
            *(shown(result["metrics"][name]) for name, (_id, shown) in METRICS.items()),
        ]
        for path, result in results.items()
    ]
    return "\n".join(
        "| " + " | ".join(cells) + " |" for cells in [header, ["---"] * len(header), *rows]
    )


def seeded(*, env: dict, endorsers: int) -> None:
    """N approved endorsers of the current version, and the statistics PostgreSQL plans with."""
    manage("seed_demo_data", "--force", "--endorsers", str(endorsers), env=env)
    if env["DATABASE_URL"].startswith("postgres"):
        analyze = "from django.db import connection; connection.cursor().execute('ANALYZE')"
        manage("shell", "-c", analyze, env=env)


def emptied(*, folder: Path, database_url: str) -> None:
    """Migrate and flush the scratch database, so that every run starts from the same data."""
    env = site_environment(folder=folder, database_url=database_url, cache_url="locmem://")
    manage("migrate", "--noinput", "-v0", env=env)
    manage("flush", "--noinput", env=env)


def signing_key(folder: Path) -> Path:
    """A self-signed key for the PDF, as the journeys' fixture makes one."""
    path = folder / "signing.p12"
    env = site_environment(
        folder=folder,
        database_url=f"sqlite:///{folder / 'unused.sqlite3'}",
        cache_url="locmem://",
        PDF_SIGNING_PASSPHRASE=PASSPHRASE,
    )
    manage("create_signing_key", str(path), env=env)
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--endorsers", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=2, help="Audits of a slow page, at most.")
    parser.add_argument("--paths", nargs="+", default=PATHS)
    parser.add_argument("--reports", type=Path, help="A folder to keep Lighthouse's JSON in.")
    options = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-lighthouse-"))
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{folder / 'db.sqlite3'}"
    emptied(folder=folder, database_url=database_url)
    with deployed_site(
        folder=folder,
        database_url=database_url,
        cache_url=os.environ.get("CACHE_URL", "redis://127.0.0.1:6379/3"),
        signing_key=signing_key(folder),
    ) as site:
        seeded(env=site.env, endorsers=options.endorsers)
        print(f"Load average before: {' '.join(f'{n:.2f}' for n in os.getloadavg())}")
        results = {}
        for path in options.paths:
            urllib.request.urlopen(site.url + path, timeout=60).read()
            results[path] = best_audit(site.url + path, runs=options.runs)
            print(f"{path}: {results[path]['scores']}", flush=True)
            if options.reports:
                options.reports.mkdir(parents=True, exist_ok=True)
                name = path.strip("/").replace("/", "-") or "home"
                report = json.dumps(results[path]["report"])
                (options.reports / f"{name}.json").write_text(report)
        print(f"Load average after: {' '.join(f'{n:.2f}' for n in os.getloadavg())}")
    print(table(results))
    problems = [f"{path}: {line}" for path, r in results.items() for line in failures(r)]
    print("\n".join(problems) or f"Every score is at least {BAR}.")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
