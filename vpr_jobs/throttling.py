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
from typing import Any

from rest_framework.request import Request
from rest_framework.throttling import ScopedRateThrottle


class ScopedCounterThrottle(ScopedRateThrottle):
    """`ScopedRateThrottle`'s scopes, rates and cache keys, counted per fixed window."""

    window_ends: float = 0.0

    def allow_request(self, request: Request, view: Any) -> bool:
        self.scope = getattr(view, self.scope_attr, None)
        if not self.scope:
            return True
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
        # None: the shared cache is unreachable (IGNORE_EXCEPTIONS); fail open, as reads do.
        return count is None or count <= self.num_requests

    def wait(self) -> float:
        """Seconds until the window, and with it the allowance, starts again (≥ 1)."""
        return max(1.0, math.ceil(self.window_ends - self.now))
