"""Scale: the hot reads at 10,000 and at 1,000,000 jobs, same queries, same process.

One database (`careervp_bench_scale`) is filled by `INSERT … SELECT generate_series` to
10,000 jobs, VACUUM ANALYZEd and measured; then filled to 1,000,000 and measured again.
1,000 users share the history (so the measured user's list grows 100x too); a fixed set of
in-flight and stuck jobs (the same at both sizes) feeds the sweeper's predicates, and one more
user (`scaleprobe`) owns the same 50 jobs at both sizes, for a like-for-like admin search. Each case
runs `REPEAT` times after `WARM` warm-up runs in this process (Django test client for the
HTTP views, the ORM for the sweeper); the figure is the median; the ratio is 1M / 10k.
`EXPLAIN (ANALYZE, BUFFERS)` of each hot query is stored and printed for the 1M size.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Callable
from typing import Any

from bench import context, figures

NAME = "scale"
DB = "careervp_bench_scale"
SIZES = [int(n) for n in os.environ.get("BENCH_SCALE_SIZES", "10000,1000000").split(",")]
USERS = 1000
PROBE_JOBS = 50
REPEAT, WARM = 15, 3
TARGET_RATIO = 2.0
BATCH = 200_000

# A realistic history: mostly COMPLETED, 2 % FAILED, 1 % CANCELLED, one year long.
LOAD_SQL = """
INSERT INTO vpr_jobs_job (
    job_id, user_id, application_id, idempotency_key, request_fingerprint, status, input_data,
    generator, created_at, enqueued_at, started_at, completed_at, updated_at, attempts,
    result_key, error, error_code, token_usage, fvs_result, vpr_version, word_count)
SELECT
    gen_random_uuid(), u.id, 'app-' || g, 'vpr#' || u.id || '#app-' || g, md5(g::text),
    CASE WHEN g %% 100 < 2 THEN 'FAILED' WHEN g %% 100 = 2 THEN 'CANCELLED' ELSE 'COMPLETED' END,
    %(input)s::jsonb, 'claude', ts, ts + interval '20 ms', ts + interval '60 ms',
    ts + interval '35 s', ts + interval '35 s', 1,
    CASE WHEN g %% 100 > 2 THEN 'results/' || g || '.json' ELSE '' END,
    CASE WHEN g %% 100 < 2 THEN 'model output invalid after one repair' ELSE '' END,
    CASE WHEN g %% 100 < 2 THEN 'INVALID_MODEL_OUTPUT'
         WHEN g %% 100 = 2 THEN 'CANCELLED_BY_USER' ELSE '' END,
    %(usage)s::jsonb, %(fvs)s::jsonb,
    CASE WHEN g %% 100 > 2 THEN 1 END, CASE WHEN g %% 100 > 2 THEN 900 END
