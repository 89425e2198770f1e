"""Reads for the API and admin. Every user-facing read is scoped to its owner."""

from __future__ import annotations

import statistics
from datetime import datetime, timedelta
from uuid import UUID

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.cache import cache as shared_cache
from django.db.models import QuerySet
from django.utils import timezone

from vpr_jobs import storage
from vpr_jobs.errors import ResultGone
from vpr_jobs.models import Job, JobStage, JobStatus, UserCV, VPRArtifact


def _uuid_or_none(value: object) -> UUID | None:
    try:
        return UUID(str(value))
    except ValueError:
        return None


def cv_get_for_user(*, user: AbstractBaseUser) -> UserCV | None:
    return UserCV.objects.filter(user=user).first()


# What a status answer shows (`api.job_status_payload`); the request body, the keys and the
# bookkeeping columns stay in the database.
STATUS_FIELDS = (
    "job_id",
    "user_id",
    "application_id",
    "status",
    "created_at",
    "started_at",
    "completed_at",
    "result_key",
    "error",
    "error_code",
    "token_usage",
    "fvs_result",
    "vpr_version",
    "word_count",
    "stage",
    "generator",
)


def job_get_for_user(*, user: AbstractBaseUser, job_id: object) -> Job | None:
    """None for unknown, malformed and other users' ids alike, so ids cannot be probed.

    `get()`, not `first()`: no ORDER BY (Job's default ordering) on a primary-key lookup."""
    pk = _uuid_or_none(job_id)
    if pk is None:
        return None
    try:
        return Job.objects.only(*STATUS_FIELDS).get(pk=pk, user=user)
    except Job.DoesNotExist:
        return None


def job_stage(job: Job) -> str | None:
    """Where an in-flight job is; None once it is finished."""
    if job.status == JobStatus.PENDING:
        return JobStage.QUEUED
    if job.status == JobStatus.PROCESSING:
        # Claimed, and the worker has not recorded its first step yet (or a previous
        # attempt's step is still on the row): generation comes first.
        return job.stage if job.stage and job.stage != JobStage.QUEUED else JobStage.GENERATING
    return None


ETA_HISTORY = timedelta(days=7)


def job_eta_seconds(job: Job, *, now: datetime) -> int | None:
    """Seconds until an in-flight job is likely done; None when finished or nothing to go by.

    The estimate is the median of the generator's recent COMPLETED jobs: submit-to-done time
    for a PENDING job (queue wait included), claim-to-done time for a PROCESSING one, minus
    the time this job has already spent. A job already past the median gets 1 s.
    """
    if job.status not in (JobStatus.PENDING, JobStatus.PROCESSING):
        return None
    medians = _recent_durations(job.generator)
    if medians is None:
        return None
    total, run = medians
    if job.status == JobStatus.PENDING:
        remaining = max(total - (now - job.created_at).total_seconds(), run)
    else:
        remaining = run - (now - (job.started_at or now)).total_seconds()
    return max(1, round(remaining))


def _recent_durations(generator: str) -> tuple[float, float] | None:
    """(median submit-to-done, median claim-to-done) in seconds of the generator's last
    `VPR_ETA_SAMPLE_JOBS` completed jobs of the past week; cached for a minute, because every
    status poll of an in-flight job asks."""
    key = f"vpr:eta:{generator}"
    found = shared_cache.get(key)
    if found is not None:
        return tuple(found) or None
    since = timezone.now() - ETA_HISTORY
    rows = list(
        Job.objects.filter(status=JobStatus.COMPLETED, generator=generator, created_at__gte=since)
        .exclude(started_at=None)
        .order_by("-created_at")
        .values_list("created_at", "started_at", "completed_at")[: settings.VPR_ETA_SAMPLE_JOBS]
    )
    medians: tuple[float, float] | tuple[()] = ()
    if rows:
        medians = (
            statistics.median((done - created).total_seconds() for created, _, done in rows),
            statistics.median((done - started).total_seconds() for _, started, done in rows),
        )
    shared_cache.set(key, list(medians), 60)
    return medians or None


def job_list_for_user(
    *, user: AbstractBaseUser, status: str | None = None, application_id: str | None = None
) -> QuerySet[Job]:
    jobs = Job.objects.filter(user=user)
    if status:
        jobs = jobs.filter(status=status)
    if application_id:
        jobs = jobs.filter(application_id=application_id)
    # The list shows summaries: the JSON columns stay in the database.
    return jobs.defer("input_data", "cv_data", "token_usage", "fvs_result").order_by(
        "-created_at", "-job_id"
    )


def artifact_get_for_user(
    *, user: AbstractBaseUser, application_id: str, version: int | None = None
) -> VPRArtifact | None:
    artifacts = VPRArtifact.objects.filter(user=user, application_id=application_id)
    if version is not None:
        return artifacts.filter(version=version).first()
    return artifacts.order_by("-version").first()


def _gone() -> ResultGone:
    return ResultGone("Result expired or deleted", message="Please regenerate the VPR")


def result_url_for(*, key: str) -> str:
    """A presigned S3 URL made now, after a HEAD: a gone object is our 410, not S3's 404 page."""
    if not storage.result_exists(key):
        raise _gone()
    return storage.result_download_url(key)


def result_document_for(*, key: str) -> bytes:
    """The stored document; reading it is the existence check."""
    document = storage.result_read(key)
    if document is None:
        raise _gone()
    return document
