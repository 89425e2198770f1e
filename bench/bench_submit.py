"""Submit: `POST /api/vpr` against the bare limit (`POST /bare/submit`), side by side.

gunicorn (the project's gunicorn.conf.py, 2 processes x 4 threads) serves both from the same
processes; PostgreSQL; SQS and S3 on a moto server. The load comes from `bench/loadgen.py`,
a second process on loopback. For each concurrency the app and the bare view alternate for
`ROUNDS` rounds; the figures are medians over rounds and the ratio is taken per round.
Every request is distinct (its own application_id), so every request creates a job.
"""

from __future__ import annotations

import json
import os
from typing import Any

from bench import context, figures, servers

NAME = "submit"
CONCURRENCY = [int(c) for c in os.environ.get("BENCH_CONCURRENCY", "1,16,64").split(",")]
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
DURATION = float(os.environ.get("BENCH_DURATION", "5"))
WARMUP = 1.0
USERS = 64
TARGET_RATIO, TARGET_P99_MS, TARGET_AT = 0.7, 50.0, 16


def query_profile() -> dict[str, Any]:
    """SQL statements of one API submit and one bare submit, in this process (test client)."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from knox.models import AuthToken

    user = get_user_model().objects.filter(cv__isnull=False).first()
    assert user is not None
    _, token = AuthToken.objects.create(user=user)
    body = context.load_fixture("vpr_request_learning_development")
    client = Client()
    out: dict[str, Any] = {}
    for label, path, headers, app_id in (
        ("api", "/api/vpr", {"Authorization": f"Token {token}"}, "profile-api"),
        ("bare", "/bare/submit", {"X-Bench-User": str(user.pk)}, "profile-bare"),
    ):
        with CaptureQueriesContext(connection) as queries:
            response = client.post(
                path,
                json.dumps({**body, "application_id": app_id}),
                content_type="application/json",
                headers=headers,
            )
        assert response.status_code == 202, response.content
        out[label] = {"queries": len(queries), "sql": [q["sql"][:160] for q in queries]}
    return out


def main() -> dict[str, Any]:
    with servers.Services(NAME) as services:
        env = context.aws_app(services, DJANGO_SETTINGS_MODULE="bench.bareapp.settings")
        context.truncate_jobs()
        users = context.create_bench_users(USERS)
        profile = query_profile()
        floor = context.sqs_send_floor()
        print(f"moto SendMessage from the bench process: {floor}", flush=True)
        base = services.gunicorn(env)
        port = int(base.rsplit(":", 1)[1])

        body = context.load_fixture("vpr_request_learning_development")
        body["application_id"] = "__SEQ__"
        template = json.dumps(body)
        clients = {
            "api": [
                {"headers": {"Authorization": f"Token {key}"}, "paths": ["/api/vpr"]}
                for _, key in users
            ],
            "bare": [
                {"headers": {"X-Bench-User": str(uid)}, "paths": ["/bare/submit"]}
                for uid, _ in users
            ],
        }
        runs: dict[str, dict[str, list[dict[str, Any]]]] = {}
        for concurrency in CONCURRENCY:
            runs[str(concurrency)] = {"api": [], "bare": []}
            for round_no in range(ROUNDS):
                order = ["api", "bare"] if round_no % 2 == 0 else ["bare", "api"]
                for variant in order:
                    context.purge_jobs_queue()
                    spec = {
                        "host": "127.0.0.1",
                        "port": port,
                        "concurrency": concurrency,
                        "duration": DURATION,
                        "warmup": WARMUP,
                        "method": "POST",
                        "clients": clients[variant],
                        "body": template,
                        "prefix": f"c{concurrency}r{round_no}{variant}",
                    }
                    groups = {
                        "gunicorn": [services.pids["gunicorn"]],
                        "moto": [services.pids["moto"]],
                    }
                    before = servers.cpu_seconds(groups)
                    result = servers.run_load(spec)
                    result["cpu_ms_per_request"] = servers.cpu_per_request(
                        before, servers.cpu_seconds(groups), result["completed_total"]
                    )
                    runs[str(concurrency)][variant].append(result)
                    print(
                        f"  c={concurrency:<3} round {round_no} {variant:<4} "
                        f"{result['throughput_rps']:8.1f} req/s  p50 {result['p50_ms']:6.1f} ms"
                        f"  p99 {result['p99_ms']:7.1f} ms  statuses {result['statuses']}"
                        f"  errors {result['errors']}",
                        flush=True,
                    )
    return {**summarise(runs, profile), "sqs_send_floor": floor}


def summarise(runs: dict[str, dict[str, list[dict[str, Any]]]], profile: dict) -> dict[str, Any]:
    rows, summary = [], {}
    for concurrency, variants in runs.items():
        entry: dict[str, Any] = {n: figures.summarise_variant(r) for n, r in variants.items()}
        entry["ratio_throughput"] = figures.paired_ratio(variants["api"], variants["bare"])
        summary[concurrency] = entry
        rows.append(
            figures.load_row(concurrency, "POST /api/vpr", entry["api"], entry["ratio_throughput"])
        )
        rows.append(figures.load_row(concurrency, "POST /bare/submit", entry["bare"], 1.0))
    at = summary.get(str(TARGET_AT))
    targets = {}
    if at:
        targets = figures.load_targets(
            "",
            ratio=at["ratio_throughput"],
            p99=at["api"]["p99_ms"],
            min_ratio=TARGET_RATIO,
            max_p99=TARGET_P99_MS,
            at=TARGET_AT,
        )
    text = figures.load_table("endpoint", rows)
    print("\nSubmit: throughput and latency, medians over rounds (ratio = api / bare)")
    print(text)
    print(
        f"\nSQL statements per submit: api {profile['api']['queries']}, "
        f"bare {profile['bare']['queries']}"
    )
    figures.print_targets(targets)
    return {
        "name": NAME,
        "method": figures.load_method(
            rounds=ROUNDS,
            duration_s=DURATION,
            warmup_s=WARMUP,
            users=USERS,
            queue="SQS on moto server",
        ),
        "summary": summary,
        "targets": targets,
        "query_profile": profile,
        "runs": runs,
        "table": text,
    }


if __name__ == "__main__":
    data = main()
    figures.write_result(NAME, {"environment": context.environment(), **data})
