"""`manage.py create_api_user`: creates once, prints only the token, same token every time."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from rest_framework.authtoken.models import Token

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("create_api_user", *args, stdout=out)
    return out.getvalue()


def test_prints_only_the_token_and_is_repeatable():
    first = run("carol")
    second = run("carol")

    assert first == second
    token = first.strip()
    assert first == token + "\n"
    assert Token.objects.get(key=token).user.username == "carol"
    assert get_user_model().objects.filter(username="carol").count() == 1
    assert not get_user_model().objects.get(username="carol").has_usable_password()


def test_staff_and_password(client):
    run("dave", "--staff", "--password", "s3cret-pass")

    dave = get_user_model().objects.get(username="dave")
    assert dave.is_staff and dave.is_superuser
    assert client.login(username="dave", password="s3cret-pass")
    assert client.get("/admin/").status_code == 200


def test_token_authenticates_the_api(client):
    token = run("erin").strip()

    response = client.get("/api/vpr", headers={"Authorization": f"Token {token}"})

    assert response.status_code == 200
