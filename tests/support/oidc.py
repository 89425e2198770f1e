"""A local OIDC provider for tests: RSA keys made here, a JWKS endpoint over real HTTP, and
tokens shaped like a Cognito user pool's (access: `client_id`, ID: `aud`)."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

CLIENT_ID = "frontend-app-client"


class SigningKey:
    def __init__(self) -> None:
        self.kid = uuid.uuid4().hex[:12]
        self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def jwk(self) -> dict[str, Any]:
        return RSAAlgorithm.to_jwk(self.private.public_key(), as_dict=True) | {
            "kid": self.kid,
            "use": "sig",
            "alg": "RS256",
        }


class LocalProvider:
    """Serves `/.well-known/jwks.json` with the keys it currently publishes."""

    def __init__(self) -> None:
        self.keys = [SigningKey()]
        self.fetches = 0
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                provider.fetches += 1
                body = json.dumps({"keys": [key.jwk() for key in provider.keys]}).encode()
                self.send_response(200 if self.path == "/.well-known/jwks.json" else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.issuer = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def rotate(self) -> SigningKey:
        """Publish a new key and withdraw the old ones, as a provider's rotation ends."""
        self.keys = [SigningKey()]
        return self.keys[0]

    def token(
        self,
        *,
        sub: str = "user-sub-1",
        key: SigningKey | None = None,
        kind: str = "access",
        expires_in: int = 3600,
        headers: dict[str, Any] | None = None,
        **claims: Any,
    ) -> str:
        key = key or self.keys[0]
        now = int(time.time())
        body: dict[str, Any] = {
            "sub": sub,
            "iss": self.issuer,
            "iat": now,
            "exp": now + expires_in,
            "token_use": kind,
        }
        body |= {"client_id": CLIENT_ID} if kind == "access" else {"aud": CLIENT_ID}
        body |= claims
        return jwt.encode(
            body, key.private, algorithm="RS256", headers={"kid": key.kid, **(headers or {})}
        )

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def oidc_provider(settings: Any) -> Iterator[LocalProvider]:
    """A running provider, and the app configured to trust it."""
    from vpr_jobs import oidc

    provider = LocalProvider()
    settings.OIDC_ISSUER = provider.issuer
    settings.OIDC_AUDIENCE = CLIENT_ID
    settings.OIDC_JWKS_URL = f"{provider.issuer}/.well-known/jwks.json"
    settings.OIDC_JWKS_COOLDOWN_SECONDS = 0
    oidc._jwks_client.cache_clear()
    try:
        yield provider
    finally:
        oidc._jwks_client.cache_clear()
        provider.close()
