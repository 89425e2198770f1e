"""Reading SQS queues (on the moto server) from tests and the soak script."""

from __future__ import annotations

from vpr_jobs.integrations import aws


def sqs_depth(url: str) -> tuple[int, int]:
    """(visible, in flight) messages of the queue at `url`."""
    attributes = aws.client("sqs").get_queue_attributes(
        QueueUrl=url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return (
        int(attributes["ApproximateNumberOfMessages"]),
        int(attributes["ApproximateNumberOfMessagesNotVisible"]),
    )


def queue_depth(url: str) -> int:
    """Every message the queue still holds, visible or in flight."""
    return sum(sqs_depth(url))
