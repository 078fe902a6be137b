"""The systemd units in deploy/systemd run as written. There is no systemd here, so each test
reads a unit's WorkingDirectory, EnvironmentFile and ExecStart, with the repository in place of
/srv/declaration and deploy/environment.example filled in for the test (a database of its own,
the test's signing key, scratch folders), and runs that command line as systemd would: gunicorn
answers /healthz as nginx would ask it and reloads gracefully on HUP (ExecReload), the task
worker takes a task, the backup service writes an archive. `systemd-analyze verify` checks the
units' syntax and that their programs exist, where the machine has it.
"""

import configparser
import os
import re
import shlex
import shutil
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from bench.site_processes import ROOT, free_port, manage, stop
from tests.conftest import PASSPHRASE
from tests.test_scale_out import database_of_its_own

pytestmark = pytest.mark.xdist_group("deployment")

UNITS = ROOT / "deploy" / "systemd"
INSTALLED_AT = "/srv/declaration"
ENVIRONMENT_FILE = "/etc/declaration/environment"
BACKUPS = "/var/backups/declaration"
PUBLIC_HOST = "declaration.example.org"


def read_environment_file(path: Path) -> dict:
    """KEY=value lines as systemd's EnvironmentFile reads them (no expansion, # comments)."""
    values = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith(("#", ";")):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip().strip('"')
    return values


def fill(example: str, values: dict) -> str:
    """The example environment file with `values` in place of its own, or added at the end."""
    lines = []
    for line in example.splitlines():
        name = line.partition("=")[0]
        lines.append(f"{name}={values.pop(name)}" if name in values else line)
    return "\n".join([*lines, *(f"{name}={value}" for name, value in values.items())]) + "\n"


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str
    parser.read(UNITS / name)
    return parser


class Unit:
    """A unit's [Service] as this machine runs it: paths moved, `%i` the instance."""

    def __init__(self, name: str, *, instance: str = "", paths: dict[str, str]):
        self.service = unit(name)["Service"]
        self.paths = {"%i": instance, **paths}

    def resolve(self, text: str) -> str:
        for old, new in self.paths.items():
            text = text.replace(old, new)
        return text

    def command(self, key: str = "ExecStart") -> list[str]:
        return shlex.split(self.resolve(self.service[key]))

    @property
    def working_directory(self) -> Path:
        return Path(self.resolve(self.service["WorkingDirectory"]))

    @property
    def environment(self) -> dict:
        keep = {"PATH", "HOME", "LANG", "TMPDIR"}
        inherited = {name: value for name, value in os.environ.items() if name in keep}
        file = Path(self.resolve(self.service["EnvironmentFile"]))
        own = dict(
            setting.split("=", 1)
            for setting in shlex.split(self.resolve(self.service.get("Environment", "")))
        )
        return {**inherited, **read_environment_file(file), **own}

    def start(self, **kwargs) -> subprocess.Popen:
        # systemd creates the RuntimeDirectory, empty, under /run before it starts the service.
        if runtime := self.service.get("RuntimeDirectory"):
            Path(self.resolve(f"/run/{runtime}")).mkdir(parents=True)
        return subprocess.Popen(
            self.command(), cwd=self.working_directory, env=self.environment, **kwargs
        )


