"""Job event streams: notification delay, idle streams per process, requests per job.

PostgreSQL (`BENCH_EVENTS_DB`, fresh), the Procfile's `events` process (uvicorn, one process)
and, for the poller, gunicorn with gunicorn.conf.py. Clients are asyncio connections in this
process speaking HTTP/1.0 (so the stream is close-delimited, no chunk parsing).

* delay: a stream follows a PROCESSING job; the job is completed here by the worker's own
  `lifecycle.job_complete` (result file, artifact, COMPLETED, in one transaction); delay = from
  the COMMIT (an on-commit hook registered before the NOTIFY's) to the COMPLETED event parsed
  at the client. `DELAY_SAMPLES` jobs one after another with one stream open, then again
  while `IDLE_STREAMS` other streams are open in the same events process.
* idle streams: `IDLE_STREAMS` streams on distinct jobs; the events process's RSS, PSS and
  threads before and with them open, and its CPU over `IDLE_SECONDS` (heartbeats only).
* requests per job: `LIFECYCLE_JOBS` jobs live through a 45 s lifecycle (claim after 3 s,
  generating 35 s, verifying 5 s, storing 2 s, COMPLETED); for each, an SSE client and a
  client polling every `Retry-After` (5 s) with phases spread over the interval; counted:
  HTTP requests, and how long after the COMMIT each client knew.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench import context, figures, servers

NAME = "events"
DB = os.environ.get("BENCH_EVENTS_DB", "careervp_bench_events")
DELAY_SAMPLES = int(os.environ.get("BENCH_DELAY_SAMPLES", "200"))
IDLE_STREAMS = int(os.environ.get("BENCH_IDLE_STREAMS", "1000"))
IDLE_SECONDS = int(os.environ.get("BENCH_IDLE_SECONDS", "30"))
LIFECYCLE_JOBS = 4
_SCALE = float(os.environ.get("BENCH_LIFECYCLE_SCALE", "1"))  # < 1 only for a quick try
LIFECYCLE = [
    (step, seconds * _SCALE)
    for step, seconds in [
        ("claim", 3.0),
        ("generating", 35.0),
        ("verifying", 5.0),
        ("storing", 2.0),
    ]
]
TARGET_STREAMS, TARGET_DELAY_P50_MS = 1000, 100.0

_sync = ThreadPoolExecutor(max_workers=LIFECYCLE_JOBS + 1)


# --------------------------------------------------------------------------- SSE client


class Stream:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int, job_id: str, token: str) -> Stream:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(
            f"GET /api/vpr/{job_id}/events HTTP/1.0\r\nHost: 127.0.0.1\r\n"
            f"Authorization: Token {token}\r\nAccept: text/event-stream\r\n\r\n".encode()
        )
        status = await reader.readline()
        if b" 200 " not in status:
            raise RuntimeError(f"stream answered {status!r}")
        while (await reader.readline()).strip():
            pass
        return cls(reader, writer)

    async def next_status(self) -> dict[str, Any] | None:
        """The next `status` event's body (comments and retry skipped); None at the end."""
        event, data = "", ""
        while line := await self.reader.readline():
            text = line.decode().rstrip("\n")
            if text.startswith("event: "):
                event = text[7:]
            elif text.startswith("data: "):
                data = text[6:]
            elif not text and event == "status":
                return json.loads(data)
            elif not text:
                event, data = "", ""
        return None

    def close(self) -> None:
        self.writer.close()


# --------------------------------------------------------------------------- jobs


def make_jobs(user: Any, count: int, tag: str, **fields: Any) -> list[Any]:
    from django.utils import timezone

    from vpr_jobs.models import Job

    now = timezone.now()
    jobs = [
        Job(
            user=user,
            application_id=f"{tag}-{n}",
            idempotency_key=f"{tag}-{n}",
            request_fingerprint="bench",
            input_data={},
            generator="rules",
            created_at=now - timedelta(seconds=1),
            **fields,
        )
        for n in range(count)
    ]
    return Job.objects.bulk_create(jobs)


def a_document() -> Any:
    from vpr_jobs.generation import GenerationInput
    from vpr_jobs.generation.rules import RulesGenerator
    from vpr_jobs.schemas import CV, VPRRequest

    data = GenerationInput(
        job_id="bench",
        cv=CV.model_validate(context.load_fixture("cv_learning_development")),
        request=VPRRequest.model_validate(context.load_fixture("vpr_request_learning_development")),
    )
    return RulesGenerator().generate(data).document


def complete(job: Any, document: Any) -> float:
    """The worker's completion; returns the monotonic time of its COMMIT."""
    from django.db import transaction

    from vpr_jobs.services import lifecycle

    committed: list[float] = []
    with transaction.atomic():
        transaction.on_commit(lambda: committed.append(time.monotonic()))  # before the NOTIFY
        assert lifecycle.job_complete(job=job, document=document)
    return committed[0]


