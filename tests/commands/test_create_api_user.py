"""`manage.py create_api_user`: creates once, prints only a new token on every run."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from knox.models import AuthToken

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("create_api_user", *args, stdout=out)
    return out.getvalue()


def authenticates(client, token: str) -> bool:
    return client.get("/api/vpr", headers={"Authorization": f"Token {token}"}).status_code == 200


def test_prints_only_a_new_working_token_on_every_run(client):
    first = run("carol")
    second = run("carol")

    assert first == first.strip() + "\n"  # the token alone
    assert first != second  # a hashed store cannot show the earlier one again
    assert authenticates(client, first.strip()) and authenticates(client, second.strip())
    carol = get_user_model().objects.get(username="carol")
    assert get_user_model().objects.filter(username="carol").count() == 1
    assert not carol.has_usable_password()
    assert AuthToken.objects.filter(user=carol).count() == 2


def test_the_token_is_stored_only_as_a_digest():
    token = run("carol").strip()

    with connection.cursor() as cursor:
        cursor.execute("SELECT digest, token_key FROM knox_authtoken")
        ((digest, prefix),) = cursor.fetchall()
    assert token not in digest and len(digest) == 128  # SHA-512
    assert token.startswith(prefix) and len(prefix) < len(token) // 4
    assert AuthToken.objects.get().expiry is not None  # and it expires


def test_revoke_others_leaves_only_the_new_token_working(client):
    old = run("carol").strip()
    new = run("carol", "--revoke-others").strip()

    assert not authenticates(client, old)
    assert authenticates(client, new)


def test_staff_is_not_superuser_unless_asked(client):
    run("dave", "--staff", "--password", "s3cret-pass")
    run("erin", "--superuser", "--password", "s3cret-pass")

    dave = get_user_model().objects.get(username="dave")
    erin = get_user_model().objects.get(username="erin")
    assert dave.is_staff and not dave.is_superuser
    assert erin.is_staff and erin.is_superuser
    login = client.post(
        "/admin/login/?next=/admin/", {"username": "erin", "password": "s3cret-pass"}
    )
    assert login.status_code == 302 and login["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
