from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser
from rest_framework.authtoken.models import Token


class Command(BaseCommand):
    help = (
        "Create an API user if missing and print only its API token (the same token on every "
        "run), for `Authorization: Token <key>`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--staff", action="store_true", help="Make the user an admin (staff + superuser)."
        )
        parser.add_argument("--password", help="Set this password (for admin/browsable API).")

    def handle(self, *args: Any, username: str, staff: bool, password: str | None, **opts: Any):
        user, created = get_user_model().objects.get_or_create(username=username)
        changed = created
        if staff and not (user.is_staff and user.is_superuser):
            user.is_staff = user.is_superuser = changed = True
        if password:
            user.set_password(password)
            changed = True
        elif created:
            user.set_unusable_password()
        if changed:
            user.save()
        token, _ = Token.objects.get_or_create(user=user)
        self.stdout.write(token.key)
