"""The only module that knows how job messages travel (django-q2 over the ORM or SQS).

The message carries the job id and nothing else: the worker reads everything from the row.
Dead-letter operations use plain receive → send → delete, which every SQS implementation
supports (moto has no `start_message_move_task`).

Messages are data, never instructions. A django-q2 message is a signed pickle naming a
function that its worker imports and calls (`django_q/worker.py`), and unpickling alone can
call code. Signing only proves the message was made with this cluster's secret, which every
instance holds; so the brokers here (`GuardedOrm`, `DeadLetteringSqs`) check each message as
it is dequeued, before the pusher unpickles it: signed, plain data only (unpickled without
importing anything but datetime types), naming a task of `ALLOWED_TASKS` with arguments of
the expected shape. A refused message is dead-lettered on SQS and recorded as a failed task
on the ORM broker; it never reaches a worker.
"""

from __future__ import annotations

import io
import logging
import pickle
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from uuid import UUID

from botocore.config import Config
from botocore.exceptions import ClientError
from django.conf import settings
from django.utils import timezone
from django_q import core_signing
from django_q.brokers import Broker, get_broker
from django_q.brokers.aws_sqs import Sqs
from django_q.brokers.orm import ORM
from django_q.conf import Conf
from django_q.humanhash import uuid as task_uuid
from django_q.models import Failure, Task
from django_q.tasks import async_task

from vpr_jobs.integrations import aws

TASK = "vpr_jobs.tasks.process_vpr_job"
SWEEP_TASK = "vpr_jobs.tasks.sweep_jobs"  # django-q2's schedule (migration 0003)
ALLOWED_TASKS = frozenset({TASK, SWEEP_TASK})

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------- message checks


class RefusedMessage(ValueError):
    """A queue message that is not data for one of `ALLOWED_TASKS`."""


class _DataOnlyUnpickler(pickle.Unpickler):
    """Unpickles strings, numbers, containers and the datetime types django-q2 stamps on a
    task; any other global (a function, a class to construct) is refused, not imported."""

    ALLOWED = frozenset(
        {("datetime", "datetime"), ("datetime", "timezone"), ("datetime", "timedelta")}
    )

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in self.ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not plain data")


class _DataOnlyPickle:
    """django-q2's pickle serializer, reading plain data only (checks never write)."""

    @staticmethod
    def loads(data: bytes) -> Any:
        return _DataOnlyUnpickler(io.BytesIO(data)).load()


def _load_data_only(body: str) -> Any:
    return core_signing.loads(
        body, key=Conf.SECRET_KEY, salt=Conf.PREFIX, serializer=_DataOnlyPickle
    )


def decode_message(body: str) -> dict[str, Any]:
    """The task in a django-q2 message, if it is one we run; RefusedMessage otherwise."""
    try:
        task = _load_data_only(body)
    except core_signing.BadSignature as exc:
        raise RefusedMessage("bad signature (not signed by this cluster)") from exc
    except pickle.UnpicklingError as exc:
        raise RefusedMessage(f"not plain data: {exc}") from exc
    except Exception as exc:
        raise RefusedMessage(f"undecodable body ({type(exc).__name__})") from exc
    if not isinstance(task, dict):
        raise RefusedMessage("not a task")
    func = task.get("func")
    if func not in ALLOWED_TASKS:
        raise RefusedMessage(f"names {str(func)[:200]!r}, not a VPR task")
    args, kwargs = task.get("args", ()), task.get("kwargs", {})
    if not isinstance(args, tuple | list) or not isinstance(kwargs, dict):
        raise RefusedMessage("arguments are not a list and a mapping")
    if func == TASK:
        if len(args) != 1 or kwargs:
            raise RefusedMessage("not a VPR job message")
        try:
            UUID(str(args[0]))
        except ValueError as exc:
            raise RefusedMessage("job id is not a UUID") from exc
    return task


def _refused_func(body: str) -> str:
    """What a refused message names, for the record (read as data only, never run)."""
    try:
        task = _load_data_only(body)
        return str(task.get("func"))[:256] if isinstance(task, dict) else "?"
    except Exception:  # noqa: BLE001 - undecodable: nothing more to say
        return "?"


