"""Abuse of the HTTP API: fuzzing from the OpenAPI schema, probing other users' data,
oversized and pathological bodies, floods, forged or stale download links.

Schemathesis drives the real WSGI application in-process (no socket), authenticated with a
real token; every other test uses DRF's test client or a raw WSGI request.
"""

from __future__ import annotations

import io
import json
import re
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.generation import GenerationMode

from careervp.wsgi import application
from tests.conftest import issue_token
from vpr_jobs.models import Job
from vpr_jobs.schemas import YEAR_MONTH_PATTERN
from vpr_jobs.tasks import process_vpr_job

# --------------------------------------------------------------------------- schemathesis


def _keep_test_connection(environ: dict, start_response: Any) -> Any:
    """The WSGI app, minus the request signals' `close_old_connections`: like Django's test
    client, which re-connects them after each of its own requests."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    return application(environ, start_response)


@pytest.fixture
def api_schema(db: Any) -> Iterator[Any]:
    """The schema served by the app, loaded and exercised through WSGI, in the test's
    transaction."""
    try:
        loaded = schemathesis.openapi.from_wsgi("/api/schema", _keep_test_connection)
        # Valid requests the current state refuses, as documented: 409 (a job in flight) is
        # schemathesis's default; 422 is a reused Idempotency-Key or a user without a CV.
        acceptance = loaded.config.checks.positive_data_acceptance
        acceptance.expected_statuses = [*acceptance.expected_statuses, "422"]
        # Spelled out, not left to defaults: valid and invalid data, every phase pytest runs.
        loaded.config.generation.update(modes=list(GenerationMode))
        for phase in ("examples", "coverage", "fuzzing"):
            assert getattr(loaded.config.phases, phase).enabled, phase
        yield loaded
    finally:
        for signal in (request_started, request_finished):
            signal.connect(close_old_connections)


schema = schemathesis.pytest.from_fixture("api_schema")
# Rotating the token and erasing the account revoke the token every other operation's examples
# are sent with, and erasing the CV removes what they read: these are fuzzed on their own (the
# 401 that follows a rotation or an erased account is documented for them).
DESTRUCTIVE = "^/api/(token/rotate|me)$"


def _year_month(value: Any) -> bool:
    return isinstance(value, str) and re.fullmatch(YEAR_MONTH_PATTERN, value) is not None


@schemathesis.hook
def map_body(context: Any, body: Any) -> Any:
    """Teaches the fuzzer the one CV rule JSON Schema cannot state (the schema's Experience
    description says it): `end_date` not before `start_date`, none on a `current` position.
    Only schema-valid dates are touched, so a negative body stays negative."""
    if context.operation is None or context.operation.path != "/api/cv":
        return body
    experiences = body.get("experience") if isinstance(body, dict) else None
    for position in experiences if isinstance(experiences, list) else []:
        if not isinstance(position, dict) or not _year_month(position.get("start_date")):
            continue
        end = position.get("end_date")
        if position.get("current") is True and (end is None or _year_month(end)):
            position.pop("end_date", None)
        elif _year_month(end) and end < position["start_date"]:
            position["start_date"], position["end_date"] = end, position["start_date"]
    return body


@pytest.fixture
def fuzz_token(api_with_cv: Any, user: Any, submit: Any) -> str:
    """A user with a CV and one submitted job, so reads have something to find."""
    assert submit().status_code == 202
    return issue_token(user)


FUZZ = hypothesis_settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
load_all_checks()
EVERY_CHECK = CHECKS.get_all()  # `--checks all`: conformance, negative data, auth, methods


@schema.exclude(path_regex=DESTRUCTIVE).exclude(method="DELETE").parametrize()
@FUZZ
def test_fuzzed_requests_pass_every_check(case: Any, fuzz_token: str):
    """Examples, coverage (boundaries, negative data, missing headers, undeclared methods) and
    fuzzing phases in positive and negative modes; every schemathesis check on each answer:
    no 500, status code, content type, headers and body as documented, invalid input refused,
    valid input accepted, authentication enforced, 405 + Allow for undeclared methods."""
    case.call_and_validate(headers={"Authorization": f"Token {fuzz_token}"}, checks=EVERY_CHECK)


@schema.include(path_regex=DESTRUCTIVE).parametrize()
@FUZZ
def test_fuzzed_rotation_and_erasure_conform(case: Any, fuzz_token: str):
    case.call_and_validate(headers={"Authorization": f"Token {fuzz_token}"}, checks=EVERY_CHECK)


def _operation(api: Any, path: str, method: str = "get") -> dict:
    return api.get("/api/schema", {"format": "json"}).json()["paths"][path][method]


@pytest.mark.django_db
def test_job_list_schema_describes_the_paginated_body(api_with_cv: Any):
    body = api_with_cv.get("/api/vpr").json()
    schema = api_with_cv.get("/api/schema", {"format": "json"}).json()
    documented = schema["paths"]["/api/vpr"]["get"]["responses"]["200"]
    ref = documented["content"]["application/json"]["schema"]["$ref"]
    page = schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]

    assert set(body) == {"next", "previous", "results"}
    assert page["type"] == "object"
    assert set(page["properties"]) == {"next", "previous", "results"}


@pytest.mark.django_db
def test_application_vpr_documents_its_400(api_with_cv: Any):
    assert api_with_cv.get("/api/applications/app-1/vpr", {"version": "x"}).status_code == 400
    assert "400" in _operation(api_with_cv, "/api/applications/{application_id}/vpr")["responses"]


@pytest.mark.django_db
def test_result_links_and_job_routes_do_not_overlap(api_with_cv: Any):
    """A job id can never be taken for a route word, nor the reverse."""
    assert api_with_cv.get("/api/vpr/status/result").status_code == 404
    assert api_with_cv.get("/api/vpr/cancel/result").status_code == 404
    assert api_with_cv.post(f"/api/vpr/{uuid.uuid4()}/result").status_code == 405
    assert api_with_cv.get("/api/vpr/status/results").status_code == 404
    # "status" taken as a job id for cancel, and "cancel" as a job id for status:
    assert api_with_cv.post("/api/vpr/status/cancel").status_code == 404
    assert api_with_cv.get("/api/vpr/status/cancel").status_code == 404
    assert api_with_cv.post(f"/api/vpr/status/{uuid.uuid4()}").status_code == 405


# --------------------------------------------------------------------------- other users


@pytest.fixture
def bob_client(make_user: Any, client_for: Any) -> Any:
    return client_for(make_user("bob"))


@pytest.mark.django_db
def test_another_users_job_is_404_everywhere_and_untouched(
    submit: Any, bob_client: Any, settings: Any
):
    job_id = submit().json()["job_id"]
    process_vpr_job(job_id)  # completed, with an artifact and a stored result

    responses = {
        "status": bob_client.get(f"/api/vpr/status/{job_id}"),
        "cancel": bob_client.post(f"/api/vpr/{job_id}/cancel"),
        "result": bob_client.get(f"/api/vpr/{job_id}/result"),
        "artifact": bob_client.get("/api/applications/app-ld-0001/vpr"),
        "list": bob_client.get("/api/vpr"),
    }

    assert {name: r.status_code for name, r in responses.items()} == {
        "status": 404,
        "cancel": 404,
        "result": 404,
        "artifact": 404,
        "list": 200,
    }
    assert responses["list"].json()["results"] == []
    # Same answer as for an id that exists nowhere: ids cannot be probed.
    unknown = bob_client.get("/api/vpr/status/00000000-0000-0000-0000-000000000000")
    assert responses["status"].json() == unknown.json()
    assert Job.objects.get(pk=job_id).status == "COMPLETED"


# --------------------------------------------------------------------------- result links


@pytest.fixture
def result_url(submit: Any, api: Any) -> str:
    job_id = submit().json()["job_id"]
    process_vpr_job(job_id)
    url = api.get(f"/api/vpr/status/{job_id}").json()["result_url"]
    assert api.get(url).status_code == 200  # the owner's fresh link works
    return url


@pytest.mark.django_db
def test_result_link_of_another_user_is_refused(result_url: str, bob_client: Any):
    response = bob_client.get(result_url)

    assert response.status_code == 404
    assert response.json()["error_code"] == "NOT_FOUND"


@pytest.mark.django_db
def test_result_link_without_authentication_is_refused(result_url: str):
    assert Client().get(result_url).status_code == 401


# --------------------------------------------------------------------------- big & deep bodies


class _TrapStream(io.RawIOBase):
    """A request body that records every read: proves a refusal read (almost) nothing."""

    def __init__(self) -> None:
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        size = len(buffer)
        buffer[:size] = b" " * size
        self.bytes_read += size
        return size


@pytest.mark.django_db
def test_oversized_body_is_413_before_the_body_is_read(api_with_cv: Any, user: Any):
    """A 1 GiB Content-Length is refused from the header alone: not a byte is read."""
    token = issue_token(user)
    trap = _TrapStream()
    response = Client().generic(
        "POST",
        "/api/vpr",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token}",
        CONTENT_TYPE="application/json",
        CONTENT_LENGTH=str(1024**3),
        **{"wsgi.input": trap},
    )

    assert response.status_code == 413
    assert response.json()["error_code"] == "PAYLOAD_TOO_LARGE"
    assert trap.bytes_read == 0
    assert not Job.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/vpr", "/api/cv"])
def test_body_just_over_the_limit_is_413(api_with_cv: Any, path: str, settings: Any):
    body = json.dumps({"padding": "x" * settings.VPR_MAX_BODY_BYTES})
    method = api_with_cv.post if path == "/api/vpr" else api_with_cv.put

    response = method(path, body, content_type="application/json")

    assert response.status_code == 413


@pytest.mark.django_db
@pytest.mark.parametrize("opener,closer", [("[", "]"), ('{"a":', "}")])
def test_deeply_nested_body_under_the_size_limit_is_400(
    api_with_cv: Any, settings: Any, opener: str, closer: str
):
    depth = (settings.VPR_MAX_BODY_BYTES - 64) // (len(opener) + len(closer))
    body = opener * depth + "1" + closer * depth

    response = api_with_cv.post("/api/vpr", body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error_code"] in {"MALFORMED_REQUEST", "VALIDATION_ERROR"}
    assert not Job.objects.exists()


@pytest.mark.django_db
def test_deep_nesting_inside_a_valid_field_is_400(api_with_cv: Any, vpr_body: dict):
    nested: Any = "x"
    for _ in range(900):  # parseable (under the recursion limit), yet no valid answer shape
        nested = {"n": nested}
    body = json.dumps({**vpr_body, "gap_responses": [nested]})

    response = api_with_cv.post("/api/vpr", body, content_type="application/json")

    assert response.status_code == 400
    assert not Job.objects.exists()


# --------------------------------------------------------------------------- throttling


@pytest.mark.django_db
def test_submit_flood_is_throttled_with_retry_after(
    api_with_cv: Any, vpr_body: dict, throttle_rates: Callable[..., None]
):
    throttle_rates(submit="5/min", read="8/min")
    cache.clear()  # the CV upload was a read

    submits = [
        api_with_cv.post("/api/vpr", {**vpr_body, "application_id": f"flood-{n}"}, format="json")
        for n in range(12)
    ]
    reads = [api_with_cv.get("/api/vpr") for _ in range(12)]

    assert [r.status_code for r in submits] == [202] * 5 + [429] * 7
    assert Job.objects.count() == 5  # a throttled submit creates nothing
    assert [r.status_code for r in reads] == [200] * 8 + [429] * 4
    refused = submits[-1]
    assert refused.json()["error_code"] == "THROTTLED"
    assert int(refused.headers["Retry-After"]) > 0
