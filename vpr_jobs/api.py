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
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.decorators import method_decorator
from django.views.decorators.http import conditional_page
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from knox.models import AuthToken
from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError
from rest_framework import serializers, status
from rest_framework.exceptions import MethodNotAllowed, NotFound
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView
from rest_framework.viewsets import ViewSet

from vpr_jobs import long_poll, rendering, selectors, storage, tokens
from vpr_jobs.api_errors import RequestValidationError, pydantic_field_errors
from vpr_jobs.api_schema import (
    IDEMPOTENCY_KEY_PATTERN,
    MAX_ARTIFACT_VERSION,
    MAX_IDEMPOTENCY_KEY,
    MAX_PAGE_SIZE,
    ErrorSerializer,
    FVSResultField,
    VPRDocumentField,
    error_responses,
    retry_after,
)
from vpr_jobs.errors import JobNotFound
from vpr_jobs.models import Job, JobErrorCode, JobStage, JobStatus
from vpr_jobs.schemas import APPLICATION_ID_PATTERN, CV, VPRDocument, VPRRequest
from vpr_jobs.services import erasure, lifecycle, submission
from vpr_jobs.streams import events_url
from vpr_jobs.text import unprintable_reason

M = TypeVar("M", bound=BaseModel)

IDEMPOTENCY_HEADER = "Idempotency-Key"


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


class SubmitOutputSerializer(serializers.Serializer):
    job_id = serializers.UUIDField()
    status = serializers.ChoiceField(JobStatus.choices)
    message = serializers.CharField()
    events_url = serializers.CharField(
        required=False, help_text="Signed, short-lived Server-Sent Events link (EventSource)."
    )


class JobStatusOutputSerializer(serializers.Serializer):
    job_id = serializers.UUIDField()
    application_id = serializers.CharField()
    status = serializers.ChoiceField(JobStatus.choices)
    stage = serializers.ChoiceField(
        JobStage.choices, required=False, help_text="Where a PENDING/PROCESSING job is."
    )
    eta_seconds = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="Estimated seconds to completion (recent jobs of the same generator); "
        "null until there is history.",
    )
    events_url = serializers.CharField(
        required=False, help_text="Signed, short-lived Server-Sent Events link (EventSource)."
    )
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
    fvs = FVSResultField(
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
    document = VPRDocumentField()


def job_status_payload(job: Job, *, base_url: str) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "job_id": str(job.job_id),
        "application_id": job.application_id,
        "status": job.status,
        "created_at": job.created_at,
    }
    if job.started_at:
        payload["started_at"] = job.started_at
    if (stage := selectors.job_stage(job)) is not None:
        payload["stage"] = stage
        payload["eta_seconds"] = selectors.job_eta_seconds(job, now=timezone.now())
        payload["events_url"] = events_url(job, base_url=base_url)
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


# --------------------------------------------------------------------------- CV and erasure


class ErasureCountsSerializer(serializers.Serializer):
    cv = serializers.IntegerField()
    jobs = serializers.IntegerField()
    artifacts = serializers.IntegerField()
    results = serializers.IntegerField(help_text="Stored result objects deleted.")
    tokens = serializers.IntegerField(required=False, help_text="DELETE /api/me only.")
    user = serializers.IntegerField(required=False, help_text="DELETE /api/me only.")


class ErasureOutputSerializer(serializers.Serializer):
    deleted = ErasureCountsSerializer()


class CVView(APIView):
    throttle_scope = "vpr_read"

    @extend_schema(responses={200: CV, **error_responses(404)}, summary="Get your CV")
    def get(self, request: Request) -> Response:
        user_cv = selectors.cv_get_for_user(user=request.user)
        if user_cv is None:
            raise JobNotFound("No CV uploaded yet.")
        return Response(user_cv.data)

    @extend_schema(request=CV, responses={200: CV}, summary="Create or replace your CV")
    def put(self, request: Request) -> Response:
        cv = parse_body(CV, request.data)
        user_cv = submission.cv_put(user=request.user, cv=cv)
        return Response(user_cv.data)

    @extend_schema(
        request=None,
        responses={200: ErasureOutputSerializer},
        summary="Erase your CV and everything made from it: jobs, reports, stored results",
    )
    def delete(self, request: Request) -> Response:
        report = erasure.user_data_erase(user=request.user)
        return Response({"deleted": report.as_dict(account=False)})


