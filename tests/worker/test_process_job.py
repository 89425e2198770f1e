"""The django-q2 task `process_vpr_job`: claim, generate, store, complete — or fail cleanly."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from vpr_jobs.generation import GenerationError, GenerationInput, GenerationResult
from vpr_jobs.generation.rules import RulesGenerator
from vpr_jobs.models import Job, JobStatus, UserCV, VPRArtifact
from vpr_jobs.services import lifecycle, operations
from vpr_jobs.tasks import RetriesExhaustedError, TransientJobError, process_vpr_job

pytestmark = pytest.mark.django_db


@pytest.fixture
def job(submit: Any) -> Job:
    return Job.objects.get(pk=submit().json()["job_id"])


class ScriptedGenerator:
    """Fault injection at the generator seam: the real rules generator, preceded by scripted
    failures (or a side effect) — the failure modes a live LLM produces and none can run here."""

    name = "scripted"

    def __init__(self, *failures: Exception, before: Any = None) -> None:
        self.failures = list(failures)
        self.before = before
        self.calls = 0

    def generate(self, data: GenerationInput, feedback: Any = None) -> GenerationResult:
        self.calls += 1
        if self.before:
            self.before(data)
        if self.failures:
            raise self.failures.pop(0)
        return RulesGenerator().generate(data)


def use(monkeypatch: pytest.MonkeyPatch, generator: Any) -> Any:
    monkeypatch.setattr("vpr_jobs.tasks.get_generator", lambda: generator)
    return generator


def test_success_stores_the_report_and_completes(job: Job, _isolated_results: Path):
    assert process_vpr_job(str(job.pk)) == "completed"

    job.refresh_from_db()
    assert job.status == JobStatus.COMPLETED
    assert job.attempts == 1
    assert job.started_at and job.completed_at and job.started_at <= job.completed_at
    assert job.result_key == f"results/{job.pk}/{job.claim_token}.json"
    assert job.vpr_version == 1
    stored = json.loads((_isolated_results / job.result_key).read_text())
    assert stored["job_id"] == str(job.pk)
    assert stored["application_id"] == job.application_id
    assert stored["generator"] == {"name": "rules", "model": None}
    assert stored["word_count"] == job.word_count
    artifact = VPRArtifact.objects.get(job=job)
    assert (artifact.version, artifact.result_key) == (1, job.result_key)


def test_duplicate_delivery_has_no_second_effect(job: Job):
    assert process_vpr_job(str(job.pk)) == "completed"
    completed_at = Job.objects.get(pk=job.pk).completed_at

    assert process_vpr_job(str(job.pk)) == "skipped"

    assert VPRArtifact.objects.count() == 1
    assert Job.objects.get(pk=job.pk).completed_at == completed_at


def test_cancelled_before_pickup_is_skipped(job: Job, user: Any):
    lifecycle.job_cancel(user=user, job_id=job.pk)

    assert process_vpr_job(str(job.pk)) == "skipped"

    assert Job.objects.get(pk=job.pk).status == JobStatus.CANCELLED
    assert not VPRArtifact.objects.exists()


def test_cancel_during_processing_wins_over_the_late_worker(
    job: Job, user: Any, monkeypatch: pytest.MonkeyPatch, _isolated_results: Path
):
    use(
        monkeypatch,
        ScriptedGenerator(before=lambda _: lifecycle.job_cancel(user=user, job_id=job.pk)),
    )

    assert process_vpr_job(str(job.pk)) == "discarded"

    assert Job.objects.get(pk=job.pk).status == JobStatus.CANCELLED
    assert not VPRArtifact.objects.exists()
    assert not list(_isolated_results.rglob("*.json"))


def test_job_without_a_cv_snapshot_fails_permanently(job: Job):
    """A job submitted before snapshots existed, whose user had no CV to copy."""
    Job.objects.filter(pk=job.pk).update(cv_data=None)

    assert process_vpr_job(str(job.pk)) == "failed"

    job.refresh_from_db()
    assert (job.status, job.error_code, job.attempts) == (JobStatus.FAILED, "CV_NOT_FOUND", 1)
    assert job.error


def test_invalid_stored_input_fails_permanently(job: Job):
    Job.objects.filter(pk=job.pk).update(input_data={"application_id": "x"})

    assert process_vpr_job(str(job.pk)) == "failed"

    assert Job.objects.get(pk=job.pk).error_code == "INVALID_INPUT"


def test_permanent_generator_error_fails_without_retry(job: Job, monkeypatch: pytest.MonkeyPatch):
    use(monkeypatch, ScriptedGenerator(GenerationError("bad key", code="AUTH", permanent=True)))

    assert process_vpr_job(str(job.pk)) == "failed"

    assert Job.objects.get(pk=job.pk).error_code == "AUTH"


def test_transient_error_releases_for_retry_then_succeeds(
    job: Job, monkeypatch: pytest.MonkeyPatch
):
    generator = use(monkeypatch, ScriptedGenerator(TimeoutError("upstream slow")))

    with pytest.raises(TransientJobError):
        process_vpr_job(str(job.pk))
    released = Job.objects.get(pk=job.pk)
    assert (released.status, released.attempts) == (JobStatus.PENDING, 1)
    assert "upstream slow" in released.error

    assert process_vpr_job(str(job.pk)) == "completed"
    done = Job.objects.get(pk=job.pk)
    assert (done.status, done.attempts, done.error) == (JobStatus.COMPLETED, 2, "")
    assert generator.calls == 2


def test_last_transient_failure_exhausts_retries(
    job: Job, monkeypatch: pytest.MonkeyPatch, settings: Any
):
    use(monkeypatch, ScriptedGenerator(*[ConnectionError("down")] * settings.VPR_MAX_ATTEMPTS))

    for _ in range(settings.VPR_MAX_ATTEMPTS - 1):
        with pytest.raises(TransientJobError):
            process_vpr_job(str(job.pk))
    # The last failure leaves the message to the broker too: on SQS the redrive policy
    # then moves it to the dead-letter queue.
    with pytest.raises(RetriesExhaustedError):
        process_vpr_job(str(job.pk))

    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.error_code == "RETRIES_EXHAUSTED"
    assert job.attempts == settings.VPR_MAX_ATTEMPTS


def test_processing_job_is_reclaimed_only_after_its_lease_expires(job: Job, settings: Any):
    claimed = lifecycle.job_claim(job_id=job.pk)
    assert claimed is not None and claimed.attempts == 1
    assert lifecycle.job_claim(job_id=job.pk) is None  # lease still held

    expired = timezone.now() - timedelta(seconds=settings.VPR_WORKER_TIMEOUT_SECONDS + 1)
    Job.objects.filter(pk=job.pk).update(started_at=expired)

    assert process_vpr_job(str(job.pk)) == "completed"
    assert Job.objects.get(pk=job.pk).attempts == 2


def test_lease_expired_on_the_last_attempt_fails_the_job(
    job: Job, settings: Any, caplog: pytest.LogCaptureFixture
):
    expired = timezone.now() - timedelta(seconds=settings.VPR_WORKER_TIMEOUT_SECONDS + 1)
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.PROCESSING, attempts=settings.VPR_MAX_ATTEMPTS, started_at=expired
    )

    assert process_vpr_job(str(job.pk)) == "skipped"

    # No retry is left and no message goes to the dead-letter queue: the alarm's level.
    assert [r.levelname for r in caplog.records if "lease expired" in r.getMessage()] == ["ERROR"]
    job.refresh_from_db()
    assert (job.status, job.error_code) == (JobStatus.FAILED, "LEASE_EXPIRED")
    assert "lease expired on the final attempt (3 of 3)" in job.error


def test_a_worker_whose_job_was_reclaimed_cannot_write(job: Job):
    stale = lifecycle.job_claim(job_id=job.pk)
    Job.objects.filter(pk=job.pk).update(started_at=timezone.now() - timedelta(days=1))
    fresh = lifecycle.job_claim(job_id=job.pk)
    assert fresh is not None

    assert lifecycle.job_fail(job=stale, error="late", error_code="LATE") is False

    assert Job.objects.get(pk=job.pk).status == JobStatus.PROCESSING


def test_versions_increase_per_application(submit: Any, vpr_body: dict):
    first = submit().json()["job_id"]
    process_vpr_job(first)
    second = submit({**vpr_body, "force": True}).json()["job_id"]
    process_vpr_job(second)
    other_app = submit({**vpr_body, "application_id": "app-other"}).json()["job_id"]
    process_vpr_job(other_app)

    versions = {str(a.job_id): a.version for a in VPRArtifact.objects.all()}

    assert versions == {first: 1, second: 2, other_app: 1}


def test_tokens_of_failed_attempts_are_counted_in_the_job(
    job: Job, monkeypatch: pytest.MonkeyPatch
):
    failure = GenerationError("overloaded", code="ANTHROPIC_UNAVAILABLE", permanent=False)
    failure.token_usage = {"input_tokens": 1200, "calls": 1, "estimated_cost_usd": 0.0036}
    use(monkeypatch, ScriptedGenerator(failure))

    with pytest.raises(TransientJobError):
        process_vpr_job(str(job.pk))
    assert Job.objects.get(pk=job.pk).token_usage["input_tokens"] == 1200
    assert process_vpr_job(str(job.pk)) == "completed"

    usage = Job.objects.get(pk=job.pk).token_usage
    assert usage == {"input_tokens": 1200, "calls": 1, "estimated_cost_usd": 0.0036}


# --------------------------------------------------------------------------- the CV snapshot


def test_the_job_runs_on_the_cv_it_was_submitted_with(
    job: Job, api_with_cv: Any, cv_data: dict, _isolated_results: Path
):
    renamed = {**cv_data, "full_name": "Someone Else Entirely"}
    assert api_with_cv.put("/api/cv", renamed, format="json").status_code == 200

    assert process_vpr_job(str(job.pk)) == "completed"

    stored = json.loads((_isolated_results / Job.objects.get(pk=job.pk).result_key).read_text())
    assert stored["candidate_name"] == cv_data["full_name"]


def test_a_retry_days_later_runs_on_the_snapshot_too(
    job: Job, user: Any, cv_data: dict, monkeypatch: pytest.MonkeyPatch
):
    seen: list[str] = []
    use(
        monkeypatch,
        ScriptedGenerator(
            ConnectionError("down"), before=lambda data: seen.append(data.cv.full_name)
        ),
    )
    with pytest.raises(TransientJobError):
        process_vpr_job(str(job.pk))
    UserCV.objects.filter(user=user).update(data={**cv_data, "full_name": "Changed Later"})
    UserCV.objects.filter(user=user).delete()  # even a deleted CV does not matter

    assert process_vpr_job(str(job.pk)) == "completed"

    assert seen == [cv_data["full_name"]] * 2


# --------------------------------------------------------------------------- fencing


def _expire_lease(job_id: Any) -> None:
    Job.objects.filter(pk=job_id).update(started_at=timezone.now() - timedelta(days=1))


@pytest.mark.parametrize("revive", [operations.job_retry, operations.job_reset_for_dlq_requeue])
def test_a_worker_from_before_an_operator_retry_cannot_touch_the_new_run(job: Job, revive: Any):
    """Retry and DLQ requeue reset `attempts` to 0, so the new run's claim has the same
    attempt number as the hung worker's: only the claim token tells them apart."""
    hung = lifecycle.job_claim(job_id=job.pk)
    lifecycle.job_fail(job=hung, error="stuck", error_code="RETRIES_EXHAUSTED")
    Job.objects.filter(pk=job.pk).update(status=JobStatus.FAILED)
    assert revive(job_id=job.pk).done
    fresh = lifecycle.job_claim(job_id=job.pk)
    assert fresh is not None and fresh.attempts == hung.attempts == 1

    assert lifecycle.job_fail(job=hung, error="late", error_code="LATE") is False
    document = RulesGenerator().generate(tasks_input(hung)).document
    assert lifecycle.job_complete(job=hung, document=document) is False

    assert Job.objects.get(pk=job.pk).status == JobStatus.PROCESSING
    assert not VPRArtifact.objects.exists()
    assert lifecycle.job_complete(job=fresh, document=document) is True


