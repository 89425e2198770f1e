"""Every write of the VPR jobs domain: CVs, submission, the job state machine, artifacts.

The state machine has one rule: a status changes only through a conditional UPDATE
(`WHERE status IN (...)`) whose row count says whether this caller won. Worker-side
transitions also match the `claim_token` their claim wrote (a fresh UUID per claim, never
reset), so a worker whose lease expired and whose job was re-claimed elsewhere, or retried by
an operator, can no longer write anything.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Case, Exists, F, Max, OuterRef, Q, When
from django.utils import timezone
from knox.models import AuthToken

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
from vpr_jobs.models import (
    IN_FLIGHT,
    Job,
    JobErrorCode,
    JobStatus,
    UserCV,
    VPRArtifact,
    lease_expired_q,
)
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


def _sha256_json(value: Any) -> str:
    canonical = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def request_fingerprint(request: VPRRequest, *, cv_data: Any) -> str:
    """What the job is made of: the request and the CV it runs on (by hash), so resubmitting
    after a CV change is a new job and not the old report."""
    return _sha256_json({"request": request.fingerprint_payload(), "cv": _sha256_json(cv_data)})


def idempotency_key_for(*, user: AbstractBaseUser, request: VPRRequest, header: str | None) -> str:
    if header:
        return f"vpr#{user.pk}#key#{header}"
    return f"vpr#{user.pk}#{request.application_id}"


def _existing_job(*, key: str, fingerprint: str, force: bool, explicit_key: bool) -> Job | None:
    """The job this submit duplicates, or None if a new one may be created.

    Raises when the submit conflicts with what already exists under the key. A client's
    Idempotency-Key names one request: the same key and body are the same job, and `force`
    cannot make a second one (a client retrying a paid request must never pay twice).
    """
    since = timezone.now() - timedelta(seconds=settings.VPR_IDEMPOTENCY_WINDOW_SECONDS)
    recent = Job.objects.filter(idempotency_key=key, created_at__gte=since)
    if explicit_key:
        force = False
        if recent.exclude(request_fingerprint=fingerprint).exists():
            raise IdempotencyKeyReused(
                "This Idempotency-Key was already used with a different request body "
                "(or before your CV changed); use a new key for a new request."
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
    cv_data = UserCV.objects.filter(user=user).values_list("data", flat=True).first()
    if cv_data is None:
        raise CVNotFound("Upload your CV (PUT /api/cv) before requesting a VPR.")

    key = idempotency_key_for(user=user, request=request, header=idempotency_key)
    fingerprint = request_fingerprint(request, cv_data=cv_data)
    lookup = {
        "key": key,
        "fingerprint": fingerprint,
        "force": request.force,
        "explicit_key": bool(idempotency_key),
    }
    # A lost race on the unique index is answered by looking again: the winner is then
    # visible (or already gone, and this submit may insert after all). Never a 500.
    for _ in range(_SUBMIT_ROUNDS):
        existing = _existing_job(**lookup)
        if existing is not None:
            return SubmitOutcome(existing, created=False)
        job = Job(
            user=user,
            application_id=request.application_id,
            idempotency_key=key,
            request_fingerprint=fingerprint,
            input_data=request.model_dump(mode="json", exclude={"user_id"}),
            cv_data=cv_data,
            generator=settings.VPR_GENERATOR,
        )
        try:
            with transaction.atomic():
                job.save(force_insert=True)
                transaction.on_commit(lambda job=job: job_enqueue(job_id=job.job_id))
        except IntegrityError:
            continue
        job_logger(__name__, job.job_id).info(
            "job submitted", extra={"user_id": user.pk, "application_id": job.application_id}
        )
        return SubmitOutcome(job, created=True)
    in_flight = Job.objects.filter(idempotency_key=key, status__in=IN_FLIGHT).first()
    raise JobInProgress(
        "Another VPR job for this application is being submitted; try again in a moment.",
        **({"job_id": str(in_flight.job_id)} if in_flight else {}),
    )


_SUBMIT_ROUNDS = 3


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
    if Job.objects.filter(Q(pk=job_id) & claimable).fail_exhausted(now):
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


# --------------------------------------------------------------------------- operations


@dataclass(frozen=True)
class OpResult:
    """What an operator action did to one job, in words an operator can act on."""

    job_id: str
    done: bool
    detail: str


def _superseded() -> Exists:
    """A newer job was submitted under the same idempotency key: its report is the current
    one, and reviving this job would make an older request the newest version."""
    return Exists(
        Job.objects.filter(
            idempotency_key=OuterRef("idempotency_key"), created_at__gt=OuterRef("created_at")
        )
    )


def _reset_to_pending(job_id: UUID | str, when: Q) -> tuple[bool, str]:
    """Give a job a fresh start (attempts 0, errors cleared) if `when` matches and no newer
    job superseded it. Its workers' claim token is void from here on."""
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