async def measure_delays(port: int, token: str, jobs: list[Any], document: Any) -> list[float]:
    loop = asyncio.get_running_loop()
    delays = []
    for job in jobs:
        stream = await Stream.open(port, str(job.pk), token)
        assert (await stream.next_status())["status"] == "PROCESSING"
        committed = await loop.run_in_executor(_sync, complete, job, document)
        while (body := await stream.next_status()) and body["status"] != "COMPLETED":
            pass
        delays.append((time.monotonic() - committed) * 1000)
        stream.close()
    return delays


# --------------------------------------------------------------------------- process figures


def process_figures(pid: int) -> dict[str, float]:
    proc = Path(f"/proc/{pid}")
    status = dict(
        line.split(":", 1) for line in (proc / "status").read_text().splitlines() if ":" in line
    )
    rollup = (proc / "smaps_rollup").read_text().splitlines()
    pss = next(int(line.split()[1]) for line in rollup if line.startswith("Pss:"))
    stat = (proc / "stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return {
        "rss_mib": int(status["VmRSS"].split()[0]) / 1024,
        "pss_mib": pss / 1024,
        "threads": int(status["Threads"]),
        "cpu_seconds": (int(stat[11]) + int(stat[12])) / ticks,
    }


async def idle_streams(
    port: int, pid: int, token: str, jobs: list[Any], document: Any
) -> dict[str, Any]:
    before = process_figures(pid)
    began = time.monotonic()
    streams: list[Stream] = []
    for start in range(0, len(jobs), 50):
        batch = [Stream.open(port, str(job.pk), token) for job in jobs[start : start + 50]]
        streams += await asyncio.gather(*batch)
    for stream in streams:
        assert (await stream.next_status())["status"] == "PROCESSING"
    opened_in = time.monotonic() - began
    await asyncio.sleep(2)
    open_ = process_figures(pid)
    await asyncio.sleep(IDLE_SECONDS)
    idle = process_figures(pid)
    # Delay with every other stream open: complete some of these jobs one by one.
    loop = asyncio.get_running_loop()
    delays = []
    for job, stream in list(zip(jobs, streams, strict=True))[:DELAY_SAMPLES]:
        committed = await loop.run_in_executor(_sync, complete, job, document)
        while (body := await stream.next_status()) and body["status"] != "COMPLETED":
            pass
        delays.append((time.monotonic() - committed) * 1000)
    for stream in streams:
        stream.close()
    return {
        "streams": len(streams),
        "opened_in_seconds": round(opened_in, 2),
        "process_before": before,
        "process_open": open_,
        "rss_per_stream_kib": round((open_["rss_mib"] - before["rss_mib"]) * 1024 / len(jobs), 1),
        "pss_per_stream_kib": round((open_["pss_mib"] - before["pss_mib"]) * 1024 / len(jobs), 1),
        "idle_cpu_percent": round(
            100 * (idle["cpu_seconds"] - open_["cpu_seconds"]) / IDLE_SECONDS, 2
        ),
        "delay_ms": delays,
    }


# --------------------------------------------------------------------------- requests per job


def live_through_lifecycle(job: Any, document: Any) -> float:
    from vpr_jobs.services import lifecycle

    claimed = None
    for step, seconds in LIFECYCLE:
        if step == "claim":
            time.sleep(seconds)
            claimed = lifecycle.job_claim(job_id=job.pk)
            assert claimed is not None
            continue
        lifecycle.job_set_stage(job=claimed, stage=step)
        time.sleep(seconds)
    return complete(claimed, document)


def poll_until_done(base: str, job_id: str, token: str, offset: float) -> tuple[int, float]:
    time.sleep(offset)
    requests = 0
    while True:
        request = urllib.request.Request(f"{base}/api/vpr/status/{job_id}")
        request.add_header("Authorization", f"Token {token}")
        with urllib.request.urlopen(request, timeout=10) as response:
            requests += 1
            body = json.loads(response.read())
            retry_after = float(response.headers.get("Retry-After") or 0)
        if body["status"] == "COMPLETED":
            return requests, time.monotonic()
        time.sleep(retry_after)


async def follow(port: int, job_id: str, token: str) -> tuple[int, int, float]:
    stream = await Stream.open(port, job_id, token)
    events = 0
    while (body := await stream.next_status()) is not None:
        events += 1
        if body["status"] == "COMPLETED":
            known = time.monotonic()
    stream.close()
    return 1, events, known


async def requests_per_job(
    base: str, port: int, token: str, jobs: list[Any], document: Any
) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    period = float(os.environ.get("VPR_RETRY_AFTER_SECONDS", "5"))
    followers = [asyncio.create_task(follow(port, str(job.pk), token)) for job in jobs]
    pollers = [
        loop.run_in_executor(
            None, poll_until_done, base, str(job.pk), token, n * period / len(jobs)
        )
        for n, job in enumerate(jobs)
    ]
    lives = [loop.run_in_executor(_sync, live_through_lifecycle, job, document) for job in jobs]
    committed = await asyncio.gather(*lives)
    sse = await asyncio.gather(*followers)
    polled = await asyncio.gather(*pollers)
    return {
        "job_seconds": sum(seconds for _, seconds in LIFECYCLE),
        "poll_every_seconds": period,
        "sse_requests": [requests for requests, _, _ in sse],
        "sse_events": [events for _, events, _ in sse],
        "sse_knew_after_ms": [
            round((known - done) * 1000, 1)
            for (_, _, known), done in zip(sse, committed, strict=True)
        ],
        "poll_requests": [requests for requests, _ in polled],
        "poll_knew_after_ms": [
            round((known - done) * 1000, 1)
            for (_, known), done in zip(polled, committed, strict=True)
        ],
    }


