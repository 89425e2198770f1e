"""`manage.py qcluster` stops the way the platform stops it, and leaves nothing behind.

Real clusters in subprocesses (their own session, so their own process group), on the ORM
broker and on SQS (moto's server). systemd's default `KillMode=control-group` sends SIGTERM to
every process of the group; after the stop timeout it SIGKILLs. django-q2 alone hangs on the
first (issues #66, #346), and a SIGKILLed main process left its sentinel, pusher and workers
running, still consuming the queue.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from typing import Any

import pytest
from django.utils import timezone
from django_q.models import OrmQ

from tests.support.processes import live_members, wait_until
from tests.support.queues import sqs_depth
from vpr_jobs.models import Job, JobStatus

pytestmark = pytest.mark.django_db(transaction=True)

GRACE_SECONDS = 10  # well inside systemd's default stop timeout (90 s)
WORKERS = 2
CLUSTER_SIZE = WORKERS + 4  # main, sentinel, pusher, monitor


def running_cluster(qcluster: Any, submit: Any, **env: str) -> subprocess.Popen:
    """A cluster that has proven it consumes: a submitted job completed through it."""
    cluster = qcluster.start(VPR_WORKERS=str(WORKERS), **env)
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


def test_orm_cluster_exits_within_grace_when_its_group_gets_sigterm(qcluster: Any, submit: Any):
    sigterm_group_exits_within_grace(running_cluster(qcluster, submit))


def test_orm_cluster_exits_when_only_its_main_process_gets_sigterm(qcluster: Any, submit: Any):
    cluster = running_cluster(qcluster, submit)
    os.kill(cluster.pid, signal.SIGTERM)

    cluster.wait(timeout=GRACE_SECONDS)

    assert cluster.returncode == 0
    assert wait_until(lambda: not live_members(cluster.pid), 3), live_members(cluster.pid)


def test_orm_cluster_sigkilled_main_leaves_no_consumer(qcluster: Any, submit: Any, vpr_body: dict):
    sigkill_main_leaves_no_process(running_cluster(qcluster, submit))

    job_id = submit({**vpr_body, "application_id": "app-after-kill"}).json()["job_id"]
    time.sleep(3)  # the ORM broker's pusher polls every 0.5 s

    # Still untaken: a dequeue locks a message until now + retry. (The first job's message
    # may still be there too: its acknowledgement can lose the race with the kill.)
    message = OrmQ.objects.order_by("-id").first()
    assert message is not None and message.lock <= timezone.now()
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
    qcluster: Any, submit: Any, sqs_queue: dict, aws: str
):
    sigterm_group_exits_within_grace(running_cluster(qcluster, submit, **_sqs_env(aws)))


def test_sqs_cluster_sigkilled_main_leaves_no_consumer(
    qcluster: Any, submit: Any, vpr_body: dict, sqs_queue: dict, aws: str
):
    sigkill_main_leaves_no_process(running_cluster(qcluster, submit, **_sqs_env(aws)))
    # A long poll the dead pusher had open runs on in the server for up to its wait time
    # (1 s) and would take a message sent meanwhile: let it end first.
    time.sleep(2)

    job_id = submit({**vpr_body, "application_id": "app-after-kill"}).json()["job_id"]
    time.sleep(3)  # three long polls of a pusher, had one survived

    assert sqs_depth(sqs_queue["queue_url"]) == (1, 0)  # visible: nobody received it
    assert Job.objects.get(pk=job_id).status == JobStatus.PENDING