FROM generate_series(%(start)s, %(stop)s) AS g
CROSS JOIN LATERAL (
    SELECT now() - interval '2 hours' - interval '365 days' * (1 - g::float8 / %(final)s) AS ts
) AS t
JOIN auth_user AS u ON u.username = 'scale' || (g %% %(users)s)
"""


def fixed_jobs(now_sql: str = "now()") -> str:
    """In-flight and stuck jobs: the same 110 rows at every size."""
    rows = [
        # (count, status, created, enqueued, started, attempts)
        (50, "PENDING", "now() - interval '5 s'", "now() - interval '5 s'", "NULL", 0),
        (20, "PENDING", "now() - interval '2 hours'", "NULL", "NULL", 0),
        (20, "PENDING", "now() - interval '3 hours'", "now() - interval '3 hours'", "NULL", 1),
        (
            10,
            "PROCESSING",
            "now() - interval '1 min'",
            "now() - interval '1 min'",
            "now() - interval '50 s'",
            1,
        ),
        (
            10,
            "PROCESSING",
            "now() - interval '4 hours'",
            "now() - interval '4 hours'",
            "now() - interval '4 hours'",
            1,
        ),
    ]
    parts = []
    for index, (count, status, created, enqueued, started, attempts) in enumerate(rows):
        parts.append(
            f"""INSERT INTO vpr_jobs_job (job_id, user_id, application_id, idempotency_key,
            request_fingerprint, status, input_data, generator, created_at, enqueued_at,
            started_at, updated_at, attempts, result_key, error, error_code, token_usage,
            fvs_result)
            SELECT gen_random_uuid(), u.id, 'fixed-{index}-' || g,
                'vpr#' || u.id || '#fixed-{index}-' || g, md5(g::text), '{status}',
                '{{}}'::jsonb, 'claude', {created}, {enqueued}, {started}, {now_sql},
                {attempts}, '', '', '', '{{}}'::jsonb, '{{}}'::jsonb
            FROM generate_series(1, {count}) AS g
            JOIN auth_user AS u ON u.username = 'scale' || (g % {USERS})"""
        )
    return ";\n".join(parts)


def load(start: int, stop: int, final: int) -> float:
    from django.db import connection

    body = context.load_fixture("vpr_request_learning_development")
    usage = {
        "input_tokens": 3100,
        "output_tokens": 2400,
        "cache_read_input_tokens": 2900,
        "cache_creation_input_tokens": 0,
        "calls": 1,
        "estimated_cost_usd": 0.0309,
    }
    fvs = {"passed": True, "violations": [], "warnings": [{"check": "style", "tier": "low"}]}
    began = time.monotonic()
    with connection.cursor() as cursor:
        for first in range(start, stop + 1, BATCH):
            last = min(stop, first + BATCH - 1)
            cursor.execute(
                LOAD_SQL,
                {
                    "input": json.dumps(body),
                    "usage": json.dumps(usage),
                    "fvs": json.dumps(fvs),
                    "start": first,
                    "stop": last,
                    "final": final,
                    "users": USERS,
                },
            )
            print(f"  loaded jobs {first:,}-{last:,}", flush=True)
    return time.monotonic() - began


def vacuum() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE vpr_jobs_job")
        cursor.execute("VACUUM ANALYZE auth_user")


def explain(sql: str, params: Any) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def timed(fn: Callable[[], Any]) -> float:
    for _ in range(WARM):
        fn()
    times = []
    for _ in range(REPEAT):
        began = time.perf_counter()
        fn()
        times.append((time.perf_counter() - began) * 1000)
    return round(figures.median(times), 3)


def cases() -> dict[str, dict[str, Any]]:
    """name -> {"run": callable, "sql": [(sql, params)] to EXPLAIN}."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone
    from knox.models import AuthToken

    from vpr_jobs.models import Job, JobStatus

    user = get_user_model().objects.get(username="scale3")
    _, token = AuthToken.objects.create(user=user)
    api = Client(headers={"Authorization": f"Token {token}"})
    admin = Client()
    admin.force_login(get_user_model().objects.get(username="scaleadmin"))
    pending = Job.objects.filter(user=user, status=JobStatus.PENDING).first() or (
        Job.objects.filter(status=JobStatus.PENDING).first()
    )
    completed = Job.objects.filter(user=user, status=JobStatus.COMPLETED).first()
    assert completed is not None and pending is not None
    if pending.user_id != user.pk:
        Job.objects.filter(pk=pending.pk).update(user=user)
    search_app = completed.application_id

    def http(client: Client, url: str, expect: tuple[int, ...] = (200, 202)) -> Callable:
        def run() -> None:
            response = client.get(url)
            assert response.status_code in expect, (url, response.status_code)

        return run

    def sweep_due() -> None:
        now = timezone.now()
        due = Job.objects.never_sent(now) | Job.objects.sent_but_unclaimed(now)
        list(due.values_list("pk", "enqueued_at")[:500])

    def sweep_lease() -> None:
        # The sweeper's two UPDATEs over lease_expired, rolled back (the data stays put).
        now = timezone.now()
        with transaction.atomic():
            expired = Job.objects.lease_expired(now)
            expired.filter(attempts__gte=3).update(status=JobStatus.FAILED, updated_at=now)
            expired.filter(attempts__lt=3, started_at__lt=now).update(updated_at=now)
            transaction.set_rollback(True)

    def predicate(name: str) -> Callable:
        def run() -> None:
            list(getattr(Job.objects, name)(timezone.now()).values_list("pk")[:500])

        return run

    out: dict[str, dict[str, Any]] = {
        "status PENDING (GET /api/vpr/status)": {"run": http(api, f"/api/vpr/status/{pending.pk}")},
        "status COMPLETED (GET /api/vpr/status)": {
            "run": http(api, f"/api/vpr/status/{completed.pk}")
        },
        "user's job list, first page (GET /api/vpr)": {"run": http(api, "/api/vpr")},
        "user's job list, status=FAILED": {"run": http(api, "/api/vpr?status=FAILED")},
        "sweeper: never_sent | sent_but_unclaimed [:500]": {"run": sweep_due},
        "sweeper: lease_expired UPDATEs (rolled back)": {"run": sweep_lease},
        "Job.objects.stuck(now) [:500]": {"run": predicate("stuck")},
        "never_sent [:500]": {"run": predicate("never_sent")},
        "sent_but_unclaimed [:500]": {"run": predicate("sent_but_unclaimed")},
        "lease_expired [:500]": {"run": predicate("lease_expired")},
        "admin changelist, first page": {"run": http(admin, "/admin/vpr_jobs/job/")},
        "admin changelist, status=FAILED": {
            "run": http(admin, "/admin/vpr_jobs/job/?status__exact=FAILED")
        },
        "admin changelist, stuck=any": {"run": http(admin, "/admin/vpr_jobs/job/?stuck=any")},
        # scale7 owns 1/1000 of the history (10 jobs, then 1,000: the page fills up);
        # scaleprobe owns the same 50 jobs at every size (the search itself, like for like).
        "admin search, username (0.1 % of jobs)": {
            "run": http(admin, "/admin/vpr_jobs/job/?q=scale7")
        },
        "admin search, username (50 jobs)": {
            "run": http(admin, "/admin/vpr_jobs/job/?q=scaleprobe")
        },
        "admin search, application_id": {
            "run": http(admin, f"/admin/vpr_jobs/job/?q={search_app}")
        },
        "admin search, job id": {"run": http(admin, f"/admin/vpr_jobs/job/?q={completed.pk}")},
    }
    # The SQL each case runs, captured once, for EXPLAIN and the statement count.
    for case in out.values():
        with CaptureQueriesContext(connection) as queries:
            case["run"]()
        case["queries"] = [
            q["sql"]
            for q in queries
            if q["sql"].lstrip().upper().startswith(("SELECT", "UPDATE"))
            and "django_session" not in q["sql"]
        ]
    return out