class MeView(APIView):
    throttle_scope = "vpr_submit"

    @extend_schema(
        request=None,
        responses={
            200: ErasureOutputSerializer,
            401: OpenApiResponse(
                ErrorSerializer, description="The token is invalid (the account is erased)"
            ),
        },
        summary="Erase your account: CV, jobs, reports, stored results, API tokens, user",
    )
    def delete(self, request: Request) -> Response:
        report = erasure.user_data_erase(user=request.user, delete_account=True)
        return Response({"deleted": report.as_dict(account=True)})


# --------------------------------------------------------------------------- VPR jobs


class JobCursorPagination(CursorPagination):
    """Cursor pages: constant cost at any depth, no COUNT(*) over a user's history."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_page_size(self, request: Request) -> int:
        """A page_size outside 1..100 is a 400, as documented, not silently replaced."""
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not (raw.isascii() and raw.isdigit() and 1 <= int(raw) <= self.max_page_size):
            raise RequestValidationError(
                {self.page_size_query_param: [f"Must be an integer from 1 to {MAX_PAGE_SIZE}."]}
            )
        return int(raw)

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        """DRF's shape in OpenAPI 3.1 terms (`nullable` is 3.0 only); all three always sent."""
        link = {"type": ["string", "null"], "format": "uri"}
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {"next": link, "previous": link, "results": schema},
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] |= {"minimum": 1, "maximum": self.max_page_size}
        return parameters

    ordering = ("-created_at", "-job_id")

    def decode_cursor(self, request: Request) -> Cursor | None:
        """DRF's decoding, plus the check it leaves to the database: the position must be a
        `created_at` (a well-encoded cursor holding anything else was a 500). Either way an
        invalid cursor is DRF's 404: a cursor is an opaque link to a page the server issued,
        and one it did not issue names no page (any string is a valid cursor to a schema
        reader, so a 400 would tell it the request was malformed when it was not)."""
        invalid = NotFound(self.invalid_cursor_message)
        cursor = super().decode_cursor(request)
        if cursor is not None and cursor.position is not None:
            try:
                position = parse_datetime(cursor.position)
            except ValueError:
                position = None
            if position is None or position.tzinfo is None:
                raise invalid
        return cursor


