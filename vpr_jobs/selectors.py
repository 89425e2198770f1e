"""Reads for the API and admin. Every user-facing read is scoped to its owner."""

from __future__ import annotations

from uuid import UUID

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import QuerySet

from vpr_jobs import storage
from vpr_jobs.errors import ResultGone
from vpr_jobs.models import Job, UserCV, VPRArtifact


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
