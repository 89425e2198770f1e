from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser

from vpr_jobs import tokens


class Command(BaseCommand):
    help = (
        "Create an API user if missing, issue a NEW API token and print only it, for "
        "`Authorization: Token <token>`. Tokens are stored hashed: an earlier token cannot be "
        "shown again, so every run issues another (earlier ones keep working until they "
        "expire, unless --revoke-others)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--staff", action="store_true", help="Let the user into /admin/ (staff, no powers)."
        )
        parser.add_argument(
            "--superuser", action="store_true", help="Make the user a superuser (implies staff)."
        )
        parser.add_argument("--password", help="Set this password (for admin/browsable API).")
        parser.add_argument(
            "--revoke-others",
            action="store_true",
            help="Revoke the user's earlier tokens (rotation by an operator).",
        )

    def handle(
        self,
        *args: Any,
        username: str,
        staff: bool,
        superuser: bool,
        password: str | None,
        revoke_others: bool,
        **opts: Any,
    ) -> None:
        user, created = get_user_model().objects.get_or_create(username=username)
        changed = created
        if (staff or superuser) and not user.is_staff:
            user.is_staff = changed = True
        if superuser and not user.is_superuser:
            user.is_superuser = changed = True
        if password:
            user.set_password(password)
            changed = True
        elif created:
            user.set_unusable_password()
        if changed:
            user.save()
        issued = tokens.token_issue(user=user, revoke_others=revoke_others)
        self.stdout.write(issued.token)
