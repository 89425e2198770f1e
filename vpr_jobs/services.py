"""Every write of the VPR jobs domain: CVs, submission, the job state machine, artifacts.

The state machine has one rule: a status changes only through a conditional UPDATE
(`WHERE status IN (...)`) whose row count says whether this caller won. Worker-side
transitions also match the `attempts` value they claimed with, so a worker whose lease expired
and whose job was re-claimed elsewhere can no longer write anything.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Case, F, Max, Q, When
from django.utils import timezone

from vpr_jobs import events, queue, storage
from vpr_jobs.errors import (
    CVNotFound,
    Forbidden,
    IdempotencyKeyReused,
    JobInProgress,
    JobNotCancellable,
    JobNotFound,
)
from vpr_jobs.logs import job_logger
from vpr_jobs.models import IN_FLIGHT, Job, JobStatus, UserCV, VPRArtifact, lease_expired_q
from vpr_jobs.schemas import CV, VPRDocument, VPRRequest

# --------------------------------------------------------------------------- CV


def cv_put(*, user: AbstractBaseUser, cv: CV) -> UserCV:
    user_cv, _ = UserCV.objects.update_or_create(
        user=user, defaults={"data": cv.model_dump(mode="json")}
    )
    return user_cv


# --------------------------------------------------------------------------- submission


@dataclass(frozen=True)
class SubmitOutcome:
    job: Job
    created: bool


def request_fingerprint(request: VPRRequest) -> str:
    canonical = json.dumps(
        request.fingerprint_payload(), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def idempotency_key_for(*, user: AbstractBaseUser, request: VPRRequest, header: str | None) -> str:
    if header:
        return f"vpr#{user.pk}#key#{header}"
    return f"vpr#{user.pk}#{request.application_id}"


def _existing_job(*, key: str, fingerprint: str, force: bool, explicit_key: bool) -> Job | None:
    """The job this submit duplicates, or None if a new one may be created.

    Raises when the submit conflicts with what already exists under the key.
    """
    since = timezone.now() - timedelta(seconds=settings.VPR_IDEMPOTENCY_WINDOW_SECONDS)
    recent = Job.objects.filter(idempotency_key=key, created_at__gte=since)
    if explicit_key and recent.exclude(request_fingerprint=fingerprint).exists():
        raise IdempotencyKeyReused(
            "This Idempotency-Key was already used with a different request body."
        )
    # One query for both questions: the in-flight job (at most one, by the unique index; it
    # sorts first) and the latest COMPLETED one inside the window (next).
    candidates = list(
        Job.objects.filter(idempotency_key=key)
        .filter(Q(status__in=IN_FLIGHT) | Q(status=JobStatus.COMPLETED, created_at__gte=since))
        .only("job_id", "status", "request_fingerprint", "created_at")
        .order_by(Case(When(status__in=IN_FLIGHT, then=0), default=1), "-created_at")[:2]
    )
    in_flight = next((job for job in candidates if job.status in IN_FLIGHT), None)
    if in_flight is not None:
        if in_flight.request_fingerprint == fingerprint and not force:
            return in_flight
        raise JobInProgress(
            "Another VPR job for this application is still in progress.",
            job_id=str(in_flight.job_id),
        )
    if not force:
        latest_done = next((job for job in candidates if job.status == JobStatus.COMPLETED), None)
        if latest_done is not None and latest_done.request_fingerprint == fingerprint:
            return latest_done
    return None


def job_submit(
    *, user: AbstractBaseUser, request: VPRRequest, idempotency_key: str | None = None
) -> SubmitOutcome:
    """Create (or find) the job for a VPR request; the queue message follows the commit.

    Duplicate suppression races on the `job_one_in_flight_per_key` unique index, not on a
    read-then-insert, so simultaneous identical submits yield exactly one job.
    """
    if request.user_id is not None and str(request.user_id) != str(user.pk):
        raise Forbidden("user_id does not match the authenticated user.")
    if not UserCV.objects.filter(user=user).exists():
        raise CVNotFound("Upload your CV (PUT /api/cv) before requesting a VPR.")

    key = idempotency_key_for(user=user, request=request, header=idempotency_key)
    fingerprint = request_fingerprint(request)
    lookup = {
        "key": key,
        "fingerprint": fingerprint,
        "force": request.force,
        "explicit_key": bool(idempotency_key),
    }
    existing = _existing_job(**lookup)
    if existing is not None:
        return SubmitOutcome(existing, created=False)

    job = Job(
        user=user,
        application_id=request.application_id,
        idempotency_key=key,
        request_fingerprint=fingerprint,
        input_data=request.model_dump(mode="json", exclude={"user_id"}),
        generator=settings.VPR_GENERATOR,
    )
    try:
        with transaction.atomic():
            job.save(force_insert=True)
            transaction.on_commit(lambda: job_enqueue(job_id=job.job_id))
    except IntegrityError:
        # A concurrent identical submit won the unique index: answer with its job.
        existing = _existing_job(**lookup)
        if existing is None:
            raise
        return SubmitOutcome(existing, created=False)
    job_logger(__name__, job.job_id).info(
        "job submitted", extra={"user_id": user.pk, "application_id": job.application_id}
    )
    return SubmitOutcome(job, created=True)


def job_enqueue(*, job_id: UUID | str) -> bool:
    """Send the job's message; a failure leaves it PENDING with no `enqueued_at` to re-send."""
    log = job_logger(__name__, job_id)
    try:
        queue.send_job(job_id)
    except Exception:
        log.exception("enqueue failed; job stays PENDING for the sweeper")
        return False
    Job.objects.filter(pk=job_id).update(enqueued_at=timezone.now())
    log.info("job enqueued")
    return True


