"""`Authorization: Bearer <JWT>` from the product's identity provider (Cognito-shaped tokens
from a local JWKS server with keys made here)."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from rest_framework.test import APIClient

from tests.support.oidc import CLIENT_ID, LocalProvider, SigningKey
from vpr_jobs.models import OIDCIdentity

pytestmark = pytest.mark.django_db


def get_jobs(token: str) -> Any:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client.get("/api/vpr")


def refused(token: str, reason: str) -> None:
    response = get_jobs(token)
    assert response.status_code == 401, response.content
    body = response.json()
    assert body["error_code"] == "AUTHENTICATION_FAILED"
    assert reason in body["error"]


def test_a_valid_access_token_signs_the_user_in_and_creates_them_once(
    oidc_provider: LocalProvider,
):
    first = get_jobs(oidc_provider.token(sub="cognito-sub-42", email="noa@example.com"))
    again = get_jobs(oidc_provider.token(sub="cognito-sub-42"))

    assert first.status_code == again.status_code == 200
    identity = OIDCIdentity.objects.get()
    assert (identity.issuer, identity.subject) == (oidc_provider.issuer, "cognito-sub-42")
    assert identity.user.email == "noa@example.com"


def test_a_valid_id_token_is_accepted_too(oidc_provider: LocalProvider):
    assert get_jobs(oidc_provider.token(kind="id")).status_code == 200


def test_each_subject_is_its_own_user(oidc_provider: LocalProvider, api_with_cv: Any):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {oidc_provider.token(sub='someone-else')}")

    assert client.get("/api/cv").status_code == 404  # alice's CV is not theirs


def test_expired_token_is_refused(oidc_provider: LocalProvider):
    refused(oidc_provider.token(expires_in=-120), "expired")


def test_wrong_issuer_is_refused(oidc_provider: LocalProvider):
    refused(oidc_provider.token(iss="https://cognito-idp.example/other-pool"), "untrusted issuer")


@pytest.mark.parametrize("kind", ["access", "id"])
def test_wrong_audience_is_refused(oidc_provider: LocalProvider, kind: str):
    other = {"client_id": "other-app"} if kind == "access" else {"aud": "other-app"}

    refused(oidc_provider.token(kind=kind, **other), "another audience")


def test_a_refresh_or_unknown_token_use_is_refused(oidc_provider: LocalProvider):
    refused(oidc_provider.token(token_use="refresh"), "token_use")


def test_unknown_key_id_is_refused(oidc_provider: LocalProvider):
    refused(oidc_provider.token(key=SigningKey()), "unknown key")


def test_a_forged_signature_under_a_known_key_id_is_refused(oidc_provider: LocalProvider):
    forger = SigningKey()
    forger.kid = oidc_provider.keys[0].kid

    refused(oidc_provider.token(key=forger), "signature")


def test_rotated_key_is_fetched_and_the_withdrawn_one_refused(oidc_provider: LocalProvider):
    old = oidc_provider.keys[0]
    assert get_jobs(oidc_provider.token()).status_code == 200
    fetches = oidc_provider.fetches

    new = oidc_provider.rotate()

    assert get_jobs(oidc_provider.token(key=new)).status_code == 200
    assert oidc_provider.fetches == fetches + 1  # the unknown kid made it look again
    refused(oidc_provider.token(key=old), "unknown key")


def test_the_key_set_is_cached_between_requests(oidc_provider: LocalProvider):
    for _ in range(3):
        assert get_jobs(oidc_provider.token()).status_code == 200

    assert oidc_provider.fetches == 1


def _unsigned(claims: dict) -> str:
    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


def test_alg_none_is_refused(oidc_provider: LocalProvider):
    claims = {"sub": "x", "iss": oidc_provider.issuer, "exp": 9999999999, "token_use": "access"}

    refused(_unsigned(claims | {"client_id": CLIENT_ID}), "algorithm 'none' is not accepted")


@pytest.mark.parametrize("header", ["Bearer", "Bearer a b", "Bearer not-a-jwt"])
def test_malformed_bearer_headers_are_401(oidc_provider: LocalProvider, header: str):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)

    response = client.get("/api/vpr")

    assert response.status_code == 401
    assert response.json()["error_code"] == "AUTHENTICATION_FAILED"


def test_unreachable_key_set_is_503_not_a_sign_out(oidc_provider: LocalProvider, settings: Any):
    settings.OIDC_JWKS_URL = "http://127.0.0.1:9/.well-known/jwks.json"

    response = get_jobs(oidc_provider.token())

    assert response.status_code == 503
    assert "127.0.0.1" not in response.content.decode()


def test_bearer_tokens_are_ignored_when_oidc_is_off(oidc_provider: LocalProvider, settings: Any):
    settings.OIDC_ISSUER = ""

    response = get_jobs(oidc_provider.token())

    assert response.status_code == 401
    assert response.json()["error_code"] == "NOT_AUTHENTICATED"


def test_api_tokens_keep_working_beside_oidc(oidc_provider: LocalProvider, api: Any):
    assert api.get("/api/vpr").status_code == 200


def test_the_event_stream_accepts_bearer_tokens(
    oidc_provider: LocalProvider, client: Any, settings: Any
):
    """The events view authenticates with the same classes (in-process, WSGI client)."""
    response = client.get(
        "/api/vpr/00000000-0000-0000-0000-000000000000/events",
        headers={"Authorization": f"Bearer {oidc_provider.token()}"},
    )

    assert response.status_code == 404  # signed in; the job just is not theirs


def test_the_schema_documents_bearer_jwts(api: Any):
    schema = api.get("/api/schema", {"format": "json"}).json()

    assert schema["components"]["securitySchemes"]["oidcBearer"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "Access or ID token of the product's identity provider (Cognito).",
    }
