"""Health check, OpenAPI schema and docs, throttling, JSON errors outside DRF."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.throttling import ScopedRateThrottle

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


def test_submits_are_throttled_per_user_with_retry_after(
    submit: Any, vpr_body: dict, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(
        ScopedRateThrottle, "THROTTLE_RATES", {"vpr_submit": "2/min", "vpr_read": "100/min"}
    )
    codes = [submit({**vpr_body, "application_id": f"app-t{n}"}).status_code for n in range(3)]

    assert codes[:2] == [202, 202]
    assert codes[2] == 429
    throttled = submit({**vpr_body, "application_id": "app-t9"})
    assert throttled.json()["error_code"] == "THROTTLED"
    assert int(throttled["Retry-After"]) > 0


def test_unknown_url_is_a_json_404(client: Any):
    response = client.get("/api/nothing-here")

    assert response.status_code == 404
    assert response.json()["error_code"] == "NOT_FOUND"


def test_with_the_shared_cache_throttle_counts_live_in_redis(
    api: Any, redis_cache: str, monkeypatch: pytest.MonkeyPatch
):
    import redis

    monkeypatch.setattr(
        ScopedRateThrottle, "THROTTLE_RATES", {"vpr_submit": "2/min", "vpr_read": "2/min"}
    )

    codes = [api.get("/api/vpr").status_code for _ in range(3)]

    assert codes == [200, 200, 429]
    keys = redis.Redis.from_url(redis_cache).keys("careervp:*throttle_vpr_read*")
    assert len(keys) == 1  # one counter, visible to every process using this Redis
