"""The two cache layouts settings.py chooses between (also used by tests to switch)."""

from __future__ import annotations

from typing import Any


def local_caches() -> dict[str, Any]:
    """Per process: fine for one web instance; throttles count per process."""
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 20_000},  # every active user's entries
        }
    }


def redis_caches(url: str) -> dict[str, Any]:
    """Shared by every process and instance. A Redis outage degrades to no cache
    (IGNORE_EXCEPTIONS, each call given up within 0.5 s) instead of failing requests."""
    return {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "careervp",
            "OPTIONS": {
                "SOCKET_CONNECT_TIMEOUT": 0.5,
                "SOCKET_TIMEOUT": 0.5,
                "IGNORE_EXCEPTIONS": True,
            },
        }
    }
