"""Shared plumbing of the benchmarks: environment, subprocesses, statistics, results.

Every benchmark runs against its own PostgreSQL database (never `test`), starts what it needs
(moto server, gunicorn, a django-q2 cluster) as subprocesses in their own sessions, and stops
them on the way out, whatever happens.
"""

from __future__ import annotations

import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterable, Sequence
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
LOGS = ROOT / "var" / "bench"
PYTHON = str(Path(sys.executable))
BIN = Path(PYTHON).parent
FIXTURES = ROOT / "tests" / "fixtures"

PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
DEFAULT_DB = os.environ.get("BENCH_DB", "careervp_bench")


# --------------------------------------------------------------------------- environment


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


def aws_app(services: Services, **extra: str) -> dict[str, str]:
    """Start moto, point the app at it (plus `extra`), migrate the bench database, create the
    queues and bucket, and set Django up in this process. Returns the app's environment."""
    env = app_env(**{**aws_env(services.moto()), **extra})
    ensure_database(DEFAULT_DB, env)
    manage(env, "setup_aws_resources")
    django_setup(env)
    return env


def print_targets(targets: dict[str, dict[str, Any]]) -> None:
    for name, target in targets.items():
        print(f"target {name}: {target['measured']} -> {'met' if target['met'] else 'NOT met'}")


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


# --------------------------------------------------------------------------- database


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


# --------------------------------------------------------------------------- processes


