"""Concurrency per memory: PSS of the worker cluster while N jobs wait on a slow model.

For N workers (VPR_WORKERS=N), N jobs are submitted while a local fake Anthropic server
(`tests/support/fake_anthropic.py`, in this process) holds every request for 30 s
(`slow(30, then=ok(...))`); once all N jobs are PROCESSING and their model calls are in, the
proportional set size of the whole `manage.py qcluster` process tree is read from
/proc/<pid>/smaps_rollup (median of 3 samples). django-q2 workers are processes and a
worker runs one job at a time, so jobs in flight = worker processes.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from bench import context, figures, servers

NAME = "memory"
WORKER_COUNTS = [int(n) for n in os.environ.get("BENCH_WORKERS", "1,2,4,8").split(",")]
SLOW_SECONDS = 30.0
GIB = 1024**3


def rollup(pid: int) -> dict[str, int]:
    """Pss / Rss / private bytes of one process (smaps_rollup, kB → bytes)."""
    out = {"pss": 0, "rss": 0, "private": 0}
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return out
    for line in text.splitlines():
        key, _, rest = line.partition(":")
        parts = rest.split()
        if not parts:
            continue
        value = int(parts[0]) * 1024
        if key == "Pss":
            out["pss"] = value
        elif key == "Rss":
            out["rss"] = value
        elif key in ("Private_Clean", "Private_Dirty"):
            out["private"] += value
    return out


def tree_memory(root: int) -> dict[str, Any]:
    pids = servers.process_tree(root)
    per = {pid: rollup(pid) for pid in pids}
    return {
        "processes": len(pids),
        "pss": sum(m["pss"] for m in per.values()),
        "rss": sum(m["rss"] for m in per.values()),
        "private": sum(m["private"] for m in per.values()),
    }


def measure(workers: int, endpoint: str, user: Any, services: servers.Services) -> dict:
    from tests.support.fake_anthropic import FakeAnthropic, ok, slow, vpr_content_from_rules
    from vpr_jobs.models import Job, JobStatus
    from vpr_jobs.schemas import VPRRequest
    from vpr_jobs.services import submission

    cv = context.load_fixture("cv_learning_development")
    body = context.load_fixture("vpr_request_learning_development")
    content = vpr_content_from_rules(cv, body)
    fake = FakeAnthropic().start()
    try:
        fake.script(*[slow(SLOW_SECONDS, then=ok(content)) for _ in range(workers)])
        env = context.app_env(
            **context.aws_env(endpoint),
            VPR_WORKERS=str(workers),
            VPR_GENERATOR="claude",
            ANTHROPIC_BASE_URL=fake.base_url,
            ANTHROPIC_API_KEY="bench-not-a-key",
            VPR_SQS_WAIT_SECONDS="1",
        )
        command = [context.PYTHON, "manage.py", "qcluster"]
        cluster = services.start(f"qcluster-{workers}", command, env)
        context.truncate_jobs()
        ids = []
        for n in range(workers):
            request = VPRRequest.model_validate({**body, "application_id": f"mem{workers}-{n}"})
            ids.append(str(submission.job_submit(user=user, request=request).job.pk))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            processing = Job.objects.filter(pk__in=ids, status=JobStatus.PROCESSING).count()
            if processing == workers and len(fake.requests) >= workers:
                break
            time.sleep(0.3)
        in_flight = Job.objects.filter(pk__in=ids, status=JobStatus.PROCESSING).count()
        time.sleep(1.0)
        samples = []
        for _ in range(3):
            samples.append(tree_memory(cluster.pid))
            time.sleep(0.5)
        servers.stop_process(cluster, timeout=10)
    finally:
        fake.stop()
    pss = figures.median(s["pss"] for s in samples)
    return {
        "workers": workers,
        "jobs_in_flight": in_flight,
        "model_calls_open": len(fake.requests),
        "processes": samples[-1]["processes"],
        "pss_mib": round(pss / 2**20, 1),
        "rss_mib": round(figures.median(s["rss"] for s in samples) / 2**20, 1),
        "private_mib": round(figures.median(s["private"] for s in samples) / 2**20, 1),
        "jobs_per_gib": round(in_flight / (pss / GIB), 1) if pss else None,
    }


def main() -> dict[str, Any]:
    with servers.Services(NAME) as services:
        endpoint = context.aws_app(services)["AWS_ENDPOINT_URL"]
        from django.contrib.auth import get_user_model

        context.create_bench_users(1)
        user = get_user_model().objects.get(username="bench0")
        results = []
        for workers in WORKER_COUNTS:
            result = measure(workers, endpoint, user, services)
            print(f"  {result}", flush=True)
            results.append(result)
        context.truncate_jobs()
    first, last = results[0], results[-1]
    per_worker = (last["pss_mib"] - first["pss_mib"]) / max(last["workers"] - first["workers"], 1)
    base = first["pss_mib"] - per_worker * first["workers"]
    rows = [
        [
            r["workers"],
            r["jobs_in_flight"],
            r["processes"],
            r["pss_mib"],
            r["rss_mib"],
            r["private_mib"],
            r["jobs_per_gib"],
        ]
        for r in results
    ]
    headers = [
        "workers",
        "jobs in flight",
        "processes",
        "PSS MiB",
        "RSS MiB",
        "private MiB",
        "jobs/GiB (PSS)",
    ]
    text = figures.table(headers, rows)
    marginal = {
        "pss_mib_per_extra_worker": round(per_worker, 1),
        "fixed_pss_mib": round(base, 1),
        "asymptotic_jobs_per_gib": round(1024 / per_worker, 1) if per_worker > 0 else None,
    }
    print("\nWorker cluster memory while every worker waits on a 30 s model call")
    print(text)
    print(
        "\nmarginal PSS per extra worker (= per job in flight): "
        f"{marginal['pss_mib_per_extra_worker']} MiB; "
        f"fixed part {marginal['fixed_pss_mib']} MiB; "
        f"asymptote {marginal['asymptotic_jobs_per_gib']} jobs/GiB"
    )
    return {
        "name": NAME,
        "method": {
            "cluster": "manage.py qcluster, SQS on moto, VPR_GENERATOR=claude",
            "model": f"fake Anthropic server, slow({SLOW_SECONDS}, then=ok(rules content))",
            "memory": "sum of Pss over the qcluster process tree (smaps_rollup), median of 3",
        },
        "results": results,
        "marginal": marginal,
        "table": text,
    }


if __name__ == "__main__":
    data = main()
    figures.write_result(NAME, {"environment": context.environment(), **data})
