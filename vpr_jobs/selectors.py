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


def job_get_for_user(*, user: AbstractBaseUser, job_id: object) -> Job | None:
    """None for unknown, malformed and other users' ids alike, so ids cannot be probed."""
    pk = _uuid_or_none(job_id)
    if pk is None:
        return None
    # Polled every few seconds: leave out the request body (the largest JSON) and the keys.
    # get(), not first(): first() would add an ORDER BY that costs a third of the ORM time.
    jobs = Job.objects.filter(pk=pk, user=user).defer(
        "input_data", "idempotency_key", "request_fingerprint"
    )
    try:
        return jobs.get()
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
    return jobs.defer("input_data", "token_usage", "fvs_result").order_by("-created_at", "-job_id")


def artifact_get_for_user(
    *, user: AbstractBaseUser, application_id: str, version: int | None = None
) -> VPRArtifact | None:
    artifacts = VPRArtifact.objects.filter(user=user, application_id=application_id)
    if version is not None:
        return artifacts.filter(version=version).first()
    return artifacts.order_by("-version").first()


def _gone() -> ResultGone:
    return ResultGone("Result expired or deleted", message="Please regenerate the VPR")


def result_link_for(*, key: str, user_id: object, base_url: str = "") -> storage.ResultLink:
    """A fresh download link, after checking (HEAD, reused briefly) that the object exists."""
    if not storage.result_exists_recently(key):
        raise _gone()
    return storage.result_link(key=key, user_id=user_id, base_url=base_url)


def result_document_for(*, key: str) -> bytes:
    """The stored document; reading it is the existence check."""
    document = storage.result_read(key)
    if document is None:
        raise _gone()
    return document