def slowest_statements(sqls: list[str]) -> list[tuple[float, str, str]]:
    """(ms, sql, plan) of each statement, by EXPLAIN ANALYZE, slowest first (top 2)."""
    from django.db import transaction

    plans = []
    for sql in sqls:
        with transaction.atomic():
            plan = explain(sql, None)
            transaction.set_rollback(True)
        total = 0.0
        for line in plan.splitlines():
            if line.startswith("Execution Time:"):
                total = float(line.split()[2])
        plans.append((total, sql, plan))
    plans.sort(key=lambda p: p[0], reverse=True)
    return plans[:2]


def measure(size: int) -> dict[str, Any]:
    found = cases()
    out: dict[str, Any] = {}
    for name, case in found.items():
        median_ms = timed(case["run"])
        slow = slowest_statements(case["queries"])
        out[name] = {
            "median_ms": median_ms,
            "statements": len(case["queries"]),
            "explain": [{"ms": ms, "sql": sql, "plan": plan} for ms, sql, plan in slow],
        }
        print(f"  {size:>9,} jobs  {name:<50} {median_ms:8.2f} ms", flush=True)
    return out


def setup_users() -> None:
    from django.contrib.auth import get_user_model

    from vpr_jobs.models import Job, JobStatus, UserCV

    user_model = get_user_model()
    cv = context.load_fixture("cv_learning_development")
    user_model.objects.bulk_create(
        [user_model(username=f"scale{i}", email=f"scale{i}@example.com") for i in range(USERS)]
    )
    UserCV.objects.bulk_create(
        [UserCV(user=u, data=cv) for u in user_model.objects.filter(username__startswith="scale")]
    )
    user_model.objects.create_superuser("scaleadmin", "admin@example.com", "pw")
    probe = user_model.objects.create(username="scaleprobe", email="scaleprobe@example.com")
    body = context.load_fixture("vpr_request_learning_development")
    Job.objects.bulk_create(
        Job(
            user=probe,
            application_id=f"probe-{n}",
            idempotency_key=f"vpr#{probe.pk}#probe-{n}",
            request_fingerprint="probe",
            status=JobStatus.COMPLETED,
            input_data=body,
            generator="claude",
            result_key=f"results/probe-{n}.json",
        )
        for n in range(PROBE_JOBS)
    )


