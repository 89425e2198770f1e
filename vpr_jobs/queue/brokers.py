"""The brokers django-q2 runs with, and the send of a job's message.

The message carries the job id and nothing else: the worker reads everything from the row.
Both brokers (`GuardedOrm`, `DeadLetteringSqs`) check each message as it is dequeued, before
the pusher unpickles it (`messages.decode_message`): a refused message is dead-lettered on
SQS and recorded as a failed task on the ORM broker; it never reaches a worker.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any
from uuid import UUID

from botocore.config import Config
from botocore.exceptions import ClientError
from django.conf import settings
from django.utils import timezone
from django_q.brokers import Broker, get_broker
from django_q.brokers.aws_sqs import Sqs
from django_q.brokers.orm import ORM
from django_q.conf import Conf
from django_q.humanhash import uuid as task_uuid
from django_q.models import Task
from django_q.tasks import async_task

from vpr_jobs.integrations import aws
from vpr_jobs.queue.messages import TASK, RefusedMessage, decode_message, refused_func
from vpr_jobs.queue.topology import queue_topology

log = logging.getLogger(__name__)


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
            func=refused_func(body),
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
            QueueUrl=aws.sqs_queue_url(queue_topology().dlq_name),
            MessageBody=body,
            MessageAttributes={"refused": {"DataType": "String", "StringValue": reason[:1000]}},
        )
        self.delete(ack_id)

    def client_config(self) -> Config:
        # botocore's defaults (60 s timeouts, 5 legacy attempts) would hang a pusher on a
        # black-holed endpoint for minutes; a long poll needs the read timeout above its wait.
        return Config(
            connect_timeout=5,
            read_timeout=queue_topology().wait_seconds + 10,
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
