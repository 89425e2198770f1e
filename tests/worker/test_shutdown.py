"""`manage.py qcluster` stops the way the platform stops it, and leaves nothing behind.

Real clusters in subprocesses (their own session, so their own process group), on the ORM
broker and on SQS (moto's server). systemd's default `KillMode=control-group` sends SIGTERM to
every process of the group; after the stop timeout it SIGKILLs. django-q2 alone hangs on the
first (issues #66, #346), and a SIGKILLed main process left its sentinel, pusher and workers
running, still consuming the queue.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django_q.models import OrmQ

from tests.reliability.support import BASE_DIR, database_url
from tests.support.queues import sqs_depth
from vpr_jobs.models import Job, JobStatus

pytestmark = pytest.mark.django_db(transaction=True)

GRACE_SECONDS = 10  # well inside systemd's default stop timeout (90 s)
WORKERS = 2
CLUSTER_SIZE = WORKERS + 4  # main, sentinel, pusher, monitor


def live_members(pgid: int) -> list[int]:
    """Processes of the group that are still running (zombies have exited)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError):
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            state, group = fields[0], int(fields[2])
            if group == pgid and state not in ("Z", "X"):
                pids.append(int(entry.name))
    return pids


def wait_until(predicate: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


@pytest.fixture
def start_qcluster(tmp_path: Path) -> Iterator[Callable[..., subprocess.Popen]]:
    started: list[subprocess.Popen] = []

    def start(**env: str) -> subprocess.Popen:
        full_env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "careervp.settings",
            "DATABASE_URL": database_url(connection.settings_dict),
            "VPR_LOCAL_RESULTS_DIR": str(tmp_path / "results"),
            "VPR_WORKERS": str(WORKERS),
            "DJANGO_Q_LOG_LEVEL": "INFO",
            **env,
        }
        with (tmp_path / "qcluster.log").open("ab") as log:
            process = subprocess.Popen(
                [sys.executable, "manage.py", "qcluster"],
                cwd=BASE_DIR,
                env=full_env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, as under systemd
            )
        started.append(process)
        return process

    yield start
    for process in started:  # whatever a failed test left running
        for pid in live_members(process.pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=5)


def running_cluster(start: Callable[..., subprocess.Popen], submit: Any, **env: str) -> Any:
    """A cluster that has proven it consumes: a submitted job completed through it."""
    cluster = start(**env)
    job_id = submit().json()["job_id"]
    completed = wait_until(
        lambda: Job.objects.filter(pk=job_id, status=JobStatus.COMPLETED).exists(), 60
    )
    assert completed, "the cluster did not process a job"
    assert wait_until(lambda: len(live_members(cluster.pid)) == CLUSTER_SIZE, 10)
    return cluster


def sigterm_group_exits_within_grace(cluster: subprocess.Popen) -> None:
    os.killpg(cluster.pid, signal.SIGTERM)
    started = time.monotonic()

    cluster.wait(timeout=GRACE_SECONDS)  # TimeoutExpired = the upstream hang

    assert time.monotonic() - started < GRACE_SECONDS
    assert cluster.returncode == 0
    assert wait_until(lambda: not live_members(cluster.pid), 3), live_members(cluster.pid)


def sigkill_main_leaves_no_process(cluster: subprocess.Popen) -> None:
    os.kill(cluster.pid, signal.SIGKILL)
    cluster.wait(timeout=5)

    assert wait_until(lambda: not live_members(cluster.pid), 3), live_members(cluster.pid)


def test_orm_cluster_exits_within_grace_when_its_group_gets_sigterm(
    start_qcluster: Any, submit: Any
):
    sigterm_group_exits_within_grace(running_cluster(start_qcluster, submit))


def test_orm_cluster_exits_when_only_its_main_process_gets_sigterm(
    start_qcluster: Any, submit: Any
):
    cluster = running_cluster(start_qcluster, submit)
    os.kill(cluster.pid, signal.SIGTERM)

    cluster.wait(timeout=GRACE_SECONDS)

    assert cluster.returncode == 0
    assert wait_until(lambda: not live_members(cluster.pid), 3), live_members(cluster.pid)


def test_orm_cluster_sigkilled_main_leaves_no_consumer(
    start_qcluster: Any, submit: Any, vpr_body: dict
):
    sigkill_main_leaves_no_process(running_cluster(start_qcluster, submit))

    job_id = submit({**vpr_body, "application_id": "app-after-kill"}).json()["job_id"]
    time.sleep(3)  # the ORM broker's pusher polls every 0.5 s

    assert OrmQ.objects.count() == 1  # still queued: nobody took it
    assert Job.objects.get(pk=job_id).status == JobStatus.PENDING


def _sqs_env(aws: str) -> dict[str, str]:
    return {
        "QUEUE_BACKEND": "sqs",
        "AWS_ENDPOINT_URL": aws,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "us-east-1",
        "VPR_SQS_WAIT_SECONDS": "1",
    }


def test_sqs_cluster_exits_within_grace_when_its_group_gets_sigterm(
    start_qcluster: Any, submit: Any, sqs_queue: dict, aws: str
):
    sigterm_group_exits_within_grace(running_cluster(start_qcluster, submit, **_sqs_env(aws)))


def test_sqs_cluster_sigkilled_main_leaves_no_consumer(
    start_qcluster: Any, submit: Any, vpr_body: dict, sqs_queue: dict, aws: str
):
    sigkill_main_leaves_no_process(running_cluster(start_qcluster, submit, **_sqs_env(aws)))
    # A long poll the dead pusher had open runs on in the server for up to its wait time
    # (1 s) and would take a message sent meanwhile: let it end first.
    time.sleep(2)

    job_id = submit({**vpr_body, "application_id": "app-after-kill"}).json()["job_id"]
    time.sleep(3)  # three long polls of a pusher, had one survived

    assert sqs_depth(sqs_queue["queue_url"]) == (1, 0)  # visible: nobody received it
    assert Job.objects.get(pk=job_id).status == JobStatus.PENDING
