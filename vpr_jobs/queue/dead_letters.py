"""Where failed messages end up: the SQS dead-letter queue, and django-q2's failed tasks.

Dead-letter operations use plain receive → send → delete, which every SQS implementation
supports (moto has no `start_message_move_task`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django_q.models import Failure

from vpr_jobs.integrations import aws
from vpr_jobs.queue.messages import decode_job_id
from vpr_jobs.queue.topology import queue_topology


def has_dead_letter_queue() -> bool:
    return settings.QUEUE_BACKEND == "sqs"


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


@dataclass(frozen=True)
class DeadLetter:
    message_id: str
    receipt_handle: str
    body: str
    sent_at: datetime | None
    receive_count: int
    job_id: str | None
    problem: str | None  # why the body is not a job message, if it is not


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


def _dlq_url() -> str:
    return aws.sqs_queue_url(queue_topology().dlq_name)


def dlq_receive(*, max_messages: int, hold_seconds: int = 300) -> list[DeadLetter]:
    """Take up to `max_messages` from the DLQ, invisible for `hold_seconds` while we decide.

    Messages are held, not released between batches, so no message is seen twice.
    """
    sqs, url = aws.client("sqs"), _dlq_url()
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
    aws.client("sqs").send_message(
        QueueUrl=aws.sqs_queue_url(queue_topology().jobs_queue_name), MessageBody=letter.body
    )
    dlq_delete(letter)


def dlq_delete(letter: DeadLetter) -> None:
    aws.client("sqs").delete_message(QueueUrl=_dlq_url(), ReceiptHandle=letter.receipt_handle)


def dlq_release(letter: DeadLetter) -> None:
    """Make a held message visible again, untouched."""
    aws.client("sqs").change_message_visibility(
        QueueUrl=_dlq_url(), ReceiptHandle=letter.receipt_handle, VisibilityTimeout=0
    )
