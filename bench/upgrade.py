"""For bench/writes.py --upgrade-midway: deploy/upgrade.sh run during the write load, with
gunicorn reloaded through its pid file and the email workers kept alive as systemd keeps them."""

import contextlib
import subprocess
import threading
import time
from pathlib import Path

import psutil
from site_processes import ROOT, start_worker, stop


class Workers:
    """The email workers, each started again when it exits, as systemd does
    (declaration-worker@.service, Restart=always); `restarted` counts the starts after the
    first."""

    def __init__(self, *, count: int, env: dict, log):
        self.env, self.log = env, log
        self.processes = [start_worker(env=env, log=log) for _ in range(count)]
        self.restarted = 0
        self.running = True
        self.thread = threading.Thread(target=self.supervise, daemon=True)
        self.thread.start()

    def supervise(self) -> None:
        while self.running:
            for index, process in enumerate(self.processes):
                if process.poll() is not None and self.running:
                    self.processes[index] = start_worker(env=self.env, log=self.log)
                    self.restarted += 1
            time.sleep(0.5)

    def stop(self) -> None:
        self.running = False
        self.thread.join()
        stop(*self.processes)


def web_workers(server: subprocess.Popen) -> set[int]:
    with contextlib.suppress(psutil.Error):
        return {child.pid for child in psutil.Process(server.pid).children()}
    return set()


def upgrade_later(
    *,
    after: float,
    env: dict,
    server: subprocess.Popen,
    pid_file: Path,
    workers: Workers,
    events: dict,
):
    """Run deploy/upgrade.sh after `after` seconds, reloading gunicorn through `pid_file` and
    stopping the workers with TERM (the supervisor starts them again); then wait until every
    gunicorn worker that served before has been replaced."""

    def upgrade():
        time.sleep(after)
        before = web_workers(server)
        events["upgrade_started"] = time.time()
        pids = " ".join(str(process.pid) for process in workers.processes)
        result = subprocess.run(
            [str(ROOT / "deploy" / "upgrade.sh")],
            env={
                **env,
                "ENVIRONMENT_FILE": "/nonexistent",
                "PYTHON": str(ROOT / ".venv" / "bin" / "python"),
                "WEB_RELOAD": f"kill -HUP $(cat {pid_file})",
                "WORKER_RESTART": f"kill -TERM {pids}",
            },
            capture_output=True,
            text=True,
        )
        events["upgrade_finished"] = time.time()
        events["upgrade_output"] = result.stdout + result.stderr
        events["upgrade_status"] = result.returncode
        deadline = time.time() + 60
        while web_workers(server) & before and time.time() < deadline:
            time.sleep(0.2)
        events["web_workers"] = (len(before), len(before - web_workers(server)))
        events["web_workers_replaced"] = time.time()

    thread = threading.Thread(target=upgrade, daemon=True)
    thread.start()
    return thread


def report_upgrade(events: dict, *, workers: Workers) -> None:
    start = events["load_started"]
    before, replaced = events["web_workers"]
    print(
        f"deploy/upgrade.sh ran from {events['upgrade_started'] - start:.1f} s to "
        f"{events['upgrade_finished'] - start:.1f} s of the load and exited with "
        f"{events['upgrade_status']}; gunicorn workers replaced after the HUP: {replaced} of "
        f"{before} (all by {events['web_workers_replaced'] - start:.1f} s); email workers "
        f"started again: {workers.restarted}; the load ended at "
        f"{events['load_ended'] - start:.1f} s"
    )
    for line in events["upgrade_output"].splitlines():
        if line.startswith("upgrade:") or events["upgrade_status"]:
            print(f"  {line}")