# --------------------------------------------------------------------------- state machine


def _transition(job_id: UUID | str, when: Q, **changes: Any) -> bool:
    changes.setdefault("updated_at", timezone.now())
    won = Job.objects.filter(Q(pk=job_id) & when).update(**changes) == 1
    if won:
        events.job_changed(job_id)
    return won


def job_claim(*, job_id: UUID | str) -> Job | None:
    """PENDING → PROCESSING, or re-claim a PROCESSING job whose worker's lease expired.

    A job whose lease expired on its last allowed attempt (its worker was killed every time)
    is failed instead, so nothing stays PROCESSING forever.
    """
    now = timezone.now()
    attempts_left = Q(attempts__lt=settings.VPR_MAX_ATTEMPTS)
    won = _transition(
        job_id,
        (Q(status=JobStatus.PENDING) | lease_expired_q(now)) & attempts_left,
        status=JobStatus.PROCESSING,
        attempts=F("attempts") + 1,
        started_at=now,
        updated_at=now,
    )
    if won:
        return Job.objects.select_related("user").get(pk=job_id)
    if Job.objects.filter(pk=job_id).lease_expired(now).fail_exhausted(now):
        events.job_changed(job_id)
        job_logger(__name__, job_id).warning("job failed: lease expired on its last attempt")
    return None


def _still_mine(job: Job) -> Q:
    return Q(status=JobStatus.PROCESSING, attempts=job.attempts)


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
            error_code="RETRIES_EXHAUSTED",
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
        error_code="CANCELLED_BY_USER" if user is not None else "CANCELLED_BY_OPERATOR",
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


def job_complete(
    *,
    job: Job,
    document: VPRDocument,
    token_usage: dict[str, Any] | None = None,
) -> bool:
    """Store the report as the next artifact version and mark the job COMPLETED, atomically.

    The result key is deterministic (`results/<job_id>.json`) and the artifact is one-to-one
    with the job, so a repeated completion can neither duplicate nor double-count anything.
    """
    key = storage.result_key(job.pk)
    for _ in range(5):  # another job of the same application may take the same version
        try:
            with transaction.atomic():
                latest = VPRArtifact.objects.filter(
                    user_id=job.user_id, application_id=job.application_id
                ).aggregate(latest=Max("version"))["latest"]
                version = (latest or 0) + 1
                final = document.model_copy(update={"version": version})
                final = final.model_copy(update={"word_count": final.count_words()})
                storage.result_save(
                    key=key,
                    document=final,
                    metadata={
                        "job_id": str(job.pk),
                        "user_id": str(job.user_id),
                        "application_id": job.application_id,
                    },
                )
                VPRArtifact.objects.create(
                    user_id=job.user_id,
                    application_id=job.application_id,
                    version=version,
                    job=job,
                    result_key=key,
                    word_count=final.word_count,
                )
                won = _transition(
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
                )
                if not won:
                    raise _LostRace
        except IntegrityError:
            if VPRArtifact.objects.filter(job=job).exists():
                return False  # completed by another delivery already
            continue
        except _LostRace:
            storage.result_delete(key)
            job_logger(__name__, job.pk).info("completion discarded: job left PROCESSING")
            return False
        job_logger(__name__, job.pk).info(
            "job completed", extra={"vpr_version": version, "word_count": final.word_count}
        )
        return True
    raise RuntimeError("could not allocate an artifact version")


