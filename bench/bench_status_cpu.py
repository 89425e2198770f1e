"""Where a status poll's CPU goes: the code as it is against the two shortcuts it dropped.

`bench_status` measures the poll through gunicorn against a bare view; this one answers the
question that figure raises — what the 2026-11-30 shortcuts (a status row read by a
precompiled `raw()` statement, and a per-process cache of authenticated tokens) would buy
back. Both are recreated here only, by patching this process; neither is in the app. In one
process, through Django's test client, on the bench PostgreSQL database: CPU time per
`GET /api/vpr/status/<id>` of a PENDING job, the four variants alternating round by round,
medians over rounds.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

from bench import context, figures

NAME = "status_cpu"
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "8"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "300"))


def raw_status_read() -> Callable[..., Any]:
    """The status row by one precompiled statement (what `raw()` with a cache did)."""
    from vpr_jobs import selectors
    from vpr_jobs.models import Job

    columns = ", ".join(Job._meta.get_field(name).column for name in selectors.STATUS_FIELDS)
    sql = f"SELECT {columns} FROM {Job._meta.db_table} WHERE job_id = %s AND user_id = %s"

    def job_get_for_user(*, user: Any, job_id: object) -> Any:
        pk = selectors._uuid_or_none(job_id)
        if pk is None:
            return None
        rows = list(Job.objects.raw(sql, [pk, user.pk]))
        return rows[0] if rows else None

    return job_get_for_user


def cached_tokens(lookup: Callable[..., Any]) -> Callable[..., Any]:
    """(user, token) kept per process after the first lookup (what the old token cache did;
    dropped because a revoked token kept working until it expired from the cache)."""
    cache: dict[bytes, Any] = {}

    def authenticate_credentials(self: Any, token: bytes) -> Any:
        if token not in cache:
            cache[token] = lookup(self, token)
        return cache[token]

    return authenticate_credentials


def main() -> dict[str, Any]:
    env = context.app_env()
    context.ensure_database(context.DEFAULT_DB, env)
    context.django_setup(env)

    from django.test import Client

    from vpr_jobs import selectors
    from vpr_jobs.authentication import ApiTokenAuthentication
    from vpr_jobs.models import Job

    [(user_id, token)] = context.create_bench_users(1, prefix="status-cpu")
    job = Job.objects.create(
        user_id=user_id,
        application_id="status-cpu",
        idempotency_key=f"vpr#{user_id}#status-cpu#{time.time_ns()}",
        request_fingerprint="x" * 64,
        input_data={},
        generator="rules",
    )
    client = Client(HTTP_AUTHORIZATION=f"Token {token}")
    url = f"/api/vpr/status/{job.pk}"
    assert client.get(url).status_code == 202

    orm_read, knox_lookup = (
        selectors.job_get_for_user,
        ApiTokenAuthentication.authenticate_credentials,
    )
    variants = {
        "as is (ORM read, knox lookup)": (orm_read, knox_lookup),
        "raw() read": (raw_status_read(), knox_lookup),
        "token cache": (orm_read, cached_tokens(knox_lookup)),
        "both (2026-11-30)": (raw_status_read(), cached_tokens(knox_lookup)),
    }
    runs: dict[str, list[float]] = {name: [] for name in variants}
    try:
        for round_no in range(ROUNDS):
            names = list(variants)
            names = names[round_no % len(names) :] + names[: round_no % len(names)]
            for name in names:
                selectors.job_get_for_user, ApiTokenAuthentication.authenticate_credentials = (
                    variants[name]
                )
                for _ in range(30):  # warm this variant's caches
                    client.get(url)
                began = time.process_time()
                for _ in range(REQUESTS):
                    client.get(url)
                runs[name].append((time.process_time() - began) / REQUESTS * 1000)
    finally:
        selectors.job_get_for_user, ApiTokenAuthentication.authenticate_credentials = (
            orm_read,
            knox_lookup,
        )
        job.delete()

    base = figures.median(runs["as is (ORM read, knox lookup)"])
    rows = [
        [
            name,
            *(f"{x:.2f}" for x in (figures.median(values), figures.median(values) / base)),
            *(f"{x:.2f}" for x in (min(values), max(values))),
        ]
        for name, values in runs.items()
    ]
    print("\nCPU per status poll in one process (medians over rounds; ratio to 'as is')")
    print(figures.table(["variant", "cpu ms", "ratio", "min", "max"], rows))
    data = {
        "name": NAME,
        "environment": context.environment(),
        "method": {"rounds": ROUNDS, "requests_per_round": REQUESTS, "job": "PENDING"},
        "cpu_ms": {name: figures.median(values) for name, values in runs.items()},
        "runs": runs,
    }
    figures.write_result(NAME, data)
    return data


if __name__ == "__main__":
    main()
