"""API token writes: issue and rotate (django-rest-knox's `AuthToken`, stored hashed).

The raw token exists only in the return value of these functions: the database holds its
digest, so an issued token can be shown once and never again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from knox.models import AuthToken


@dataclass(frozen=True)
class IssuedToken:
    token: str  # the only copy of the raw token
    expires_at: datetime | None


def token_issue(*, user: AbstractBaseUser, revoke_others: bool = False) -> IssuedToken:
    """A new token for `user` (expiring after `REST_KNOX["TOKEN_TTL"]`); with `revoke_others`
    every token the user had before stops working. The user's expired tokens are deleted
    here (authentication only refuses the one it is shown)."""
    with transaction.atomic():
        earlier = AuthToken.objects.filter(user=user)
        if not revoke_others:
            earlier = earlier.filter(expiry__lt=timezone.now())
        earlier.delete()
        instance, token = AuthToken.objects.create(user=user)
    return IssuedToken(token, instance.expiry)


def token_rotate(*, current: AuthToken) -> IssuedToken:
    """Replace the token a client authenticated with by a new one: the old one stops working
    in the same transaction, so exactly one of the two is valid at any time."""
    with transaction.atomic():
        AuthToken.objects.filter(pk=current.pk).delete()
        instance, token = AuthToken.objects.create(user=current.user)
    return IssuedToken(token, instance.expiry)


def tokens_revoke_all(*, user: AbstractBaseUser) -> int:
    """Every token of `user` stops working; returns how many there were."""
    deleted, _ = AuthToken.objects.filter(user=user).delete()
    return deleted
