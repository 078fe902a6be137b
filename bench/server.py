"""What the load benchmarks share: manage.py commands, a free port, gunicorn started and stopped.

Imported by bench/reads.py and bench/writes.py, which run as scripts from the project folder.
"""

import socket
import subprocess
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")


def manage(*args: str, env: dict) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(
    *, port: int, workers: int, env: dict, options: tuple[str, ...] = (), log=None
) -> subprocess.Popen:
    """gunicorn on 127.0.0.1:`port`, once /healthz answers. `options` are more gunicorn
    options (worker class, threads); `log` an open file for its output (default: inherited)."""
    server = subprocess.Popen(
        [
            *(GUNICORN, "declaration_site.wsgi", "--bind", f"127.0.0.1:{port}"),
            *("--workers", str(workers), "--log-level", "warning", *options),
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=log,
    )
    for _attempt in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return server
        except OSError:
            time.sleep(0.1)
    server.terminate()
    raise SystemExit("gunicorn did not answer /healthz within 10 s")


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    server.wait(timeout=30)
