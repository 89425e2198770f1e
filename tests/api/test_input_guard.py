"""Inputs that used to be 500s on PostgreSQL, and the guard that keeps every route from them:
no control, bidirectional, surrogate or noncharacter code point in any text input (bodies,
paths, query parameters, headers); each refusal is a 400 naming the field and the reason."""

from __future__ import annotations

import base64
import re
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db

# DEL, NEL (U+0085), RLO, a noncharacter, the last code point, ALM, RLI, a C0 control.
REFUSED = ["\x7f", "\x85", "\u202e", "\uffff", "\U0010ffff", "\u061c", "\u2067", "\x1b"]


def _code(char: str) -> str:
    return f"U+{ord(char):04X}"


# --------------------------------------------------------------------------- request bodies


@pytest.mark.parametrize("char", REFUSED, ids=_code)
def test_a_refused_character_in_the_request_is_400_naming_field_and_reason(
    api_with_cv: Any, vpr_body: dict, char: str
):
    vpr_body["job_posting"]["role_title"] = f"Manager{char}Lead"

    response = api_with_cv.post("/api/vpr", vpr_body, format="json")

    assert response.status_code == 400
    (reason,) = response.json()["errors"]["job_posting.role_title"]
    assert f"{_code(char)} at position 7" in reason


def test_a_lone_surrogate_escape_in_the_cv_is_400_not_500(api: Any):
    # Only raw JSON can carry one: "\ud800" decodes to a str that UTF-8 cannot encode.
    raw = '{"full_name": "Noa \\ud800 Bar"}'

    response = api.generic("PUT", "/api/cv", raw, content_type="application/json")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["full_name"]


@pytest.mark.parametrize("char", REFUSED[:4], ids=_code)
def test_a_refused_character_in_the_cv_is_400(api: Any, cv_data: dict, char: str):
    achievement = cv_data["experience"][0]["achievements"][0]
    cv_data["experience"][0]["achievements"][0] = f"{achievement[:5]}{char}{achievement[5:]}"

    response = api.put("/api/cv", cv_data, format="json")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["experience.0.achievements.0"]


def test_tabs_newlines_hebrew_and_emoji_are_content(api_with_cv: Any, vpr_body: dict):
    vpr_body["job_posting"]["description"] = "Line one\r\n\tLine two: מנהל/ת 👩\u200d💻"

    response = api_with_cv.post("/api/vpr", vpr_body, format="json")

    assert response.status_code == 202, response.content


# ----------------------------------------------------------------------- paths, queries, headers


def test_nul_in_a_path_segment_is_400_naming_the_path(api: Any):
    response = api.get("/api/applications/a%00b/vpr")

    assert response.status_code == 400
    body = response.json()
    assert body["error_code"] == "VALIDATION_ERROR"
    assert body["errors"] == {
        "path": ["must not contain a control character (U+0000 at position 19)"]
    }


@pytest.mark.parametrize("query", ["status=%00", "application_id=a%E2%80%AEb", "page_size=%00"])
def test_a_refused_character_in_a_query_parameter_is_400_naming_it(api: Any, query: str):
    response = api.get(f"/api/vpr?{query}")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == [query.split("=")[0]]


def test_a_refused_idempotency_key_is_400_naming_the_header(api_with_cv: Any, vpr_body: dict):
    response = api_with_cv.post(
        "/api/vpr", vpr_body, format="json", headers={"Idempotency-Key": "key\u202e1"}
    )

    assert response.status_code == 400
    (reason,) = response.json()["errors"]["Idempotency-Key"]
    assert "bidirectional control character (U+202E" in reason


def test_a_control_character_in_any_header_is_400_naming_it(api: Any):
    response = api.get("/api/vpr", headers={"X-Trace": "a\x00b"})

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["X-Trace"]


def test_a_non_ascii_digit_version_is_400(api: Any):
    response = api.get("/api/applications/app-1/vpr", {"version": "²"})

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["version"]


def _cursor(querystring: str) -> str:
    return base64.b64encode(querystring.encode()).decode()


@pytest.mark.parametrize(
    "cursor",
    [
        _cursor("p=not-a-date"),  # decodes fine; the database refused it: a 500
        _cursor("p=2026-13-45 99:00:00"),
        _cursor("p=2026-12-01 10:00:00"),  # naive: not a created_at either
        "%%%not-base64",
        _cursor("o=-1"),
    ],
)
def test_an_invalid_cursor_is_drfs_404_never_a_500(api: Any, submit: Any, cursor: str):
    """A cursor links to a page the server issued; one it did not issue names no page."""
    submit()

    response = api.get("/api/vpr", {"cursor": cursor})

    assert response.status_code == 404
    assert response.json() == {"error": "Invalid cursor", "error_code": "NOT_FOUND"}


def test_a_real_cursor_still_pages(api: Any, submit: Any, vpr_body: dict):
    for n in range(3):
        submit({**vpr_body, "application_id": f"app-page-{n}"})

    first = api.get("/api/vpr", {"page_size": 2}).json()
    second = api.get(first["next"]).json()

    assert len(first["results"]) == 2 and len(second["results"]) == 1


def test_admin_filter_with_nul_is_400_not_500(admin_client: Any):
    response = admin_client.get("/admin/vpr_jobs/job/", {"status__exact": "\x00"})

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["status__exact"]


# --------------------------------------------------------------------------- every route


def _routes(patterns: list, prefix: str = "") -> list[str]:
    """Every URL pattern as a path template, its parameters as <name>."""
    routes = []
    for pattern in patterns:
        text = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            routes += _routes(pattern.url_patterns, text)
        elif isinstance(pattern, URLPattern):
            routes.append(text)
    return routes


def _with_nul(route: str) -> str:
    """A concrete path for `route`, every parameter (or, without one, the end) holding NUL."""
    path = re.sub(r"\(\?P<\w+>[^)]*\)|<[^>]+>", "a%00b", route)
    path = re.sub(r"[\^$?]|\\Z", "", path)
    if "%00" not in path:
        path += "a%00b"
    return "/" + path


ROUTES = _routes(get_resolver().url_patterns)


def test_the_sweep_covers_the_api_and_the_admin():
    assert len(ROUTES) > 40
    assert "applications/<str:application_id>/vpr" in " ".join(ROUTES)
    assert any(route.startswith("admin/") for route in ROUTES)


@pytest.mark.parametrize("route", ROUTES)
def test_every_route_refuses_nul_in_its_path_and_query(admin_client: Any, route: str):
    """As staff, so the admin's views are reached too; a new route is covered by default."""
    path = _with_nul(route)

    for method in ("get", "post"):
        in_path = getattr(admin_client, method)(path)
        in_query = getattr(admin_client, method)(f"{path.replace('%00', '')}?q=%00&o=%00")

        assert in_path.status_code == 400, (method, path, in_path.status_code)
        assert in_query.status_code == 400, (method, path, in_query.status_code)
        assert "path" in in_path.json()["errors"]
        assert set(in_query.json()["errors"]) == {"q", "o"}


def test_the_schema_documents_the_guards_400_on_every_operation(api: Any):
    schema = api.get("/api/schema", {"format": "json"}).json()

    operations = [op for ops in schema["paths"].values() for op in ops.values()]
    assert operations
    assert all("400" in op["responses"] for op in operations)
