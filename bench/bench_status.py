"""Status polling: `GET /api/vpr/status/<id>` against the bare limit (one row by primary key).

PENDING jobs (a 202 with Retry-After) and COMPLETED jobs (a 200 naming the stable
`/api/vpr/<id>/result`; nothing is signed and S3 is not asked) are polled by the same clients;
the bare view reads the same rows. Polls send no If-None-Match: every answer is a full body.
gunicorn, PostgreSQL, moto S3/SQS; load from `bench/loadgen.py`.
"""

from __future__ import annotations

import os
from typing import Any

from bench import context, figures, servers

NAME = "status"
CONCURRENCY = [int(c) for c in os.environ.get("BENCH_CONCURRENCY", "1,16,64").split(",")]
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
DURATION = float(os.environ.get("BENCH_DURATION", "4"))
WARMUP = 1.0
USERS = 64
JOBS_PER_USER = 4
TARGET_RATIO, TARGET_P99_MS, TARGET_AT = 0.7, 20.0, 16


def make_jobs(users: list[tuple[int, str]]) -> dict[str, dict[int, list[str]]]:
    """PENDING and COMPLETED jobs per user; COMPLETED ones with their result object in S3."""
    from django.utils import timezone

    from vpr_jobs import storage
    from vpr_jobs.generation import GenerationInput
    from vpr_jobs.generation.rules import RulesGenerator
    from vpr_jobs.models import Job, JobStatus
    from vpr_jobs.schemas import CV, VPRRequest

    cv = CV.model_validate(context.load_fixture("cv_learning_development"))
    body = context.load_fixture("vpr_request_learning_development")
    request = VPRRequest.model_validate(body)
    document = (
        RulesGenerator().generate(GenerationInput(job_id="bench", cv=cv, request=request)).document
    )
    usage = {"input_tokens": 9000, "output_tokens": 2500, "estimated_cost_usd": 0.04}
    jobs: dict[str, dict[int, list[str]]] = {"PENDING": {}, "COMPLETED": {}}
    now = timezone.now()
    for uid, _ in users:
        for status in ("PENDING", "COMPLETED"):
            for n in range(JOBS_PER_USER):
                app = f"status-{status[0]}-{n}"
                job = Job.objects.create(
                    user_id=uid,
                    application_id=app,
                    idempotency_key=f"vpr#{uid}#{app}",
                    request_fingerprint="x" * 64,
                    input_data={**body, "application_id": app},
                    generator="rules",
                    enqueued_at=now,
                )
                if status == "COMPLETED":
                    key = storage.result_key(job.pk, "bench")
                    storage.result_save(
                        key=key,
                        document=document.model_copy(update={"job_id": str(job.pk)}),
                        metadata={"job_id": str(job.pk)},
                    )
                    Job.objects.filter(pk=job.pk).update(
                        status=JobStatus.COMPLETED,
                        started_at=now,
                        completed_at=now,
                        result_key=key,
                        vpr_version=1,
                        word_count=document.word_count,
                        token_usage=usage,
                        fvs_result={"passed": True, "violations": [], "warnings": []},
                    )
                jobs[status].setdefault(uid, []).append(str(job.pk))
    return jobs


def main() -> dict[str, Any]:
    with servers.Services(NAME) as services:
        env = context.aws_app(services, DJANGO_SETTINGS_MODULE="bench.bareapp.settings")
        context.truncate_jobs()
        users = context.create_bench_users(USERS)
        jobs = make_jobs(users)
        base = services.gunicorn(env)
        port = int(base.rsplit(":", 1)[1])

        variants: dict[str, dict[str, Any]] = {}
        for status in ("PENDING", "COMPLETED"):
            variants[f"api_{status.lower()}"] = {
                "method": "GET",
                "clients": [
                    {
                        "headers": {"Authorization": f"Token {key}"},
                        "paths": [f"/api/vpr/status/{j}" for j in jobs[status][uid]],
                    }
                    for uid, key in users
                ],
            }
            variants[f"bare_{status.lower()}"] = {
                "method": "GET",
                "clients": [
                    {"paths": [f"/bare/status/{j}" for j in jobs[status][uid]]} for uid, _ in users
                ],
            }
        runs = servers.run_rounds(
            services,
            port,
            variants,
            concurrency=CONCURRENCY,
            rounds=ROUNDS,
            duration=DURATION,
            warmup=WARMUP,
        )
    return summarise(runs)


def summarise(runs: dict[str, dict[str, list[dict[str, Any]]]]) -> dict[str, Any]:
    rows, summary, targets = [], {}, {}
    for level, variants in runs.items():
        entry: dict[str, Any] = {n: figures.summarise_variant(r) for n, r in variants.items()}
        for status in ("pending", "completed"):
            api, bare = f"api_{status}", f"bare_{status}"
            ratio = figures.paired_ratio(variants[api], variants[bare])
            entry[f"ratio_{status}"] = ratio
            rows.append(figures.load_row(level, api, entry[api], ratio))
            rows.append(figures.load_row(level, bare, entry[bare], 1.0))
            if int(level) == TARGET_AT:
                targets |= figures.load_targets(
                    f"{status}: ",
                    ratio=ratio,
                    p99=entry[api]["p99_ms"],
                    min_ratio=TARGET_RATIO,
                    max_p99=TARGET_P99_MS,
                    at=TARGET_AT,
                )
        summary[level] = entry
    text = figures.load_table("variant", rows)
    print("\nStatus polling: medians over rounds (ratio = api / bare, paired per round)")
    print(text)
    figures.print_targets(targets)
    return {
        "name": NAME,
        "method": figures.load_method(
            rounds=ROUNDS,
            duration_s=DURATION,
            warmup_s=WARMUP,
            users=USERS,
            jobs_per_user_and_status=JOBS_PER_USER,
            storage="S3 on moto server (COMPLETED: the stable result URL; no HEAD, no "
            "presigning per poll)",
        ),
        "summary": summary,
        "targets": targets,
        "runs": runs,
        "table": text,
    }


if __name__ == "__main__":
    data = main()
    figures.write_result(NAME, {"environment": context.environment(), **data})
