"""The django-q2 task: one VPR job, from claim to COMPLETED or FAILED.

Failure policy: a permanent error (bad input, missing CV, a generator's permanent error)
fails the job at once and returns normally, so the message is acknowledged. Anything else is
transient: the job goes back to PENDING and the task raises, so the broker redelivers it, until
the last attempt fails it with RETRIES_EXHAUSTED.
"""

from __future__ import annotations

from pydantic import ValidationError

from vpr_jobs import services
from vpr_jobs.generation import GenerationError, GenerationInput, get_generator
from vpr_jobs.logs import job_logger
from vpr_jobs.models import UserCV
from vpr_jobs.schemas import CV, VPRRequest


class PermanentJobError(Exception):
    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


class TransientJobError(Exception):
    """Raised to the broker so that it redelivers the message."""


def _load_input(job_id: str, user_id: int, input_data: dict) -> GenerationInput:
    user_cv = UserCV.objects.filter(user_id=user_id).first()
    if user_cv is None:
        raise PermanentJobError("The user has no CV.", "CV_NOT_FOUND")
    try:
        cv = CV.model_validate(user_cv.data)
    except ValidationError as exc:
        raise PermanentJobError(
            f"The stored CV is invalid: {exc.error_count()} errors", "INVALID_CV"
        ) from exc
    try:
        request = VPRRequest.model_validate(input_data)
    except ValidationError as exc:
        raise PermanentJobError(
            f"The job input is invalid: {exc.error_count()} errors", "INVALID_INPUT"
        ) from exc
    return GenerationInput(job_id=job_id, cv=cv, request=request)


def process_vpr_job(job_id: str) -> str:
    log = job_logger(__name__, job_id)
    job = services.job_claim(job_id=job_id)
    if job is None:
        log.info("message skipped: job is not claimable (duplicate, cancelled or finished)")
        return "skipped"
    log.info("job claimed", extra={"attempt": job.attempts})
    try:
        data = _load_input(str(job.pk), job.user_id, job.input_data)
        result = get_generator().generate(data)
        completed = services.job_complete(
            job=job, document=result.document, token_usage=result.token_usage
        )
    except PermanentJobError as exc:
        services.job_fail(job=job, error=str(exc), error_code=exc.code)
        return "failed"
    except GenerationError as exc:
        if exc.permanent:
            services.job_fail(job=job, error=str(exc), error_code=exc.code)
            return "failed"
        return _transient(job, f"{exc.code}: {exc}")
    except Exception as exc:
        log.exception("unexpected error while processing")
        return _transient(job, f"{type(exc).__name__}: {exc}")
    return "completed" if completed else "discarded"


def _transient(job, error: str) -> str:
    if services.job_release_for_retry(job=job, error=error):
        raise TransientJobError(error)
    return "failed"
