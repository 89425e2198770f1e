"""The OpenAPI document is a contract a generated client can trust: valid for the version it
declares, every status an operation answers documented for that operation with the one error
body, the server's bounds stated, the token scheme spelled out."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import pytest
from django.test import Client
from openapi_spec_validator import validate
from rest_framework.test import APIClient

from vpr_jobs import storage
from vpr_jobs.models import VPRArtifact
from vpr_jobs.tasks import process_vpr_job

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(client: Client) -> dict:
    response = client.get("/api/schema", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def _operation(schema: dict, response: Any) -> tuple[str, dict]:
    """The documented operation that answered `response`, from Django's matched route."""
    route = response.resolver_match.route  # e.g. "api/vpr/status/<str:job_id>"
    path = "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)
    method = response.request["REQUEST_METHOD"].lower()
    return f"{method.upper()} {path}", schema["paths"][path][method]


def assert_documented(schema: dict, response: Any) -> None:
    """The status is listed for the operation, and an error body has the documented shape."""
    label, operation = _operation(schema, response)
    code = str(response.status_code)
    assert code in operation["responses"], f"{label} answered {code}, undocumented"
    if response.status_code >= 400:
        documented = operation["responses"][code]["content"]["application/json"]["schema"]
        assert documented == {"$ref": "#/components/schemas/Error"}, label
        error = schema["components"]["schemas"]["Error"]
        body = response.json()
        assert set(error["required"]) <= set(body) <= set(error["properties"]), (label, body)
    for name, header in operation["responses"][code].get("headers", {}).items():
        if header.get("required"):
            assert response.has_header(name), f"{label} {code} without {name}"


def test_schema_validates_for_the_version_it_declares(schema: dict):
    assert schema["openapi"] == "3.1.0"
    validate(schema)  # raises on the first violation; 3.0.3 rejected `type: 'null'`
    # 3.0's `nullable` is an unknown keyword in 3.1: a null would fail validation.
    assert '"nullable"' not in json.dumps(schema)


def test_security_scheme_spells_out_the_token_header(schema: dict):
    token = schema["components"]["securitySchemes"]["tokenAuth"]

    assert token | {"description": ""} == {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": "",
    }
    assert "`Token <key>`" in token["description"]


def test_report_document_and_fvs_are_typed(schema: dict):
    components = schema["components"]["schemas"]
    document = {"$ref": "#/components/schemas/VPRDocument"}

    assert components["ArtifactOutput"]["properties"]["document"] == document
    download = schema["paths"]["/api/vpr/{job_id}/result"]["get"]["responses"]["200"]
    assert download["content"]["application/json"]["schema"] == document
    assert "evidence_matrix" in components["VPRDocument"]["properties"]
    fvs = components["JobStatusOutput"]["properties"]["fvs"]
    assert fvs.get("$ref") == "#/components/schemas/FVSResult" or fvs["allOf"][0] == {
        "$ref": "#/components/schemas/FVSResult"
    }


def test_enforced_bounds_are_in_the_schema(schema: dict):
    def parameter(path: str, method: str, name: str) -> dict:
        operation = schema["paths"][path][method]
        return next(p for p in operation["parameters"] if p["name"] == name)

    version = parameter("/api/applications/{application_id}/vpr", "get", "version")
    page_size = parameter("/api/vpr", "get", "page_size")
    key = parameter("/api/vpr", "post", "Idempotency-Key")

    assert version["schema"]["minimum"] == 1
    assert (page_size["schema"]["minimum"], page_size["schema"]["maximum"]) == (1, 100)
    assert key["in"] == "header"
    assert key["schema"]["maxLength"] == 255
    pattern = re.compile(key["schema"]["pattern"])
    assert pattern.fullmatch("client key-1:ünicode") is None
    assert pattern.fullmatch("client key-1") and pattern.fullmatch("k" * 255)
    assert not pattern.fullmatch("k" * 256) and not pattern.fullmatch(" lead")


@pytest.mark.parametrize(
    "query", [{"page_size": "0"}, {"page_size": "101"}, {"page_size": "x"}, {"status": ""}]
)
def test_list_parameters_outside_their_bounds_are_400(api: APIClient, schema: dict, query: dict):
    response = api.get("/api/vpr", query)

    assert response.status_code == 400
    assert set(response.json()["errors"]) == set(query)
    assert_documented(schema, response)


@pytest.mark.parametrize("version", ["0", "²", "1000000000", "-1"])
def test_artifact_version_outside_its_bounds_is_400(api: APIClient, schema: dict, version: str):
    response = api.get("/api/applications/app-1/vpr", {"version": version})

    assert response.status_code == 400
    assert_documented(schema, response)


@pytest.mark.parametrize("key", ["ünicode", "tab\tinside", "k" * 256])
def test_idempotency_key_outside_the_documented_pattern_is_400(submit: Any, schema: dict, key: str):
    response = submit(**{"Idempotency-Key": key})

    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["errors"]