def job_retry(*, job_id: UUID | str) -> OpResult:
    """FAILED or stuck → PENDING with attempts reset, then re-enqueued (admin and commands)."""
    now = timezone.now()
    retryable = Q(status=JobStatus.FAILED) | Q(pk__in=Job.objects.stuck(now).values("pk"))
    won, detail = _reset_to_pending(job_id, retryable)
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
    report.failed_exhausted = Job.objects.filter(claimable).fail_exhausted(now)
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


@dataclass
class PurgeReport:
    jobs: int = 0
    results: int = 0
    failed_tasks: int = 0


def jobs_purge(
    *, older_than: timedelta, batch_size: int = 500, dry_run: bool = False, progress: Any = None
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


# --------------------------------------------------------------------------- erasure
# Right to erasure (DELETE /api/cv, DELETE /api/me). Kept apart from the job lifecycle above.


@dataclass
class ErasureReport:
    """What an erasure deleted: rows by kind, and stored result objects."""

    cv: int = 0
    jobs: int = 0
    artifacts: int = 0
    results: int = 0
    tokens: int = 0
    user: int = 0

    def as_dict(self, *, account: bool) -> dict[str, int]:
        counts = dict(self.__dict__)
        if not account:
            del counts["tokens"], counts["user"]
        return counts


def user_data_erase(*, user: AbstractBaseUser, delete_account: bool = False) -> ErasureReport:
    """Erase the user's CV, jobs, artifacts and stored results (and, with `delete_account`,
    their API tokens and the user itself).

    Objects first, then rows, in one transaction that holds the user's job rows locked
    (`FOR UPDATE`) throughout:
    - a failure while deleting objects rolls every row back: some results may be gone (a
      retry finishes the job; a status poll answers 410 meanwhile), but no object is ever left
      without the row that leads to it;
    - a worker completing one of these jobs meanwhile blocks on its job row, then finds it
      gone and removes the object it wrote (`job_complete`'s lost race), so it cannot leave
      an object behind either. A queued message for a deleted job is refused by the task
      (`UnknownJobError`: dead-lettered on SQS, reported by `requeue_dlq`).
    Every object under a job's folder (`results/<job_id>/`, one per claim) is listed and
    deleted, so an object written by a completion that has not committed yet goes too.
    """
    user_id = user.pk
    report = ErasureReport()
    with transaction.atomic():
        job_ids = list(
            Job.objects.select_for_update().filter(user=user).values_list("pk", flat=True)
        )
        keys = {key for job_id in job_ids for key in storage.result_keys_of_job(job_id)}
        keys |= set(VPRArtifact.objects.filter(user=user).values_list("result_key", flat=True))
        for key in sorted(keys):
            if storage.result_exists(key):
                storage.result_delete(key)
                report.results += 1
        report.artifacts = VPRArtifact.objects.filter(user=user).delete()[0]
        report.jobs = Job.objects.filter(pk__in=job_ids).delete()[1].get(Job._meta.label, 0)
        report.cv = UserCV.objects.filter(user=user).delete()[0]
        if delete_account:
            report.tokens = AuthToken.objects.filter(user=user).delete()[0]
            user.delete()
            report.user = 1
    job_logger(__name__, "-").info(
        "user data erased", extra={"user_id": user_id, **report.__dict__}
    )
    return report
