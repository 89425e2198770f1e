"""API tokens: stored hashed, expiring, rotatable, never cached; revocations take effect at once."""

from __future__ import annotations

import pickle
from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from tests.conftest import issue_token
from vpr_jobs import tokens

pytestmark = pytest.mark.django_db


def client_with(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_a_wrong_token_is_refused_every_time(api: Any):
    api.credentials(HTTP_AUTHORIZATION="Token " + "0" * 64)

    for _ in range(2):
        response = api.get("/api/vpr")
        assert response.status_code == 401
        assert response.json()["error"] == "Invalid token."
        assert response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize("token", ["é" * 64, "\xff\xfe"])  # latin-1 header bytes
def test_a_token_that_is_not_ascii_is_401_not_500(api: Any, token: str):
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    response = api.get("/api/vpr")

    assert response.status_code == 401
    assert response.json()["error_code"] == "AUTHENTICATION_FAILED"


def test_a_deleted_token_is_refused_at_once(api: Any, user: Any):
    assert api.get("/api/vpr").status_code == 200
    AuthToken.objects.filter(user=user).delete()

    assert api.get("/api/vpr").status_code == 401


def test_a_user_deactivated_by_another_process_is_refused_at_once(api: Any, user: Any):
    """No process remembers a token: a change made anywhere (no signal reaches this
    process) is seen by the very next request."""
    assert api.get("/api/vpr").status_code == 200
    type(user).objects.filter(pk=user.pk).update(is_active=False)

    assert api.get("/api/vpr").status_code == 401


def test_an_expired_token_is_refused(user: Any):
    token = issue_token(user)
    client = client_with(token)
    assert client.get("/api/vpr").status_code == 200

    AuthToken.objects.filter(user=user).update(expiry=timezone.now() - timedelta(seconds=1))

    assert client.get("/api/vpr").status_code == 401
    assert not AuthToken.objects.filter(user=user).exists()  # knox deletes it on sight


def test_tokens_expire_after_the_configured_days(user: Any, settings: Any):
    issue_token(user)

    expiry = AuthToken.objects.get(user=user).expiry
    expected = timezone.now() + timedelta(days=settings.VPR_API_TOKEN_TTL_DAYS)
    assert abs((expiry - expected).total_seconds()) < 60


def test_the_database_holds_no_usable_token(user: Any):
    token = issue_token(user)

    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM knox_authtoken")
        stored = " ".join(str(value) for row in cursor.fetchall() for value in row)
    assert token not in stored
    assert client_with(token).get("/api/vpr").status_code == 200


def test_nothing_secret_is_cached_after_authenticated_requests(api: Any, user: Any):
    """Neither the password hash nor any token ends up in the (local) cache."""
    token = api._credentials["HTTP_AUTHORIZATION"].split()[1]
    for _ in range(3):
        assert api.get("/api/vpr").status_code == 200

    cached = b"".join(pickle.dumps(cache.get(key.split(":", 2)[-1])) for key in list(cache._cache))
    assert user.password.encode() not in cached
    assert token.encode() not in cached
    assert b"pbkdf2" not in cached


# --------------------------------------------------------------------------- rotation


def test_rotating_gives_a_new_token_and_the_old_one_stops_working(user: Any):
    old = issue_token(user)
    client = client_with(old)

    response = client.post("/api/token/rotate")

    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    new = response.json()["token"]
    assert new != old and response.json()["expires_at"]
    assert client.get("/api/vpr").status_code == 401
    assert client_with(new).get("/api/vpr").status_code == 200


def test_rotating_leaves_the_users_other_tokens_alone(user: Any):
    laptop, phone = issue_token(user), issue_token(user)

    assert client_with(laptop).post("/api/token/rotate").status_code == 200

    assert client_with(phone).get("/api/vpr").status_code == 200


def test_rotating_needs_the_token_itself(user: Any):
    session = APIClient()
    session.force_authenticate(user)  # authenticated, but not with a token

    response = session.post("/api/token/rotate")

    assert response.status_code == 400
    assert "Authorization" in response.json()["errors"]


# --------------------------------------------------------------------------- cut-over


# Outside a test transaction: SQLite's schema editor refuses to run inside one.
@pytest.mark.django_db(transaction=True)
def test_the_migration_hashes_existing_drf_tokens_and_deletes_the_raw_keys(user: Any):
    """Rows of DRF's authtoken table (as an existing deployment has them) become knox tokens:
    the key a client holds keeps working, and no raw key stays in the database."""
    from importlib import import_module

    from django.apps import apps

    migration = import_module("vpr_jobs.migrations.0007_api_tokens_hashed")
    legacy_key = "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"  # DRF's 40-hex format
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, created timestamp"
            " with time zone NOT NULL, user_id integer NOT NULL)"
        )
        cursor.execute(
            "INSERT INTO authtoken_token VALUES (%s, %s, %s)", [legacy_key, timezone.now(), user.pk]
        )
    assert client_with(legacy_key).get("/api/vpr").status_code == 401  # not a knox token yet

    with connection.schema_editor() as editor:
        migration.hash_legacy_tokens(apps, editor)

    assert client_with(legacy_key).get("/api/vpr").status_code == 200
    assert AuthToken.objects.get(user=user).expiry is not None
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM authtoken_token")
        assert cursor.fetchone() == (0,)


# Outside a test transaction: SQLite's schema editor refuses to run inside one.
@pytest.mark.django_db(transaction=True)
def test_the_migration_does_nothing_without_the_old_table():
    from importlib import import_module

    from django.apps import apps

    migration = import_module("vpr_jobs.migrations.0007_api_tokens_hashed")
    with connection.schema_editor() as editor:
        migration.hash_legacy_tokens(apps, editor)

    assert not AuthToken.objects.exists()


def test_a_request_costs_one_token_query_however_many_tokens_the_user_has(user: Any):
    for _ in range(5):
        issue_token(user)
    client = client_with(issue_token(user))

    with CaptureQueriesContext(connection) as queries:
        assert client.get("/api/vpr").status_code == 200

    assert sum("knox_authtoken" in query["sql"] for query in queries.captured_queries) == 1


def test_issuing_a_token_deletes_the_users_expired_ones(user: Any):
    issue_token(user)
    AuthToken.objects.filter(user=user).update(expiry=timezone.now() - timedelta(days=1))
    live = issue_token(user)

    tokens.token_issue(user=user)

    assert AuthToken.objects.filter(user=user).count() == 2
    assert client_with(live).get("/api/vpr").status_code == 200
