"""API token authentication that remembers recently seen tokens for a short while.

Clients poll the status endpoint every few seconds, and a database lookup of the token on each
poll doubled the queries of the hottest endpoint. A known token is kept in the (per-process)
cache for `VPR_AUTH_CACHE_SECONDS`: deleting a token or deactivating its user takes effect at
once in the process that does it and within that many seconds everywhere else.
Unknown tokens are never remembered, so a wrong token is always checked against the database.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token


def _cache_key(token_key: str) -> str:
    # The raw token never becomes a cache key.
    return "vpr:auth:" + hashlib.sha256(token_key.encode()).hexdigest()


class CachedTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key: str) -> tuple[Any, Token]:
        ttl = settings.VPR_AUTH_CACHE_SECONDS
        if not ttl:
            return super().authenticate_credentials(key)
        cache_key = _cache_key(key)
        known = cache.get(cache_key)
        if known is None:
            known = super().authenticate_credentials(key)  # raises for unknown or inactive
            cache.set(cache_key, known, ttl)
        return known


def forget_token(token_key: str) -> None:
    cache.delete(_cache_key(token_key))


@receiver(post_delete, sender=Token, dispatch_uid="vpr_jobs.forget_deleted_token")
def _forget_deleted_token(sender: type[Token], instance: Token, **kwargs: Any) -> None:
    forget_token(instance.key)


@receiver(post_save, sender=get_user_model(), dispatch_uid="vpr_jobs.forget_inactive_user")
def _forget_inactive_user(sender: type, instance: Any, **kwargs: Any) -> None:
    if not instance.is_active:
        for key in Token.objects.filter(user=instance).values_list("key", flat=True):
            forget_token(key)
