"""Soak: N jobs through gunicorn + `manage.py qcluster` (2 workers) + moto SQS/S3 + a fake
Claude that answers 500 to a fraction of calls (SDK retries off, so each fault costs one job
attempt). At the end every job must be COMPLETED or FAILED with a reason, the DLQ must hold
exactly the jobs that exhausted their retries, and no artifact may be duplicated.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test \\
        .venv/bin/python -m tests.reliability.soak --jobs 2000 --fault-rate 0.05

Uses its own database (`<name>_soak`, dropped and re-created) and prints the tallies; exits 1
when an invariant does not hold. Boundaries that cannot run here are stood in for by moto's
server (SQS, S3) and `tests.support.fake_anthropic` (the Anthropic API over real HTTP).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from tests.reliability.support import BASE_DIR, LiveServer, http_json, start_gunicorn

FIXTURES = BASE_DIR / "tests" / "fixtures"


def _fixture(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def _recreate_database(url: str) -> str:
    import psycopg

    parsed = urlparse(url)
    name = f"{parsed.path.lstrip('/') or 'careervp'}_soak"
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return parsed._replace(path=f"/{name}").geturl()


def _env(args: argparse.Namespace, database_url: str, moto_url: str, claude_url: str) -> dict:
    return {
        "DJANGO_SETTINGS_MODULE": "careervp.settings",
        "DJANGO_ENV": "test",
        "DJANGO_DEBUG": "false",
        "DATABASE_URL": database_url,
        "AWS_ENDPOINT_URL": moto_url,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "QUEUE_BACKEND": "sqs",
        "RESULTS_STORAGE": "s3",
        "VPR_JOBS_QUEUE_NAME": "careervp-soak-jobs",
        "VPR_JOBS_DLQ_NAME": "careervp-soak-dlq",
        "VPR_RESULTS_BUCKET_NAME": "careervp-soak-results",
        "VPR_GENERATOR": "claude",
        "ANTHROPIC_API_KEY": "sk-soak",
        "ANTHROPIC_BASE_URL": claude_url,
        "ANTHROPIC_MAX_RETRIES": "0",
        # Short lease and visibility so retries happen in seconds, not minutes.
        "VPR_WORKER_TIMEOUT_SECONDS": "5",
        "VPR_JOB_DEADLINE_SECONDS": "4",
        "VPR_VISIBILITY_TIMEOUT_SECONDS": "6",
        "VPR_SQS_WAIT_SECONDS": "1",
        "VPR_WORKERS": str(args.workers),
        "VPR_THROTTLE_SUBMIT": "1000000/min",
        "VPR_THROTTLE_READ": "1000000/min",
        "LOG_LEVEL": "WARNING",
        "DJANGO_Q_LOG_LEVEL": "ERROR",
    }


def _start_fake_claude(fault_rate: float, seed: int) -> Any:
    from tests.support.fake_anthropic import FakeAnthropic, Reply, error, ok
    from tests.support.fake_anthropic import vpr_content_from_rules as content_from_rules

    content = content_from_rules(
        _fixture("cv_learning_development"), _fixture("vpr_request_learning_development")
    )

    class FlakyClaude(FakeAnthropic):
        """Answers a clean report, or a 500 `api_error` with probability `fault_rate`."""

        def __init__(self) -> None:
            super().__init__()
            self.random = random.Random(seed)
            self.calls = 0
            self.faults = 0

        def next_reply(self) -> Reply:
            with self._lock:
                self.calls += 1
                if self.random.random() < fault_rate:
                    self.faults += 1
                    return error(500, message="injected fault")
            return ok(content)

        def record(self, request: Any) -> None:
            """Keep no request log: thousands of bodies would only cost memory."""

    return FlakyClaude().start()


def _submit_all(server: LiveServer, tokens: list[str], jobs: int, body: dict) -> Counter:
    def submit(number: int) -> int:
        token = tokens[number % len(tokens)]
        job_body = {**body, "application_id": f"soak-{number:05d}"}
        for _ in range(5):
            try:
                return http_json(server.url, "POST", "/api/vpr", token=token, body=job_body).status
            except OSError:
                time.sleep(0.5)
        return -1

    with ThreadPoolExecutor(max_workers=32) as pool:
        return Counter(pool.map(submit, range(jobs)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2000)
    parser.add_argument("--fault-rate", type=float, default=0.05)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--timeout", type=float, default=1800, help="seconds to drain (1800)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    started = time.monotonic()
    base_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test")
    database_url = _recreate_database(base_url)

    from moto.server import ThreadedMotoServer

    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    host, port = moto.get_host_and_port()
    moto_url = f"http://{host}:{port}"
    claude = _start_fake_claude(args.fault_rate, args.seed)
    env = _env(args, database_url, moto_url, claude.base_url)
    os.environ.update(env)

    import django

    django.setup()
    import logging

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's access log
    from django.core.management import call_command
    from knox.models import AuthToken

    call_command("migrate", verbosity=0)
    call_command("setup_aws_resources", verbosity=0)
    from django.contrib.auth import get_user_model

    users = [
        get_user_model().objects.create_user(username=f"soak{n}", password="x")
        for n in range(args.users)
    ]
    tokens = [AuthToken.objects.create(user=user)[1] for user in users]

    logs = Path(tempfile.mkdtemp(prefix="careervp-soak-"))
    server = start_gunicorn(env=env, log=logs / "gunicorn.log", workers=2, threads=8)
    cluster_log = (logs / "qcluster.log").open("ab")
    cluster = subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=BASE_DIR,
        env={**os.environ, **env},
        stdout=cluster_log,
        stderr=subprocess.STDOUT,
    )
    try:
        cv = _fixture("cv_learning_development")
        for token in tokens:
            assert http_json(server.url, "PUT", "/api/cv", token=token, body=cv).status == 200
        body = _fixture("vpr_request_learning_development")
        submit_started = time.monotonic()
        codes = _submit_all(server, tokens, args.jobs, body)
        submit_seconds = time.monotonic() - submit_started
        print(f"submitted {args.jobs} in {submit_seconds:.1f}s: HTTP {dict(codes)}", flush=True)
        drained = _wait_until_drained(args.timeout)
        report = _tally(args, claude, codes, drained)
    finally:
        cluster.terminate()
        try:
            cluster.wait(timeout=30)
        except subprocess.TimeoutExpired:
            cluster.kill()
        cluster_log.close()
        server.stop()
        claude.stop()
        moto.stop()
    report["seconds_total"] = round(time.monotonic() - started, 1)
    report["logs"] = str(logs)
    print(json.dumps(report, indent=2, default=str))
    return 0 if report["ok"] else 1


def _wait_until_drained(timeout: float) -> bool:
    from vpr_jobs.models import IN_FLIGHT, Job

    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        counts = dict(Counter(Job.objects.values_list("status", flat=True)))
        line = " ".join(f"{k}={v}" for k, v in sorted(counts.items()))
        if line != last:
            print(f"[{time.strftime('%H:%M:%S')}] {line}", flush=True)
            last = line
        if not Job.objects.filter(status__in=IN_FLIGHT).exists():
            return True
        time.sleep(2)
    return False


def _tally(args: argparse.Namespace, claude: Any, codes: Counter, drained: bool) -> dict:
    from django.conf import settings
    from django.db.models import Count

    from tests.support.queues import sqs_depth
    from vpr_jobs import queue
    from vpr_jobs.integrations import aws
    from vpr_jobs.models import IN_FLIGHT, Job, JobStatus, VPRArtifact

    exhausted = set(
        str(pk)
        for pk in Job.objects.filter(
            status=JobStatus.FAILED, error_code="RETRIES_EXHAUSTED"
        ).values_list("pk", flat=True)
    )
    # The last failed attempt's message reaches the DLQ on its next receive, after the
    # visibility timeout: give the cluster time to do that receive.
    dlq_url = aws.sqs_queue_url(settings.VPR_JOBS_DLQ_NAME)

    deadline = time.monotonic() + 4 * settings.VPR_VISIBILITY_TIMEOUT_SECONDS
    while sqs_depth(dlq_url)[0] < len(exhausted) and time.monotonic() < deadline:
        time.sleep(1)
    letters = queue.dlq_receive(max_messages=max(len(exhausted) + 10, 10), hold_seconds=30)
    dlq_jobs = Counter(letter.job_id or f"invalid:{letter.problem}" for letter in letters)

    unexpected: dict[str, str] = {}
    for key, count in dlq_jobs.items():
        if key in exhausted and count == 1:
            continue
        job = None if key.startswith("invalid:") else Job.objects.filter(pk=key).first()
        unexpected[key] = (
            f"x{count}; "
            + (f"{job.status} {job.error_code} attempts {job.attempts}" if job else "")
        ).strip()
    statuses = Counter(Job.objects.values_list("status", flat=True))
    failed_reasons = Counter(
        Job.objects.filter(status=JobStatus.FAILED).values_list("error_code", flat=True)
    )
    attempts = Counter(Job.objects.values_list("attempts", flat=True))
    duplicated_versions = (
        VPRArtifact.objects.values("user_id", "application_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    completed = statuses.get(JobStatus.COMPLETED, 0)
    artifacts = VPRArtifact.objects.count()
    s3 = aws.client("s3")
    paginator = s3.get_paginator("list_objects_v2")
    s3_keys = [
        item["Key"]
        for page in paginator.paginate(Bucket=settings.VPR_RESULTS_BUCKET_NAME)
        for item in page.get("Contents", [])
    ]
    checks = {
        "all_submits_accepted": codes == Counter({202: args.jobs}),
        "drained": drained,
        "no_job_in_flight": not Job.objects.filter(status__in=IN_FLIGHT).exists(),
        "every_job_completed_or_failed": set(statuses) <= {"COMPLETED", "FAILED"},
        "every_failure_has_a_reason": not Job.objects.filter(status=JobStatus.FAILED)
        .filter(error_code="")
        .exists(),
        "dlq_is_exactly_the_exhausted_jobs": set(dlq_jobs) == exhausted
        and all(n == 1 for n in dlq_jobs.values()),
        "one_artifact_per_completed_job": artifacts == completed,
        "no_duplicate_artifact_versions": duplicated_versions == 0,
        "one_s3_object_per_completed_job": len(s3_keys) == len(set(s3_keys)) == completed,
    }
    return {
        "jobs": args.jobs,
        "fault_rate": args.fault_rate,
        "http": dict(codes),
        "statuses": dict(statuses),
        "failed_by_reason": dict(failed_reasons),
        "attempts_histogram": dict(sorted(attempts.items())),
        "claude_calls": claude.calls,
        "claude_faults_injected": claude.faults,
        "retries_exhausted": len(exhausted),
        "dlq_messages": sum(dlq_jobs.values()),
        "dlq_unexpected": unexpected,
        "dlq_missing": sorted(exhausted - set(dlq_jobs)),
        "artifacts": artifacts,
        "s3_objects": len(s3_keys),
        "checks": checks,
        "ok": all(checks.values()),
    }


if __name__ == "__main__":
    threading.current_thread().name = "soak"
    sys.exit(main())
