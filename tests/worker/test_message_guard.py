"""Queue messages are data only: a signed message naming anything but our tasks, or carrying
an object whose unpickling would call code, is refused before it runs and ends dead-lettered
(SQS) or as a failed task (ORM broker) — with the real cluster on both brokers."""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from django_q import core_signing
from django_q.brokers import get_broker
from django_q.conf import Conf
from django_q.models import OrmQ, Task
from django_q.signing import SignedPackage

from tests.support.queues import queue_depth
from vpr_jobs import queue
from vpr_jobs.integrations import aws
from vpr_jobs.models import Job, JobStatus


def signed_task(func: Any, *args: Any, **kwargs: Any) -> str:
    """A message exactly as django-q2's `async_task` packs it, signed with this cluster's key."""
    return SignedPackage.dumps(
        {
            "id": uuid.uuid4().hex,
            "name": "evil",
            "func": func,
            "args": args,
            "kwargs": kwargs,
            "started": timezone.now(),
        }
    )


class RunsOnUnpickle:
    """An object whose unpickling calls `os.system` (pickle's __reduce__)."""

    def __init__(self, command: str) -> None:
        self.command = command

    def __reduce__(self) -> tuple:
        return (os.system, (self.command,))


@pytest.fixture
def marker(tmp_path: Path) -> Path:
    """A file that exists only if a refused message ran."""
    return tmp_path / "ran"


@pytest.fixture
def evil_messages(marker: Path) -> dict[str, str]:
    return {
        "names os.system": signed_task("os.system", f"touch {marker}"),
        "runs on unpickle": signed_task(queue.TASK, RunsOnUnpickle(f"touch {marker}")),
        "names a callable object": signed_task(os.system, f"touch {marker}"),
    }


# --------------------------------------------------------------------------- the check


def test_our_own_messages_pass(settings: Any):
    job_id = str(uuid.uuid4())

    assert queue.decode_message(signed_task(queue.TASK, job_id))["args"] == (job_id,)
    assert queue.decode_message(signed_task(queue.SWEEP_TASK))["func"] == queue.SWEEP_TASK
    assert queue.decode_job_id(signed_task(queue.TASK, job_id)) == job_id


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (lambda: signed_task("os.system", "true"), "names 'os.system', not a VPR task"),
        (lambda: signed_task(os.system, "true"), "is not plain data"),
        (lambda: signed_task(queue.TASK, RunsOnUnpickle("true")), "is not plain data"),
        (lambda: signed_task(queue.TASK, "a", "b"), "not a VPR job message"),
        (lambda: signed_task(queue.TASK, "x", shell=True), "not a VPR job message"),
        (lambda: signed_task(queue.TASK, "not-a-uuid"), "job id is not a UUID"),
        (
            lambda: core_signing.dumps(
                {"func": queue.TASK, "args": (str(uuid.uuid4()),)},
                key="not-this-clusters-secret",
                salt=Conf.PREFIX,
            ),
            "bad signature",
        ),
        (lambda: "garbage", "bad signature"),
    ],
)
def test_anything_else_is_refused_without_running(body: Any, reason: str, marker: Path):
    with pytest.raises(queue.RefusedMessage, match=reason):
        queue.decode_message(body())


def test_checking_a_message_runs_nothing_in_it(evil_messages: dict[str, str], marker: Path):
    for body in evil_messages.values():
        with pytest.raises(queue.RefusedMessage):
            queue.decode_message(body)

    assert not marker.exists()


# --------------------------------------------------------------------------- ORM broker


@pytest.mark.django_db(transaction=True)
def test_orm_broker_refuses_them_as_failed_tasks_and_still_runs_real_jobs(
    evil_messages: dict[str, str], marker: Path, submit: Any, run_cluster: Any
):
    broker = get_broker()
    assert isinstance(broker, queue.GuardedOrm)
    for body in evil_messages.values():
        broker.enqueue(body)
    job_id = submit().json()["job_id"]  # queued behind them

    run_cluster(
        lambda: (
            Job.objects.get(pk=job_id).status == JobStatus.COMPLETED
            and not OrmQ.objects.exists()
            and Task.objects.filter(success=False).count() == 3
        )
    )

    assert not marker.exists()  # nothing ran, not even while unpickling
    assert Job.objects.get(pk=job_id).status == JobStatus.COMPLETED
    assert not OrmQ.objects.exists()  # no message left to retry
    refused = Task.objects.filter(success=False)
    assert set(refused.values_list("name", flat=True)) == {"refused message"}
    assert {task.func for task in refused} >= {"os.system"}
    assert all(str(task.result).startswith("Refused, not run: ") for task in refused)


# --------------------------------------------------------------------------- SQS (moto)


@pytest.mark.django_db(transaction=True)
def test_sqs_broker_dead_letters_them_at_once_and_still_runs_real_jobs(
    evil_messages: dict[str, str], marker: Path, submit: Any, sqs_queue: dict, run_cluster: Any
):
    sqs = aws.client("sqs")
    for body in evil_messages.values():
        sqs.send_message(QueueUrl=sqs_queue["queue_url"], MessageBody=body)
    job_id = submit().json()["job_id"]

    run_cluster(
        lambda: (
            Job.objects.get(pk=job_id).status == JobStatus.COMPLETED
            and queue_depth(sqs_queue["dlq_url"]) == 3
            and queue_depth(sqs_queue["queue_url"]) == 0
        ),
        timeout=60,
    )

    assert not marker.exists()
    assert Job.objects.get(pk=job_id).status == JobStatus.COMPLETED
    assert queue_depth(sqs_queue["queue_url"]) == 0
    letters = sqs.receive_message(
        QueueUrl=sqs_queue["dlq_url"],
        MaxNumberOfMessages=10,
        MessageAttributeNames=["All"],
        AttributeNames=["All"],
    )["Messages"]
    assert {letter["Body"] for letter in letters} == set(evil_messages.values())
    reasons = {letter["MessageAttributes"]["refused"]["StringValue"] for letter in letters}
    assert "names 'os.system', not a VPR task" in reasons
    # Moved by the guard on the first receive, not by the redrive policy after three.
    assert {letter["Attributes"]["ApproximateReceiveCount"] for letter in letters} == {"1"}