class VPRJobViewSet(ViewSet):
    # Also tells drf-spectacular that the list answers {next, previous, results}.
    pagination_class = JobCursorPagination

    @property
    def allowed_methods(self) -> list[str]:
        """`Allow` (OPTIONS, 405) names POST on the status route only where it cancels."""
        methods = super().allowed_methods
        if self.action_map.get("post") == "cancel_via_status_path" and (
            self.kwargs.get("job_id") != "cancel"
        ):
            methods.remove("POST")
        return methods

    def get_throttles(self) -> list:
        self.throttle_scope = "vpr_submit" if self.action == "create" else "vpr_read"
        return super().get_throttles()

    @extend_schema(
        request=VPRRequest,
        parameters=[
            OpenApiParameter(
                IDEMPOTENCY_HEADER,
                {"type": "string", "maxLength": MAX_IDEMPOTENCY_KEY},
                OpenApiParameter.HEADER,
                pattern=IDEMPOTENCY_KEY_PATTERN,
                description="Optional client key (1-255 visible ASCII characters, inner "
                "spaces allowed) replacing the derived vpr#<user>#<application_id> key.",
            ),
            OpenApiParameter(
                "Location",
                str,
                OpenApiParameter.HEADER,
                response=[202],
                required=True,
                description="The job's status URL.",
            ),
            retry_after(202),
        ],
        responses={
            202: SubmitOutputSerializer,
            200: SubmitOutputSerializer,
            **error_responses(
                409,
                422,
                e409="JOB_IN_PROGRESS: another job for this key is in flight (`job_id`).",
                e422="CV_NOT_FOUND or IDEMPOTENCY_KEY_REUSED.",
            ),
        },
        summary="Submit a VPR request",
    )
    def create(self, request: Request) -> Response:
        key = request.headers.get(IDEMPOTENCY_HEADER)
        if key is not None:
            # A control or bidi character is named (the input guard's rule); then the schema's
            # pattern: visible ASCII, inner spaces allowed.
            reason = unprintable_reason(key, allow_whitespace=False)
            if reason is None and not re.fullmatch(IDEMPOTENCY_KEY_PATTERN, key):
                reason = (
                    f"Must be 1-{MAX_IDEMPOTENCY_KEY} visible ASCII characters "
                    "(inner spaces allowed)."
                )
            if reason:
                raise RequestValidationError({IDEMPOTENCY_HEADER: [reason]})
        vpr_request = parse_body(VPRRequest, request.data)
        outcome = submission.job_submit(user=request.user, request=vpr_request, idempotency_key=key)
        job = outcome.job
        body = {
            "job_id": str(job.job_id),
            "status": job.status,
            "message": "VPR generation queued" if outcome.created else "Job already exists",
        }
        if not job.is_terminal:
            body["events_url"] = events_url(job, base_url=_base_url(request))
        if not outcome.created:
            return Response(body, status=status.HTTP_200_OK)
        headers = {"Location": f"/api/vpr/status/{job.job_id}", **_retry_after()}
        return Response(body, status=status.HTTP_202_ACCEPTED, headers=headers)

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=JobStatus.values),
            OpenApiParameter("application_id", str, pattern=APPLICATION_ID_PATTERN),
        ],
        responses={
            200: JobListItemSerializer(many=True),
            **error_responses(
                400, 404, e400="Invalid filter or page_size.", e404="Invalid cursor."
            ),
        },
        summary="List your VPR jobs, newest first",
    )
    def list(self, request: Request) -> Response:
        job_status = request.query_params.get("status")
        application_id = request.query_params.get("application_id")
        errors: dict[str, list[str]] = {}
        if job_status is not None and job_status not in JobStatus.values:
            errors["status"] = [f"Must be one of {', '.join(JobStatus.values)}."]
        if application_id is not None and not re.fullmatch(APPLICATION_ID_PATTERN, application_id):
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
        parameters=[
            OpenApiParameter(
                "Prefer",
                str,
                OpenApiParameter.HEADER,
                description="`wait=N` (RFC 7240, N ≤ 25): answer as soon as the job's status or "
                "stage changes, or after N seconds. Honoured when `Preference-Applied` says so.",
            ),
            retry_after(202),
        ],
        responses={
            200: JobStatusOutputSerializer,
            202: JobStatusOutputSerializer,
            304: OpenApiResponse(description="If-None-Match named the body's current ETag"),
            **error_responses(404),
        },
        summary="Poll a job's status",
    )
    @method_decorator(conditional_page)  # ETag from the body; If-None-Match answers 304
    def status(self, request: Request, job_id: str) -> Response:
        job = selectors.job_get_for_user(user=request.user, job_id=job_id)
        if job is None:
            raise JobNotFound("Job not found.")
        headers: dict[str, str] = {}
        wait = long_poll.preferred_wait(request.headers.get("Prefer", ""))
        if wait and not job.is_terminal:
            waited = long_poll.wait_for_change(job, user=request.user, seconds=wait)
            if waited is not None:
                job = waited
                headers["Preference-Applied"] = f"wait={wait}"
        payload = job_status_payload(job, base_url=_base_url(request))
        if job.status in (JobStatus.PENDING, JobStatus.PROCESSING):
            headers |= _retry_after()
            return Response(payload, status=status.HTTP_202_ACCEPTED, headers=headers)
        return Response(payload, headers=headers)

    @extend_schema(exclude=True)
    def cancel_via_status_path(self, request: Request, job_id: str) -> Response:
        """POST /api/vpr/status/<x> matches the status route first; it is the cancel route
        only for POST /api/vpr/status/cancel, i.e. cancelling a job whose id is "status"."""
        if job_id != "cancel":
            raise MethodNotAllowed(request.method)
        return self.cancel(request, "status")

    @extend_schema(
        request=None,
        responses={
            200: JobStatusOutputSerializer,
            **error_responses(
                404, 409, e409="JOB_ALREADY_FINISHED: the job is no longer cancellable."
            ),
        },
        summary="Cancel a pending or running job",
    )
    def cancel(self, request: Request, job_id: str) -> Response:
        job = selectors.job_get_for_user(user=request.user, job_id=job_id)
        if job is None:
            raise JobNotFound("Job not found.")
        job = lifecycle.job_cancel(job_id=job.job_id, user=request.user)
        return Response(job_status_payload(job, base_url=_base_url(request)))


# ?format=md / ?format=html (DRF's format override) or Accept: text/markdown render the report
# for people; JSON stays the default.
REPORT_RENDERERS = [
    *api_settings.DEFAULT_RENDERER_CLASSES,
    rendering.MarkdownReportRenderer,
    rendering.HTMLReportRenderer,
]
REPORT_FORMAT_PARAMETER = OpenApiParameter(
    "format",
    str,
    enum=["json", *rendering.REPORT_FORMATS],
    description="md or html: the "
    "report rendered for people (sections, cited sources, right to left for Hebrew)",
)