def test_every_status_provoked_is_documented_for_its_operation(
    api: APIClient,
    submit: Any,
    cv_data: dict,
    vpr_body: dict,
    schema: dict,
    settings: Any,
    throttle_rates: Any,
    user: Any,
):
    """Each operation is driven into every answer it can give here; each answer is checked
    against that operation's documented responses, body shape and required headers."""
    anonymous = APIClient()
    wrong_token = APIClient()
    wrong_token.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    session = APIClient(enforce_csrf_checks=True)
    session.force_login(user)
    xml = {"HTTP_ACCEPT": "application/xml"}
    nobody = uuid.uuid4()
    seen: list[Any] = [
        api.get("/api/cv"),  # 404 before a CV exists
        api.put("/api/cv", cv_data, format="json"),
        api.put("/api/cv", {"full_name": ""}, format="json"),
        api.put("/api/cv", "{not json", content_type="application/json"),
        api.put("/api/cv", "full_name=x", content_type="application/x-www-form-urlencoded"),
        api.put(
            "/api/cv",
            '{"x": "' + "x" * settings.VPR_MAX_BODY_BYTES + '"}',
            content_type="application/json",
        ),
        session.put("/api/cv", cv_data, format="json"),  # no CSRF token: 403
        api.get("/api/cv", **xml),
        anonymous.get("/api/cv"),
        wrong_token.get("/api/vpr"),
    ]
    first = submit()
    job_id = first.json()["job_id"]
    seen += [
        first,
        submit(),  # 200, the same job
        submit({**vpr_body, "job_posting": {**vpr_body["job_posting"], "role_title": "Other"}}),
        submit({**vpr_body, "user_id": 999}),  # 403
        submit({**vpr_body, "application_id": "bad id!"}),
        submit(**{"Idempotency-Key": "k" * 256}),
        submit(**{"Idempotency-Key": "key-a"}),
        submit({**vpr_body, "application_id": "app-2"}, **{"Idempotency-Key": "key-a"}),  # 422
        api.get(f"/api/vpr/status/{job_id}"),  # 202 PENDING
        api.get(f"/api/vpr/status/{nobody}"),
        api.get("/api/vpr", {"cursor": "garbage"}),  # 404 invalid cursor
        api.get("/api/vpr", {"status": "NOPE"}),
        api.get("/api/vpr", {"status": "PENDING", "page_size": "1"}),
        api.post(f"/api/vpr/{nobody}/cancel"),
        api.get("/api/applications/app-ld-0001/vpr"),  # 404 before any report
        api.get("/api/applications/app-ld-0001/vpr", {"version": "0"}),
        api.get(f"/api/vpr/{nobody}/result"),  # 404
        api.get(f"/api/vpr/{job_id}/result"),  # 404: not completed yet
    ]
    process_vpr_job(job_id)
    status = api.get(f"/api/vpr/status/{job_id}")
    artifact = api.get("/api/applications/app-ld-0001/vpr")
    seen += [
        status,
        artifact,
        api.get(status.json()["result_url"]),
        api.get(f"/api/vpr/status/{job_id}", HTTP_IF_NONE_MATCH=status["ETag"]),  # 304
        api.post(f"/api/vpr/{job_id}/cancel"),  # 409 finished
    ]
    for stored in VPRArtifact.objects.all():  # the object expired or was deleted: 410
        storage.result_delete(stored.result_key)
    gone = api.get(f"/api/vpr/{job_id}/result")
    seen += [gone, api.get("/api/applications/app-ld-0001/vpr")]
    other = submit({**vpr_body, "application_id": "app-cancel"})
    seen += [api.post(f"/api/vpr/{other.json()['job_id']}/cancel")]  # 200 CANCELLED
    throttle_rates(submit="1/min", read="1/min")
    seen += [
        submit({**vpr_body, "application_id": "app-throttled"}),
        submit({**vpr_body, "application_id": "app-throttled-2"}),  # 429
        api.get(f"/api/vpr/status/{job_id}"),
        api.get(f"/api/vpr/status/{job_id}"),  # 429
    ]

    for response in seen:
        assert_documented(schema, response)
    observed = {(_operation(schema, r)[0], r.status_code) for r in seen}
    assert {("PUT /api/cv", code) for code in (200, 400, 403, 413, 415)} | {
        ("GET /api/cv", 401),
        ("GET /api/vpr", 401),
        ("GET /api/cv", 406),
    } <= observed
    assert {("POST /api/vpr", code) for code in (200, 202, 400, 403, 409, 422, 429)} <= observed
    assert {("GET /api/vpr/status/{job_id}", code) for code in (200, 202, 304, 404, 429)} <= (
        observed
    )
    assert {("POST /api/vpr/{job_id}/cancel", code) for code in (200, 404, 409)} <= observed
    assert {
        ("GET /api/applications/{application_id}/vpr", code) for code in (200, 400, 404, 410)
    } <= observed
    assert {("GET /api/vpr/{job_id}/result", code) for code in (200, 404, 410)} <= observed
    assert {("GET /api/vpr", code) for code in (200, 400, 404)} <= observed
    conflict = next(
        r for r in seen if r.status_code == 409 and r.request["PATH_INFO"] == "/api/vpr"
    )
    assert conflict.json()["job_id"] == job_id
    assert gone.status_code == 410 and gone.json()["message"] == "Please regenerate the VPR"


def test_the_download_redirect_on_s3_is_documented(
    api: APIClient, submit: Any, schema: dict, s3_results: str
):
    """The 302 (presigned S3 URL) is the download's answer only on S3: provoked there."""
    job_id = submit().json()["job_id"]
    process_vpr_job(job_id)

    response = api.get(f"/api/vpr/{job_id}/result")

    assert response.status_code == 302
    assert_documented(schema, response)
    assert "302" in schema["paths"]["/api/vpr/{job_id}/result"]["get"]["responses"]


def test_options_and_405_advertise_only_the_documented_methods(api: APIClient, schema: dict):
    for path, operations in schema["paths"].items():
        concrete = re.sub(r"\{\w+\}", str(uuid.uuid4()), path)
        documented = {method.upper() for method in operations} - {"PARAMETERS"}

        allow = {m.strip() for m in api.options(concrete)["Allow"].split(",")}

        assert allow - {"HEAD", "OPTIONS"} == documented, path
    refused = api.post(f"/api/vpr/status/{uuid.uuid4()}")
    assert refused.status_code == 405
    assert "POST" not in refused["Allow"]
