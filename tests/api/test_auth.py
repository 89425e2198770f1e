"""API tokens: known tokens are remembered briefly, revocations still take effect."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from careervp.caches import redis_caches
from tests.reliability.support import database_url, free_port

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


# --------------------------------------------------------------------------- shared cache


@pytest.mark.django_db(transaction=True)
def test_with_a_shared_cache_a_revocation_in_another_process_is_refused_at_once(
    api: Any, user: Any, redis_cache: str
):
    if connection.vendor != "postgresql":
        pytest.skip("another process needs the test database on PostgreSQL (DATABASE_URL)")
    assert api.get("/api/vpr").status_code == 200  # the token is now in the shared cache

    # Another process (its own signals, its own connection) deletes the token.
    script = (
        "import django; django.setup()\n"
        "from rest_framework.authtoken.models import Token\n"
        f"Token.objects.filter(user_id={user.pk}).delete()\n"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "careervp.settings",
        "DATABASE_URL": database_url(connection.settings_dict),
        "DJANGO_CACHE_URL": redis_cache,
    }
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr

    assert api.get("/api/vpr").status_code == 401


def test_with_the_shared_cache_down_requests_still_succeed(api: Any, settings: Any):
    """Redis unreachable: every cache call fails fast and counts as a miss."""
    settings.CACHES = redis_caches(f"redis://127.0.0.1:{free_port()}/0")

    assert [_token_lookups(api), _token_lookups(api)] == [1, 1]  # nothing remembered
