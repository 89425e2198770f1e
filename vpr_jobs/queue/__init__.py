"""The only package that knows how job messages travel (django-q2 over the ORM or SQS).

- `topology`: the jobs queue and its dead-letter queue (names, timings, redrive, retention),
  read from the settings once per use; what `setup_aws_resources` creates.
- `messages`: the guard every message passes before anything unpickles it.
- `brokers`: django-q2's brokers with that guard, and `send_job`.
- `dead_letters`: the DLQ operations `requeue_dlq` uses, and django-q2's failed-task records.

Callers import the package (`from vpr_jobs import queue; queue.send_job(...)`); the names
below are its public surface, and settings' `broker_class` paths resolve through it.
"""

from vpr_jobs.queue.brokers import (
    DeadLetteringSqs,
    GuardedOrm,
    SendingSqs,
    broker,
    send_job,
)
from vpr_jobs.queue.dead_letters import (
    DeadLetter,
    dlq_delete,
    dlq_move_to_jobs_queue,
    dlq_receive,
    dlq_release,
    failed_tasks_purge,
    has_dead_letter_queue,
)
from vpr_jobs.queue.messages import (
    ALLOWED_TASKS,
    SWEEP_TASK,
    TASK,
    RefusedMessage,
    decode_job_id,
    decode_message,
)
from vpr_jobs.queue.topology import QueueTopology, ensure_queues, queue_topology

__all__ = [
    "ALLOWED_TASKS",
    "SWEEP_TASK",
    "TASK",
    "DeadLetter",
    "DeadLetteringSqs",
    "GuardedOrm",
    "QueueTopology",
    "RefusedMessage",
    "SendingSqs",
    "broker",
    "decode_job_id",
    "decode_message",
    "dlq_delete",
    "dlq_move_to_jobs_queue",
    "dlq_receive",
    "dlq_release",
    "ensure_queues",
    "failed_tasks_purge",
    "has_dead_letter_queue",
    "queue_topology",
    "send_job",
]
