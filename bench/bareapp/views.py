"""The bare limit: the least a submit or a status poll can cost in this process setup.

`bare_submit` does one INSERT (a `Job` row, same table and indexes as the API's) and one SQS
send; `bare_status` reads one row by primary key. No authentication, no validation, no
idempotency, no logging: whatever the real endpoints spend beyond this is their overhead.
The caller names its user in `X-Bench-User`.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from vpr_jobs.integrations import aws
from vpr_jobs.models import Job


@cache
def _queue_url() -> str:
    return aws.sqs_queue_url(settings.VPR_JOBS_QUEUE_NAME)


@csrf_exempt
@require_POST
def bare_submit(request: HttpRequest) -> JsonResponse:
    body: dict[str, Any] = json.loads(request.body)
    user_id = int(request.headers["X-Bench-User"])
    application_id = str(body["application_id"])
    job = Job(
        user_id=user_id,
        application_id=application_id,
        idempotency_key=f"bare#{user_id}#{application_id}",
        request_fingerprint="",
        input_data=body,
    )
    job.save(force_insert=True)
    aws.client("sqs").send_message(QueueUrl=_queue_url(), MessageBody=str(job.job_id))
    return JsonResponse({"job_id": str(job.job_id), "status": job.status}, status=202)


@require_GET
def bare_status(request: HttpRequest, job_id: str) -> JsonResponse:
    row = (
        Job.objects.filter(pk=job_id)
        .values("job_id", "application_id", "status", "created_at")
        .first()
    )
    if row is None:
        return JsonResponse({"error": "not found"}, status=404)
    row["job_id"] = str(row["job_id"])
    return JsonResponse(row)
