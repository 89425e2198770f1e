"""Where and with what a benchmark runs: paths, its own PostgreSQL database, the app's
environment (production-like switches, moto for AWS), the data it needs (users with CVs and
tokens, fixtures) and the floors of the AWS mock it runs on.
"""

from __future__ import annotations

import json
import os
import platform
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench import figures

if TYPE_CHECKING:
    from bench import servers

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
LOGS = ROOT / "var" / "bench"
PYTHON = str(Path(sys.executable))
BIN = Path(PYTHON).parent
FIXTURES = ROOT / "tests" / "fixtures"

PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
DEFAULT_DB = os.environ.get("BENCH_DB", "careervp_bench")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def git_commit() -> str:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        return done.stdout.strip() + (" (+uncommitted changes)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def pg_version() -> str:
    import psycopg

    with psycopg.connect(f"{PG_URL}/postgres") as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return str(row[0]) if row else "unknown"


def environment() -> dict[str, Any]:
    import django

    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "postgresql": pg_version(),
        "platform": platform.platform(),
        "git_commit": git_commit(),
    }


def app_env(db: str = DEFAULT_DB, **extra: str) -> dict[str, str]:
    """The process environment of web, worker and bench process: production-like switches."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AWS_", "QUEUE_", "RESULTS_", "VPR_", "ANTHROPIC_", "GUNICORN_"))
    }
    env.update(
        DATABASE_URL=f"{PG_URL}/{db}",
        DJANGO_SETTINGS_MODULE="careervp.settings",
        DJANGO_DEBUG="false",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        # One user per client would still hit the default 30/min: throttling stays on (its
        # cache lookups are part of the cost) but at a rate a benchmark cannot reach.
        VPR_THROTTLE_SUBMIT="100000000/min",
        VPR_THROTTLE_READ="100000000/min",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def aws_env(endpoint: str) -> dict[str, str]:
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "QUEUE_BACKEND": "sqs",
        "RESULTS_STORAGE": "s3",
    }


def django_setup(env: dict[str, str]) -> None:
    """Configure Django in this (the bench) process with the same environment as the servers."""
    os.environ.update(env)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def aws_app(services: servers.Services, **extra: str) -> dict[str, str]:
    """Start moto, point the app at it (plus `extra`), migrate the bench database, create the
    queues and bucket, and set Django up in this process. Returns the app's environment."""
    env = app_env(**{**aws_env(services.moto()), **extra})
    ensure_database(DEFAULT_DB, env)
    manage(env, "setup_aws_resources")
    django_setup(env)
    return env


def ensure_database(name: str, env: dict[str, str], *, fresh: bool = False) -> None:
    """Create `name` if missing (or recreate it) and migrate it."""
    import psycopg

    with psycopg.connect(f"{PG_URL}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and fresh:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    subprocess.run(
        [PYTHON, "manage.py", "migrate", "--noinput"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )


def truncate_jobs() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE vpr_jobs_vprartifact, vpr_jobs_job, django_q_ormq, django_q_task")


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip()


def load_fixture(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def create_bench_users(count: int, prefix: str = "bench") -> list[tuple[int, str]]:
    """`count` users, each with the sample CV and a new API token: [(user id, token)]."""
    from django.contrib.auth import get_user_model
    from knox.models import AuthToken

    from vpr_jobs.models import UserCV

    cv = load_fixture("cv_learning_development")
    users = []
    for index in range(count):
        user, _ = get_user_model().objects.get_or_create(username=f"{prefix}{index}")
        UserCV.objects.update_or_create(user=user, defaults={"data": cv})
        _, token = AuthToken.objects.create(user=user)  # stored hashed: a new one each run
        users.append((user.pk, token))
    return users


def purge_jobs_queue() -> None:
    """Empty the jobs queue: moto's SendMessage slows down linearly with the queue's length
    (about 10 ms at 50 messages, 46 ms at 2,000), unlike SQS; a benchmark round must not
    measure the mock's backlog."""
    from vpr_jobs import queue
    from vpr_jobs.integrations import aws

    # PurgeQueue is refused more than once a minute (moto enforces it too): drop the queue
    # and create it again under the same name (same URL, same redrive policy).
    url = aws.sqs_queue_url(queue.queue_topology().jobs_queue_name)
    aws.client("sqs").delete_queue(QueueUrl=url)
    queue.ensure_queues()


def sqs_send_floor(samples: int = 100) -> dict[str, float]:
    """Median and p99 ms of one SendMessage to the (empty) jobs queue from this process."""
    from django.conf import settings

    from vpr_jobs.integrations import aws

    sqs = aws.client("sqs")
    url = aws.sqs_queue_url(settings.VPR_JOBS_QUEUE_NAME)
    purge_jobs_queue()
    times = []
    for _ in range(samples):
        began = time.perf_counter()
        sqs.send_message(QueueUrl=url, MessageBody="x" * 400)
        times.append((time.perf_counter() - began) * 1000)
    purge_jobs_queue()
    return {
        "p50_ms": round(figures.median(times), 2),
        "p99_ms": round(figures.percentile(times, 99), 2),
    }


def sqs_receive_delete_floor(queued: int, samples: int = 30) -> dict[str, float]:
    """Median ms of one ReceiveMessage + DeleteMessage from a scratch queue holding `queued`
    messages, from this process: what moto charges per job at a given backlog."""
    from vpr_jobs.integrations import aws

    sqs = aws.client("sqs")
    url = sqs.create_queue(QueueName="careervp-bench-floor")["QueueUrl"]
    try:
        for first in range(0, queued, 10):
            entries = [
                {"Id": str(n), "MessageBody": "x" * 400}
                for n in range(first, min(queued, first + 10))
            ]
            sqs.send_message_batch(QueueUrl=url, Entries=entries)
        times = []
        for _ in range(samples):
            began = time.perf_counter()
            for message in sqs.receive_message(QueueUrl=url).get("Messages", []):
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            times.append((time.perf_counter() - began) * 1000)
    finally:
        sqs.delete_queue(QueueUrl=url)
    return {"queued": queued, "p50_ms": round(figures.median(times), 2)}