@pytest.fixture(scope="module")
def installed(signing_key, tmp_path_factory):
    """The example environment filled in for this test, in a file, and the paths that the
    units name mapped to this machine's; the database migrated and the static files collected,
    as a deployment does."""
    folder = tmp_path_factory.mktemp("deployment")
    example = (ROOT / "deploy" / "environment.example").read_text()
    with database_of_its_own("units", folder=folder) as database_url:
        filled = {
            "SECRET_KEY": "a-secret-key-for-this-test-only-" + "x" * 20,
            "DATABASE_URL": database_url,
            "CACHE_URL": "locmem://",
            "MEDIA_ROOT": str(folder / "media"),
            "STATIC_ROOT": str(folder / "static"),
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(folder / "emails"),
            "PDF_SIGNING_PKCS12": str(signing_key),
            "PDF_SIGNING_PASSPHRASE": PASSPHRASE,
            "LOG_LEVEL": "WARNING",
        }
        environment_file = folder / "environment"
        environment_file.write_text(fill(example, filled))
        paths = {
            INSTALLED_AT: str(ROOT),
            ENVIRONMENT_FILE: str(environment_file),
            BACKUPS: str(folder / "backups"),
            "/run/": f"{folder / 'run'}/",
        }
        env = {**os.environ, **read_environment_file(environment_file)}
        manage("migrate", "--noinput", "-v0", env=env)
        manage("collectstatic", "--noinput", "-v0", env=env)
        yield {"paths": paths, "folder": folder}


def ask_as_nginx(port: int, path: str, *, timeout: float = 10) -> tuple[int, str]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        headers={"Host": PUBLIC_HOST, "X-Forwarded-Proto": "https", "X-Real-IP": "203.0.113.9"},
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.status, response.read().decode()


def wait_for(check, *, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if result := check():
                return result
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"Not within {seconds} s: {what}")


def worker_pids(server: subprocess.Popen) -> set[int]:
    import psutil

    return {child.pid for child in psutil.Process(server.pid).children()}


def test_the_web_unit_serves_healthz_on_its_port_as_nginx_asks(installed):
    port = free_port()
    web = Unit("declaration-web@.service", instance=str(port), paths=installed["paths"])
    assert web.command()[web.command().index("--bind") + 1] == f"127.0.0.1:{port}"
    server = web.start()
    try:
        status, body = wait_for(
            lambda: ask_as_nginx(port, "/healthz"), seconds=60, what="gunicorn answers /healthz"
        )
        assert (status, body.splitlines()[0]) == (200, "ok")
        # Prometheus, asking the server itself, gets every worker's counts (the unit's folder
        # for them); a request that nginx forwards from outside does not.
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
            assert b"declaration_task_queue_depth" in response.read()
        assert any(Path(web.environment["PROMETHEUS_MULTIPROC_DIR"]).iterdir())
        with pytest.raises(urllib.error.HTTPError) as refused:
            ask_as_nginx(port, "/metrics")
        assert refused.value.code == 404
    finally:
        stop(server)


def test_the_worker_unit_takes_a_task_from_the_queue(installed):
    worker = Unit("declaration-worker@.service", instance="1", paths=installed["paths"])
    assert worker.command()[-2:] == ["db_worker", "--no-reload"]
    manage(
        "shell",
        "-c",
        "from endorsements.tasks import build_open_data; build_open_data.enqueue()",
        env={**os.environ, **worker.environment},
    )
    media = installed["folder"] / "media"
    process = worker.start()
    try:
        wait_for(
            lambda: any(media.rglob("*.csv")),
            seconds=120,
            what="the worker builds the open data files it was asked to",
        )
    finally:
        process.send_signal(signal.SIGTERM)  # what systemctl stop sends (KillMode=mixed)
        assert process.wait(timeout=30) == 0


def test_the_backup_unit_writes_an_archive_and_its_timer_is_the_only_periodic_unit(installed):
    backup = Unit("declaration-backup.service", paths=installed["paths"])
    assert backup.service["Type"] == "oneshot"
    subprocess.run(
        backup.command(), cwd=backup.working_directory, env=backup.environment, check=True
    )
    assert len(list((installed["folder"] / "backups").glob("declaration-backup-*.tar"))) == 1
    timer = unit("declaration-backup.timer")
    assert timer["Timer"]["Persistent"] == "true"
    assert sorted(path.name for path in UNITS.glob("*.timer")) == ["declaration-backup.timer"]


