"""Fixtures shared by every test group: sample data, users, authenticated clients, results dir."""

from __future__ import annotations

import copy
import dataclasses
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from knox.models import AuthToken
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from careervp.caches import redis_caches
from vpr_jobs.throttling import ScopedCounterThrottle

FIXTURES = Path(__file__).parent / "fixtures"

# The local Anthropic-compatible HTTP server (`fake_anthropic`) and OIDC provider (`oidc_provider`).
pytest_plugins = ["tests.support.fake_anthropic", "tests.support.oidc"]


def load_fixture(name: str) -> Any:
    """A fresh copy of `tests/fixtures/<name>.json` (copied from ../shared/fixtures)."""
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture
def cv_data() -> dict:
    return load_fixture("cv_learning_development")


@pytest.fixture
def vpr_body() -> dict:
    return load_fixture("vpr_request_learning_development")


@pytest.fixture(autouse=True)
def _isolated_results(settings: Any, tmp_path: Path) -> Path:
    """Each test writes results into its own folder."""
    results = tmp_path / "results-storage"
    storages = copy.deepcopy(settings.STORAGES)
    storages["vpr_results"]["OPTIONS"]["location"] = results
    settings.STORAGES = storages
    return results


@pytest.fixture(autouse=True)
def _generous_throttles(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Throttling is tested on its own; elsewhere it must not interfere."""
    monkeypatch.setattr(
        ScopedRateThrottle,
        "THROTTLE_RATES",
        {"vpr_submit": "10000/min", "vpr_read": "10000/min", "unauthenticated": "10000/min"},
    )
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def throttle_rates(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """Set this test's per-user rates and the per-address one for unauthenticated requests
    (None: that scope is not limited)."""

    def set_rates(
        submit: str | None = "100/min",
        read: str | None = "100/min",
        unauthenticated: str | None = "100/min",
    ) -> None:
        rates = {"vpr_submit": submit, "vpr_read": read, "unauthenticated": unauthenticated}
        monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", rates)

    return set_rates


@pytest.fixture(autouse=True)
def throttle_clock(monkeypatch: pytest.MonkeyPatch) -> Callable[[float], None]:
    """The throttle's clock, stopped 10 s into a minute (a test never straddles a window);
    call it with seconds to move it forward."""
    now = [1_800_000_010.0]  # 2027-01-15T08:00:10Z, 10 s into a minute and an hour

    def move(seconds: float) -> None:
        now[0] += seconds

    monkeypatch.setattr(ScopedCounterThrottle, "timer", staticmethod(lambda: now[0]))
    return move


@pytest.fixture
def move_cache_clock(monkeypatch: pytest.MonkeyPatch) -> Callable[[float], None]:
    """Move the (locmem) cache's clock, and only it, `seconds` forward: expiries come due."""
    import time
    from types import SimpleNamespace

    from django.core.cache.backends import locmem

    def move(seconds: float) -> None:
        later = time.time() + seconds
        monkeypatch.setattr(locmem, "time", SimpleNamespace(time=lambda: later))

    return move


@pytest.fixture
def redis_url() -> str:
    """A real Redis (db 15, flushed). `.ci/run` starts one and sets TEST_REDIS_URL; without
    that variable the machine's default Redis is tried and the test skipped if absent."""
    import redis

    url = os.environ.get("TEST_REDIS_URL") or "redis://127.0.0.1:6379/15"
    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        client.flushdb()
    except redis.ConnectionError:
        if os.environ.get("TEST_REDIS_URL"):
            raise
        pytest.skip(f"no Redis at {url} (set TEST_REDIS_URL)")
    return url


@pytest.fixture
def redis_cache(redis_url: str, settings: Any) -> str:
    """The shared cache (DJANGO_CACHE_URL) on a real Redis, for this test."""
    settings.CACHES = redis_caches(redis_url)
    return redis_url


@pytest.fixture
def make_user(django_user_model: Any) -> Callable[..., Any]:
    def make(username: str = "alice", **extra: Any) -> Any:
        return django_user_model.objects.create_user(username=username, password="pw", **extra)

    return make


@pytest.fixture
def user(make_user: Callable[..., Any]) -> Any:
    return make_user("alice")


def issue_token(user: Any) -> str:
    """A new API token for `user` (the raw string: the database keeps only its digest)."""
    _, token = AuthToken.objects.create(user=user)
    return token


@pytest.fixture
def client_for() -> Callable[[Any], APIClient]:
    """An API client that authenticates the way the frontend does: `Authorization: Token`."""

    def make(user: Any) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(user)}")
        return client

    return make


@pytest.fixture
def api(user: Any, client_for: Callable[[Any], APIClient]) -> APIClient:
    return client_for(user)


@pytest.fixture
def api_with_cv(api: APIClient, cv_data: dict) -> APIClient:
    response = api.put("/api/cv", cv_data, format="json")
    assert response.status_code == 200, response.content
    return api


