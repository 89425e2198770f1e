"""What `/api/schema` promises a generated client: the error body, the status codes every
operation really answers, response headers and the token scheme.

Codes that follow from how an operation is built are added to every operation by
`VPRAutoSchema` (DEFAULT_SCHEMA_CLASS), so a new view documents them without a line of its own:

- 401 (and `WWW-Authenticate: Token`) when a permission requires a user,
- 406 always (content negotiation: only JSON is served),
- 429 (and `Retry-After`) when the view is throttled,
- 403 for unsafe methods while session authentication (CSRF) is on,
- 400, 413 and 415 when the operation reads a request body.

Codes that depend on what the view does (404, 409, 410, 422, a query-parameter 400) are
listed on the view with `error_responses(...)`: `responses={200: Out, **error_responses(404, 409)}`.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema_field
from rest_framework import permissions, serializers
from rest_framework.authentication import SessionAuthentication

from vpr_jobs.fvs import FVSResult
from vpr_jobs.models import JobStatus
from vpr_jobs.schemas import VPRDocument

# The Idempotency-Key the submit view accepts, enforced there and documented here: visible
# ASCII with inner spaces (a header's outer spaces do not survive HTTP), 1-255 characters.
MAX_IDEMPOTENCY_KEY = 255
IDEMPOTENCY_KEY_PATTERN = r"^[!-~](?:[ -~]{0,253}[!-~])?$"
MAX_PAGE_SIZE = 100
MAX_ARTIFACT_VERSION = 999_999_999  # nine digits, as the view accepts


class ErrorSerializer(serializers.Serializer):
    """The one error body of every API error."""

    error = serializers.CharField(help_text="A sentence for a person.")
    error_code = serializers.CharField(help_text="A constant for a program, e.g. NOT_FOUND.")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Validation only: field path → reasons.",
    )
    job_id = serializers.UUIDField(
        required=False, help_text="409: the job in flight, or the one that cannot be cancelled."
    )
    status = serializers.ChoiceField(
        JobStatus.choices, required=False, help_text="409 JOB_ALREADY_FINISHED: its status."
    )
    message = serializers.CharField(required=False, help_text="410: what to do next.")


ERROR_DESCRIPTIONS: dict[int, str] = {
    400: "VALIDATION_ERROR (with `errors`) or MALFORMED_REQUEST.",
    401: "NOT_AUTHENTICATED or AUTHENTICATION_FAILED: send `Authorization: Token <key>`.",
    403: "FORBIDDEN (e.g. `user_id` is not the caller; CSRF failure with session auth).",
    404: "NOT_FOUND: unknown, malformed or another user's resource.",
    406: "NOT_ACCEPTABLE: only `application/json` is served.",
    409: "Conflict with the job's state.",
    410: "RESULT_EXPIRED: the stored result is gone; `message` says what to do.",
    413: "PAYLOAD_TOO_LARGE: the body is over VPR_MAX_BODY_BYTES.",
    415: "UNSUPPORTED_MEDIA_TYPE: send `Content-Type: application/json`.",
    422: "The request is well formed but cannot be processed.",
    429: "THROTTLED: wait `Retry-After` seconds.",
}


def error_responses(*codes: int, **descriptions: str) -> dict[int, OpenApiResponse]:
    """`{code: error response}` for `extend_schema(responses=...)`.

    `descriptions` override the generic sentence, keyed `e409="JOB_IN_PROGRESS ..."`.
    """
    return {
        code: OpenApiResponse(
            ErrorSerializer, description=descriptions.get(f"e{code}", ERROR_DESCRIPTIONS[code])
        )
        for code in codes
    }


def retry_after(*codes: int) -> OpenApiParameter:
    """The `Retry-After` response header on `codes` (pass it in `parameters`)."""
    return OpenApiParameter(
        "Retry-After",
        int,
        OpenApiParameter.HEADER,
        response=list(codes),
        required=True,
        description="Seconds to wait before asking again.",
    )


@extend_schema_field(VPRDocument)
class VPRDocumentField(serializers.JSONField):
    """A stored report, documented as the `VPRDocument` component."""


@extend_schema_field(FVSResult)
class FVSResultField(serializers.JSONField):
    """A fact verification verdict, documented as the `FVSResult` component."""


class VPRAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema plus the error responses every operation of this API
    really answers because of how it is built (see the module docstring)."""

    def _reads_body(self) -> bool:
        return self.method in ("POST", "PUT", "PATCH") and self.get_request_serializer() is not None

    def _common_error_codes(self) -> list[int]:
        codes = [406]
        if any(isinstance(p, permissions.IsAuthenticated) for p in self.view.get_permissions()):
            codes.append(401)
        if self.method not in permissions.SAFE_METHODS and any(
            isinstance(a, SessionAuthentication) for a in self.view.get_authenticators()
        ):
            codes.append(403)
        if self._reads_body():
            codes += [400, 413, 415]
        self.view.get_throttles()  # sets a viewset's per-action scope
        if getattr(self.view, "throttle_scope", None):
            codes.append(429)
        return codes

    def _get_response_bodies(self, direction: str = "response") -> dict[str, Any]:
        # Not get_response_serializers(): @extend_schema(responses=...) replaces that one.
        responses = super()._get_response_bodies(direction)
        for code, response in error_responses(*self._common_error_codes()).items():
            if str(code) not in responses:
                responses[str(code)] = self._get_response_for_code(response, str(code))
        return dict(sorted(responses.items(), key=lambda item: int(item[0])))

    def _get_response_headers_for_code(self, status_code: str, direction: str = "response") -> Any:
        headers = super()._get_response_headers_for_code(status_code, direction)
        if status_code == "429":
            headers["Retry-After"] = {
                "schema": {"type": "integer"},
                "required": True,
                "description": "Seconds until the throttle's window starts again.",
            }
        elif status_code == "401":
            headers["WWW-Authenticate"] = {
                "schema": {"type": "string", "enum": ["Token"]},
                "required": True,
                "description": "The scheme to authenticate with.",
            }
        return headers
