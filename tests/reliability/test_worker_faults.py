"""The worker under fire: SIGKILL mid-generation, the database cut away, S3 refusing writes.

Every test runs the real django-q2 cluster (forked sentinel, pusher, worker, monitor) on
moto's SQS (visibility 4 s, dead-letter after 3 receives) and talks to Claude through the
local Anthropic-compatible HTTP server. The faults are real too: a signal, closed TCP
connections, a deleted bucket.
"""

from __future__ import annotations

import os
import signal
import time
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, connections

from tests.reliability.support import (
    TcpProxy,
    pid_alive,
    pids_connected_to,
)
from tests.support.fake_anthropic import ok, slow
from tests.support.queues import queue_depth
from vpr_jobs import queue
from vpr_jobs.integrations import aws
from vpr_jobs.models import Job, JobStatus, VPRArtifact

pytestmark = pytest.mark.django_db(transaction=True)

# The lease (VPR_WORKER_TIMEOUT_SECONDS) must end before the message comes back, or the
# redelivered claim is refused and the message dead-letters.
LEASE_SECONDS = 2
# Visibility / task time limit for the tests that act while a job runs: long enough that a
# loaded 2-core machine reaches the fault before django-q2's own 3 s limit would.
VISIBILITY_SECONDS, TASK_LIMIT_SECONDS = 8, 7


def _job(job_id: str) -> Job:
    return Job.objects.get(pk=job_id)


def _s3_keys(bucket: str) -> list[str]:
    listing = aws.client("s3").list_objects_v2(Bucket=bucket)
    return [item["Key"] for item in listing.get("Contents", [])]


@pytest.fixture
def roomy_visibility(sqs_queue: dict, monkeypatch: pytest.MonkeyPatch, settings: Any) -> dict:
    """`sqs_queue` with an 8 s visibility (django-q2 passes it on every receive) and the lease
    at 2 s, so a redelivered message finds the killed or failed attempt's lease expired."""
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "RETRY", VISIBILITY_SECONDS)
    monkeypatch.setattr(Conf, "TIMEOUT", TASK_LIMIT_SECONDS)
    settings.VPR_WORKER_TIMEOUT_SECONDS = LEASE_SECONDS
    return sqs_queue


def test_worker_killed_mid_generation_completes_exactly_once_after_redelivery(
    submit: Any,
    claude: Any,
    clean_content: dict,
    roomy_visibility: dict,
    s3_results: str,
    run_cluster: Any,
):
    sqs_queue = roomy_visibility
    # First call hangs (the worker is killed while waiting); the redelivered attempt succeeds.
    claude.script(slow(30, then=ok(clean_content)), ok(clean_content))
    claude_port = int(claude.base_url.rsplit(":", 1)[1])
    job_id = submit().json()["job_id"]
    killed: list[int] = []

    def kill_the_generating_worker_then_wait() -> bool:
        if not killed:
            if len(claude.requests) < 1:
                return False
            assert _job(job_id).status == JobStatus.PROCESSING
            pids = pids_connected_to(claude_port, descendants_of=os.getpid())
            if not pids:
                return False  # the request is recorded a moment before /proc shows it
            assert len(pids) == 1, pids
            killed.append(pids.pop())
            os.kill(killed[0], signal.SIGKILL)
            return False
        return _job(job_id).status == JobStatus.COMPLETED and (
            queue_depth(sqs_queue["queue_url"]) == 0
        )

    run_cluster(kill_the_generating_worker_then_wait, timeout=60)

    assert killed and not pid_alive(killed[0])
    job = _job(job_id)
    assert (job.status, job.attempts) == (JobStatus.COMPLETED, 2)
    assert len(claude.requests) == 2  # the killed call, then the redelivered one
    assert VPRArtifact.objects.filter(job_id=job_id).count() == 1
    assert _s3_keys(s3_results) == [job.result_key]  # the killed attempt wrote none
    assert not Job.objects.filter(status=JobStatus.PROCESSING).exists()
    assert queue_depth(sqs_queue["queue_url"]) == 0
    assert queue_depth(sqs_queue["dlq_url"]) == 0


