"""A guard in front of every URL: no control, bidirectional or noncharacter code point in the
path or the query string, and no control character in a header, reaches a view.

Views, the admin and DRF's pagination pass path segments and query values to the database;
PostgreSQL refuses a NUL there with an exception that was a 500 (`/api/applications/a%00b/vpr`,
the admin's `?status__exact=%00`). Checking here, before URL resolution, covers routes that do
not exist yet. The rule is `text.unprintable_reason`, the one the request bodies use.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse

from vpr_jobs.text import TEXT_PATTERN, TOKEN_PATTERN, unprintable_reason

# RFC 9110 field values: no control characters but horizontal tab. (Bytes above 0x7F are
# obs-text, and arrive decoded as Latin-1: they are not judged here.)
_HEADER_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f]")


def request_input_errors(request: HttpRequest) -> dict[str, list[str]]:
    """Field → reasons for every path, query parameter and header that breaks the rule."""
    errors: dict[str, list[str]] = {}
    if reason := unprintable_reason(request.path_info, allow_whitespace=False):
        errors["path"] = [reason]
    for name, values in request.GET.lists():
        if reason := unprintable_reason(name, allow_whitespace=False):
            errors.setdefault("query", []).append(f"parameter name {reason}")
            continue
        for value in values:
            if reason := unprintable_reason(value):
                errors.setdefault(name, []).append(reason)
    for name, value in request.headers.items():
        if match := _HEADER_CONTROL.search(value):
            errors.setdefault(name, []).append(
                f"must not contain a control character (U+{ord(match.group()):04X})"
            )
    return errors


class RejectUnprintableInputMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if errors := request_input_errors(request):
            # Imported here: api_errors imports DRF, whose settings import api_errors back;
            # middleware is loaded before DRF in a fresh process (gunicorn), a cycle then.
            from vpr_jobs.api_errors import error_body

            body = error_body("The request is invalid; see errors.", "VALIDATION_ERROR", errors)
            return JsonResponse(body, status=400)
        return self.get_response(request)


def document_input_guard(result: dict, generator: Any, request: Any, public: bool) -> dict:
    """drf-spectacular hook: every operation may answer the guard's 400, so say so, and every
    string parameter (path, query, header) states the rule, so a generated client or a fuzzer
    knows a control character is not valid input."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                if schema.get("type") == "string" and "pattern" not in schema:
                    free_text = parameter.get("in") == "query"
                    schema["pattern"] = TEXT_PATTERN if free_text else TOKEN_PATTERN
            responses = operation.setdefault("responses", {})
            responses.setdefault(
                "400",
                {
                    "description": "A path segment, query parameter or header holds a control, "
                    "bidirectional or noncharacter code point.",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                    },
                },
            )
    return result
