"""API tokens: known tokens are remembered briefly, revocations still take effect."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

pytestmark = pytest.mark.django_db


def _token_lookups(api: Any) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert api.get("/api/vpr").status_code == 200
    return sum("authtoken_token" in query["sql"] for query in queries.captured_queries)


def test_a_known_token_is_not_looked_up_again(api: Any):
    assert _token_lookups(api) == 1
    assert _token_lookups(api) == 0


def test_every_request_looks_the_token_up_when_remembering_is_off(api: Any, settings: Any):
    settings.VPR_AUTH_CACHE_SECONDS = 0

    assert [_token_lookups(api), _token_lookups(api)] == [1, 1]


def test_a_wrong_token_is_refused_every_time(api: Any):
    api.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)

    for _ in range(2):
        response = api.get("/api/vpr")
        assert response.status_code == 401
        assert response.json()["error"] == "Invalid token."


def test_a_deleted_token_is_refused_at_once(api: Any, user: Any):
    assert api.get("/api/vpr").status_code == 200
    Token.objects.get(user=user).delete()

    assert api.get("/api/vpr").status_code == 401


def test_a_deactivated_user_is_refused_at_once(api: Any, user: Any):
    assert api.get("/api/vpr").status_code == 200
    user.is_active = False
    user.save()

    assert api.get("/api/vpr").status_code == 401


def test_a_revocation_elsewhere_takes_effect_within_the_cache_time(
    api: Any, user: Any, settings: Any, move_cache_clock: Any
):
    assert api.get("/api/vpr").status_code == 200
    # Another process (no signal reaches this one) deactivates the user.
    type(user).objects.filter(pk=user.pk).update(is_active=False)
    assert api.get("/api/vpr").status_code == 200

    move_cache_clock(settings.VPR_AUTH_CACHE_SECONDS + 1)
    assert api.get("/api/vpr").status_code == 401