def main() -> dict[str, Any]:
    results_dir = tempfile.mkdtemp(prefix="careervp-bench-results-")
    env = context.app_env(DB, VPR_LOCAL_RESULTS_DIR=results_dir, LOG_LEVEL="WARNING")
    context.ensure_database(DB, env, fresh=True)
    context.django_setup(env)
    from django.db import connection

    setup_users()
    with connection.cursor() as cursor:
        cursor.execute(fixed_jobs())
    final = max(SIZES)
    loaded, measured, load_seconds = 0, {}, {}
    for size in SIZES:
        load_seconds[size] = round(load(loaded + 1, size, final), 1)
        loaded = size
        vacuum()
        # The completed job's result file, so COMPLETED status answers 200 (local storage).
        from vpr_jobs.models import Job, JobStatus

        for job in Job.objects.filter(user__username="scale3", status=JobStatus.COMPLETED)[:1]:
            path = os.path.join(results_dir, job.result_key)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as handle:
                handle.write("{}")
        measured[str(size)] = measure(size)
    small, large = str(SIZES[0]), str(SIZES[-1])
    rows, targets = [], {}
    for name in measured[small]:
        a, b = measured[small][name]["median_ms"], measured[large][name]["median_ms"]
        ratio = b / a if a else float("nan")
        met = ratio <= TARGET_RATIO
        targets[name] = {"ratio": round(ratio, 2), "met": met}
        rows.append([name, a, b, ratio, met])
    headers = ["case", f"{int(small):,} jobs ms", f"{int(large):,} jobs ms", "ratio", "<= 2x"]
    text = figures.table(headers, rows)
    print(f"\nScale: median ms over {REPEAT} runs in-process (ratio = {large} / {small})")
    print(text)
    print(f"\nEXPLAIN (ANALYZE, BUFFERS) at {int(large):,} jobs, slowest statement of each case")
    for name, case in measured[large].items():
        if case["explain"]:
            top = case["explain"][0]
            print(f"\n--- {name}: {top['ms']} ms\n{top['sql'][:400]}\n{top['plan']}")
    return {
        "name": NAME,
        "method": {
            "database": DB,
            "sizes": SIZES,
            "users": USERS,
            "repeat": REPEAT,
            "warmup_runs": WARM,
            "fixed_in_flight_and_stuck_jobs": 110,
            "load_seconds": load_seconds,
            "how": "in-process: Django test client (API, admin) and ORM (sweeper); "
            "RESULTS_STORAGE=local",
        },
        "measured": measured,
        "targets": targets,
        "table": text,
    }


if __name__ == "__main__":
    data = main()
    figures.write_result(NAME, {"environment": context.environment(), **data})
