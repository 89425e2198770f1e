"""The jobs changelist's actions: Retry, Cancel and Re-enqueue, and the limits around them.

Each action calls the same service as the API and the management commands (a conditional
UPDATE that reports whether it won), one job at a time, so an operator can never overwrite a
worker's result. What is shared lives here once: at most `MAX_ACTION_JOBS` per action, an
admin-log entry for every job changed and one message that names every refusal. They are
action functions (Django's "Writing action functions"), listed in `JobAdmin.actions`.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.text import capfirst

from vpr_jobs.errors import JobNotCancellable, JobNotFound
from vpr_jobs.models import Job
from vpr_jobs.services import lifecycle, operations

# One action touches at most this many jobs: "select all 1,000,000" must not loop for hours.
MAX_ACTION_JOBS = 500
# Refusal reasons listed one by one in the message; the rest are summarised.
MAX_LISTED_REASONS = 10


def _operate(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet,
    *,
    verb: str,
    operation: Callable[[Job], tuple[bool, str]],
) -> None:
    """Run `operation` on each selected job, log what was done, report every refusal."""
    selected = queryset.select_related(None).only("job_id", "status").order_by()
    jobs = list(selected[: MAX_ACTION_JOBS + 1])
    if len(jobs) > MAX_ACTION_JOBS:
        modeladmin.message_user(
            request,
            f"Nothing {verb}: select at most {MAX_ACTION_JOBS} jobs per action.",
            messages.ERROR,
        )
        return
    done: list[str] = []
    refused: list[tuple[Job, str]] = []
    for job in jobs:
        ok, detail = operation(job)
        if ok:
            modeladmin.log_change(request, job, f"{capfirst(verb)} via admin: {detail}.")
            done.append(detail)
        else:
            refused.append((job, detail))
    unusual = sorted({d for d in done if "fail" in d})  # e.g. "retried; enqueue failed"
    summary = f"{capfirst(verb)} {len(done)} of {len(jobs)} job(s)."
    if unusual:
        summary += f" Note: {'; '.join(unusual)}."
    if not refused:
        modeladmin.message_user(request, summary, messages.WARNING if unusual else messages.SUCCESS)
        return
    reasons = "; ".join(f"{job.pk}: {why}" for job, why in refused[:MAX_LISTED_REASONS])
    if len(refused) > MAX_LISTED_REASONS:
        reasons += f"; and {len(refused) - MAX_LISTED_REASONS} more"
    modeladmin.message_user(
        request, f"{summary} Refused {len(refused)}: {reasons}.", messages.WARNING
    )


@admin.action(
    description="Retry selected jobs (FAILED or stuck → PENDING, attempts reset)",
    permissions=["change"],
)
def retry_jobs(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> None:
    def retry(job: Job) -> tuple[bool, str]:
        result = operations.job_retry(job_id=job.pk)
        return result.done, result.detail

    _operate(modeladmin, request, queryset, verb="retried", operation=retry)


@admin.action(description="Cancel selected jobs (PENDING or PROCESSING)", permissions=["change"])
def cancel_jobs(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> None:
    def cancel(job: Job) -> tuple[bool, str]:
        try:
            cancelled = lifecycle.job_cancel(job_id=job.pk)
        except (JobNotCancellable, JobNotFound) as exc:
            return False, exc.message
        return True, f"cancelled ({cancelled.error_code})"

    _operate(modeladmin, request, queryset, verb="cancelled", operation=cancel)


@admin.action(
    description="Re-enqueue selected jobs (PENDING whose message was lost)",
    permissions=["change"],
)
def reenqueue_jobs(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> None:
    def reenqueue(job: Job) -> tuple[bool, str]:
        result = operations.job_reenqueue(job_id=job.pk)
        return result.done, result.detail

    _operate(modeladmin, request, queryset, verb="re-enqueued", operation=reenqueue)
