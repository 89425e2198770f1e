"""Admin security: API tokens can be listed and revoked but never read or minted by staff;
repeated failed admin logins lock the address out (django-axes)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from knox.models import AuthToken

from tests.conftest import issue_token

pytestmark = pytest.mark.django_db

TOKENS = "/admin/knox/authtoken/"


def test_staff_cannot_read_another_users_token(admin_client: Client, user: Any):
    token = issue_token(user)
    stored = AuthToken.objects.get(user=user)

    listing = admin_client.get(TOKENS)
    detail = admin_client.get(f"{TOKENS}{stored.pk}/change/")

    assert listing.status_code == detail.status_code == 200
    assert user.username in listing.content.decode()
    for page in (listing, detail):
        html = page.content.decode()
        assert token not in html
        assert token[:15] not in html  # not even the stored lookup prefix
        # (The SHA-512 digest is the row's primary key, in every admin URL: it authenticates
        # nothing and cannot be turned back into the token.)


def test_staff_cannot_mint_a_token_for_someone(admin_client: Client, user: Any):
    assert admin_client.get(f"{TOKENS}add/").status_code == 403
    response = admin_client.post(f"{TOKENS}add/", {"user": user.pk})

    assert response.status_code == 403
    assert not AuthToken.objects.exists()


def test_staff_can_revoke_a_token(admin_client: Client, user: Any):
    token = issue_token(user)
    stored = AuthToken.objects.get(user=user)

    response = admin_client.post(f"{TOKENS}{stored.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    client = Client(headers={"Authorization": f"Token {token}"})
    assert client.get("/api/vpr").status_code == 401


# --------------------------------------------------------------------------- logins


def login(client: Client, password: str, address: str = "203.0.113.7") -> Any:
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": "root", "password": password},
        REMOTE_ADDR=address,
    )


def test_failed_admin_logins_lock_the_address_out(
    client: Client, django_user_model: Any, settings: Any
):
    django_user_model.objects.create_superuser("root", password="right-password")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login(client, "wrong").status_code == 200  # the form again, with an error

    assert login(client, "wrong").status_code == 429
    # Locked out: even the right password is refused from that address...
    assert login(client, "right-password").status_code == 429
    # ...while another address still logs in.
    assert login(Client(), "right-password", address="198.51.100.9").status_code == 302


def test_a_successful_login_resets_the_count(client: Client, django_user_model: Any, settings: Any):
    django_user_model.objects.create_superuser("root", password="right-password")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        login(client, "wrong")
    assert login(client, "right-password").status_code == 302
    client.logout()

    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login(client, "wrong").status_code == 200