class Services:
    """Subprocesses started in their own session; `close()` (or the `with`) stops them all."""

    def __init__(self, name: str) -> None:
        self.stack = ExitStack()
        self.pids: dict[str, int] = {}
        self.logs = LOGS / name
        self.logs.mkdir(parents=True, exist_ok=True)

    def __enter__(self) -> Services:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.stack.close()

    def start(
        self, name: str, command: Sequence[str], env: dict[str, str]
    ) -> subprocess.Popen[bytes]:
        log = self.stack.enter_context((self.logs / f"{name}.log").open("wb"))
        process = subprocess.Popen(
            list(command),
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.stack.callback(stop_process, process)
        self.pids[name] = process.pid
        return process

    def moto(self) -> str:
        """A moto server on a free loopback port; returns its endpoint."""
        port = free_port()
        endpoint = f"http://127.0.0.1:{port}"
        self.start(
            "moto",
            [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
            {**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        wait_http(f"{endpoint}/moto-api/", 30)
        return endpoint

    def gunicorn(self, env: dict[str, str], *, workers: int = 2, threads: int = 4) -> str:
        port = free_port()
        env = {
            **env,
            "PORT": str(port),
            "GUNICORN_WORKERS": str(workers),
            "GUNICORN_THREADS": str(threads),
            # No recycling: at a benchmark's 1,000 req/s the production setting (20,000)
            # restarts each process every ~40 s, and a restart (≈0.8 s of CPU re-importing
            # Django, caches cold) landing in a 4 s round decides that round, app or bare.
            "GUNICORN_MAX_REQUESTS": "0",
        }
        command = [
            str(BIN / "gunicorn"),
            "--config",
            "gunicorn.conf.py",
            "careervp.wsgi:application",
        ]
        self.start("gunicorn", command, env)
        base = f"http://127.0.0.1:{port}"
        wait_http(f"{base}/healthz", 60)
        return base


def stop_process(process: subprocess.Popen[bytes], timeout: float = 20) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        pass


def wait_http(url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status < 500:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


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


def run_load(spec: dict[str, Any]) -> dict[str, Any]:
    """Run `bench/loadgen.py` (a second process) with `spec`; its JSON summary."""
    budget = spec.get("duration", 10) + spec.get("warmup", 0) + 60
    done = subprocess.run(
        [PYTHON, str(BENCH / "loadgen.py")],
        input=json.dumps(spec),
        capture_output=True,
        text=True,
        timeout=budget,
        check=True,
    )
    return json.loads(done.stdout)


# --------------------------------------------------------------------------- statistics


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0-100) of `values`; NaN when empty."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def median(values: Iterable[float]) -> float:
    values = list(values)
    return statistics.median(values) if values else float("nan")


def fmt(value: Any, digits: int = 1) -> str:
    if isinstance(value, float):
        if value != value:  # NaN
            return "n/a"
        return f"{value:,.{digits}f}"
    if isinstance(value, bool):
        return "yes" if value else "NO"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    cells = [[str(h) for h in headers]] + [[fmt(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = []
    for index, row in enumerate(cells):
        lines.append(
            "  ".join(
                c.ljust(w) if i == 0 else c.rjust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def write_result(name: str, data: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"\nwrote {path.relative_to(ROOT)}")
    return path


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
    from django.conf import settings

    from vpr_jobs.integrations import aws

    # PurgeQueue is refused more than once a minute (moto enforces it too): drop the queue
    # and create it again under the same name (same URL, same redrive policy).
    url = aws.sqs_queue_url(settings.VPR_JOBS_QUEUE_NAME)
    aws.client("sqs").delete_queue(QueueUrl=url)
    aws.sqs_ensure_queue_with_dlq(
        queue_name=settings.VPR_JOBS_QUEUE_NAME,
        dlq_name=settings.VPR_JOBS_DLQ_NAME,
        visibility_timeout=settings.VPR_VISIBILITY_TIMEOUT_SECONDS,
        max_receive_count=settings.VPR_SQS_MAX_RECEIVE_COUNT,
    )


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
    return {"p50_ms": round(median(times), 2), "p99_ms": round(percentile(times, 99), 2)}


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
    return {"queued": queued, "p50_ms": round(median(times), 2)}


def _proc_stat(pid: int) -> tuple[str, int, float, float] | None:
    """(comm, ppid, own CPU s, CPU s of its reaped children) from /proc/<pid>/stat."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    comm = raw[raw.index("(") + 1 : raw.rindex(")")]
    fields = raw[raw.rindex(")") + 2 :].split()
    ticks = os.sysconf("SC_CLK_TCK")
    own = (int(fields[11]) + int(fields[12])) / ticks
    reaped = (int(fields[13]) + int(fields[14])) / ticks
    return comm, int(fields[1]), own, reaped


def _all_procs() -> dict[int, tuple[str, int, float, float]]:
    out = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _proc_stat(int(entry.name))) is not None:
            out[int(entry.name)] = stat
    return out


def process_tree(root: int) -> list[int]:
    """`root` and all its descendants (from /proc; no psutil in this virtualenv)."""
    procs = _all_procs()
    tree, frontier = [], [root]
    while frontier:
        pid = frontier.pop()
        if pid in procs:
            tree.append(pid)
            frontier.extend(p for p, stat in procs.items() if stat[1] == pid)
    return tree


def cpu_seconds(groups: dict[str, list[int]]) -> dict[str, float]:
    """User+system CPU seconds so far of each group of process trees, including children
    that exited (gunicorn recycles workers after max_requests; they count in the master's
    reaped-children time). "postgres" = every postgres process plus the backends the
    postmaster reaped (it runs as another user; /proc/<pid>/stat is readable)."""
    procs = _all_procs()
    out: dict[str, float] = {}
    for name, roots in groups.items():
        total = 0.0
        for root in roots:
            for pid in process_tree(root):
                if pid in procs:
                    total += procs[pid][2] + procs[pid][3]
        out[name] = total
    postgres = {pid for pid, stat in procs.items() if stat[0] == "postgres"}
    out["postgres"] = sum(procs[pid][2] for pid in postgres) + sum(
        procs[pid][3] for pid in postgres if procs[pid][1] not in postgres
    )
    return out


def cpu_per_request(
    before: dict[str, float], after: dict[str, float], requests: int
) -> dict[str, float]:
    """CPU milliseconds per request of each group between two `cpu_seconds` snapshots."""
    if not requests:
        return {}
    return {k: round((after[k] - before[k]) * 1000 / requests, 2) for k in before}


def run_rounds(
    services: Services,
    port: int,
    variants: dict[str, dict[str, Any]],
    *,
    concurrency: Sequence[int],
    rounds: int,
    duration: float,
    warmup: float,
    before_each: Any = None,
) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Each variant (a partial loadgen spec) at each concurrency, `rounds` times, the order
    rotating every round so that no variant always runs first; CPU per request attached."""
    groups = {"gunicorn": [services.pids["gunicorn"]], "moto": [services.pids["moto"]]}
    names = list(variants)
    runs: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for level in concurrency:
        runs[str(level)] = {name: [] for name in names}
        for round_no in range(rounds):
            order = names[round_no % len(names) :] + names[: round_no % len(names)]
            if round_no % 2:
                order.reverse()
            for name in order:
                if before_each is not None:
                    before_each()
                spec = {
                    "host": "127.0.0.1",
                    "port": port,
                    "concurrency": level,
                    "duration": duration,
                    "warmup": warmup,
                    "prefix": f"c{level}r{round_no}{name}".replace("_", ""),
                    **variants[name],
                }
                before = cpu_seconds(groups)
                result = run_load(spec)
                result["cpu_ms_per_request"] = cpu_per_request(
                    before, cpu_seconds(groups), result["completed_total"]
                )
                runs[str(level)][name].append(result)
                print(
                    f"  c={level:<3} round {round_no} {name:<15} "
                    f"{result['throughput_rps']:8.1f} req/s  p50 {result['p50_ms']:6.1f} ms"
                    f"  p99 {result['p99_ms']:7.1f} ms  statuses {result['statuses']}"
                    f"  errors {result['errors']}",
                    flush=True,
                )
    return runs


def summarise_variant(results: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "throughput_rps": median(r["throughput_rps"] for r in results),
        "p50_ms": median(r["p50_ms"] for r in results),
        "p99_ms": median(r["p99_ms"] for r in results),
        "non_2xx": sum(
            n for r in results for s, n in r["statuses"].items() if not s.startswith("2")
        ),
        "errors": sum(sum(r["errors"].values()) for r in results),
        "cpu_ms_per_request": {
            k: median(r["cpu_ms_per_request"][k] for r in results)
            for k in results[0]["cpu_ms_per_request"]
        },
    }


def paired_ratio(app: list[dict[str, Any]], bare: list[dict[str, Any]]) -> float:
    """Median over rounds of app throughput / bare throughput measured in the same round."""
    return median(
        a["throughput_rps"] / b["throughput_rps"]
        for a, b in zip(app, bare, strict=True)
        if b["throughput_rps"]
    )


# --------------------------------------------------------------------------- HTTP load tables


def load_method(**extra: Any) -> dict[str, Any]:
    """How an HTTP load benchmark ran (stored with its results)."""
    return {
        "server": "gunicorn, gunicorn.conf.py, GUNICORN_WORKERS=2, GUNICORN_THREADS=4",
        "load": "bench/loadgen.py, second process, closed loop, keep-alive",
        **extra,
    }


def load_table(label: str, rows: Iterable[Sequence[Any]]) -> str:
    """The table of an app-vs-bare load run; `label` names the second column."""
    headers = ["load", label, "req/s", "p50 ms", "p99 ms", "ratio", "fail"]
    return table([*headers, "cpu ms/req web", "moto", "postgres"], rows)


def load_row(level: str, name: str, entry: dict[str, Any], ratio: float) -> list[Any]:
    """One `load_table` row from a `summarise_variant` entry."""
    cpu = entry["cpu_ms_per_request"]
    return [
        f"{level} clients",
        name,
        entry["throughput_rps"],
        entry["p50_ms"],
        entry["p99_ms"],
        ratio,
        entry["non_2xx"] + entry["errors"],
        *(cpu.get(group, float("nan")) for group in ("gunicorn", "moto", "postgres")),
    ]


def load_targets(
    prefix: str, *, ratio: float, p99: float, min_ratio: float, max_p99: float, at: int
) -> dict[str, dict[str, Any]]:
    """The two targets of an app-vs-bare load run: throughput ratio and p99, at `at` clients."""
    return {
        f"{prefix}throughput >= {min_ratio} x bare at {at} clients": {
            "measured": round(ratio, 3),
            "met": ratio >= min_ratio,
        },
        f"{prefix}p99 <= {max_p99} ms at {at} clients": {"measured": p99, "met": p99 <= max_p99},
    }
