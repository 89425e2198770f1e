"""Status bodies say where a job is (`stage`) and when it is likely done (`eta_seconds`)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone

from tests.support.fake_anthropic import hallucinated, ok, vpr_content_from_rules
from vpr_jobs.models import Job, JobStatus
from vpr_jobs.schemas import CV, VPRRequest
from vpr_jobs.services import lifecycle
from vpr_jobs.tasks import process_vpr_job

pytestmark = pytest.mark.django_db


@pytest.fixture
def job_id(submit: Any) -> str:
    return submit().json()["job_id"]


def finished_jobs(user: Any, *, count: int, queued: float, run: float, generator: str) -> None:
    """`count` COMPLETED jobs that waited `queued` s in the queue and ran `run` s."""
    done = timezone.now() - timedelta(minutes=5)
    for n in range(count):
        Job.objects.create(
            user=user,
            application_id=f"done-{generator}-{n}",
            idempotency_key=f"done-{generator}-{n}",
            request_fingerprint="x",
            input_data={},
            generator=generator,
            status=JobStatus.COMPLETED,
            created_at=done - timedelta(seconds=queued + run),
            started_at=done - timedelta(seconds=run),
            completed_at=done,
        )


def status_of(api: Any, job_id: str) -> dict:
    return api.get(f"/api/vpr/status/{job_id}").json()


def test_pending_job_is_queued_without_an_estimate_before_any_history(api: Any, job_id: str):
    body = status_of(api, job_id)

    assert body["stage"] == "queued"
    assert body["eta_seconds"] is None


def test_pending_estimate_is_the_median_submit_to_done_time(api: Any, user: Any, job_id: str):
    finished_jobs(user, count=3, queued=10, run=35, generator="rules")
    finished_jobs(user, count=5, queued=1, run=500, generator="claude")  # other generator
    cache.clear()

    eta = status_of(api, job_id)["eta_seconds"]

    assert 43 <= eta <= 45  # 45 s median, minus the moment this job has waited


def test_processing_estimate_subtracts_the_time_already_running(api: Any, user: Any, job_id: str):
    finished_jobs(user, count=3, queued=10, run=35, generator="rules")
    cache.clear()
    Job.objects.filter(pk=job_id).update(
        status=JobStatus.PROCESSING, started_at=timezone.now() - timedelta(seconds=20)
    )

    body = status_of(api, job_id)

    assert body["stage"] == "generating"
    assert 14 <= body["eta_seconds"] <= 15


def test_a_job_past_the_median_still_gets_a_positive_estimate(api: Any, user: Any, job_id: str):
    finished_jobs(user, count=1, queued=0, run=5, generator="rules")
    cache.clear()
    Job.objects.filter(pk=job_id).update(
        status=JobStatus.PROCESSING, started_at=timezone.now() - timedelta(seconds=60)
    )

    assert status_of(api, job_id)["eta_seconds"] == 1


def test_finished_jobs_have_neither_stage_nor_estimate(api: Any, job_id: str):
    assert process_vpr_job(job_id) == "completed"

    body = status_of(api, job_id)

    assert body["status"] == "COMPLETED"
    assert "stage" not in body
    assert "eta_seconds" not in body


def test_the_worker_records_each_stage_as_it_starts_it(
    submit: Any,
    api: Any,
    fake_anthropic: Any,
    settings: Any,
    cv_data: dict,
    vpr_body: dict,
    monkeypatch: pytest.MonkeyPatch,
):
    settings.VPR_GENERATOR = "claude"
    settings.ANTHROPIC_API_KEY = "sk-test-key"
    settings.ANTHROPIC_BASE_URL = fake_anthropic.base_url
    clean = vpr_content_from_rules(CV.model_validate(cv_data), VPRRequest.model_validate(vpr_body))
    fake_anthropic.script(ok(hallucinated(clean)), ok(clean))  # FVS makes it regenerate once
    job_id = submit().json()["job_id"]
    shown: list[str] = []
    record_stage = lifecycle.job_set_stage

    def record_and_look(**kwargs: Any) -> bool:
        won = record_stage(**kwargs)
        shown.append(status_of(api, job_id)["stage"])
        return won

    monkeypatch.setattr(lifecycle, "job_set_stage", record_and_look)

    assert process_vpr_job(job_id) == "completed"

    assert shown == ["generating", "verifying", "regenerating", "verifying", "storing"]