def rendered_report(request: Request, document: bytes, *, user_id: Any) -> Response | None:
    """The report as Markdown or HTML when the request negotiated one of those, else None."""
    if request.accepted_renderer.format not in rendering.REPORT_FORMATS:
        return None
    page = rendering.report_page(document, user_id=user_id)
    return Response(page, headers={"Cache-Control": "private, no-store"})


class ApplicationVPRView(APIView):
    throttle_scope = "vpr_read"
    renderer_classes = REPORT_RENDERERS

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "version", {"type": "integer", "minimum": 1, "maximum": MAX_ARTIFACT_VERSION}
            ),
            REPORT_FORMAT_PARAMETER,
        ],
        responses={200: ArtifactOutputSerializer, **error_responses(400, 404, 410)},
        summary="The latest (or ?version=N) VPR of an application",
    )
    def get(self, request: Request, application_id: str) -> Response:
        raw_version = request.query_params.get("version")
        version: int | None = None
        if raw_version is not None:
            if not (
                raw_version.isascii()
                and raw_version.isdigit()
                and 1 <= int(raw_version) <= MAX_ARTIFACT_VERSION
            ):
                raise RequestValidationError({"version": ["Must be a positive integer."]})
            version = int(raw_version)
        artifact = selectors.artifact_get_for_user(
            user=request.user, application_id=application_id, version=version
        )
        if artifact is None:
            raise JobNotFound("No VPR for this application.")
        document = selectors.result_document_for(key=artifact.result_key)  # 410 if gone
        if (page := rendered_report(request, document, user_id=artifact.user_id)) is not None:
            return page
        response = Response(
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
        response["Cache-Control"] = storage.DOWNLOAD_CACHE_CONTROL
        return response


class JobResultView(APIView):
    """GET /api/vpr/<job_id>/result: the stable download link a status body carries."""

    throttle_scope = "vpr_read"
    renderer_classes = REPORT_RENDERERS

    @extend_schema(
        parameters=[REPORT_FORMAT_PARAMETER],
        responses={
            (200, "application/json"): OpenApiResponse(
                VPRDocument,
                description="The report (local storage, or ?format=md|html on any storage)",
            ),
            302: OpenApiResponse(
                description="Location: a presigned S3 URL valid VPR_RESULT_URL_TTL_SECONDS"
            ),
            **error_responses(404, 410),
        },
        summary="Download a completed job's report",
    )
    def get(self, request: Request, job_id: str) -> HttpResponse:
        """Checks the owner and the object at download time, so polls need not."""
        job = selectors.job_get_for_user(user=request.user, job_id=job_id)
        if job is None:
            raise JobNotFound("Job not found.")
        if job.status != JobStatus.COMPLETED or not job.result_key:
            raise JobNotFound("The job has no result.")
        wants_page = request.accepted_renderer.format in rendering.REPORT_FORMATS
        if storage.results_are_remote() and not wants_page:
            response: HttpResponse = HttpResponseRedirect(
                selectors.result_url_for(key=job.result_key)
            )
        else:
            document = selectors.result_document_for(key=job.result_key)  # 410 if gone
            if (page := rendered_report(request, document, user_id=job.user_id)) is not None:
                return page
            response = HttpResponse(document, content_type="application/json")
        response["Cache-Control"] = storage.DOWNLOAD_CACHE_CONTROL
        return response


# --------------------------------------------------------------------------- API tokens


class TokenOutputSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="The new token; shown once, stored only hashed.")
    expires_at = serializers.DateTimeField(allow_null=True)


class TokenRotateView(APIView):
    """Exchange the token this request authenticated with for a new one."""

    throttle_scope = "vpr_submit"

    @extend_schema(
        request=None,
        responses={
            200: TokenOutputSerializer,
            400: ErrorSerializer,
            401: OpenApiResponse(
                ErrorSerializer, description="The token is invalid (expired, or already rotated)"
            ),
        },
        summary="Rotate your API token (the one sent stops working)",
    )
    def post(self, request: Request) -> Response:
        if not isinstance(request.auth, AuthToken):
            raise RequestValidationError(
                {"Authorization": ["Authenticate with the API token to rotate it."]}
            )
        issued = tokens.token_rotate(current=request.auth)
        response = Response(
            TokenOutputSerializer({"token": issued.token, "expires_at": issued.expires_at}).data
        )
        response["Cache-Control"] = storage.DOWNLOAD_CACHE_CONTROL  # a secret: never cached
        return response