class GuardedMessages:
    """Broker mixin: a message that `decode_message` refuses is taken out of the queue with
    `refuse()` as it is dequeued, so the pusher never unpickles it and no worker runs it."""

    def dequeue(self) -> list[tuple[Any, str]] | None:
        checked: list[tuple[Any, str]] = []
        for ack_id, body in super().dequeue() or []:  # type: ignore[misc]
            try:
                decode_message(body)
            except RefusedMessage as exc:
                log.error("queue message refused: %s", exc)
                self.refuse(ack_id, body, str(exc))
                continue
            checked.append((ack_id, body))
        return checked

    def refuse(self, ack_id: Any, body: str, reason: str) -> None:
        raise NotImplementedError


class GuardedOrm(GuardedMessages, ORM):
    """django-q2's ORM broker; a refused message becomes a failed task (admin: Failed tasks)."""

    def refuse(self, ack_id: Any, body: str, reason: str) -> None:
        now = timezone.now()
        Task.objects.create(
            id=task_uuid()[1],
            name="refused message",
            func=_refused_func(body),
            args=(),
            kwargs={},
            result=f"Refused, not run: {reason}",
            started=now,
            stopped=now,
            success=False,
            attempt_count=1,
            cluster=Conf.CLUSTER_NAME,
        )
        self.delete(ack_id)


class DeadLetteringSqs(GuardedMessages, Sqs):
    """django-q2's SQS broker, with SQS's redrive policy left in charge of bad messages.

    The stock broker deletes a message the pusher cannot unpack (garbage, a bad signature),
    so a poison message would vanish without trace; here it stays, is received again and is
    moved to the dead-letter queue after `maxReceiveCount` receives, where `requeue_dlq`
    reports it. Acknowledging a message whose receipt handle went stale (its task outlived
    the visibility timeout and it was received again) is logged instead of crashing the
    cluster's monitor: the newer delivery is acknowledged by its own worker. A message that
    is not data for one of our tasks (`decode_message`) is moved to the dead-letter queue at
    once, with the reason as a message attribute.
    """

    def refuse(self, ack_id: Any, body: str, reason: str) -> None:
        """Send to the DLQ, then delete: a crash in between leaves a copy, never runs one."""
        aws.client("sqs").send_message(
            QueueUrl=aws.sqs_queue_url(settings.VPR_JOBS_DLQ_NAME),
            MessageBody=body,
            MessageAttributes={"refused": {"DataType": "String", "StringValue": reason[:1000]}},
        )
        self.delete(ack_id)

    def client_config(self) -> Config:
        # botocore's defaults (60 s timeouts, 5 legacy attempts) would hang a pusher on a
        # black-holed endpoint for minutes; a long poll needs the read timeout above its wait.
        return Config(
            connect_timeout=5,
            read_timeout=settings.VPR_SQS_WAIT_SECONDS + 10,
            retries={"mode": "standard", "max_attempts": 3},
        )

    def get_queue(self) -> Any:
        """The queue, which must exist: the stock broker would create a missing one without
        its redrive policy (and so without a dead-letter queue)."""
        self.sqs = self.connection.resource("sqs", config=self.client_config())
        return self.sqs.get_queue_by_name(QueueName=self.list_key)

    def fail(self, task_id: str) -> None:
        log.error("undecodable message left for the dead-letter queue")

    def delete(self, task_id: str) -> None:
        try:
            super().delete(task_id)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ReceiptHandleIsInvalid":
                raise
            log.warning("acknowledgement of a redelivered message skipped (stale receipt)")


class SendingSqs(DeadLetteringSqs):
    """The broker a web request sends with, after its commit: it gives up within ≈ 10 s
    (two attempts), well inside gunicorn's 30 s, so the submit still answers 202 with the
    job PENDING and unsent, and the sweeper sends it once SQS answers again."""

    def client_config(self) -> Config:
        return Config(
            connect_timeout=2, read_timeout=3, retries={"mode": "standard", "max_attempts": 2}
        )

    def enqueue(self, task: str) -> str:
        """Sent through the queue's client: every gunicorn thread shares this broker, and
        boto3's clients are thread-safe where its resources (the stock `Queue.send_message`)
        are documented not to be."""
        response = self.queue.meta.client.send_message(QueueUrl=self.queue.url, MessageBody=task)
        return response.get("MessageId")


