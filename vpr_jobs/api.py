"""HTTP API: thin views that parse, call one service or selector, and render.

Request bodies are parsed by the pydantic models in `schemas.py` (the same ones the worker
uses); responses are described by small DRF serializers so the OpenAPI schema is exact.
"""

from __future__ import annotations

import json
import re
from typing import Any, TypeVar

from django.conf import settings
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.http import conditional_page
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError
from rest_framework import serializers, status
from rest_framework.exceptions import MethodNotAllowed
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.viewsets import ViewSet

from vpr_jobs import selectors, services, storage
from vpr_jobs.api_errors import RequestValidationError, pydantic_field_errors
from vpr_jobs.errors import JobNotFound
from vpr_jobs.models import Job, JobErrorCode, JobStatus
from vpr_jobs.schemas import APPLICATION_ID_PATTERN, CV, VPRRequest

M = TypeVar("M", bound=BaseModel)

IDEMPOTENCY_HEADER = "Idempotency-Key"
MAX_IDEMPOTENCY_KEY = 255


def parse_body(model: type[M], data: Any) -> M:
    if not isinstance(data, dict):
        raise RequestValidationError({"body": ["Must be a JSON object."]})
    try:
        return model.model_validate(dict(data))
    except PydanticValidationError as exc:
        raise RequestValidationError(pydantic_field_errors(exc)) from exc


def _retry_after() -> dict[str, str]:
    return {"Retry-After": str(settings.VPR_RETRY_AFTER_SECONDS)}


# --------------------------------------------------------------------------- serializers


class ErrorSerializer(serializers.Serializer):
    error = serializers.CharField()
    error_code = serializers.CharField()
    errors = serializers.DictField(child=serializers.ListField(), required=False)


class SubmitOutputSerializer(serializers.Serializer):
    job_id = serializers.UUIDField()
    status = serializers.ChoiceField(JobStatus.choices)
    message = serializers.CharField()


class JobStatusOutputSerializer(serializers.Serializer):
    job_id = serializers.UUIDField()
    application_id = serializers.CharField()
    status = serializers.ChoiceField(JobStatus.choices)
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(required=False)
    completed_at = serializers.DateTimeField(required=False)
    result_url = serializers.CharField(
        required=False, help_text="Stable GET /api/vpr/<job_id>/result (302 to S3, or the file)."
    )
    token_usage = serializers.JSONField(
        required=False, help_text="Token counts of every model call and estimated_cost_usd."
    )
    vpr_version = serializers.IntegerField(required=False)
    word_count = serializers.IntegerField(required=False)
    error = serializers.CharField(required=False)
    error_code = serializers.CharField(required=False)
    fvs = serializers.JSONField(
        required=False, help_text="Fact verification verdict: passed, violations, warnings."
    )


class JobListItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = Job
        fields = [
            "job_id",
            "application_id",
            "status",
            "created_at",
            "started_at",
            "completed_at",
            "attempts",
            "vpr_version",
            "word_count",
            "error_code",
        ]


class ArtifactOutputSerializer(serializers.Serializer):
    application_id = serializers.CharField()
    version = serializers.IntegerField()
    job_id = serializers.UUIDField()
    created_at = serializers.DateTimeField()
    word_count = serializers.IntegerField()
    result_url = serializers.CharField(help_text="Stable GET /api/vpr/<job_id>/result.")
    document = serializers.JSONField()


def job_status_payload(job: Job, *, base_url: str) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "job_id": str(job.job_id),
        "application_id": job.application_id,
        "status": job.status,
        "created_at": job.created_at,
    }
    if job.started_at:
        payload["started_at"] = job.started_at
    if job.status == JobStatus.COMPLETED:
        payload |= {
            "completed_at": job.completed_at,
            "result_url": _result_url(base_url, job.job_id),
            "token_usage": job.token_usage,
            "vpr_version": job.vpr_version,
            "word_count": job.word_count,
        }
    elif job.status in (JobStatus.FAILED, JobStatus.CANCELLED):
        # A fixed sentence per code: the recorded detail (exception text, hosts) is for the
        # logs and the admin only.
        payload |= {
            "completed_at": job.completed_at,
            "error": JobErrorCode.client_message(job.error_code),
            "error_code": job.error_code,
        }
        if job.token_usage:
            payload["token_usage"] = job.token_usage
    if job.fvs_result:
        payload["fvs"] = job.fvs_result
    # Plain dict on the hot path (polled every few seconds): the renderer formats datetimes
    # exactly as the serializer would; JobStatusOutputSerializer documents the shape.
    return payload