# --------------------------------------------------------------------------- main


def summary(delays: list[float]) -> dict[str, float]:
    return {
        "samples": len(delays),
        "p50": round(figures.percentile(delays, 50), 2),
        "p99": round(figures.percentile(delays, 99), 2),
        "max": round(max(delays), 2),
    }


def prepare(env: dict[str, str], services: servers.Services) -> dict[str, Any]:
    """Everything synchronous: the servers, a user, the jobs, a document to complete them."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone
    from knox.models import AuthToken

    from vpr_jobs.models import JobStatus

    user = get_user_model().objects.create_user("bench-events")
    port = context.free_port()
    command = (context.ROOT / "Procfile").read_text().split("events:", 1)[1].split("\n")[0]
    args = command.split()
    args[args.index("--port") + 1] = str(port)
    events = services.start("events", [context.PYTHON, "-m", *args], env)
    servers.wait_http(f"http://127.0.0.1:{port}/healthz", 60)
    processing = {"status": JobStatus.PROCESSING, "attempts": 1, "started_at": timezone.now()}
    return {
        "port": port,
        "pid": events.pid,
        "base": services.gunicorn(env),
        "token": AuthToken.objects.create(user=user)[1],  # stored hashed: the key is shown once
        "document": a_document(),
        "alone": make_jobs(user, DELAY_SAMPLES, "alone", **processing),
        "idle": make_jobs(user, IDLE_STREAMS, "idle", **processing),
        "life": make_jobs(user, LIFECYCLE_JOBS, "life"),
    }


async def run(ready: dict[str, Any]) -> dict[str, Any]:
    port, token, document = ready["port"], ready["token"], ready["document"]
    return {
        "alone": await measure_delays(port, token, ready["alone"], document),
        "crowd": await idle_streams(port, ready["pid"], token, ready["idle"], document),
        "lifecycle": await requests_per_job(ready["base"], port, token, ready["life"], document),
    }


def main() -> int:
    env = context.app_env(
        db=DB,
        QUEUE_BACKEND="orm",
        RESULTS_STORAGE="local",
        VPR_LOCAL_RESULTS_DIR=str(context.LOGS / NAME / "media"),
        LOG_LEVEL="WARNING",
    )
    context.ensure_database(DB, env, fresh=True)
    context.django_setup(env)
    with servers.Services(NAME) as services:
        measured = asyncio.run(run(prepare(env, services)))
    crowd, life = measured["crowd"], measured["lifecycle"]
    delay_alone, delay_crowd = summary(measured["alone"]), summary(crowd.pop("delay_ms"))
    print(
        figures.table(
            ["notification delay (COMMIT → event parsed)", "samples", "p50 ms", "p99 ms", "max"],
            [
                ["one stream open", *list(delay_alone.values())],
                [f"{crowd['streams']} streams open", *list(delay_crowd.values())],
            ],
        )
    )
    before, open_ = crowd["process_before"], crowd["process_open"]
    print(
        figures.table(
            ["events process", "RSS MiB", "PSS MiB", "threads"],
            [
                ["no stream", before["rss_mib"], before["pss_mib"], before["threads"]],
                [
                    f"{crowd['streams']} streams",
                    open_["rss_mib"],
                    open_["pss_mib"],
                    open_["threads"],
                ],
            ],
        )
    )
    print(
        f"per stream: {crowd['rss_per_stream_kib']} KiB RSS, {crowd['pss_per_stream_kib']} KiB "
        f"PSS; opened in {crowd['opened_in_seconds']} s; idle CPU {crowd['idle_cpu_percent']} % "
        f"of a core over {IDLE_SECONDS} s"
    )
    print(
        figures.table(
            [f"per {life['job_seconds']:.0f} s job", "HTTP requests", "knew of COMPLETED after ms"],
            [
                ["SSE client", life["sse_requests"], life["sse_knew_after_ms"]],
                [
                    f"poller every {life['poll_every_seconds']:.0f} s",
                    life["poll_requests"],
                    life["poll_knew_after_ms"],
                ],
            ],
        )
    )
    targets = {
        "streams_per_process": {
            "measured": crowd["streams"],
            "met": crowd["streams"] >= TARGET_STREAMS,
        },
        "delay_p50_ms_with_streams_open": {
            "measured": delay_crowd["p50"],
            "met": delay_crowd["p50"] < TARGET_DELAY_P50_MS,
        },
    }
    figures.print_targets(targets)
    figures.write_result(
        NAME,
        {
            "environment": context.environment(),
            "delay_one_stream_ms": delay_alone,
            "delay_with_streams_open_ms": delay_crowd,
            "idle_streams": crowd,
            "requests_per_job": life,
            "targets": targets,
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
