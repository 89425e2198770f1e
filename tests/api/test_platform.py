"""Health check, OpenAPI schema and docs, JSON errors outside DRF."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.django_db


def test_healthz_checks_the_database(client: Any):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_openapi_schema_describes_the_api(api: Any):
    response = api.get("/api/schema", {"format": "json"})

    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    paths = schema["paths"]
    for path in [
        "/api/cv",
        "/api/vpr",
        "/api/vpr/status/{job_id}",
        "/api/vpr/{job_id}/cancel",
        "/api/applications/{application_id}/vpr",
    ]:
        assert path in paths, path
    submit = paths["/api/vpr"]["post"]
    assert set(submit["responses"]) >= {"200", "202", "400", "409", "413", "422", "429"}
    assert "VPRRequest" in schema["components"]["schemas"]


def test_docs_page_renders(api: Any):
    response = api.get("/api/docs")

    assert response.status_code == 200
    assert b"swagger-ui" in response.content


def test_unknown_url_is_a_json_404(client: Any):
    response = client.get("/api/nothing-here")

    assert response.status_code == 404
    assert response.json()["error_code"] == "NOT_FOUND"


def test_unknown_api_url_is_a_json_404_in_development_too(client: Any, settings: Any):
    settings.DEBUG = True  # Django answers an HTML debug page then, unless a route catches it

    response = client.get("/api/vpr/status/x/nothing-here")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["error_code"] == "NOT_FOUND"
