"""API authentication: hashed, expiring tokens (django-rest-knox), and failed attempts throttled
per client address.

A token is shown once, when it is issued (`vpr_jobs.tokens`); the database keeps its SHA-512
digest, a 15-character lookup prefix and its expiry, so neither a database dump nor the admin
reveals a usable key. Nothing is cached: every request looks its token up (one indexed query,
joined with its user). The class this replaced
kept (user, token) per process — the user row with its password hash, under the token — so a
revoked token or a deactivated user kept working for a minute in other processes; now both are
refused at once everywhere.

Authentication runs before any view throttle, so DRF's throttles never see a request whose
credentials fail. `AddressThrottledAuthentication` counts those against the client's address
(`throttling.UnauthenticatedThrottle`); `UnauthenticatedRequests`, last in
`DEFAULT_AUTHENTICATION_CLASSES`, counts the requests that no class authenticated. Another
scheme (a JWT class, say) gets the same protection by mixing in `AddressThrottledAuthentication`.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from knox.models import AuthToken
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed, Throttled
from rest_framework.request import Request

from vpr_jobs.throttling import UnauthenticatedThrottle


def _spend_unauthenticated_unit(request: Request) -> UnauthenticatedThrottle:
    """Take one unit of the address's allowance for unauthenticated requests, or refuse (429)."""
    throttle = UnauthenticatedThrottle()
    if not throttle.allow_request(request):
        raise Throttled(throttle.wait())
    return throttle


class AddressThrottledAuthentication:
    """Mixin for an authentication class: a request carrying this scheme's credentials spends
    one unit of its address's unauthenticated allowance, given back when they are valid."""

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        scheme = self.authenticate_header(request).split()[0].encode()  # type: ignore[attr-defined]
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != scheme.lower():
            return None  # not this scheme's request: nothing to count
        throttle = _spend_unauthenticated_unit(request)
        user_auth = super().authenticate(request)  # type: ignore[misc]  # raises if invalid
        throttle.uncount()
        return user_auth


class ApiTokenAuthentication(AddressThrottledAuthentication, KnoxTokenAuthentication):
    """`Authorization: Token <token>`: knox's hashed, expiring tokens."""

    def authenticate_credentials(self, token: bytes) -> tuple[Any, Any]:
        # knox decodes the header as UTF-8 and would answer 500 to a token that is not.
        if not token.isascii():
            raise AuthenticationFailed("Invalid token.")
        return super().authenticate_credentials(token)

    def _cleanup_token(self, auth_token: AuthToken) -> bool:
        """Refuse (and delete) this token if it expired. knox also loads every other token of
        the user on each request to delete the expired ones: a second query on every status
        poll. `tokens.token_issue` sweeps those instead."""
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            auth_token.delete()
            return True
        return False


class UnauthenticatedRequests(BaseAuthentication):
    """Last in `DEFAULT_AUTHENTICATION_CLASSES`: authenticates nobody, but a request that no
    class before it authenticated spends a unit of its address's allowance (429 past it)."""

    def authenticate(self, request: Request) -> None:
        _spend_unauthenticated_unit(request)
        return None


# --------------------------------------------------------------------------- OpenAPI


class ApiTokenScheme(KnoxTokenScheme):
    """The schema's `Authorization: Token <token>` scheme (the name DRF's tokens had)."""

    target_class = "vpr_jobs.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <key>`: the word `Token`, one space, then the key "
            "(`python manage.py create_api_user NAME` prints a new one).",
        }


class UnauthenticatedRequestsScheme(OpenApiAuthenticationExtension):
    """Authenticates nobody: no security scheme to document."""

    target_class = "vpr_jobs.authentication.UnauthenticatedRequests"
    name: list[str] = []

    def get_security_requirement(self, auto_schema: Any) -> list:
        return []

    def get_security_definition(self, auto_schema: Any) -> list:
        return []
