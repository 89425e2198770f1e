"""Long-poll for simple clients: `Prefer: wait=N` (RFC 7240) on GET /api/vpr/status/<id>.

The status view runs on gunicorn's threads, so a waiting request holds one: at most
`VPR_LONG_POLL_MAX_WAITING` wait at once per process, and the others are answered at once
without `Preference-Applied` (RFC 7240 lets a server ignore a preference). While waiting, the
job's row is re-read every half second — the same precompiled primary-key read as a poll,
without the HTTP round trip; clients that want push use the event stream instead.
"""

from __future__ import annotations

import re
import threading
import time
from functools import cache
from typing import Any

from django.conf import settings

from vpr_jobs import selectors
from vpr_jobs.models import Job

CHECK_EVERY_SECONDS = 0.5
_WAIT = re.compile(r"(?:^|[,;\s])wait\s*=\s*\"?(\d{1,6})\"?\s*(?:$|[,;])", re.IGNORECASE)


def preferred_wait(prefer: str) -> int:
    """Seconds the client is willing to wait (capped), 0 when it did not ask."""
    match = _WAIT.search(prefer)
    return min(int(match.group(1)), settings.VPR_LONG_POLL_MAX_WAIT_SECONDS) if match else 0


@cache
def _waiting_slots(size: int) -> threading.BoundedSemaphore:
    return threading.BoundedSemaphore(size)


def wait_for_change(job: Job, *, user: Any, seconds: int) -> Job | None:
    """The job once its status or stage differs from `job`'s, or as it is after `seconds`;
    None when no waiting slot is free (answer at once)."""
    slots = _waiting_slots(settings.VPR_LONG_POLL_MAX_WAITING)
    if not slots.acquire(blocking=False):
        return None
    try:
        seen = (job.status, selectors.job_stage(job))
        deadline = time.monotonic() + seconds
        current = job
        while (remaining := deadline - time.monotonic()) > 0:
            time.sleep(min(CHECK_EVERY_SECONDS, remaining))
            current = selectors.job_get_for_user(user=user, job_id=job.pk) or current
            if (current.status, selectors.job_stage(current)) != seen:
                break
        return current
    finally:
        slots.release()