@pytest.fixture
def db_proxy() -> Any:
    """Every database connection (this process and the forked cluster) goes through a TCP
    proxy the test can cut; the test database itself is untouched."""
    conn = connections["default"]
    saved = (conn.settings_dict["HOST"], conn.settings_dict["PORT"])
    proxy = TcpProxy((saved[0] or "127.0.0.1", int(saved[1] or 5432)))
    conn.close()
    conn.settings_dict["HOST"], conn.settings_dict["PORT"] = "127.0.0.1", str(proxy.port)
    try:
        yield proxy
    finally:
        conn.close()
        conn.settings_dict["HOST"], conn.settings_dict["PORT"] = saved
        proxy.close()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="cuts a TCP database connection")
def test_database_unreachable_in_the_worker_is_transient_and_retried(
    submit: Any,
    claude: Any,
    clean_content: dict,
    roomy_visibility: dict,
    run_cluster: Any,
    db_proxy: TcpProxy,
):
    sqs_queue = roomy_visibility
    # The database goes away while the model answers; it is back before the redelivery.
    claude.script(slow(1.0, then=ok(clean_content)), ok(clean_content))
    job_id = submit().json()["job_id"]
    outage: dict[str, float] = {}

    def cut_during_generation_then_restore() -> bool:
        now = time.monotonic()
        if "cut" not in outage:
            if len(claude.requests) < 1:
                return False
            connection.close()  # ours too: nothing may query while the database is away
            db_proxy.cut()
            outage["cut"] = now
            return False
        if "restored" not in outage:
            # Back once the worker has hit the outage (its reconnect was refused), well
            # before the message becomes visible again.
            if db_proxy.refused < 1 and now - outage["cut"] < 5:
                return False
            db_proxy.restore()
            outage["restored"] = now
        return _job(job_id).status == JobStatus.COMPLETED

    run_cluster(cut_during_generation_then_restore, timeout=60)

    assert db_proxy.severed >= 1  # the worker's live connection was cut
    assert db_proxy.refused >= 1  # and its reconnect refused
    job = _job(job_id)
    assert (job.status, job.attempts) == (JobStatus.COMPLETED, 2)
    assert len(claude.requests) == 2
    assert VPRArtifact.objects.filter(job_id=job_id).count() == 1
    assert queue_depth(sqs_queue["queue_url"]) == 0
    assert queue_depth(sqs_queue["dlq_url"]) == 0


@pytest.mark.slow
def test_s3_put_failing_is_retried_then_failed_and_dead_lettered(
    submit: Any, sqs_queue: dict, s3_results: str, run_cluster: Any, settings: Any
):
    """Rules generator (no model call): the only fault is S3 answering NoSuchBucket."""
    job_id = submit().json()["job_id"]
    aws.client("s3").delete_bucket(Bucket=s3_results)

    run_cluster(lambda: queue_depth(sqs_queue["dlq_url"]) == 1, timeout=60)

    job = _job(job_id)
    assert (job.status, job.error_code) == (JobStatus.FAILED, "RETRIES_EXHAUSTED")
    assert job.attempts == settings.VPR_MAX_ATTEMPTS
    assert "NoSuchBucket" in job.error
    assert not VPRArtifact.objects.filter(job_id=job_id).exists()
    assert queue_depth(sqs_queue["queue_url"]) == 0
    out = StringIO()
    call_command("requeue_dlq", "--dry-run", stdout=out, stderr=out)
    report = out.getvalue()
    assert f"{job_id} age" in report
    assert "FAILED, attempts 3" in report and "(would move)" in report
    letters = queue.dlq_receive(max_messages=10, hold_seconds=1)
    assert [letter.job_id for letter in letters] == [job_id]
