"""Fixtures shared by every test group: sample data, users, authenticated clients, results dir."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

FIXTURES = Path(__file__).parent / "fixtures"


def load_fixture(name: str) -> Any:
    """A fresh copy of `tests/fixtures/<name>.json` (copied from ../shared/fixtures)."""
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture
def cv_data() -> dict:
    return load_fixture("cv_learning_development")


@pytest.fixture
def vpr_body() -> dict:
    return load_fixture("vpr_request_learning_development")


@pytest.fixture(autouse=True)
def _isolated_results(settings: Any, tmp_path: Path) -> Path:
    """Each test writes results into its own folder."""
    results = tmp_path / "results-storage"
    storages = copy.deepcopy(settings.STORAGES)
    storages["vpr_results"]["OPTIONS"]["location"] = results
    settings.STORAGES = storages
    return results


@pytest.fixture(autouse=True)
def _generous_throttles(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Throttling is tested on its own; elsewhere it must not interfere."""
    monkeypatch.setattr(
        ScopedRateThrottle, "THROTTLE_RATES", {"vpr_submit": "10000/min", "vpr_read": "10000/min"}
    )
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def make_user(django_user_model: Any) -> Callable[..., Any]:
    def make(username: str = "alice", **extra: Any) -> Any:
        return django_user_model.objects.create_user(username=username, password="pw", **extra)

    return make


@pytest.fixture
def user(make_user: Callable[..., Any]) -> Any:
    return make_user("alice")


@pytest.fixture
def client_for() -> Callable[[Any], APIClient]:
    """An API client that authenticates the way the frontend does: `Authorization: Token`."""

    def make(user: Any) -> APIClient:
        token, _ = Token.objects.get_or_create(user=user)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make


@pytest.fixture
def api(user: Any, client_for: Callable[[Any], APIClient]) -> APIClient:
    return client_for(user)


@pytest.fixture
def api_with_cv(api: APIClient, cv_data: dict) -> APIClient:
    response = api.put("/api/cv", cv_data, format="json")
    assert response.status_code == 200, response.content
    return api


@pytest.fixture
def submit(
    api_with_cv: APIClient, vpr_body: dict, django_capture_on_commit_callbacks: Any
) -> Callable[..., Any]:
    """POST /api/vpr with the sample body (overridable), running on-commit hooks (enqueue)."""

    def post(body: dict | None = None, client: APIClient | None = None, **headers: str) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return (client or api_with_cv).post(
                "/api/vpr", body if body is not None else vpr_body, format="json", headers=headers
            )

    return post