@lru_cache(maxsize=1)
def broker() -> Broker:
    """One broker per process: building one per enqueue costs a new connection/session."""
    if settings.QUEUE_BACKEND == "sqs":
        return SendingSqs(list_key=Conf.CLUSTER_NAME)
    return get_broker()


def send_job(job_id: UUID | str) -> str:
    return async_task(TASK, str(job_id), task_name=f"vpr:{job_id}", broker=broker())


def failed_tasks_purge(*, before: datetime, batch_size: int = 500, dry_run: bool = False) -> int:
    """Delete django-q2's failed-task records (its admin's "Failed tasks") that stopped
    before `before`, in batches; returns how many. Successes are never stored (`save_limit`
    -1), and a failure's outcome is on its Job row too, so these only grow without this."""
    old = Failure.objects.filter(stopped__lt=before)
    if dry_run:
        return old.count()
    deleted = 0
    while ids := list(old.values_list("pk", flat=True)[:batch_size]):
        deleted += Failure.objects.filter(pk__in=ids).delete()[0]
    return deleted


def has_dead_letter_queue() -> bool:
    return settings.QUEUE_BACKEND == "sqs"


@dataclass(frozen=True)
class DeadLetter:
    message_id: str
    receipt_handle: str
    body: str
    sent_at: datetime | None
    receive_count: int
    job_id: str | None
    problem: str | None  # why the body is not a job message, if it is not


def decode_job_id(body: str) -> str:
    """The job id inside a django-q2 message; ValueError (RefusedMessage) if it is not one of
    our job messages."""
    task = decode_message(body)
    if task["func"] != TASK:
        raise RefusedMessage("not a VPR job message")
    return str(task["args"][0])


def _letter(message: dict) -> DeadLetter:
    attributes = message.get("Attributes", {})
    sent = attributes.get("SentTimestamp")
    job_id, problem = None, None
    try:
        job_id = decode_job_id(message["Body"])
    except ValueError as exc:
        problem = str(exc)
    return DeadLetter(
        message_id=message["MessageId"],
        receipt_handle=message["ReceiptHandle"],
        body=message["Body"],
        sent_at=datetime.fromtimestamp(int(sent) / 1000, tz=UTC) if sent else None,
        receive_count=int(attributes.get("ApproximateReceiveCount", 0)),
        job_id=job_id,
        problem=problem,
    )


def dlq_receive(*, max_messages: int, hold_seconds: int = 300) -> list[DeadLetter]:
    """Take up to `max_messages` from the DLQ, invisible for `hold_seconds` while we decide.

    Messages are held, not released between batches, so no message is seen twice.
    """
    sqs, url = aws.client("sqs"), aws.sqs_queue_url(settings.VPR_JOBS_DLQ_NAME)
    letters: list[DeadLetter] = []
    while len(letters) < max_messages:
        batch = sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=min(10, max_messages - len(letters)),
            VisibilityTimeout=hold_seconds,
            WaitTimeSeconds=1,
            AttributeNames=["All"],
        ).get("Messages", [])
        if not batch:
            break
        letters.extend(_letter(message) for message in batch)
    return letters


def dlq_move_to_jobs_queue(letter: DeadLetter) -> None:
    """Send first, then delete: a crash in between duplicates (harmless), never loses."""
    sqs = aws.client("sqs")
    sqs.send_message(
        QueueUrl=aws.sqs_queue_url(settings.VPR_JOBS_QUEUE_NAME), MessageBody=letter.body
    )
    dlq_delete(letter)


def dlq_delete(letter: DeadLetter) -> None:
    aws.client("sqs").delete_message(
        QueueUrl=aws.sqs_queue_url(settings.VPR_JOBS_DLQ_NAME), ReceiptHandle=letter.receipt_handle
    )


def dlq_release(letter: DeadLetter) -> None:
    """Make a held message visible again, untouched."""
    aws.client("sqs").change_message_visibility(
        QueueUrl=aws.sqs_queue_url(settings.VPR_JOBS_DLQ_NAME),
        ReceiptHandle=letter.receipt_handle,
        VisibilityTimeout=0,
    )
