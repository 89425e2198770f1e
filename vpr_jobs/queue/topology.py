"""The jobs queue and its dead-letter queue: the one description of what they are.

`queue_topology()` reads it from the settings (the `VPR_*` environment properties); the
brokers, the dead-letter operations and `setup_aws_resources` (through `ensure_queues`) use
it, and CloudFormation (`.ebextensions/10_resources.config`) builds the same queues from the
same properties: tests/deploy/test_queue_topology.py holds the two together.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from vpr_jobs.integrations import aws

# A job nobody picked up in 4 hours is stale for the user; its row records what happened.
JOBS_RETENTION_SECONDS = 4 * 3600
# SQS's maximum: two weeks to notice the alarm, fix the cause and `requeue_dlq`.
DLQ_RETENTION_SECONDS = 14 * 24 * 3600


@dataclass(frozen=True)
class QueueTopology:
    """Names and SQS attributes of the jobs queue and its dead-letter queue.

    django-q2 never deletes a failing message itself (`max_attempts` 0 on SQS), so SQS counts
    the receives and parks a message in the DLQ after `max_receive_count` of them; the
    visibility timeout is django-q2's `retry` and must outlive a job (settings check both).
    """

    jobs_queue_name: str
    dlq_name: str
    visibility_timeout_seconds: int
    wait_seconds: int  # long polling: idle workers wait on SQS instead of polling it empty
    max_receive_count: int
    jobs_retention_seconds: int = JOBS_RETENTION_SECONDS
    dlq_retention_seconds: int = DLQ_RETENTION_SECONDS

    def redrive_policy(self, *, dlq_arn: str) -> dict[str, Any]:
        return {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": self.max_receive_count}

    def jobs_queue_attributes(self, *, dlq_arn: str) -> dict[str, str]:
        """The jobs queue's attributes as SQS's API takes them (strings)."""
        return {
            "VisibilityTimeout": str(self.visibility_timeout_seconds),
            "ReceiveMessageWaitTimeSeconds": str(self.wait_seconds),
            "MessageRetentionPeriod": str(self.jobs_retention_seconds),
            "SqsManagedSseEnabled": "true",
            "RedrivePolicy": json.dumps(self.redrive_policy(dlq_arn=dlq_arn)),
        }

    def dlq_attributes(self) -> dict[str, str]:
        return {
            "MessageRetentionPeriod": str(self.dlq_retention_seconds),
            "SqsManagedSseEnabled": "true",
        }


def queue_topology() -> QueueTopology:
    """The queues as this process's settings describe them (read on each call, so a test's
    settings override applies)."""
    return QueueTopology(
        jobs_queue_name=settings.VPR_JOBS_QUEUE_NAME,
        dlq_name=settings.VPR_JOBS_DLQ_NAME,
        visibility_timeout_seconds=settings.VPR_VISIBILITY_TIMEOUT_SECONDS,
        wait_seconds=settings.VPR_SQS_WAIT_SECONDS,
        max_receive_count=settings.VPR_SQS_MAX_RECEIVE_COUNT,
    )


def ensure_queues(topology: QueueTopology | None = None) -> tuple[str, str]:
    """Create (or update) the DLQ, then the jobs queue redriving to it; their URLs.

    django-q2 would create a missing jobs queue itself, but without a DLQ: we never let it.
    """
    topology = topology or queue_topology()
    dlq_url = aws.sqs_ensure_queue(topology.dlq_name, attributes=topology.dlq_attributes())
    queue_url = aws.sqs_ensure_queue(
        topology.jobs_queue_name,
        attributes=topology.jobs_queue_attributes(dlq_arn=aws.sqs_queue_arn(dlq_url)),
    )
    return queue_url, dlq_url
