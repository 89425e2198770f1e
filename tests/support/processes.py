"""Real `manage.py qcluster` subprocesses for tests: started in their own session (their own
process group, as under systemd), found again through /proc."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from tests.reliability.support import BASE_DIR, database_url


def live_members(pgid: int) -> list[int]:
    """Processes of the group that are still running (zombies have exited)."""
    return _running_with(PGRP, pgid)


def session_members(sid: int) -> list[int]:
    """Processes of the session that are still running, whatever group they moved to."""
    return _running_with(SESSION, sid)


# Fields of /proc/<pid>/stat after the command name (which may contain spaces and ")").
STATE, PGRP, SESSION = 0, 2, 3


def _running_with(field: int, value: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError):
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[field]) == value and fields[STATE] not in ("Z", "X"):
                pids.append(int(entry.name))
    return pids


def wait_until(predicate: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


class QClusters:
    """Starts clusters on the test database; `stop_all()` SIGKILLs whatever is left."""

    def __init__(self, settings_dict: Mapping[str, Any], workdir: Path) -> None:
        self.settings_dict = settings_dict
        self.log = workdir / "qcluster.log"
        self.results = workdir / "results"
        self.started: list[subprocess.Popen] = []

    def start(self, **env: str) -> subprocess.Popen:
        full_env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "careervp.settings",
            "DATABASE_URL": database_url(self.settings_dict),
            "VPR_LOCAL_RESULTS_DIR": str(self.results),
            **env,
        }
        with self.log.open("ab") as log:
            process = subprocess.Popen(
                [sys.executable, "manage.py", "qcluster"],
                cwd=BASE_DIR,
                env=full_env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.started.append(process)
        return process

    def stop_all(self) -> None:
        for process in self.started:
            for pid in live_members(process.pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=5)

    def log_lines(self) -> list[str]:
        return self.log.read_text().splitlines() if self.log.exists() else []


def qclusters(settings_dict: Mapping[str, Any], workdir: Path) -> Iterator[QClusters]:
    clusters = QClusters(settings_dict, workdir)
    try:
        yield clusters
    finally:
        clusters.stop_all()