class Prober(threading.Thread):
    """Asks /healthz as nginx would, again and again, and keeps every answer; like nginx
    (proxy_read_timeout), it waits up to 60 s for one: the machine is busy with the upgrade."""

    def __init__(self, port: int):
        super().__init__(daemon=True)
        self.port, self.answers, self.running = port, [], True

    def run(self):
        while self.running:
            try:
                self.answers.append(ask_as_nginx(self.port, "/healthz", timeout=60)[0])
            except OSError as error:
                self.answers.append(repr(error))
            time.sleep(0.05)


def test_an_upgrade_reloads_gunicorn_gracefully_and_restarts_the_worker(installed):
    port = free_port()
    web = Unit("declaration-web@.service", instance=str(port), paths=installed["paths"])
    worker = Unit("declaration-worker@.service", instance="1", paths=installed["paths"])
    server, task_worker = web.start(), worker.start()
    prober = Prober(port)
    try:
        wait_for(lambda: ask_as_nginx(port, "/healthz"), seconds=60, what="gunicorn answers")
        before = wait_for(lambda: worker_pids(server), seconds=10, what="gunicorn's workers")
        prober.start()
        reload = web.command("ExecReload")
        assert reload[-1] == "$MAINPID"
        upgrade = subprocess.run(
            [str(ROOT / "deploy" / "upgrade.sh")],
            env={
                "PATH": os.environ["PATH"],
                "ENVIRONMENT_FILE": installed["paths"][ENVIRONMENT_FILE],
                "WEB_RELOAD": shlex.join([*reload[:-1], str(server.pid)]),
                "WORKER_RESTART": f"kill -TERM {task_worker.pid}",
            },
            capture_output=True,
            text=True,
        )
        assert upgrade.returncode == 0, upgrade.stdout + upgrade.stderr
        steps = [
            line.split(" ", 2)[2]
            for line in upgrade.stdout.splitlines()
            if line.startswith("upgrade:")
        ]
        assert [step.split(":")[0] for step in steps] == [
            "migrate",
            "collectstatic",
            "load_declaration",
            "reload gunicorn",
            "restart the task workers",
            "done",
        ]
        wait_for(
            lambda: worker_pids(server) and not worker_pids(server) & before,
            seconds=60,
            what="new gunicorn workers replace the old after the HUP",
        )
        assert task_worker.wait(timeout=60) == 0
        time.sleep(1)
        prober.running = False
        prober.join()
        assert server.poll() is None
        assert set(prober.answers) == {200}, prober.answers
    finally:
        prober.running = False
        stop(server, task_worker)


@pytest.mark.skipif(
    not shutil.which("systemd-analyze"),
    reason="systemd-analyze is not installed (Debian: systemd), so the units are not verified",
)
def test_systemd_analyze_verifies_every_unit(tmp_path):
    for path in UNITS.iterdir():
        text = path.read_text().replace(INSTALLED_AT, str(ROOT))
        text = text.replace(ENVIRONMENT_FILE, str(ROOT / "deploy" / "environment.example"))
        (tmp_path / path.name).write_text(text)
    result = subprocess.run(
        ["systemd-analyze", "verify", *sorted(str(path) for path in tmp_path.iterdir())],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def test_nginx_sends_stored_files_from_the_media_root_of_the_example_environment():
    """The `/_stored/` alias and MEDIA_ROOT name the same folder (else every PDF and open
    data file is a 404 through nginx), and backups are written outside it (else each archive
    would hold the ones before it)."""
    example = read_environment_file(ROOT / "deploy" / "environment.example")
    config = (ROOT / "deploy" / "nginx" / "declaration.conf").read_text()
    alias = re.search(r"location /_stored/ \{[^}]*?\balias (\S+);", config).group(1)
    backup = shlex.split(unit("declaration-backup.service")["Service"]["ExecStart"])

    assert Path(alias) == Path(example["MEDIA_ROOT"])
    assert alias.endswith("/")
    assert BACKUPS in backup
    assert not Path(BACKUPS).is_relative_to(example["MEDIA_ROOT"])
    assert not Path(example["MEDIA_ROOT"]).is_relative_to(INSTALLED_AT)
