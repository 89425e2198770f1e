"""How a job comes to exist: the caller's CV, a submitted request, and its first queue message.

Everything that decides whether a POST makes a new job or answers with an existing one lives
here: the request fingerprint, the idempotency key, the existing-job rules and the insert that
races on the `job_one_in_flight_per_key` unique index. A job is inserted PENDING; every later
status write is in `lifecycle`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Case, Q, When
from django.utils import timezone

from vpr_jobs import queue
from vpr_jobs.errors import CVNotFound, Forbidden, IdempotencyKeyReused, JobInProgress
from vpr_jobs.logs import job_logger
from vpr_jobs.models import IN_FLIGHT, Job, JobStatus, UserCV
from vpr_jobs.schemas import CV, VPRRequest

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
    """Send the job's message; a failure leaves it PENDING with no `enqueued_at` to re-send.

    Also the re-send of the sweeper and of operators: only `enqueued_at` is written here.
    """
    log = job_logger(__name__, job_id)
    try:
        queue.send_job(job_id)
    except Exception:
        log.exception("enqueue failed; job stays PENDING for the sweeper")
        return False
    Job.objects.filter(pk=job_id).update(enqueued_at=timezone.now())
    log.info("job enqueued")
    return True