def test_every_claim_writes_a_new_token(job: Job):
    first = lifecycle.job_claim(job_id=job.pk)
    _expire_lease(job.pk)
    second = lifecycle.job_claim(job_id=job.pk)

    assert first.claim_token and second.claim_token
    assert first.claim_token != second.claim_token
    assert Job.objects.get(pk=job.pk).claim_token == second.claim_token


def tasks_input(job: Job) -> GenerationInput:
    from vpr_jobs.tasks import _load_input

    return _load_input(job)


def _document_for(job: Job, summary: str) -> Any:
    document = RulesGenerator().generate(tasks_input(job)).document
    return document.model_copy(update={"executive_summary": summary})


def test_a_late_worker_neither_overwrites_nor_deletes_the_winners_result(
    job: Job, _isolated_results: Path
):
    stale = lifecycle.job_claim(job_id=job.pk)
    _expire_lease(job.pk)
    winner = lifecycle.job_claim(job_id=job.pk)
    assert lifecycle.job_complete(job=winner, document=_document_for(winner, "the winner"))
    done = Job.objects.get(pk=job.pk)
    winners_file = _isolated_results / done.result_key
    winners_bytes = winners_file.read_bytes()

    assert lifecycle.job_complete(job=stale, document=_document_for(stale, "the loser")) is False

    assert winners_file.read_bytes() == winners_bytes
    assert json.loads(winners_bytes)["executive_summary"] == "the winner"
    assert [p.relative_to(_isolated_results) for p in _isolated_results.rglob("*.json")] == [
        Path(done.result_key)
    ]  # the loser removed its own object and only that
    assert Job.objects.get(pk=job.pk).status == JobStatus.COMPLETED