@pytest.fixture
def submit(
    api_with_cv: APIClient, vpr_body: dict, django_capture_on_commit_callbacks: Any
) -> Callable[..., Any]:
    """POST /api/vpr with the sample body (overridable), running on-commit hooks (enqueue)."""

    def post(body: dict | None = None, client: APIClient | None = None, **headers: str) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return (client or api_with_cv).post(
                "/api/vpr", body if body is not None else vpr_body, format="json", headers=headers
            )

    return post


@pytest.fixture
def qcluster(tmp_path: Path) -> Iterator[Any]:
    """Real `manage.py qcluster` subprocesses on the test database (`.start(**env)`), each in
    its own process group; whatever a test leaves running is SIGKILLed. Needs
    `django_db(transaction=True)`: they see only committed rows."""
    from django.db import connection

    from tests.support.processes import qclusters

    yield from qclusters(connection.settings_dict, tmp_path)


@pytest.fixture(autouse=True)
def _fresh_generators() -> Iterator[None]:
    """Generators are cached per process; settings change between tests."""
    from vpr_jobs.generation import build_generator

    build_generator.cache_clear()
    yield
    build_generator.cache_clear()


# --------------------------------------------------------------------------- AWS (moto server)


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """A real HTTP endpoint for SQS/S3/SSM: moto's server mode on a random loopback port."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def aws(moto_server: str, monkeypatch: pytest.MonkeyPatch, settings: Any) -> Iterator[str]:
    """Point every boto3 client at the moto server, with an empty account for each test."""
    import urllib.request

    from vpr_jobs.integrations import aws as aws_integration

    urllib.request.urlopen(
        urllib.request.Request(f"{moto_server}/moto-api/reset", method="POST")
    ).close()
    for name, value in {
        "AWS_ENDPOINT_URL": moto_server,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    settings.AWS_REGION = "us-east-1"
    aws_integration.client.cache_clear()
    aws_integration.sqs_queue_url.cache_clear()
    yield moto_server
    aws_integration.client.cache_clear()
    aws_integration.sqs_queue_url.cache_clear()


@pytest.fixture
def s3_results(aws: str, settings: Any) -> str:
    """RESULTS_STORAGE=s3 against moto, with the bucket created."""
    from vpr_jobs.integrations import aws as aws_integration

    bucket = settings.VPR_RESULTS_BUCKET_NAME
    aws_integration.s3_ensure_bucket(bucket)
    storages = copy.deepcopy(settings.STORAGES)
    storages["vpr_results"] = {
        "BACKEND": "vpr_jobs.storage.ResultsS3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "region_name": "us-east-1",
            "endpoint_url": aws,
            "signature_version": "s3v4",
            "object_parameters": {"ServerSideEncryption": "AES256"},
            "file_overwrite": True,
            "default_acl": None,
            "querystring_expire": settings.VPR_RESULT_URL_TTL_SECONDS,
        },
    }
    settings.STORAGES = storages
    settings.RESULTS_STORAGE = "s3"
    return bucket


@pytest.fixture
def sqs_queue(aws: str, settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """QUEUE_BACKEND=sqs against moto: the jobs queue and its DLQ (redrive after 3 receives).

    django-q2 reads Q_CLUSTER once into `Conf`, so the SQS broker is switched on there; the
    visibility timeout is a few seconds so redelivery tests finish quickly.
    """
    from django_q.conf import Conf

    from vpr_jobs import queue

    visibility = 4
    queue_url, dlq_url = queue.ensure_queues(
        dataclasses.replace(queue.queue_topology(), visibility_timeout_seconds=visibility)
    )
    sqs_conf = {"aws_region": "us-east-1", "receive_message_wait_time_seconds": 1}
    monkeypatch.setattr(Conf, "SQS", sqs_conf)
    monkeypatch.setattr(Conf, "ORM", None)
    monkeypatch.setattr(Conf, "BROKER_CLASS", "vpr_jobs.queue.DeadLetteringSqs")
    monkeypatch.setattr(Conf, "MAX_ATTEMPTS", 0)
    monkeypatch.setattr(Conf, "RETRY", visibility)
    monkeypatch.setattr(Conf, "TIMEOUT", visibility - 1)
    monkeypatch.setattr(Conf, "WORKERS", 1)
    settings.QUEUE_BACKEND = "sqs"
    queue.broker.cache_clear()
    yield {"queue_url": queue_url, "dlq_url": dlq_url}
    queue.broker.cache_clear()


@pytest.fixture
def run_cluster() -> Callable[..., None]:
    """Run the real django-q2 cluster (sentinel, pusher, workers, monitor) until `done()`.

    Needs `django_db(transaction=True)`: the worker processes see only committed rows.
    """
    import time

    from django import db
    from django_q.brokers import get_broker
    from django_q.cluster import Cluster

    def run(done: Callable[[], bool], timeout: float = 60) -> None:
        # Forked processes must not share (and then close) this process's DB socket.
        db.connections.close_all()
        cluster = Cluster(get_broker())
        cluster.start()
        try:
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and not done():
                time.sleep(0.2)
        finally:
            cluster.stop()

    return run
