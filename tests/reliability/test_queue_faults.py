"""The queue misbehaving: SQS unreachable at submit time, and poison messages.

SQS is moto's server over HTTP; "unreachable" is a loopback port nobody listens on. Poison
messages are sent straight to the jobs queue with boto3, the way a stray producer would.
"""

from __future__ import annotations

import socket
import time
import uuid
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_q import core_signing
from django_q.conf import Conf
from django_q.models import Task
from django_q.signing import SignedPackage

from tests.reliability.support import free_port
from tests.support.queues import queue_depth
from vpr_jobs import queue
from vpr_jobs.integrations import aws
from vpr_jobs.models import Job, JobStatus, VPRArtifact

pytestmark = pytest.mark.django_db(transaction=True)


def _job(job_id: str) -> Job:
    return Job.objects.get(pk=job_id)


def _command(name: str, *args: str) -> str:
    out = StringIO()
    call_command(name, *args, stdout=out, stderr=out)
    return out.getvalue()


# --------------------------------------------------------------------------- SQS outage


def test_sqs_unreachable_at_submit_is_202_pending_then_the_sweeper_delivers_it(
    submit: Any,
    api: Any,
    sqs_queue: dict,
    run_cluster: Any,
    monkeypatch: pytest.MonkeyPatch,
    moto_server: str,
):
    """botocore's own retries are capped at 1 attempt during the outage, only so the refused
    connection fails fast; the app's code path (send fails → job stays PENDING) is real."""
    with monkeypatch.context() as outage:
        outage.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")
        outage.setenv("AWS_MAX_ATTEMPTS", "1")
        queue.broker.cache_clear()
        response = submit()
        queue.broker.cache_clear()

    assert response.status_code == 202
    job_id = response.json()["job_id"]
    job = _job(job_id)
    assert (job.status, job.enqueued_at) == (JobStatus.PENDING, None)
    assert api.get(f"/api/vpr/status/{job_id}").json()["status"] == "PENDING"
    assert queue_depth(sqs_queue["queue_url"]) == 0  # nothing reached the queue

    # SQS is back. The sweeper leaves a job alone for its first minute (it may still be
    # between commit and send): age this one past that grace instead of sleeping.
    Job.objects.filter(pk=job_id).update(created_at=timezone.now() - timedelta(minutes=2))
    assert "re-sent 1," in _command("sweep_jobs")
    assert "re-sent 0," in _command("sweep_jobs")  # idempotent: one message, not two
    assert queue_depth(sqs_queue["queue_url"]) == 1
    assert _job(job_id).enqueued_at is not None

    run_cluster(lambda: _job(job_id).status == JobStatus.COMPLETED)

    job = _job(job_id)
    assert (job.status, job.attempts) == (JobStatus.COMPLETED, 1)
    assert VPRArtifact.objects.filter(job_id=job_id).count() == 1
    assert queue_depth(sqs_queue["queue_url"]) == 0


@pytest.mark.slow
def test_sqs_black_hole_at_submit_still_answers_202_in_seconds(
    submit: Any, sqs_queue: dict, monkeypatch: pytest.MonkeyPatch
):
    """An endpoint that accepts connections and never answers (a network black hole, not a
    refusal): botocore's defaults would hold the request past gunicorn's 30 s timeout."""
    with socket.socket() as hole:
        hole.bind(("127.0.0.1", 0))
        hole.listen(64)
        monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{hole.getsockname()[1]}")
        queue.broker.cache_clear()
        began = time.monotonic()
        response = submit()
        elapsed = time.monotonic() - began
    queue.broker.cache_clear()

    assert response.status_code == 202
    assert elapsed < 15, elapsed
    job = _job(response.json()["job_id"])
    assert (job.status, job.enqueued_at) == (JobStatus.PENDING, None)  # the sweeper's to send


def test_the_broker_never_creates_a_missing_queue(sqs_queue: dict, settings: Any):
    """django-q2's stock broker would create it without a redrive policy (no DLQ)."""
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError):
        queue.DeadLetteringSqs(list_key="careervp-no-such-queue")
    assert "careervp-no-such-queue" not in str(aws.client("sqs").list_queues())


# --------------------------------------------------------------------------- poison messages


def _send_poison(queue_url: str) -> dict[str, str]:
    """Three messages no producer of ours would send; returns kind → body."""
    unknown_job = SignedPackage.dumps(
        {
            "id": uuid.uuid4().hex,
            "name": "vpr:unknown",
            "func": queue.TASK,
            "args": (str(uuid.uuid4()),),
            "kwargs": {},
            "started": timezone.now(),
        }
    )
    forged = core_signing.dumps(
        {"func": queue.TASK, "args": (str(uuid.uuid4()),), "kwargs": {}},
        key="not-this-clusters-secret",
        salt=Conf.PREFIX,
        compress=True,
    )
    bodies = {"garbage": "{not json, not signed", "unknown_job": unknown_job, "forged": forged}
    sqs = aws.client("sqs")
    for body in bodies.values():
        sqs.send_message(QueueUrl=queue_url, MessageBody=body)
    return bodies


def _poison_then_a_real_job(submit: Any, sqs_queue: dict) -> str:
    _send_poison(sqs_queue["queue_url"])  # first in the queue
    return submit().json()["job_id"]


def test_poison_messages_never_crash_a_worker_and_a_real_job_still_completes(
    submit: Any, sqs_queue: dict, run_cluster: Any, monkeypatch: Any
):
    # Successes are not kept in production (save_limit -1); here they are the evidence.
    monkeypatch.setattr(Conf, "SAVE_LIMIT", 0)
    job_id = _poison_then_a_real_job(submit, sqs_queue)

    run_cluster(
        lambda: (
            _job(job_id).status == JobStatus.COMPLETED and queue_depth(sqs_queue["queue_url"]) == 0
        )
    )

    assert _job(job_id).status == JobStatus.COMPLETED
    assert Job.objects.count() == 1  # no poison message created or touched a job
    # The one worker (WORKERS=1) ran the real job after the poison: nothing crashed it.
    assert Task.objects.filter(name=f"vpr:{job_id}", success=True).exists()


@pytest.mark.slow
def test_poison_messages_end_in_the_dlq_and_are_reported(
    submit: Any, sqs_queue: dict, run_cluster: Any
):
    """`DeadLetteringSqs` leaves undecodable messages to the redrive policy and the task
    raises for an unknown job id, so all three reach the DLQ while a real job completes."""
    job_id = _poison_then_a_real_job(submit, sqs_queue)

    run_cluster(
        lambda: (
            _job(job_id).status == JobStatus.COMPLETED and queue_depth(sqs_queue["dlq_url"]) == 3
        ),
        timeout=60,
    )

    assert _job(job_id).status == JobStatus.COMPLETED
    assert queue_depth(sqs_queue["dlq_url"]) == 3
    assert queue_depth(sqs_queue["queue_url"]) == 0
    report = _command("requeue_dlq", "--dry-run")
    assert "3 message(s) in the dead-letter queue examined" in report
    assert report.count("invalid (bad signature (not signed by this cluster))") == 2
    assert report.count("invalid (job no longer exists)") == 1
    assert report.count("left in the DLQ") == 3
    assert queue_depth(sqs_queue["dlq_url"]) == 3  # a dry run moves nothing