# --------------------------------------------------------------------------- operations


@dataclass(frozen=True)
class OpResult:
    """What an operator action did to one job, in words an operator can act on."""

    job_id: str
    done: bool
    detail: str


def _reset_to_pending(job_id: UUID | str, when: Q) -> tuple[bool, str]:
    """Give a job a fresh start (attempts 0, errors cleared) if `when` matches."""
    try:
        with transaction.atomic():
            won = _transition(
                job_id,
                when,
                status=JobStatus.PENDING,
                attempts=0,
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
    job = Job.objects.filter(pk=job_id).only("status").first()
    return False, "job no longer exists" if job is None else f"job is {job.status}"


def job_retry(*, job_id: UUID | str) -> OpResult:
    """FAILED or stuck → PENDING with attempts reset, then re-enqueued (admin and commands)."""
    now = timezone.now()
    retryable = Q(status=JobStatus.FAILED) | Q(pk__in=Job.objects.stuck(now).values("pk"))
    won, detail = _reset_to_pending(job_id, retryable)
    if not won:
        return OpResult(str(job_id), False, f"not retried: {detail}; only FAILED or stuck jobs")
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
    won, detail = _reset_to_pending(job_id, revivable)
    return OpResult(str(job_id), won, detail)


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

    Each job is taken with a conditional UPDATE, so sweepers on many instances never act on
    the same job twice. A job waiting longer than the visibility timeout is not proof of a
    lost message when the queue has a backlog: only as many are re-sent as the queue lacks
    messages for sent PENDING jobs, or a backlog would be duplicated every minute. Re-sending
    stops after `budget_seconds` (half the worker timeout), so the sweep task is never killed
    mid-way; what is left is `deferred` to the next sweep.
    """
    now = timezone.now()
    deadline = time.monotonic() + (
        settings.VPR_WORKER_TIMEOUT_SECONDS / 2 if budget_seconds is None else budget_seconds
    )
    report = SweepReport()
    # Oldest first, so a backlog cannot starve the longest-waiting jobs.
    due = list(
        Job.objects.never_sent(now).order_by("created_at").values_list("pk", "enqueued_at")[:limit]
    )
    unclaimed = Job.objects.sent_but_unclaimed(now).order_by("created_at")
    if candidates := list(unclaimed.values_list("pk", "enqueued_at")[: limit - len(due)]):
        due += candidates[: _messages_missing()]
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

    expired = Job.objects.lease_expired(now)
    report.failed_exhausted = expired.fail_exhausted(now)
    # A lease that expired a whole visibility timeout ago was not redelivered: the message is
    # gone (dead-lettered or lost). Back to PENDING; the next sweep re-sends it.
    forgotten = now - timedelta(
        seconds=settings.VPR_WORKER_TIMEOUT_SECONDS + settings.VPR_VISIBILITY_TIMEOUT_SECONDS
    )
    report.released = expired.filter(
        attempts__lt=settings.VPR_MAX_ATTEMPTS, started_at__lt=forgotten
    ).update(status=JobStatus.PENDING, enqueued_at=None, updated_at=now)
    if report.failed_exhausted or report.released:
        events.jobs_changed()
    if any(report.as_dict().values()):
        job_logger(__name__, "-").info("sweep", extra=report.as_dict())
    return report


def _messages_missing() -> int:
    """How many sent PENDING jobs the queue holds no message for, at least.

    Unknown queue depth (the broker did not answer) counts as an empty queue: re-sending a
    job twice is harmless (the claim is conditional), never re-sending a lost one is not.
    """
    sent = Job.objects.filter(status=JobStatus.PENDING, enqueued_at__isnull=False).count()
    return max(0, sent - (queue.jobs_queue_depth() or 0))


@dataclass
class PurgeReport:
    jobs: int = 0
    results: int = 0


def jobs_purge(
    *, older_than: timedelta, batch_size: int = 500, dry_run: bool = False, progress: Any = None
) -> PurgeReport:
    """Delete finished jobs (and their artifacts and stored results) past the retention."""
    cutoff = timezone.now() - older_than
    old = Job.objects.filter(created_at__lt=cutoff).exclude(status__in=IN_FLIGHT)
    report = PurgeReport()
    if dry_run:
        report.jobs = old.count()
        report.results = old.exclude(result_key="").count()
        return report
    while True:
        batch = list(old.order_by("created_at").values_list("pk", "result_key")[:batch_size])
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
