"""Request rates (vpr_jobs.throttling): per user, scope and fixed window; and per client
address for requests without valid credentials."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from careervp.caches import redis_caches
from tests.reliability.support import free_port
from vpr_jobs.throttling import ScopedCounterThrottle, UnauthenticatedThrottle, client_address

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


# --------------------------------------------------------------------------- unauthenticated


def bad_token_client(address: str = "203.0.113.7", **extra: str) -> Any:
    client = APIClient(REMOTE_ADDR=address, **extra)
    client.credentials(HTTP_AUTHORIZATION="Token " + "f" * 64)
    return client


def test_wrong_tokens_are_throttled_per_client_address(throttle_rates: Callable[..., None]):
    throttle_rates(unauthenticated="2/min")
    attacker = bad_token_client()

    codes = [attacker.get("/api/vpr").status_code for _ in range(3)]

    assert codes == [401, 401, 429]
    throttled = attacker.get("/api/vpr")
    assert throttled.json()["error_code"] == "THROTTLED"
    assert throttled["Retry-After"] == "50"  # the clock stands 10 s into the minute
    assert bad_token_client("198.51.100.9").get("/api/vpr").status_code == 401  # its own


def test_past_the_allowance_no_token_is_looked_up(throttle_rates: Callable[..., None]):
    throttle_rates(unauthenticated="1/min")
    attacker = bad_token_client()
    assert attacker.get("/api/vpr").status_code == 401

    with CaptureQueriesContext(connection) as queries:
        assert attacker.get("/api/vpr").status_code == 429
    assert queries.captured_queries == []


def test_valid_tokens_do_not_spend_the_addresss_allowance(
    api: Any, throttle_rates: Callable[..., None]
):
    throttle_rates(unauthenticated="2/min")

    assert [api.get("/api/vpr").status_code for _ in range(5)] == [200] * 5


def test_requests_without_credentials_are_throttled_per_address(
    throttle_rates: Callable[..., None],
):
    throttle_rates(unauthenticated="2/min")
    anonymous = APIClient(REMOTE_ADDR="203.0.113.7")

    assert [anonymous.get("/api/vpr").status_code for _ in range(3)] == [401, 401, 429]
    assert anonymous.get("/api/schema").status_code == 429  # public, but still counted


def test_behind_the_load_balancer_a_client_cannot_pick_its_own_bucket(
    throttle_rates: Callable[..., None], settings: Any
):
    """Elastic Beanstalk: the ALB appends the client's address to X-Forwarded-For and nginx
    appends the ALB's; REMOTE_ADDR is nginx. Whatever the client writes into the header
    itself stays on the left and does not change its bucket."""
    settings.VPR_TRUSTED_PROXY_COUNT = 1
    throttle_rates(unauthenticated="2/min")

    def via_alb(client_address: str, claimed: str) -> int:
        forwarded = f"{claimed}, {client_address}, 10.0.3.17"
        return (
            bad_token_client("127.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
            .get("/api/vpr")
            .status_code
        )

    codes = [via_alb("203.0.113.7", claimed=f"192.0.2.{n}") for n in range(3)]
    assert codes == [401, 401, 429]  # a new claimed address each time: the same bucket
    assert via_alb("198.51.100.9", claimed="203.0.113.7") == 401  # another client: its own


def test_without_trusted_proxies_x_forwarded_for_is_ignored(
    throttle_rates: Callable[..., None], settings: Any
):
    settings.VPR_TRUSTED_PROXY_COUNT = None
    throttle_rates(unauthenticated="2/min")

    codes = [
        bad_token_client(HTTP_X_FORWARDED_FOR=f"192.0.2.{n}").get("/api/vpr").status_code
        for n in range(3)
    ]

    assert codes == [401, 401, 429]


@pytest.mark.parametrize(
    ("forwarded", "proxies", "address"),
    [
        ("6.6.6.6, 1.2.3.4, 10.0.0.9", 1, "1.2.3.4"),  # ALB + nginx
        ("1.2.3.4, 10.0.0.9", 1, "1.2.3.4"),
        ("6.6.6.6, 1.2.3.4", 0, "1.2.3.4"),  # nginx alone (single instance)
        ("10.0.0.9", 1, "127.0.0.1"),  # shorter than the proxies: a bypass, not trusted
        ("garbage", 0, "127.0.0.1"),
        ("6.6.6.6, 1.2.3.4, 10.0.0.9", None, "127.0.0.1"),  # not configured: ignored
    ],
)
def test_client_address(forwarded: str, proxies: int | None, address: str, settings: Any):
    settings.VPR_TRUSTED_PROXY_COUNT = proxies
    request = SimpleNamespace(META={"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": forwarded})

    assert client_address(request) == address


def test_with_the_shared_cache_simultaneous_bad_attempts_get_exactly_the_allowance(
    redis_cache: str, throttle_rates: Callable[..., None]
):
    throttle_rates(unauthenticated="50/min")
    request = SimpleNamespace(META={"REMOTE_ADDR": "203.0.113.7"})

    def attempt(_: int) -> bool:
        return UnauthenticatedThrottle().allow_request(request)  # type: ignore[arg-type]

    with ThreadPoolExecutor(max_workers=16) as pool:
        allowed = list(pool.map(attempt, range(300)))

    assert allowed.count(True) == 50
