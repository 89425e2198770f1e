"""One error body everywhere: {"error": sentence, "error_code": CONSTANT, "errors": {...}}.

Also the JSON parser that turns every malformed body (including pathological nesting that
blows Python's recursion limit) into a 400 instead of a 500.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, JsonResponse
from pydantic import ValidationError as PydanticValidationError
from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import set_rollback

from vpr_jobs.errors import ServiceError

_DRF_CODES: list[tuple[type[exceptions.APIException], str]] = [
    (exceptions.ParseError, "MALFORMED_REQUEST"),
    (exceptions.NotAuthenticated, "NOT_AUTHENTICATED"),
    (exceptions.AuthenticationFailed, "AUTHENTICATION_FAILED"),
    (exceptions.PermissionDenied, "FORBIDDEN"),
    (exceptions.NotFound, "NOT_FOUND"),
    (exceptions.MethodNotAllowed, "METHOD_NOT_ALLOWED"),
    (exceptions.NotAcceptable, "NOT_ACCEPTABLE"),
    (exceptions.UnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE"),
    (exceptions.Throttled, "THROTTLED"),
]


class RequestValidationError(exceptions.ValidationError):
    """A 400 carrying field → reasons, built from pydantic's errors."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(errors)
        self.field_errors = errors


def pydantic_field_errors(exc: PydanticValidationError) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for error in exc.errors(include_url=False):
        field = ".".join(str(part) for part in error["loc"]) or "body"
        message = error["msg"]
        if error["type"] == "extra_forbidden":
            message = "Unknown field."
        elif error["type"] == "model_type":
            message = "Must be a JSON object."
        errors.setdefault(field, []).append(message)
    return errors


def error_body(message: str, code: str, /, errors: dict | None = None, **extra: Any) -> dict:
    body: dict[str, Any] = {"error": message, "error_code": code, **extra}
    if errors is not None:
        body["errors"] = errors
    return body


def _flatten_drf_errors(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    if isinstance(detail, dict):
        out: dict[str, list[str]] = {}
        for key, value in detail.items():
            out.update(_flatten_drf_errors(value, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            return {prefix or "body": [str(item) for item in detail]}
        out = {}
        for index, item in enumerate(detail):
            out.update(_flatten_drf_errors(item, f"{prefix}.{index}" if prefix else str(index)))
        return out
    return {prefix or "body": [str(detail)]}


def exception_handler(exc: Exception, context: dict) -> Response | None:
    headers: dict[str, str] = {}
    if isinstance(exc, ServiceError):
        return Response(
            error_body(exc.message, exc.error_code, **exc.details), status=exc.status_code
        )
    if isinstance(exc, RequestDataTooBig):
        return Response(
            error_body("Request body is too large.", "PAYLOAD_TOO_LARGE"),
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = getattr(exc, "field_errors", None) or _flatten_drf_errors(exc.detail)
        body = error_body("The request is invalid; see errors.", "VALIDATION_ERROR", errors)
    else:
        code = next((c for cls, c in _DRF_CODES if isinstance(exc, cls)), "ERROR")
        body = error_body(str(exc.detail), code)
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    if isinstance(exc, exceptions.AuthenticationFailed | exceptions.NotAuthenticated):
        if auth_header := getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = auth_header
    set_rollback()
    return Response(body, status=exc.status_code, headers=headers)


class SafeJSONParser(JSONParser):
    """JSONParser that also rejects bodies nested deeper than Python can parse."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise exceptions.ParseError("JSON parse error - nesting too deep.") from exc


def json_404(request: Any, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse(error_body("Not found.", "NOT_FOUND"), status=404)


def json_500(request: Any) -> JsonResponse:
    return JsonResponse(error_body("Internal server error.", "INTERNAL_ERROR"), status=500)


def json_400(request: Any, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse(error_body("Bad request.", "BAD_REQUEST"), status=400)
