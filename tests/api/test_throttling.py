"""Per-user rates: one counter per user, scope and fixed window (vpr_jobs.throttling)."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace
from typing import Any

import pytest

from careervp.caches import redis_caches
from tests.reliability.support import free_port
from vpr_jobs.throttling import ScopedCounterThrottle

pytestmark = pytest.mark.django_db


def test_submits_are_throttled_per_user_with_retry_after(
    submit: Any, vpr_body: dict, throttle_rates: Callable[..., None]
):
    throttle_rates(submit="2/min")
    codes = [submit({**vpr_body, "application_id": f"app-t{n}"}).status_code for n in range(3)]

    assert codes == [202, 202, 429]
    throttled = submit({**vpr_body, "application_id": "app-t9"})
    assert throttled.json()["error_code"] == "THROTTLED"
    # The clock stands 10 s into the minute: the allowance comes back in 50 s.
    assert throttled["Retry-After"] == "50"


def test_the_allowance_comes_back_with_the_next_window(
    api: Any, throttle_rates: Callable[..., None], throttle_clock: Callable[[float], None]
):
    throttle_rates(read="2/min")
    assert [api.get("/api/vpr").status_code for _ in range(3)] == [200, 200, 429]

    throttle_clock(49)
    assert api.get("/api/vpr")["Retry-After"] == "1"
    throttle_clock(1)  # the next minute
    assert [api.get("/api/vpr").status_code for _ in range(3)] == [200, 200, 429]


def test_each_user_and_scope_has_its_own_allowance(
    api_with_cv: Any,
    make_user: Callable[..., Any],
    client_for: Callable[[Any], Any],
    vpr_body: dict,
    throttle_rates: Callable[..., None],
):
    throttle_rates(submit="1/min", read="2/min")  # alice's PUT /api/cv was her first read
    bob = client_for(make_user("bob"))

    assert api_with_cv.get("/api/vpr").status_code == 200
    assert api_with_cv.get("/api/vpr").status_code == 429
    assert [bob.get("/api/vpr").status_code for _ in range(3)] == [200, 200, 429]  # his own
    assert api_with_cv.post("/api/vpr", vpr_body, format="json").status_code == 202  # submit


def test_a_scope_without_a_rate_is_not_throttled(api: Any, throttle_rates: Callable[..., None]):
    throttle_rates(submit="1/min", read=None)

    assert [api.get("/api/vpr").status_code for _ in range(3)] == [200, 200, 200]


def test_with_the_shared_cache_throttle_counts_live_in_redis(
    api: Any, redis_cache: str, throttle_rates: Callable[..., None]
):
    import redis

    throttle_rates(read="2/min")

    codes = [api.get("/api/vpr").status_code for _ in range(3)]

    assert codes == [200, 200, 429]
    client = redis.Redis.from_url(redis_cache)
    keys = client.keys("careervp:*throttle_vpr_read*")
    assert len(keys) == 1  # one counter, visible to every process using this Redis
    assert int(client.get(keys[0])) == 3  # a number, not a list of timestamps
    assert 0 < client.ttl(keys[0]) <= 61


def test_with_the_shared_cache_simultaneous_requests_get_exactly_the_allowance(
    redis_cache: str, throttle_rates: Callable[..., None]
):
    """Many threads (as many processes would) share one counter: the INCR is atomic, so no
    request slips through a lost update."""
    throttle_rates(read="100/min")
    view = SimpleNamespace(throttle_scope="vpr_read")
    request = SimpleNamespace(user=SimpleNamespace(pk=7, is_authenticated=True))

    def attempt(_: int) -> bool:
        return ScopedCounterThrottle().allow_request(request, view)  # type: ignore[arg-type]

    with ThreadPoolExecutor(max_workers=16) as pool:
        allowed = list(pool.map(attempt, range(400)))

    assert allowed.count(True) == 100


def test_with_the_shared_cache_down_throttles_let_requests_through(
    api: Any, settings: Any, throttle_rates: Callable[..., None]
):
    throttle_rates(read="1/min")
    settings.CACHES = redis_caches(f"redis://127.0.0.1:{free_port()}/0")

    assert [api.get("/api/vpr").status_code for _ in range(3)] == [200, 200, 200]
