"""What operators do to jobs: retry, re-enqueue, requeue from the dead-letter queue, purge.

The admin actions and the management commands call these and only print what they return:
which jobs or messages are eligible, what a dry run would do and what counts as a problem are
decided here, once. Status writes go through `lifecycle` (`job_reset_to_pending`); this module
decides *which* jobs an operator may revive.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from vpr_jobs import queue, storage
from vpr_jobs.logs import job_logger
from vpr_jobs.models import IN_FLIGHT, Job, JobStatus
from vpr_jobs.services.lifecycle import job_reset_to_pending
from vpr_jobs.services.submission import job_enqueue


@dataclass(frozen=True)
class OpResult:
    """What an operator action did to one job, in words an operator can act on."""

    job_id: str
    done: bool
    detail: str


# --------------------------------------------------------------------------- one job


def job_retry(*, job_id: UUID | str) -> OpResult:
    """FAILED or stuck → PENDING with attempts reset, then re-enqueued (admin and commands)."""
    now = timezone.now()
    retryable = Q(status=JobStatus.FAILED) | Q(pk__in=Job.objects.stuck(now).values("pk"))
    won, detail = job_reset_to_pending(job_id=job_id, when=retryable)
    if not won:
        if detail.startswith("job is"):
            detail += "; only FAILED or stuck jobs are retried"
        return OpResult(str(job_id), False, f"not retried: {detail}")
    sent = job_enqueue(job_id=job_id)
    job_logger(__name__, job_id).info("job retried by operator", extra={"enqueued": sent})
    return OpResult(
        str(job_id), True, "retried and re-enqueued" if sent else "retried; enqueue failed"
    )


def job_reenqueue(*, job_id: UUID | str) -> OpResult:
    """Send another message for a PENDING job whose message was lost; the claim dedups."""
    if not Job.objects.filter(pk=job_id, status=JobStatus.PENDING).exists():
        return OpResult(str(job_id), False, "not re-enqueued: only PENDING jobs")
    sent = job_enqueue(job_id=job_id)
    return OpResult(str(job_id), sent, "re-enqueued" if sent else "enqueue failed")


def job_reset_for_dlq_requeue(*, job_id: UUID | str) -> OpResult:
    """Before its dead-lettered message is moved back: the job starts over (attempts 0)."""
    now = timezone.now()
    revivable = Q(status__in=[JobStatus.FAILED, JobStatus.PENDING]) | Q(
        pk__in=Job.objects.lease_expired(now).values("pk")
    )
    won, detail = job_reset_to_pending(job_id=job_id, when=revivable)
    return OpResult(str(job_id), won, detail)


# --------------------------------------------------------------------------- retry_jobs


@dataclass(frozen=True)
class RetryOutcome:
    job_id: str
    status: str  # as selected, before the retry
    error_code: str
    result: OpResult | None  # None in a dry run


@dataclass
class RetryReport:
    dry_run: bool
    jobs: list[RetryOutcome] = field(default_factory=list)

    @property
    def failures(self) -> int:
        return sum(1 for job in self.jobs if job.result is not None and not job.result.done)

    @property
    def done(self) -> int:
        """Retried (in a dry run: would be)."""
        return len(self.jobs) - self.failures


def jobs_retry(
    *,
    status: str = JobStatus.FAILED,
    stuck: bool = False,
    error_codes: Collection[str] = (),
    since: datetime | None = None,
    job_ids: Collection[str] = (),
    limit: int = 1000,
    dry_run: bool = False,
) -> RetryReport:
    """Retry every job matching the selection (oldest first, at most `limit`): `stuck`
    jobs, or those in `status`, narrowed by error code, creation time and id."""
    jobs = Job.objects.stuck(timezone.now()) if stuck else Job.objects.filter(status=status)
    if error_codes:
        jobs = jobs.filter(error_code__in=error_codes)
    if since is not None:
        jobs = jobs.filter(created_at__gte=since)
    if job_ids:
        jobs = jobs.filter(pk__in=job_ids)
    report = RetryReport(dry_run=dry_run)
    for job in jobs.order_by("created_at")[:limit]:
        result = None if dry_run else job_retry(job_id=job.pk)
        report.jobs.append(RetryOutcome(str(job.job_id), job.status, job.error_code, result))
    return report


# --------------------------------------------------------------------------- requeue_dlq


class LetterAction(enum.StrEnum):
    """What a DLQ requeue did with one dead-lettered message."""

    MOVED = "moved"  # its job reset to PENDING, the message back on the jobs queue
    WOULD_MOVE = "would move"  # dry run: left in the DLQ
    NOT_SELECTED = "not selected"  # outside the job ids or age asked for: left in the DLQ
    STALE = "stale"  # its job already COMPLETED or CANCELLED: deleted (dry run: left)
    INVALID = "invalid"  # undecodable, or its job no longer exists: left in the DLQ
    PURGED = "purged"  # invalid, and deleted as asked
    REFUSED = "refused"  # its job may not be revived (e.g. superseded): deleted
    ERROR = "error"  # a queue or database call failed: left for the next run


@dataclass(frozen=True)
class LetterOutcome:
    label: str  # the job id, or the message id when the body names no job
    age_minutes: float | None  # since the message was first sent (None: SQS did not say)
    action: LetterAction
    detail: str  # what happened, in an operator's words ("" when not selected)


@dataclass
class DlqRequeueReport:
    dry_run: bool
    letters: list[LetterOutcome] = field(default_factory=list)

    def count(self, *actions: LetterAction) -> int:
        return sum(1 for letter in self.letters if letter.action in actions)

    @property
    def counts(self) -> dict[str, int]:
        """The summary, in the order operators read it (`invalid` includes `purged`)."""
        return {
            "moved": self.count(LetterAction.MOVED),
            "skipped": self.count(LetterAction.NOT_SELECTED, LetterAction.WOULD_MOVE),
            "stale": self.count(LetterAction.STALE),
            "invalid": self.count(LetterAction.INVALID, LetterAction.PURGED),
            "purged": self.count(LetterAction.PURGED),
            "errors": self.count(LetterAction.ERROR),
            "refused": self.count(LetterAction.REFUSED),
        }

    @property
    def has_problems(self) -> bool:
        """A failure, or (not in a dry run) an invalid message left for a human to look at."""
        left_invalid = not self.dry_run and self.count(LetterAction.INVALID)
        return bool(self.count(LetterAction.ERROR) or left_invalid)


def dlq_requeue(
    *,
    limit: int,
    job_ids: Collection[str] = (),
    older_than_minutes: int | None = None,
    purge_invalid: bool = False,
    dry_run: bool = False,
    progress: Callable[[LetterOutcome, int, int], None] | None = None,
) -> DlqRequeueReport:
    """Move up to `limit` dead-lettered messages back to the jobs queue (receive → send →
    delete), resetting their jobs to PENDING with attempts 0.

    Messages outside `job_ids` / `older_than_minutes` are released untouched. A message that
    cannot be decoded, or whose job no longer exists, is left (deleted with `purge_invalid`);
    one whose job already finished is stale and deleted; one whose job may not be revived
    (superseded by a newer job under the same key, another in flight) is deleted, as its
    claim would only skip it. A failure on one message is recorded and the rest go on.
    `progress(outcome, number, total)` hears of each message as it is done, so an operator
    watching a long batch on a slow SQS sees it move.
    """
    now = timezone.now()
    letters = queue.dlq_receive(max_messages=limit)
    found = Job.objects.in_bulk([x.job_id for x in letters if x.job_id], field_name="pk")
    jobs = {str(pk): job for pk, job in found.items()}
    report = DlqRequeueReport(dry_run=dry_run)
    for number, letter in enumerate(letters, start=1):
        waited = (now - letter.sent_at).total_seconds() if letter.sent_at else None
        selected = (not job_ids or letter.job_id in job_ids) and (
            older_than_minutes is None or (waited is not None and waited >= 60 * older_than_minutes)
        )
        try:
            action, detail = _requeue_letter(
                letter,
                jobs.get(letter.job_id or ""),
                selected=selected,
                purge_invalid=purge_invalid,
                dry_run=dry_run,
            )
        except Exception as exc:  # noqa: BLE001 - report each failure, go on with the rest
            action, detail = LetterAction.ERROR, f"ERROR {type(exc).__name__}: {exc}"
        age = None if waited is None else waited / 60
        outcome = LetterOutcome(letter.job_id or letter.message_id, age, action, detail)
        report.letters.append(outcome)
        if progress:
            progress(outcome, number, len(letters))
    return report


def _requeue_letter(
    letter: queue.DeadLetter,
    job: Job | None,
    *,
    selected: bool,
    purge_invalid: bool,
    dry_run: bool,
) -> tuple[LetterAction, str]:
    """Decide what becomes of one message, do it, and say what was done."""
    if not selected:
        queue.dlq_release(letter)
        return LetterAction.NOT_SELECTED, ""
    if letter.problem or job is None:
        reason = letter.problem or "job no longer exists"
        if purge_invalid and not dry_run:
            queue.dlq_delete(letter)
            return LetterAction.PURGED, f"invalid ({reason}), deleted"
        queue.dlq_release(letter)
        return LetterAction.INVALID, f"invalid ({reason}), left in the DLQ"
    details = f"{job.status}, attempts {job.attempts}, last error: {job.error[:80] or '-'}"
    if job.status in (JobStatus.COMPLETED, JobStatus.CANCELLED):
        # Its job already finished (e.g. acknowledged too late): nothing to redo.
        if dry_run:
            queue.dlq_release(letter)
            return LetterAction.STALE, f"{details} (stale: would delete)"
        queue.dlq_delete(letter)
        return LetterAction.STALE, f"{details}: stale, deleted"
    if dry_run:
        queue.dlq_release(letter)
        return LetterAction.WOULD_MOVE, f"{details} (would move)"
    reset = job_reset_for_dlq_requeue(job_id=job.pk)
    if not reset.done:
        # Not revived (superseded by a newer job, or another run holds it): its message
        # would only be skipped by the claim.
        queue.dlq_delete(letter)
        return LetterAction.REFUSED, f"{details}: not revived ({reset.detail}), deleted"
    queue.dlq_move_to_jobs_queue(letter)
    return LetterAction.MOVED, f"{details}: moved to the jobs queue, job reset"


# --------------------------------------------------------------------------- purge_jobs


@dataclass
class PurgeReport:
    jobs: int = 0
    results: int = 0
    failed_tasks: int = 0


def jobs_purge(
    *,
    older_than: timedelta,
    batch_size: int = 500,
    dry_run: bool = False,
    progress: Callable[[PurgeReport], None] | None = None,
) -> PurgeReport:
    """Delete jobs that finished before the retention (with their artifacts and stored
    results), and django-q2's failed-task records as old.

    Age is counted from completion, not creation: a job retried for days (or reset by an
    operator) keeps its full retention after it ends. A finished row without `completed_at`
    (none is written so today) falls back to its creation time.
    """
    cutoff = timezone.now() - older_than
    finished_before = Q(completed_at__lt=cutoff) | Q(
        completed_at__isnull=True, created_at__lt=cutoff
    )
    old = Job.objects.filter(finished_before).exclude(status__in=IN_FLIGHT)
    report = PurgeReport()
    report.failed_tasks = queue.failed_tasks_purge(
        before=cutoff, batch_size=batch_size, dry_run=dry_run
    )
    if dry_run:
        report.jobs = old.count()
        report.results = old.exclude(result_key="").count()
        return report
    while True:
        batch = list(old.order_by("completed_at").values_list("pk", "result_key")[:batch_size])
        if not batch:
            return report
        for _, key in batch:
            if key:
                storage.result_delete(key)
                report.results += 1
        with transaction.atomic():
            Job.objects.filter(pk__in=[pk for pk, _ in batch]).delete()
        report.jobs += len(batch)
        if progress:
            progress(report)
