"""GET /api/vpr/<job_id>/events: Server-Sent Events from the ASGI `events` process.

A real uvicorn runs `careervp.asgi:application` on the test database; the job is moved by the
real task in this process, whose status transitions NOTIFY after commit (PostgreSQL).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import psycopg
import pytest
from django.db import connection, connections, transaction

from tests.conftest import issue_token
from tests.reliability.support import LiveServer, database_url
from tests.support.live import SSEStream, start_events_server
from vpr_jobs import events
from vpr_jobs.models import Job, JobStatus
from vpr_jobs.services import lifecycle
from vpr_jobs.tasks import process_vpr_job

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]

HEARTBEAT = 1


@pytest.fixture(scope="module")
def events_server(
    django_db_setup: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    if connection.vendor != "postgresql":
        pytest.skip("LISTEN/NOTIFY needs PostgreSQL (DATABASE_URL=postgres://...)")
    log: Path = tmp_path_factory.mktemp("uvicorn") / "uvicorn.log"
    env = {
        "VPR_LOCAL_RESULTS_DIR": str(tmp_path_factory.mktemp("results")),
        "DATABASE_URL": database_url(connections["default"].settings_dict),
        "DJANGO_ENV": "test",
        "DJANGO_DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        "VPR_EVENTS_HEARTBEAT_SECONDS": str(HEARTBEAT),
    }
    server = start_events_server(env=env, log=log)
    server.env = env
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def _results_shared_with_the_server(events_server: LiveServer, settings: Any) -> None:
    """The worker (this process) writes results where the server looks for them."""
    location = events_server.env["VPR_LOCAL_RESULTS_DIR"]
    storages = {**settings.STORAGES}
    storages["vpr_results"] = {
        **storages["vpr_results"],
        "OPTIONS": {**storages["vpr_results"]["OPTIONS"], "location": location},
    }
    settings.STORAGES = storages


@pytest.fixture
def token(user: Any) -> str:
    return issue_token(user)


@pytest.fixture
def job_id(submit: Any) -> str:
    return submit().json()["job_id"]


def open_stream(server: LiveServer, path: str, **headers: str) -> SSEStream:
    return SSEStream(server.url, path, headers)


def statuses(stream: SSEStream) -> list[dict]:
    return [event.json() for event in stream.events() if event.event == "status"]


def test_stream_follows_the_job_to_completed_and_closes(
    events_server: LiveServer, token: str, job_id: str
):
    stream = open_stream(events_server, f"/api/vpr/{job_id}/events", Authorization=f"Token {token}")
    assert stream.status == 200
    assert stream.response.getheader("Content-Type") == "text/event-stream"
    assert stream.next().retry == 3000
    first = stream.next()
    assert (first.event, first.id, first.json()["stage"]) == ("status", "PENDING.queued", "queued")

    assert process_vpr_job(job_id) == "completed"

    seen = statuses(stream)  # returns once the server closes the stream
    assert seen[-1]["status"] == "COMPLETED"
    assert seen[-1]["result_url"]
    steps = [(body["status"], body.get("stage")) for body in seen]
    assert steps[0][0] == "PROCESSING"
    assert ("PROCESSING", "storing") in steps
    assert len(steps) == len(set(steps))  # each change once


def test_notification_arrives_without_waiting_for_a_heartbeat(
    events_server: LiveServer, token: str, job_id: str
):
    stream = open_stream(events_server, f"/api/vpr/{job_id}/events", Authorization=f"Token {token}")
    stream.next(), stream.next()  # retry, PENDING
    job = Job.objects.get(pk=job_id)
    Job.objects.filter(pk=job_id).update(status=JobStatus.PROCESSING, attempts=1)
    job.attempts = 1

    changed_at = time.monotonic()
    lifecycle.job_set_stage(job=job, stage="verifying")
    event = stream.next()
    while event.comment is not None:
        event = stream.next()

    assert event.json()["stage"] == "verifying"
    assert event.received_at - changed_at < 0.5
    stream.close()


def test_idle_stream_sends_a_heartbeat_comment(events_server: LiveServer, token: str, job_id: str):
    stream = open_stream(events_server, f"/api/vpr/{job_id}/events", Authorization=f"Token {token}")
    stream.next(), stream.next()

    started = time.monotonic()
    heartbeat = stream.next()

    assert heartbeat.comment == "keep-alive"
    assert time.monotonic() - started < HEARTBEAT + 1
    stream.close()


def test_events_url_works_without_headers_like_eventsource(
    events_server: LiveServer, submit: Any, api: Any
):
    submitted = submit()
    job_id = submitted.json()["job_id"]
    from_submit = urlparse(submitted.json()["events_url"])
    from_status = urlparse(api.get(f"/api/vpr/status/{job_id}").json()["events_url"])
    assert from_submit.path == from_status.path == f"/api/vpr/{job_id}/events"

    stream = open_stream(events_server, f"{from_status.path}?{from_status.query}")

    assert stream.status == 200
    stream.next()
    assert stream.next().json()["job_id"] == job_id
    stream.close()


@pytest.mark.parametrize(
    "mangle",
    [lambda q: q[:-2] + ("AA" if not q.endswith("AA") else "BB"), lambda q: ""],
    ids=["tampered", "missing"],
)
def test_a_bad_link_is_401(events_server: LiveServer, api: Any, job_id: str, mangle: Any):
    query = urlparse(api.get(f"/api/vpr/status/{job_id}").json()["events_url"]).query

    stream = open_stream(events_server, f"/api/vpr/{job_id}/events?{mangle(query)}")

    assert stream.status == 401
    assert stream.body()["error_code"] in {"EVENTS_LINK_INVALID", "NOT_AUTHENTICATED"}


def test_a_link_for_one_job_does_not_open_another(
    events_server: LiveServer, api: Any, submit: Any, job_id: str, vpr_body: dict
):
    other = submit({**vpr_body, "application_id": "another-app"}).json()["job_id"]
    query = urlparse(api.get(f"/api/vpr/status/{job_id}").json()["events_url"]).query

    stream = open_stream(events_server, f"/api/vpr/{other}/events?{query}")

    assert stream.status == 401
    assert stream.body()["error_code"] == "EVENTS_LINK_INVALID"


def test_another_users_job_is_404(events_server: LiveServer, job_id: str, make_user: Any):
    mallory = issue_token(make_user("mallory"))

    stream = open_stream(
        events_server, f"/api/vpr/{job_id}/events", Authorization=f"Token {mallory}"
    )

    assert stream.status == 404
    assert stream.body()["error_code"] == "NOT_FOUND"


def test_wrong_token_is_401(events_server: LiveServer, job_id: str):
    stream = open_stream(events_server, f"/api/vpr/{job_id}/events", Authorization="Token nope")

    assert stream.status == 401
    assert stream.body()["error_code"] == "AUTHENTICATION_FAILED"


def test_reconnect_with_the_last_event_id_skips_what_was_seen(
    events_server: LiveServer, token: str, job_id: str
):
    auth = {"Authorization": f"Token {token}"}
    stream = open_stream(
        events_server, f"/api/vpr/{job_id}/events", **auth, **{"Last-Event-ID": "PENDING.queued"}
    )
    stream.next()  # retry

    assert stream.next().comment == "keep-alive"  # no repeat of the PENDING event
    stream.close()


def test_reconnect_after_the_terminal_event_is_204(
    events_server: LiveServer, token: str, job_id: str
):
    assert process_vpr_job(job_id) == "completed"
    auth = {"Authorization": f"Token {token}"}

    finished = open_stream(events_server, f"/api/vpr/{job_id}/events", **auth)
    last = [e for e in finished.events() if e.event == "status"][-1]
    again = open_stream(
        events_server, f"/api/vpr/{job_id}/events", **auth, **{"Last-Event-ID": last.id}
    )

    assert last.id == "COMPLETED.done"
    assert again.status == 204


def test_open_streams_do_not_hold_a_thread_each(events_server: LiveServer, token: str, job_id: str):
    def threads() -> int:
        status = Path(f"/proc/{events_server.process.pid}/status").read_text()
        return int(
            next(line.split()[1] for line in status.splitlines() if line.startswith("Threads"))
        )

    warm = open_stream(events_server, f"/api/vpr/{job_id}/events", Authorization=f"Token {token}")
    warm.next(), warm.next()
    before = threads()
    streams = [
        open_stream(events_server, f"/api/vpr/{job_id}/events", Authorization=f"Token {token}")
        for _ in range(40)
    ]
    for stream in streams:
        assert stream.next().retry and stream.next().event == "status"

    assert threads() - before < 5
    for stream in [warm, *streams]:
        stream.close()


# --------------------------------------------------------------------------- publishing


def test_notify_leaves_after_commit_and_never_for_a_rollback(job_id: str):
    settings_dict = connections["default"].settings_dict
    with psycopg.connect(database_url(settings_dict), autocommit=True) as listener:
        listener.execute(f"LISTEN {events.CHANNEL}")
        job = Job.objects.get(pk=job_id)
        with pytest.raises(RuntimeError), transaction.atomic():
            lifecycle.job_cancel(job_id=job.pk)
            raise RuntimeError("rolled back")
        assert list(listener.notifies(timeout=0.5)) == []

        lifecycle.job_cancel(job_id=job.pk)

        received = list(listener.notifies(timeout=2, stop_after=1))
        assert [n.payload for n in received] == [job_id]


# --------------------------------------------------------------------------- without NOTIFY


def test_without_notify_the_hub_wakes_streams_on_a_timer(monkeypatch: pytest.MonkeyPatch):
    """SQLite (the embedded default) has no NOTIFY: the hub re-checks every poll interval."""
    import asyncio

    monkeypatch.setattr(events, "uses_notify", lambda: False)

    async def woken_within(seconds: float) -> bool:
        hub = events.JobEventHub()
        with hub.subscribe("some-job") as wake:
            try:
                await asyncio.wait_for(wake.wait(), seconds)
            except TimeoutError:
                return False
            return True

    assert asyncio.run(woken_within(2.5))