def test_a_late_worker_on_s3_leaves_the_winners_object(job: Job, s3_results: str):
    from vpr_jobs.integrations import aws

    stale = lifecycle.job_claim(job_id=job.pk)
    _expire_lease(job.pk)
    winner = lifecycle.job_claim(job_id=job.pk)
    assert lifecycle.job_complete(job=winner, document=_document_for(winner, "the winner"))

    assert lifecycle.job_complete(job=stale, document=_document_for(stale, "the loser")) is False

    key = Job.objects.get(pk=job.pk).result_key
    listing = aws.client("s3").list_objects_v2(Bucket=s3_results).get("Contents", [])
    assert [item["Key"] for item in listing] == [key]
    body = aws.client("s3").get_object(Bucket=s3_results, Key=key)["Body"].read()
    assert json.loads(body)["executive_summary"] == "the winner"


@pytest.mark.django_db(transaction=True)
def test_no_transaction_is_open_while_the_result_is_stored(
    job: Job, monkeypatch: pytest.MonkeyPatch
):
    """A slow S3 PUT must not hold row locks or a connection in a transaction."""
    from django.db import connection

    from vpr_jobs import storage

    in_transaction: list[bool] = []
    real_save = storage.result_save

    def watched_save(**kwargs: Any) -> None:
        in_transaction.append(connection.in_atomic_block)
        real_save(**kwargs)

    monkeypatch.setattr(storage, "result_save", watched_save)

    assert process_vpr_job(str(job.pk)) == "completed"

    assert in_transaction == [False]
