"""The only module that knows how job messages travel (django-q2 over the ORM or SQS).

The message carries the job id and nothing else: the worker reads everything from the row.
"""

from __future__ import annotations

from functools import lru_cache
from uuid import UUID

from django_q.brokers import Broker, get_broker
from django_q.tasks import async_task

TASK = "vpr_jobs.tasks.process_vpr_job"


@lru_cache(maxsize=1)
def broker() -> Broker:
    """One broker per process: building one per enqueue costs a new connection/session."""
    return get_broker()


def send_job(job_id: UUID | str) -> str:
    return async_task(TASK, str(job_id), task_name=f"vpr:{job_id}", broker=broker())
