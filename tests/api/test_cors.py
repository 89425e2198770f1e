"""CORS: a page on the frontend's origin may call the API and read its headers; others not."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.django_db

FRONTEND = "https://app.careervp.example"


@pytest.fixture(autouse=True)
def _frontend_origin(settings: Any) -> None:
    settings.CORS_ALLOWED_ORIGINS = [FRONTEND]


def preflight(client: Any, origin: str, path: str = "/api/vpr", method: str = "POST") -> Any:
    return client.options(
        path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "authorization, content-type, idempotency-key",
        },
    )


def test_preflight_from_the_frontend_allows_the_api_headers(client: Any):
    response = preflight(client, FRONTEND)

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == FRONTEND
    allowed = {h.strip() for h in response["Access-Control-Allow-Headers"].split(",")}
    assert {"authorization", "content-type", "idempotency-key"} <= allowed
    assert "POST" in response["Access-Control-Allow-Methods"]


def test_preflight_from_another_origin_is_not_allowed(client: Any):
    response = preflight(client, "https://evil.example")

    assert "Access-Control-Allow-Origin" not in response


def test_no_origin_is_allowed_by_default(client: Any, settings: Any):
    settings.CORS_ALLOWED_ORIGINS = []

    assert "Access-Control-Allow-Origin" not in preflight(client, FRONTEND)


def test_submit_exposes_location_and_retry_after_to_the_page(submit: Any):
    response = submit(Origin=FRONTEND)

    assert response.status_code == 202
    assert response["Access-Control-Allow-Origin"] == FRONTEND
    exposed = {h.strip().lower() for h in response["Access-Control-Expose-Headers"].split(",")}
    assert {"location", "retry-after", "ratelimit-remaining", "x-ratelimit-remaining"} <= exposed


def test_errors_carry_cors_headers_so_the_page_can_read_them(client: Any):
    response = client.get("/api/vpr", headers={"Origin": FRONTEND})

    assert response.status_code == 401
    assert response["Access-Control-Allow-Origin"] == FRONTEND
