"""Every status write of a job: the state machine, the worker's steps and the sweeper's.

The state machine has one rule: a status changes only through a conditional UPDATE
(`WHERE status IN (...)`) whose row count says whether this caller won. Worker-side
transitions also match the `claim_token` their claim wrote (a fresh UUID per claim, never
reset), so a worker whose lease expired and whose job was re-claimed elsewhere, or retried by
an operator, can no longer write anything. Operators' resets (`operations`) and the sweeper
write through here too, so this module is the whole list of ways a status can change; the
insert of a new PENDING job is `submission`'s.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, Max, OuterRef, Q, QuerySet
from django.utils import timezone

from vpr_jobs import events, storage
from vpr_jobs.errors import JobNotCancellable, JobNotFound
from vpr_jobs.logs import job_logger
from vpr_jobs.models import (
    IN_FLIGHT,
    Job,
    JobErrorCode,
    JobStatus,
    VPRArtifact,
    lease_expired_q,
)
from vpr_jobs.schemas import VPRDocument
from vpr_jobs.services.submission import job_enqueue

# --------------------------------------------------------------------------- state machine


def _transition(job_id: UUID | str, when: Q, **changes: Any) -> bool:
    changes.setdefault("updated_at", timezone.now())
    won = Job.objects.filter(Q(pk=job_id) & when).update(**changes) == 1
    if won:
        events.job_changed(job_id)
    return won


def _fail_exhausted(jobs: QuerySet[Job], now: datetime) -> int:
    """FAILED for those of `jobs` that already used every attempt; returns how many.

    A claim refuses such a job, so left PENDING or PROCESSING it would only loop. One whose
    lease expired on its final attempt ends `LEASE_EXPIRED` (no error was caught and retried:
    the worker vanished, killed or past the timeout, every time); one left PENDING ends
    `RETRIES_EXHAUSTED`.
    """
    used_up = jobs.filter(attempts__gte=settings.VPR_MAX_ATTEMPTS)
    final = {"status": JobStatus.FAILED, "completed_at": now, "updated_at": now}
    expired = used_up.filter(lease_expired_q(now)).update(
        error_code=JobErrorCode.LEASE_EXPIRED,
        error=(
            "The worker's lease expired on the final attempt "
            f"({settings.VPR_MAX_ATTEMPTS} of {settings.VPR_MAX_ATTEMPTS}): the worker "
            "was killed or ran past VPR_WORKER_TIMEOUT_SECONDS on every attempt."
        ),
        **final,
    )
    waiting = used_up.filter(status=JobStatus.PENDING).update(
        error_code=JobErrorCode.RETRIES_EXHAUSTED,
        error="The job was left waiting after every allowed attempt was used.",
        **final,
    )
    return expired + waiting


def job_claim(*, job_id: UUID | str) -> Job | None:
    """PENDING → PROCESSING, or re-claim a PROCESSING job whose worker's lease expired.

    A job whose lease expired on its last allowed attempt (its worker was killed every time)
    is failed instead, so nothing stays PROCESSING forever.
    """
    now = timezone.now()
    token = uuid.uuid4()
    claimable = Q(status=JobStatus.PENDING) | lease_expired_q(now)
    won = _transition(
        job_id,
        claimable & Q(attempts__lt=settings.VPR_MAX_ATTEMPTS),
        status=JobStatus.PROCESSING,
        attempts=F("attempts") + 1,
        started_at=now,
        claim_token=token,
        updated_at=now,
    )
    if won:
        # By token: None if another claim took the row in the instant since.
        return Job.objects.select_related("user").filter(pk=job_id, claim_token=token).first()
    if _fail_exhausted(Job.objects.filter(Q(pk=job_id) & claimable), now):
        events.job_changed(job_id)
        # ERROR: no attempt is left and no message reaches the dead-letter queue; a human looks.
        job_logger(__name__, job_id).error(
            "job failed: every attempt used (lease expired on the final attempt, or left pending)"
        )
    return None


def _still_mine(job: Job) -> Q:
    return Q(status=JobStatus.PROCESSING, claim_token=job.claim_token)


def job_set_stage(*, job: Job, stage: str) -> bool:
    """Record where a claimed job is (progress only: the status does not change)."""
    return _transition(job.pk, _still_mine(job), stage=stage)


def job_fail(
    *,
    job: Job,
    error: str,
    error_code: str,
    fvs_result: dict | None = None,
    token_usage: dict | None = None,
) -> bool:
    extra: dict[str, Any] = {}
    if fvs_result is not None:
        extra["fvs_result"] = fvs_result
    if token_usage is not None:
        extra["token_usage"] = token_usage
    won = _transition(
        job.pk,
        _still_mine(job),
        status=JobStatus.FAILED,
        error=error[:2000],
        error_code=error_code,
        completed_at=timezone.now(),
        **extra,
    )
    job_logger(__name__, job.pk).warning(
        "job failed", extra={"error_code": error_code, "recorded": won}
    )
    return won


def job_release_for_retry(*, job: Job, error: str, token_usage: dict | None = None) -> bool:
    """After a transient error: back to PENDING for redelivery, or FAILED on the last attempt.

    Returns True when the job will be retried.
    """
    if job.attempts >= settings.VPR_MAX_ATTEMPTS:
        job_fail(
            job=job,
            error=f"Gave up after {job.attempts} attempts: {error}",
            error_code=JobErrorCode.RETRIES_EXHAUSTED,
            token_usage=token_usage,
        )
        return False
    # enqueued_at restarts the sweeper's clock: the broker redelivers this message itself.
    won = _transition(
        job.pk,
        _still_mine(job),
        status=JobStatus.PENDING,
        error=error[:2000],
        enqueued_at=timezone.now(),
        **({"token_usage": token_usage} if token_usage is not None else {}),
    )
    job_logger(__name__, job.pk).warning(
        "transient failure, will retry", extra={"attempts": job.attempts, "recorded": won}
    )
    return won


def job_cancel(*, job_id: UUID | str, user: AbstractBaseUser | None = None) -> Job:
    """PENDING/PROCESSING → CANCELLED. `user` scopes the call to the owner (the API's case)."""
    jobs = Job.objects.filter(pk=job_id)
    if user is not None:
        jobs = jobs.filter(user=user)
    if not jobs.exists():
        raise JobNotFound("Job not found.")
    won = _transition(
        job_id,
        Q(status__in=IN_FLIGHT),
        status=JobStatus.CANCELLED,
        completed_at=timezone.now(),
        error_code=JobErrorCode.CANCELLED_BY_USER
        if user is not None
        else JobErrorCode.CANCELLED_BY_OPERATOR,
    )
    job = Job.objects.get(pk=job_id)
    if not won:
        raise JobNotCancellable(
            f"The job is already {job.status} and cannot be cancelled.",
            job_id=str(job.job_id),
            status=job.status,
        )
    job_logger(__name__, job_id).info("job cancelled")
    return job


class _LostRace(Exception):
    """The job left PROCESSING under us (cancelled or re-claimed): undo the artifact."""


def _next_version(job: Job) -> int:
    latest = VPRArtifact.objects.filter(
        user_id=job.user_id, application_id=job.application_id
    ).aggregate(latest=Max("version"))["latest"]
    return (latest or 0) + 1


def job_complete(
    *,
    job: Job,
    document: VPRDocument,
    token_usage: dict[str, Any] | None = None,
) -> bool:
    """Store the report as the next artifact version and mark the job COMPLETED.

    The object goes to this claim's own key (`results/<job_id>/<claim_token>.json`), outside
    any transaction. Then one short transaction takes the fenced transition first (it also
    locks the row against a cancel) and records the artifact. A worker that lost its claim
    fails the transition and removes only its own object: it can neither overwrite nor
    delete the winner's.
    """
    key = storage.result_key(job.pk, job.claim_token)
    metadata = {
        "job_id": str(job.pk),
        "user_id": str(job.user_id),
        "application_id": job.application_id,
    }
    log = job_logger(__name__, job.pk)
    if not Job.objects.filter(Q(pk=job.pk) & _still_mine(job)).exists():
        # Cancelled (or re-claimed) while generating: write nothing. The check after the PUT
        # still decides; this one keeps a cancelled job from leaving an object behind when the
        # worker is killed between its PUT and its clean-up.
        log.info("completion discarded: job left PROCESSING before the result was stored")
        return False
    stored_version = None
    for _ in range(5):  # another job of the same application may take the same version
        version = _next_version(job)
        if version != stored_version:
            final = document.model_copy(update={"version": version})
            final = final.model_copy(update={"word_count": final.count_words()})
            storage.result_save(key=key, document=final, metadata=metadata)
            stored_version = version
        try:
            with transaction.atomic():
                if not _transition(
                    job.pk,
                    _still_mine(job),
                    status=JobStatus.COMPLETED,
                    completed_at=timezone.now(),
                    result_key=key,
                    vpr_version=version,
                    word_count=final.word_count,
                    token_usage=token_usage or {},
                    fvs_result=final.fvs or {},
                    error="",
                    error_code="",
                ):
                    raise _LostRace
                VPRArtifact.objects.create(
                    user_id=job.user_id,
                    application_id=job.application_id,
                    version=version,
                    job=job,
                    result_key=key,
                    word_count=final.word_count,
                )
        except IntegrityError:
            continue  # the version was taken meanwhile: store again under the next one
        except _LostRace:
            storage.result_delete(key)
            log.info("completion discarded: job left PROCESSING")
            return False
        log.info("job completed", extra={"vpr_version": version, "word_count": final.word_count})
        return True
    storage.result_delete(key)
    raise RuntimeError("could not allocate an artifact version")


# --------------------------------------------------------------------------- operators' resets


def _superseded() -> Exists:
    """A newer job was submitted under the same idempotency key: its report is the current
    one, and reviving this job would make an older request the newest version."""
    return Exists(
        Job.objects.filter(
            idempotency_key=OuterRef("idempotency_key"), created_at__gt=OuterRef("created_at")
        )
    )


def job_reset_to_pending(*, job_id: UUID | str, when: Q) -> tuple[bool, str]:
    """Give a job a fresh start (attempts 0, errors cleared) if `when` matches and no newer
    job superseded it; returns (reset?, why, in an operator's words). Which jobs an operator
    may revive (`when`) is `operations`' decision. Its workers' claim token is void from here
    on."""
    try:
        with transaction.atomic():
            won = _transition(
                job_id,
                when & ~Q(_superseded()),
                status=JobStatus.PENDING,
                attempts=0,
                claim_token=None,
                error="",
                error_code="",
                started_at=None,
                completed_at=None,
                enqueued_at=None,
                fvs_result={},
            )
    except IntegrityError:
        return False, "another job for this application is already in flight"
    if won:
        return True, "reset to PENDING"
    job = Job.objects.filter(pk=job_id).annotate(superseded=_superseded()).first()
    if job is None:
        return False, "job no longer exists"
    if job.superseded:
        return False, "superseded by a newer job under the same idempotency key"
    return False, f"job is {job.status}"


# --------------------------------------------------------------------------- sweeper


@dataclass
class SweepReport:
    resent: int = 0
    send_errors: int = 0
    deferred: int = 0
    failed_exhausted: int = 0
    released: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def jobs_sweep(*, limit: int = 500, budget_seconds: float | None = None) -> SweepReport:
    """The safety net (every minute): nothing stays PENDING unsent or PROCESSING forever.

    Re-sending is decided per job, by age: a PENDING job never sent within
    `VPR_SWEEP_RESEND_AFTER_SECONDS` of its creation, or last sent longer ago than the
    visibility timeout plus that grace, gets another message. The queue's depth is no guide
    (it counts the sweep's own message, finished jobs' and poison messages), and a second
    message is harmless: the claim de-duplicates. Each re-send is taken with a conditional
    UPDATE, so sweepers on many instances never send the same job twice. Re-sending stops
    after `budget_seconds` (half the worker timeout), so the sweep task is never killed
    mid-way; what is left is `deferred` to the next sweep.
    """
    now = timezone.now()
    deadline = time.monotonic() + (
        settings.VPR_WORKER_TIMEOUT_SECONDS / 2 if budget_seconds is None else budget_seconds
    )
    report = SweepReport()
    # First: a job that used every attempt can never be claimed; re-sent, it would loop.
    claimable = Q(status=JobStatus.PENDING) | lease_expired_q(now)
    report.failed_exhausted = _fail_exhausted(Job.objects.filter(claimable), now)
    if report.failed_exhausted:
        job_logger(__name__, "-").error(
            "jobs failed: every attempt used (lease expired on the final attempt, or left pending)",
            extra={"failed": report.failed_exhausted},
        )
    # Oldest first, so a backlog cannot starve the longest-waiting jobs.
    lost = Job.objects.never_sent(now) | Job.objects.sent_but_unclaimed(now)
    due = list(lost.order_by("created_at").values_list("pk", "enqueued_at")[:limit])
    for index, (job_id, enqueued_at) in enumerate(due):
        if time.monotonic() > deadline:
            report.deferred = len(due) - index
            break
        # Claim the re-send by moving enqueued_at; a concurrent sweeper's UPDATE then misses.
        if not _transition(
            job_id, Q(enqueued_at=enqueued_at, status=JobStatus.PENDING), enqueued_at=now
        ):
            continue
        if job_enqueue(job_id=job_id):
            report.resent += 1
        else:
            Job.objects.filter(pk=job_id, enqueued_at=now).update(enqueued_at=enqueued_at)
            report.send_errors += 1

    # A lease that expired a whole visibility timeout ago was not redelivered: the message is
    # gone (dead-lettered or lost). Back to PENDING; the next sweep re-sends it.
    forgotten = now - timedelta(
        seconds=settings.VPR_WORKER_TIMEOUT_SECONDS + settings.VPR_VISIBILITY_TIMEOUT_SECONDS
    )
    report.released = (
        Job.objects.lease_expired(now)
        .filter(attempts__lt=settings.VPR_MAX_ATTEMPTS, started_at__lt=forgotten)
        .update(status=JobStatus.PENDING, enqueued_at=None, updated_at=now)
    )
    if report.failed_exhausted or report.released:
        events.jobs_changed()
    if any(report.as_dict().values()):
        job_logger(__name__, "-").info("sweep", extra=report.as_dict())
    return report
