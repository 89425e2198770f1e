"""The django-q2 task: one VPR job, from claim to COMPLETED or FAILED.

Failure policy: a permanent error (bad input, missing CV, a generator's permanent error, a
report that still fails fact verification after one corrected regeneration) fails the job at
once and returns normally, so the message is acknowledged. Anything else is transient: the job
goes back to PENDING and the task raises, so the broker redelivers the message. The last
attempt fails the job with RETRIES_EXHAUSTED and still raises, so on SQS the message ends in
the dead-letter queue, where `requeue_dlq` can revive it.

Log levels follow the worker-errors alarm (.ebextensions/20_alarms.config), which pages on
ERROR: a retry that is expected to help (an Anthropic 529, a timeout) is a WARNING, including
django-q2's own "Failed" line for it (`logs.ExpectedRetryFilter`); a job that ends FAILED
because its retries ran out is an ERROR.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from pydantic import ValidationError

from vpr_jobs import fvs
from vpr_jobs.generation import GenerationError, GenerationInput, get_generator
from vpr_jobs.logs import job_logger
from vpr_jobs.models import Job, JobErrorCode, JobStage
from vpr_jobs.schemas import CV, VPRDocument, VPRRequest
from vpr_jobs.services import lifecycle


class PermanentJobError(Exception):
    def __init__(self, message: str, code: str, **record: Any) -> None:
        super().__init__(message)
        self.code = code
        self.record = record


class TransientJobError(Exception):
    """Raised to the broker so that it redelivers the message: an expected retry."""


class RetriesExhaustedError(Exception):
    """Raised to the broker on the last attempt's failure: the job is FAILED; on SQS the
    message goes on to the dead-letter queue."""


class UnknownJobError(Exception):
    """A message for a job with no row: raised, never acknowledged, so SQS dead-letters it."""


def _load_input(job: Job) -> GenerationInput:
    """The job's own inputs: the request and the CV snapshot taken at submission (a retry
    days later runs on the same CV, whatever the user uploaded since)."""
    if job.cv_data is None:
        raise PermanentJobError("The job has no CV snapshot.", JobErrorCode.CV_NOT_FOUND)
    try:
        cv = CV.model_validate(job.cv_data)
    except ValidationError as exc:
        message = f"The CV snapshot is invalid ({exc.error_count()} errors)."
        raise PermanentJobError(message, JobErrorCode.INVALID_CV) from exc
    try:
        request = VPRRequest.model_validate(job.input_data)
    except ValidationError as exc:
        message = f"The job input is invalid ({exc.error_count()} errors)."
        raise PermanentJobError(message, JobErrorCode.INVALID_INPUT) from exc
    deadline = time.monotonic() + settings.VPR_JOB_DEADLINE_SECONDS
    return GenerationInput(job_id=str(job.pk), cv=cv, request=request, deadline=deadline)


def add_usage(total: dict[str, Any], more: dict[str, Any]) -> dict[str, Any]:
    """Token usage of several model calls: every counter (and the cost) summed."""
    summed = dict(total)
    for key, value in more.items():
        if isinstance(value, int | float) and not isinstance(value, bool):
            summed[key] = round(summed.get(key, 0) + value, 6)
        else:
            summed.setdefault(key, value)
    return summed


def generate_verified(
    data: GenerationInput,
    log: Any,
    spent: dict[str, Any],
    on_stage: Callable[[JobStage], object] = lambda stage: None,
) -> VPRDocument:
    """Generate, verify facts, and regenerate once with the violations as feedback.

    `spent` accumulates the token usage of every model call, failed ones included; `on_stage`
    hears each step as it starts (generating, verifying, regenerating). Raises
    PermanentJobError(FVS_HALLUCINATION_DETECTED) when the second report still states facts
    that are not in the sources.
    """
    generator = get_generator()

    def generate(feedback: Any = None) -> VPRDocument:
        try:
            result = generator.generate(data, feedback=feedback)
        except GenerationError as exc:
            spent.update(add_usage(spent, getattr(exc, "token_usage", None) or {}))
            raise
        spent.update(add_usage(spent, result.token_usage))
        return result.document

    sources = {
        "cv": data.cv,
        "posting": data.request.job_posting,
        "gap_responses": data.request.gap_responses,
    }
    on_stage(JobStage.GENERATING)
    document = generate()
    on_stage(JobStage.VERIFYING)
    verdict = fvs.verify(document, **sources)
    if not verdict.passed:
        log.warning(
            "fact verification failed; regenerating with feedback",
            extra={"violations": len(verdict.violations)},
        )
        on_stage(JobStage.REGENERATING)
        document = generate(feedback=verdict.violations)
        on_stage(JobStage.VERIFYING)
        verdict = fvs.verify(document, **sources)
        if not verdict.passed:
            raise PermanentJobError(
                f"The report stated {len(verdict.violations)} facts not found in the CV, "
                "the gap answers or the posting, even after one corrected regeneration.",
                JobErrorCode.FVS_HALLUCINATION_DETECTED,
                fvs_result=verdict.to_dict(),
            )
    return document.model_copy(update={"fvs": verdict.to_dict()})


def process_vpr_job(job_id: str) -> str:
    log = job_logger(__name__, job_id)
    job = lifecycle.job_claim(job_id=job_id)
    if job is None:
        if not Job.objects.filter(pk=job_id).exists():
            log.error("message for an unknown job: left for the dead-letter queue")
            raise UnknownJobError(f"no job {job_id}")
        log.info("message skipped: job is not claimable (duplicate, cancelled or finished)")
        return "skipped"
    log.info("job claimed", extra={"attempt": job.attempts})
    spent = dict(job.token_usage or {})  # earlier attempts' calls count too
    try:
        data = _load_input(job)
        document = generate_verified(
            data, log, spent, on_stage=lambda stage: lifecycle.job_set_stage(job=job, stage=stage)
        )
        lifecycle.job_set_stage(job=job, stage=JobStage.STORING)
        completed = lifecycle.job_complete(job=job, document=document, token_usage=spent)
    except PermanentJobError as exc:
        lifecycle.job_fail(
            job=job, error=str(exc), error_code=exc.code, token_usage=spent, **exc.record
        )
        return "failed"
    except GenerationError as exc:
        if exc.permanent:
            lifecycle.job_fail(job=job, error=str(exc), error_code=exc.code, token_usage=spent)
            return "failed"
        _retry_or_give_up(job, f"{exc.code}: {exc}", spent)
    except Exception as exc:
        # Retried like any transient error; the last attempt's failure is the ERROR.
        log.warning("unexpected error while processing", exc_info=True)
        _retry_or_give_up(job, f"{type(exc).__name__}: {exc}", spent)
    return "completed" if completed else "discarded"


def _retry_or_give_up(job: Job, error: str, spent: dict[str, Any]) -> None:
    """Record the transient failure, then raise so the broker keeps (redelivers) the message."""
    lifecycle.job_release_for_retry(job=job, error=error, token_usage=spent)
    if job.attempts >= settings.VPR_MAX_ATTEMPTS:
        job_logger(__name__, job.pk).error(
            "job failed: retries exhausted", extra={"attempts": job.attempts}
        )
        raise RetriesExhaustedError(error)
    # One line: django-q2's "Failed" log line ends with it (see logs.ExpectedRetryFilter).
    raise TransientJobError(" ".join(error.split()))


def sweep_jobs() -> dict[str, Any]:
    """Scheduled every minute by django-q2 (see the `sweep_schedule` migration).

    Never raises: a failed sweep is not worth a redelivery (the next one is a minute away)
    and a raising task's message would end in the dead-letter queue.
    """
    try:
        return lifecycle.jobs_sweep().as_dict()
    except Exception as exc:  # noqa: BLE001 (whatever it was, the next sweep tries again)
        job_logger(__name__, "-").exception("sweep failed")
        return {"error": f"{type(exc).__name__}: {exc}"}
