"""Per-user request rates as one counter per fixed window.

DRF's `ScopedRateThrottle` keeps every request's timestamp in one cached list that each request
reads, trims and writes back whole: work grows with the rate (600 entries per user at the
default read rate), and two processes sharing a Redis overwrite each other's appends, so the
limit is not exact. Here a request is one atomic `INCR` of `<scope>_<user>:<window>`, the same
cost at any rate and exact across processes. The price of fixed windows: a client can spend
one window's allowance at its end and the next one's at the start of the next.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

from django.conf import settings
from python_ipware import IpWare
from rest_framework.request import Request
from rest_framework.throttling import ScopedRateThrottle


class ScopedCounterThrottle(ScopedRateThrottle):
    """`ScopedRateThrottle`'s scopes, rates and cache keys, counted per fixed window."""

    window_ends: float = 0.0
    counted_key: str | None = None

    def allow_request(self, request: Request, view: Any) -> bool:
        self.scope = getattr(view, self.scope_attr, None)
        if not self.scope:
            return True
        return self.count_request(request, view)

    def count_request(self, request: Request, view: Any) -> bool:
        """Count this request in its window; False once the window's allowance is spent."""
        self.rate = self.get_rate()
        if self.rate is None:  # a scope configured without a limit, as in DRF
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        self.now = self.timer()
        window = int(self.now // self.duration)
        self.window_ends = (window + 1) * self.duration
        key = f"{key}:{window}"
        # The counter outlives its window by a second, so a late INCR never finds it gone.
        self.cache.add(key, 0, self.duration + 1)
        try:
            count = self.cache.incr(key)
        except ValueError:  # evicted between add and incr
            return True
        self.counted_key = key
        # None: the shared cache is unreachable (IGNORE_EXCEPTIONS); fail open, as reads do.
        return count is None or count <= self.num_requests

    def uncount(self) -> None:
        """Give back the unit `count_request` took (the request turned out not to count)."""
        if self.counted_key:
            try:
                self.cache.decr(self.counted_key)
            except ValueError:  # the window's counter expired meanwhile
                pass
            self.counted_key = None

    def wait(self) -> float:
        """Seconds until the window, and with it the allowance, starts again (≥ 1)."""
        return max(1.0, math.ceil(self.window_ends - self.now))


class UnauthenticatedThrottle(ScopedCounterThrottle):
    """Requests without valid credentials, one counter per client address.

    Scope `unauthenticated` (`VPR_THROTTLE_UNAUTHENTICATED`). Authentication runs before any
    view throttle, so the authentication classes call this themselves (`vpr_jobs.authentication`):
    a wrong token, or a request no class authenticated, spends one unit of its address's
    allowance; past it the answer is 429 before any token is looked up.
    """

    scope = "unauthenticated"

    def allow_request(self, request: Request, view: Any = None) -> bool:
        return self.count_request(request, view)

    def get_cache_key(self, request: Request, view: Any) -> str:
        ident = client_address(request) or "unknown"
        return self.cache_format % {"scope": self.scope, "ident": ident}


def client_address(request: Any) -> str | None:
    """The address of the client that sent `request`, as far as it can be trusted.

    Behind proxies the socket's peer (`REMOTE_ADDR`) is the nearest proxy, and the client is
    named in `X-Forwarded-For`, to which each proxy appends the address it received the
    request from. Whatever a client writes there itself sits on the left, so the only entry it
    cannot choose is the one written by the outermost trusted proxy: the one just before the
    `VPR_TRUSTED_PROXY_COUNT` proxy addresses at the right end. On Elastic Beanstalk that count
    is 1: the ALB appends the client, then nginx appends the ALB. Unset (the default), the
    header is ignored and `REMOTE_ADDR` is the client; a header shorter than the count (the
    request bypassed a proxy) also falls back to `REMOTE_ADDR`. Also django-axes' source of
    the address (`AXES_CLIENT_IP_CALLABLE`).
    """
    meta = request.META
    count = settings.VPR_TRUSTED_PROXY_COUNT
    if count is not None and meta.get("HTTP_X_FORWARDED_FOR"):
        address, _ = _forwarded_for(count).get_client_ip(meta)
        if address is not None:
            return str(address)
    return meta.get("REMOTE_ADDR") or None


@lru_cache(maxsize=4)
def _forwarded_for(proxy_count: int) -> IpWare:
    return IpWare(precedence=("HTTP_X_FORWARDED_FOR",), proxy_count=proxy_count)
