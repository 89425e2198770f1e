"""Sign-in from the product's identity provider: `Authorization: Bearer <JWT>` (OIDC).

In production the provider is an AWS Cognito user pool: the browser frontend signs the user in
there and sends the pool's access (or ID) token. The token is verified with PyJWT against the
provider's published keys (PyJWKClient: the key set is cached for `OIDC_JWKS_CACHE_SECONDS`
and fetched again when a token names a key it does not hold, which is how a rotation is
picked up): signature, `exp`, `iss`, `token_use`, and `aud` (ID tokens) or `client_id`
(Cognito access tokens, which have no `aud`). The user is found, or created, by (`iss`, `sub`).

Off unless `OIDC_ISSUER` and `OIDC_AUDIENCE` are set; API tokens keep working either way.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any

import jwt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions, status
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from vpr_jobs.authentication import AddressThrottledAuthentication
from vpr_jobs.models import OIDCIdentity

log = logging.getLogger(__name__)


class IdentityProviderUnavailable(exceptions.APIException):
    """The provider's keys could not be fetched: the token is not known to be bad."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The sign-in provider could not be reached to verify the token; retry."
    default_code = "identity_provider_unavailable"


def _failed(reason: str) -> exceptions.AuthenticationFailed:
    return exceptions.AuthenticationFailed(f"Invalid bearer token: {reason}")


@lru_cache(maxsize=4)
def _jwks_client(url: str, lifespan: int, cooldown: int) -> jwt.PyJWKClient:
    return jwt.PyJWKClient(url, lifespan=lifespan, cooldown_duration=cooldown, timeout=5)


def verify_token(token: str) -> dict[str, Any]:
    """The token's claims if the provider signed it for us and it is current; else raises."""
    try:
        algorithm = jwt.get_unverified_header(token).get("alg")
    except jwt.DecodeError as exc:
        raise _failed("not a JWT.") from exc
    if algorithm not in settings.OIDC_ALGORITHMS:
        raise _failed(f"algorithm {str(algorithm)[:16]!r} is not accepted.")
    client = _jwks_client(
        settings.OIDC_JWKS_URL,
        settings.OIDC_JWKS_CACHE_SECONDS,
        settings.OIDC_JWKS_COOLDOWN_SECONDS,
    )
    try:
        key = client.get_signing_key_from_jwt(token)
    except jwt.PyJWKClientConnectionError as exc:
        log.warning("OIDC key set unreachable", exc_info=True)
        raise IdentityProviderUnavailable() from exc
    except (jwt.PyJWKClientError, jwt.DecodeError) as exc:
        raise _failed("signed with an unknown key.") from exc
    try:
        claims = jwt.decode(
            token,
            key.key,
            algorithms=settings.OIDC_ALGORITHMS,
            issuer=settings.OIDC_ISSUER,
            leeway=settings.OIDC_LEEWAY_SECONDS,
            options={"require": ["exp", "iss", "sub"], "verify_aud": False},
        )
    except jwt.ExpiredSignatureError as exc:
        raise _failed("expired.") from exc
    except jwt.InvalidIssuerError as exc:
        raise _failed("issued by an untrusted issuer.") from exc
    except jwt.InvalidSignatureError as exc:
        raise _failed("signature does not verify.") from exc
    except jwt.InvalidTokenError as exc:
        raise _failed("malformed or missing claims.") from exc
    if settings.OIDC_TOKEN_USE and claims.get("token_use") not in settings.OIDC_TOKEN_USE:
        raise _failed(f"token_use must be one of {', '.join(settings.OIDC_TOKEN_USE)}.")
    # ID tokens name the app client in `aud`; Cognito access tokens in `client_id`.
    audience = claims.get("aud", claims.get("client_id"))
    audiences = audience if isinstance(audience, list) else [audience]
    if settings.OIDC_AUDIENCE not in audiences:
        raise _failed("issued for another audience.")
    return claims


def user_for_claims(claims: dict[str, Any]) -> Any:
    """The user linked to (iss, sub), created with the first token that names them."""
    issuer, subject = claims["iss"], str(claims["sub"])
    identity = (
        OIDCIdentity.objects.select_related("user").filter(issuer=issuer, subject=subject).first()
    )
    if identity is None:
        try:
            with transaction.atomic():
                user = get_user_model().objects.create_user(
                    username=f"oidc-{subject}"[:150], email=claims.get("email") or ""
                )
                identity = OIDCIdentity.objects.create(user=user, issuer=issuer, subject=subject)
        except IntegrityError:  # a concurrent first request created them
            identity = OIDCIdentity.objects.select_related("user").get(
                issuer=issuer, subject=subject
            )
    if not identity.user.is_active:
        raise exceptions.AuthenticationFailed("User inactive or deleted.")
    return identity.user


class OIDCAuthentication(AddressThrottledAuthentication, BaseAuthentication):
    """`Authorization: Bearer <JWT>` from the configured OIDC provider; a bad JWT spends its
    address's unauthenticated allowance like a bad API token."""

    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[Any, dict[str, Any]] | None:
        parts = get_authorization_header(request).split()
        if not settings.OIDC_ISSUER or not parts or parts[0].lower() != b"bearer":
            return None  # off, or another scheme's header
        if len(parts) != 2:
            raise _failed("the header must be 'Bearer <token>'.")
        try:
            token = parts[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise _failed("not a JWT.") from exc
        claims = verify_token(token)
        return user_for_claims(claims), claims

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class OIDCAuthenticationScheme(OpenApiAuthenticationExtension):
    """The OpenAPI schema's description of `OIDCAuthentication` (drf-spectacular)."""

    target_class = "vpr_jobs.oidc.OIDCAuthentication"
    name = "oidcBearer"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "Access or ID token of the product's identity provider (Cognito).",
        }