def _base_url(request: Request) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _result_url(base_url: str, job_id: Any) -> str:
    """The same URL on every poll: it signs nothing, so a status body can carry an ETag."""
    return base_url + reverse("vpr-result", args=[job_id])


# --------------------------------------------------------------------------- CV


class CVView(APIView):
    throttle_scope = "vpr_read"

    @extend_schema(responses={200: CV, 404: ErrorSerializer}, summary="Get your CV")
    def get(self, request: Request) -> Response:
        user_cv = selectors.cv_get_for_user(user=request.user)
        if user_cv is None:
            raise JobNotFound("No CV uploaded yet.")
        return Response(user_cv.data)

    @extend_schema(
        request=CV, responses={200: CV, 400: ErrorSerializer}, summary="Create or replace your CV"
    )
    def put(self, request: Request) -> Response:
        cv = parse_body(CV, request.data)
        user_cv = services.cv_put(user=request.user, cv=cv)
        return Response(user_cv.data)


# --------------------------------------------------------------------------- VPR jobs


class JobCursorPagination(CursorPagination):
    """Cursor pages: constant cost at any depth, no COUNT(*) over a user's history."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering = ("-created_at", "-job_id")


class VPRJobViewSet(ViewSet):
    # Also tells drf-spectacular that the list answers {next, previous, results}.
    pagination_class = JobCursorPagination

    def get_throttles(self) -> list:
        self.throttle_scope = "vpr_submit" if self.action == "create" else "vpr_read"
        return super().get_throttles()

    @extend_schema(
        request=VPRRequest,
        parameters=[
            OpenApiParameter(
                IDEMPOTENCY_HEADER,
                str,
                OpenApiParameter.HEADER,
                description="Optional client key (≤ 255 chars) replacing the derived "
                "vpr#<user>#<application_id> key.",
            )
        ],
        responses={
            202: SubmitOutputSerializer,
            200: SubmitOutputSerializer,
            400: ErrorSerializer,
            403: ErrorSerializer,
            409: ErrorSerializer,
            413: ErrorSerializer,
            422: ErrorSerializer,
            429: ErrorSerializer,
        },
        summary="Submit a VPR request",
    )
    def create(self, request: Request) -> Response:
        key = request.headers.get(IDEMPOTENCY_HEADER)
        if key is not None and not (0 < len(key) <= MAX_IDEMPOTENCY_KEY and key.isprintable()):
            raise RequestValidationError(
                {IDEMPOTENCY_HEADER: [f"Must be 1-{MAX_IDEMPOTENCY_KEY} printable characters."]}
            )
        vpr_request = parse_body(VPRRequest, request.data)
        outcome = services.job_submit(user=request.user, request=vpr_request, idempotency_key=key)
        job = outcome.job
        body = {
            "job_id": str(job.job_id),
            "status": job.status,
            "message": "VPR generation queued" if outcome.created else "Job already exists",
        }
        if not outcome.created:
            return Response(body, status=status.HTTP_200_OK)
        headers = {"Location": f"/api/vpr/status/{job.job_id}", **_retry_after()}
        return Response(body, status=status.HTTP_202_ACCEPTED, headers=headers)

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=JobStatus.values),
            OpenApiParameter("application_id", str),
        ],
        responses={
            200: JobListItemSerializer(many=True),
            400: ErrorSerializer,
            404: OpenApiResponse(ErrorSerializer, description="Invalid cursor"),
        },
        summary="List your VPR jobs, newest first",
    )
    def list(self, request: Request) -> Response:
        job_status = request.query_params.get("status")
        application_id = request.query_params.get("application_id")
        errors: dict[str, list[str]] = {}
        if job_status and job_status not in JobStatus.values:
            errors["status"] = [f"Must be one of {', '.join(JobStatus.values)}."]
        if application_id and not re.fullmatch(APPLICATION_ID_PATTERN, application_id):
            errors["application_id"] = ["Invalid application_id."]
        if errors:
            raise RequestValidationError(errors)
        jobs = selectors.job_list_for_user(
            user=request.user, status=job_status, application_id=application_id
        )
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(jobs, request, view=self)
        return paginator.get_paginated_response(JobListItemSerializer(page, many=True).data)

    @extend_schema(
        responses={
            200: JobStatusOutputSerializer,
            202: JobStatusOutputSerializer,
            304: OpenApiResponse(description="If-None-Match named the body's current ETag"),
            404: ErrorSerializer,
        },
        summary="Poll a job's status",
    )
    @method_decorator(conditional_page)  # ETag from the body; If-None-Match answers 304
    def status(self, request: Request, job_id: str) -> Response:
        job = selectors.job_get_for_user(user=request.user, job_id=job_id)
        if job is None:
            raise JobNotFound("Job not found.")
        payload = job_status_payload(job, base_url=_base_url(request))
        if job.status in (JobStatus.PENDING, JobStatus.PROCESSING):
            return Response(payload, status=status.HTTP_202_ACCEPTED, headers=_retry_after())
        return Response(payload)

    @extend_schema(
        responses={
            (200, "application/json"): OpenApiResponse(
                OpenApiTypes.OBJECT, description="The report (local storage)"
            ),
            302: OpenApiResponse(
                description="Location: a presigned S3 URL valid VPR_RESULT_URL_TTL_SECONDS"
            ),
            404: ErrorSerializer,
            410: OpenApiResponse(ErrorSerializer, description="Result expired or deleted"),
        },
        summary="Download a completed job's report",
    )
    def result(self, request: Request, job_id: str) -> HttpResponse:
        """Checks the owner and the object at download time, so polls need not."""
        job = selectors.job_get_for_user(user=request.user, job_id=job_id)
        if job is None:
            raise JobNotFound("Job not found.")
        if job.status != JobStatus.COMPLETED or not job.result_key:
            raise JobNotFound("The job has no result.")
        if storage.results_are_remote():
            response: HttpResponse = HttpResponseRedirect(
                selectors.result_url_for(key=job.result_key)
            )
        else:
            document = selectors.result_document_for(key=job.result_key)
            response = HttpResponse(document, content_type="application/json")
        response["Cache-Control"] = "private, no-store"
        return response

    @extend_schema(exclude=True)
    def cancel_via_status_path(self, request: Request, job_id: str) -> Response:
        """POST /api/vpr/status/<x> matches the status route first; it is the cancel route
        only for POST /api/vpr/status/cancel, i.e. cancelling a job whose id is "status"."""
        if job_id != "cancel":
            raise MethodNotAllowed(request.method)
        return self.cancel(request, "status")

    @extend_schema(
        request=None,
        responses={200: JobStatusOutputSerializer, 404: ErrorSerializer, 409: ErrorSerializer},
        summary="Cancel a pending or running job",
    )
    def cancel(self, request: Request, job_id: str) -> Response:
        job = selectors.job_get_for_user(user=request.user, job_id=job_id)
        if job is None:
            raise JobNotFound("Job not found.")
        job = services.job_cancel(job_id=job.job_id, user=request.user)
        return Response(job_status_payload(job, base_url=_base_url(request)))


class ApplicationVPRView(APIView):
    throttle_scope = "vpr_read"

    @extend_schema(
        parameters=[OpenApiParameter("version", int)],
        responses={
            200: ArtifactOutputSerializer,
            400: ErrorSerializer,
            404: ErrorSerializer,
            410: ErrorSerializer,
        },
        summary="The latest (or ?version=N) VPR of an application",
    )
    def get(self, request: Request, application_id: str) -> Response:
        raw_version = request.query_params.get("version")
        version: int | None = None
        if raw_version is not None:
            if not raw_version.isdigit() or int(raw_version) < 1 or len(raw_version) > 9:
                raise RequestValidationError({"version": ["Must be a positive integer."]})
            version = int(raw_version)
        artifact = selectors.artifact_get_for_user(
            user=request.user, application_id=application_id, version=version
        )
        if artifact is None:
            raise JobNotFound("No VPR for this application.")
        document = selectors.result_document_for(key=artifact.result_key)  # 410 if gone
        return Response(
            ArtifactOutputSerializer(
                {
                    "application_id": artifact.application_id,
                    "version": artifact.version,
                    "job_id": artifact.job_id,
                    "created_at": artifact.created_at,
                    "word_count": artifact.word_count,
                    "result_url": _result_url(_base_url(request), artifact.job_id),
                    "document": json.loads(document),
                }
            ).data
        )
