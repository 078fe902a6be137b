"""Start and stop the processes of a production-like site (manage.py commands, gunicorn, the task
worker) for the scripts in bench/, which import this as `site_processes`, and for
tests/test_scale_out.py, which imports it as `bench.site_processes`."""

import os
import secrets
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")


def manage(*args: str, env: dict, capture: bool = False) -> str:
    """Run `manage.py *args`; with `capture`, return what it printed."""
    result = subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=capture,
        text=True,
    )
    return result.stdout if capture else ""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def site_environment(*, folder: Path, database_url: str, cache_url: str, **settings: str) -> dict:
    """Production settings (DEBUG off, tasks queued in the database for the worker) for every
    process of one site: the same secret key, database, cache and `folder` for static files,
    media, the PDF signing key (`folder`/signing.p12, made by `manage.py create_signing_key`)
    and emails (written to files in `folder`/emails). Plain HTTP on 127.0.0.1, so no HTTPS
    redirect and no secure cookies. Nothing else comes from this process's environment, so the
    defaults apply (a rate limit or lockout threshold set in the shell does not leak in);
    `settings` adds more variables or replaces these."""
    keep = {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR"}
    return {
        **{name: value for name, value in os.environ.items() if name in keep},
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(40),
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "DATABASE_URL": database_url,
        "CACHE_URL": cache_url,
        "STATIC_ROOT": str(folder / "static"),
        "MEDIA_ROOT": str(folder / "media"),
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(folder / "emails"),
        "PDF_SIGNING_PKCS12": str(folder / "signing.p12"),
        "PDF_SIGNING_PASSPHRASE": "benchmark-only",
        "LOG_LEVEL": "WARNING",
        **settings,
    }


# Run by `manage.py shell`: one Python start-up instead of four.
PREPARE = """
import os
from django.contrib.auth.models import User
from django.core.management import call_command

call_command("migrate", "--noinput", verbosity=0)
call_command("load_declaration", verbosity=0)
call_command("render_pdfs", verbosity=0)
admin = os.environ["SITE_ADMIN"]
if not User.objects.filter(username=admin).exists():
    User.objects.create_superuser(admin, f"{admin}@example.org", os.environ["SITE_ADMIN_PASSWORD"])
"""


def prepare_site(*, env: dict, admin: str, password: str) -> None:
    """Migrate the database in `env`, load the shipped declaration, render its PDF, create a
    superuser (unless that user exists) and collect the static files (beside the rest, in a
    second process). Safe to run again on the same database."""
    collect = subprocess.Popen(
        [PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env
    )
    try:
        manage(
            *("shell", "-v0", "--command"),
            PREPARE,
            env={**env, "SITE_ADMIN": admin, "SITE_ADMIN_PASSWORD": password},
        )
    finally:
        if collect.wait() != 0:
            raise RuntimeError("collectstatic failed")


def start_gunicorn(
    *,
    port: int,
    workers: int,
    env: dict,
    worker_class: str = "sync",
    threads: int = 1,
    log=None,
    wait: bool = True,
    pid_file: Path | None = None,
) -> subprocess.Popen:
    """Start gunicorn on 127.0.0.1:`port` and, unless `wait` is false, wait until it answers
    /healthz. `log` is an open file for its output (default: this process's); `pid_file`,
    where gunicorn writes its process id (for a reload by HUP, as deploy/upgrade.sh does)."""
    server = subprocess.Popen(
        [
            *(GUNICORN, "declaration_site.wsgi", "--bind", f"127.0.0.1:{port}"),
            *("--workers", str(workers), "--worker-class", worker_class),
            *("--threads", str(threads), "--log-level", "warning"),
            *(("--pid", str(pid_file)) if pid_file else ()),
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=log,
    )
    if wait:
        wait_until_healthy(server, port=port)
    return server


def wait_until_healthy(server: subprocess.Popen, *, port: int, seconds: float = 30) -> None:
    """Wait until the server on `port` answers /healthz; stop it and raise if it does not."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"The server on port {port} exited with {server.returncode}.")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return
        except OSError:
            time.sleep(0.1)
    stop(server)
    raise RuntimeError(f"The server on port {port} did not answer /healthz within {seconds} s.")


def start_worker(*, env: dict, log=None) -> subprocess.Popen:
    """Start the background task worker (`manage.py db_worker`), polling every 0.2 s. `log` is
    an open file for its output (default: this process's)."""
    return subprocess.Popen(
        [
            *(PYTHON, "manage.py", "db_worker", "--no-reload", "--no-startup-delay"),
            *("--interval", "0.2"),
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=log,
    )


def stop(*processes: subprocess.Popen) -> None:
    """Stop `processes` together: gracefully, then for good after 10 s."""
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


NGINX = "/usr/sbin/nginx"
NGINX_CONFIG = ROOT / "deploy" / "nginx" / "declaration.conf"
BROTLI_MODULE = "/usr/lib/nginx/modules/ngx_http_brotli_filter_module.so"


def nginx_config(*, folder: Path, port: int, upstreams: list[str], media_root: Path) -> str:
    """deploy/nginx/declaration.conf with what differs on a test machine replaced, and only
    that: plain HTTP on 127.0.0.1:`port` instead of TLS on 443 (and the redirect from port 80 on
    a port nobody uses), the site's name 127.0.0.1 instead of declaration.example.org (the
    default server refuses any other), the gunicorn instances at `upstreams`
    ("127.0.0.1:8001"), and the cache folder, the compressing layer's socket and MEDIA_ROOT in
    `folder`. Each replaced text must occur exactly as often as stated, so that a change to the
    file breaks this loudly."""
    config = NGINX_CONFIG.read_text()
    redirect_port = free_port()
    replacements = [
        (
            "    server 127.0.0.1:8001;\n    server 127.0.0.1:8002;\n",
            "".join(f"    server {address};\n" for address in upstreams),
            1,
        ),
        (
            "    listen 80 default_server;\n    listen [::]:80 default_server;\n"
            "    listen 443 ssl http2 default_server;\n"
            "    listen [::]:443 ssl http2 default_server;\n    ssl_reject_handshake on;\n",
            f"    listen 127.0.0.1:{redirect_port} default_server;\n"
            f"    listen 127.0.0.1:{port} default_server;\n",
            1,
        ),
        ("    listen 80;\n    listen [::]:80;\n", f"    listen 127.0.0.1:{redirect_port};\n", 1),
        (
            "    listen 443 ssl http2;\n    listen [::]:443 ssl http2;\n",
            f"    listen 127.0.0.1:{port};\n",
            1,
        ),
        (
            "    ssl_certificate /etc/letsencrypt/live/declaration.example.org/fullchain.pem;\n",
            "",
            1,
        ),
        (
            "    ssl_certificate_key /etc/letsencrypt/live/declaration.example.org/privkey.pem;\n",
            "",
            1,
        ),
        ("server_name declaration.example.org;", "server_name 127.0.0.1;", 2),
        ("https://declaration.example.org$request_uri", "https://127.0.0.1$request_uri", 1),
        ("/var/cache/nginx/declaration ", f"{folder / 'cache'} ", 1),
        ("/var/lib/declaration/media/;", f"{media_root}/;", 1),
        ("/run/declaration-compressing.sock", str(folder / "compressing.sock"), 2),
    ]
    for old, new, times in replacements:
        if config.count(old) != times:
            raise ValueError(f"{NGINX_CONFIG} should hold {old!r} {times} time(s).")
        config = config.replace(old, new)
    return config


def start_nginx(
    *, folder: Path, upstreams: list[str], media_root: Path, port: int | None = None
) -> tuple[subprocess.Popen, str]:
    """Debian's nginx, as an ordinary user, running the repository's configuration
    (nginx_config) inside a main configuration like Debian's /etc/nginx/nginx.conf, with its
    pid, logs and temporary files in `folder`. Two worker processes, as on a 2-core server.
    Returns the process and the site's URL, once it answers."""
    folder.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    (folder / "declaration.conf").write_text(
        nginx_config(folder=folder, port=port, upstreams=upstreams, media_root=media_root)
    )
    temp = "".join(
        f"    {kind}_temp_path {folder / kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (folder / "nginx.conf").write_text(
        f"load_module {BROTLI_MODULE};\n"
        # As root (a container), its workers would run as nobody, who cannot read the
        # temporary folders; as anyone else they run as that user.
        + ("user root root;\n" if os.geteuid() == 0 else "")
        + "daemon off;\nworker_processes 2;\n"
        f"pid {folder / 'nginx.pid'};\nerror_log {folder / 'error.log'} warn;\n"
        "events { worker_connections 4096; }\n"
        "http {\n    sendfile on;\n    tcp_nopush on;\n    types_hash_max_size 2048;\n"
        "    include /etc/nginx/mime.types;\n    default_type application/octet-stream;\n"
        f"    access_log off;\n{temp}"
        f"    include {folder / 'declaration.conf'};\n}}\n"
    )
    # -e: the log before the configuration is read (Debian's default needs root).
    command = [
        NGINX,
        "-p",
        str(folder),
        "-c",
        str(folder / "nginx.conf"),
        "-e",
        str(folder / "error.log"),
    ]
    subprocess.run([*command, "-t", "-q"], check=True)
    server = subprocess.Popen(command)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 10
    while True:
        try:
            urllib.request.urlopen(f"{url}/healthz", timeout=1)
            return server, url
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                stop(server)
                log = folder / "error.log"
                raise RuntimeError(f"nginx did not answer on {url}: see {log}") from None
            time.sleep(0.1)
