"""Two workers completing the same job at the same moment, on PostgreSQL and moto's S3.

The stale worker's lease expired and the job was re-claimed; both then finish together, each
in its own thread with its own database connection. Whatever the interleaving, the job ends
COMPLETED with the winner's object in place and no other object left behind.
"""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, connections
from django.utils import timezone

from vpr_jobs.generation.rules import RulesGenerator
from vpr_jobs.integrations import aws
from vpr_jobs.models import Job, JobStatus, VPRArtifact
from vpr_jobs.services import lifecycle
from vpr_jobs.tasks import _load_input

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks of PostgreSQL"),
]

ROUNDS = 8


def _complete_together(stale: Job, winner: Job) -> dict[str, Any]:
    documents = {
        name: RulesGenerator()
        .generate(_load_input(job))
        .document.model_copy(update={"executive_summary": name})
        for name, job in (("stale", stale), ("winner", winner))
    }
    start = threading.Barrier(2)
    outcome: dict[str, Any] = {}

    def finish(name: str, job: Job) -> None:
        try:
            start.wait()
            outcome[name] = lifecycle.job_complete(job=job, document=documents[name])
        except Exception as exc:  # reported by the assertion below
            outcome[name] = exc
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=finish, args=(name, job))
        for name, job in (("stale", stale), ("winner", winner))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcome


def test_a_stale_worker_finishing_with_the_winner_never_costs_the_winners_object(
    submit: Any, vpr_body: dict, s3_results: str
):
    for round_number in range(ROUNDS):
        body = {**vpr_body, "application_id": f"race-{round_number}"}
        job_id = submit(body).json()["job_id"]
        stale = lifecycle.job_claim(job_id=job_id)
        Job.objects.filter(pk=job_id).update(started_at=timezone.now() - timedelta(days=1))
        winner = lifecycle.job_claim(job_id=job_id)

        outcome = _complete_together(stale, winner)

        assert outcome == {"stale": False, "winner": True}, outcome
        job = Job.objects.get(pk=job_id)
        assert job.status == JobStatus.COMPLETED
        listing = aws.client("s3").list_objects_v2(Bucket=s3_results, Prefix=f"results/{job_id}")
        assert [item["Key"] for item in listing.get("Contents", [])] == [job.result_key]
        body_bytes = aws.client("s3").get_object(Bucket=s3_results, Key=job.result_key)["Body"]
        assert json.loads(body_bytes.read())["executive_summary"] == "winner"
        assert VPRArtifact.objects.get(job_id=job_id).result_key == job.result_key
