"""Claude in production shape: django-q2 on moto SQS, results in moto S3, and a local HTTP
server speaking the Anthropic Messages API. Nothing is mocked in-process: every hop is HTTP."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.conftest import load_fixture
from tests.support.fake_anthropic import (
    error,
    hallucinated,
    miscited,
    ok,
    slow,
    vpr_content_from_rules,
)
from tests.support.queues import queue_depth
from vpr_jobs.generation import GenerationInput, build_generator
from vpr_jobs.integrations import aws as aws_api
from vpr_jobs.models import Job, JobStatus, VPRArtifact
from vpr_jobs.schemas import CV, VPRRequest

pytestmark = pytest.mark.django_db(transaction=True)

USAGE = {
    "input_tokens": 2000,
    "output_tokens": 800,
    "cache_creation_input_tokens": 0,
    "cache_read_input_tokens": 3000,
}


@pytest.fixture
def claude(fake_anthropic: Any, settings: Any) -> Any:
    settings.VPR_GENERATOR = "claude"
    settings.ANTHROPIC_API_KEY = "sk-test-key"
    settings.ANTHROPIC_BASE_URL = fake_anthropic.base_url
    settings.ANTHROPIC_MAX_RETRIES = 0  # job-level retries are under test here
    return fake_anthropic


@pytest.fixture
def clean_content(cv_data: dict, vpr_body: dict) -> dict:
    return vpr_content_from_rules(CV.model_validate(cv_data), VPRRequest.model_validate(vpr_body))


def _job(job_id: str) -> Job:
    return Job.objects.get(pk=job_id)


def test_success_records_tokens_and_cost(
    submit: Any,
    api: Any,
    claude: Any,
    clean_content: dict,
    sqs_queue: dict,
    s3_results: str,
    run_cluster: Any,
):
    claude.script(ok(clean_content, usage=USAGE))
    job_id = submit().json()["job_id"]

    run_cluster(lambda: _job(job_id).status == JobStatus.COMPLETED)

    status = api.get(f"/api/vpr/status/{job_id}").json()
    assert status["status"] == "COMPLETED"
    usage = status["token_usage"]
    assert usage["input_tokens"] == 2000
    assert usage["output_tokens"] == 800
    assert usage["cache_read_input_tokens"] == 3000
    assert usage["calls"] == 1
    assert usage["estimated_cost_usd"] > 0
    assert status["fvs"]["passed"] is True
    app = api.get("/api/applications/app-ld-0001/vpr").json()["document"]
    assert app["schema_version"] == 2 and app["fit_rationale"]  # a clean, cited report
    assert all(row["evidence_ids"] for row in app["evidence_matrix"] if row["source"] != "none")
    request = claude.requests[0]
    assert request.headers["authorization"] == "Bearer sk-test-key"
    assert request.body["system"][0]["cache_control"] == {"type": "ephemeral"}
    assert "noa.bar@example.com" not in request.raw.decode()


def test_transient_failure_is_retried_by_redelivery_then_succeeds(
    submit: Any,
    claude: Any,
    clean_content: dict,
    sqs_queue: dict,
    s3_results: str,
    run_cluster: Any,
):
    claude.script(error(529), ok(clean_content, usage=USAGE))
    job_id = submit().json()["job_id"]

    run_cluster(lambda: _job(job_id).status == JobStatus.COMPLETED)

    job = _job(job_id)
    assert (job.status, job.attempts) == (JobStatus.COMPLETED, 2)
    assert len(claude.requests) == 2
    assert job.token_usage["input_tokens"] == USAGE["input_tokens"]  # the 529 cost nothing
    assert VPRArtifact.objects.filter(job_id=job_id).count() == 1


def test_three_transient_failures_fail_the_job_and_dead_letter_the_message(
    submit: Any,
    claude: Any,
    sqs_queue: dict,
    s3_results: str,
    run_cluster: Any,
    settings: Any,
):
    claude.script(*[error(500)] * settings.VPR_MAX_ATTEMPTS)
    job_id = submit().json()["job_id"]

    run_cluster(lambda: queue_depth(sqs_queue["dlq_url"]) == 1, timeout=90)

    job = _job(job_id)
    assert (job.status, job.error_code) == (JobStatus.FAILED, "RETRIES_EXHAUSTED")
    assert job.attempts == settings.VPR_MAX_ATTEMPTS
    assert queue_depth(sqs_queue["dlq_url"]) == 1
    assert queue_depth(sqs_queue["queue_url"]) == 0
    assert len(claude.requests) == settings.VPR_MAX_ATTEMPTS


def test_rejected_key_fails_permanently_without_retry(
    submit: Any, claude: Any, sqs_queue: dict, s3_results: str, run_cluster: Any
):
    claude.script(error(401))
    job_id = submit().json()["job_id"]

    run_cluster(lambda: _job(job_id).status == JobStatus.FAILED)
    time.sleep(1)  # a wrongly retried message would be received again by now

    job = _job(job_id)
    assert (job.error_code, job.attempts) == ("ANTHROPIC_AUTH", 1)
    assert len(claude.requests) == 1
    assert queue_depth(sqs_queue["queue_url"]) == 0


def test_hallucination_is_regenerated_with_feedback_and_the_clean_report_kept(
    submit: Any,
    api: Any,
    claude: Any,
    clean_content: dict,
    sqs_queue: dict,
    s3_results: str,
    run_cluster: Any,
):
    claude.script(ok(hallucinated(clean_content), usage=USAGE), ok(clean_content, usage=USAGE))
    job_id = submit().json()["job_id"]

    run_cluster(lambda: _job(job_id).status == JobStatus.COMPLETED)

    status = api.get(f"/api/vpr/status/{job_id}").json()
    assert status["status"] == "COMPLETED"
    assert status["token_usage"]["calls"] == 2
    assert status["token_usage"]["input_tokens"] == 4000
    assert "Globex" in claude.requests[1].user_text()  # the violations were fed back


def test_a_wrong_citation_is_caught_and_regenerated_with_feedback_naming_it(
    submit: Any,
    api: Any,
    claude: Any,
    clean_content: dict,
    sqs_queue: dict,
    s3_results: str,
    run_cluster: Any,
):
    bad, row = miscited(clean_content, "cv.edu.1")
    claude.script(ok(bad, usage=USAGE), ok(clean_content, usage=USAGE))
    job_id = submit().json()["job_id"]

    run_cluster(lambda: _job(job_id).status == JobStatus.COMPLETED)

    status = api.get(f"/api/vpr/status/{job_id}").json()
    assert (status["status"], status["fvs"]["passed"]) == ("COMPLETED", True)
    assert status["token_usage"]["calls"] == 2
    feedback = claude.requests[1].user_text()
    assert "<fvs_feedback>" in feedback and "<fvs_feedback>" not in claude.requests[0].user_text()
    assert f'- in evidence_matrix[{row}].evidence: "' in feedback  # the claim...
    assert 'cites [cv.edu.1], which says "' in feedback  # ...its citation and what it says...
    assert "is not in the cited cv.edu.1" in feedback  # ...and why it was rejected


def test_hallucination_twice_fails_with_the_violations_visible(
    submit: Any,
    api: Any,
    claude: Any,
    clean_content: dict,
    sqs_queue: dict,
    s3_results: str,
    run_cluster: Any,
):
    bad = hallucinated(clean_content)
    claude.script(ok(bad, usage=USAGE), ok(bad, usage=USAGE))
    job_id = submit().json()["job_id"]

    run_cluster(lambda: _job(job_id).status == JobStatus.FAILED)

    status = api.get(f"/api/vpr/status/{job_id}").json()
    assert status["error_code"] == "FVS_HALLUCINATION_DETECTED"
    assert status["fvs"]["passed"] is False
    checks = {v["check"] for v in status["fvs"]["violations"]}
    assert {"organisation", "year", "number"} <= checks
    assert status["token_usage"]["calls"] == 2
    assert not VPRArtifact.objects.filter(job_id=job_id).exists()


def test_cancel_during_generation_stays_cancelled(
    submit: Any,
    api: Any,
    claude: Any,
    clean_content: dict,
    sqs_queue: dict,
    s3_results: str,
    run_cluster: Any,
):
    claude.script(slow(1.5, then=ok(clean_content, usage=USAGE)))
    job_id = submit().json()["job_id"]

    def cancel_once_processing() -> bool:
        if _job(job_id).status == JobStatus.PROCESSING:
            assert api.post(f"/api/vpr/{job_id}/cancel").status_code == 200
        return _job(job_id).status == JobStatus.CANCELLED and len(claude.requests) == 1

    run_cluster(cancel_once_processing)
    time.sleep(2.5)  # let the slow answer arrive and the worker try to complete

    assert _job(job_id).status == JobStatus.CANCELLED
    assert not VPRArtifact.objects.filter(job_id=job_id).exists()
    keys = aws_api.client("s3").list_objects_v2(Bucket=s3_results).get("KeyCount", 0)
    assert keys == 0


def test_api_key_comes_from_ssm_once_per_process(
    aws: str, fake_anthropic: Any, settings: Any, clean_content: dict
):
    aws_api.client("ssm").put_parameter(
        Name="/careervp/test/anthropic-api-key", Value="sk-from-ssm", Type="SecureString"
    )
    settings.ANTHROPIC_API_KEY = ""
    settings.ANTHROPIC_API_KEY_PARAM = "/careervp/test/anthropic-api-key"
    settings.ANTHROPIC_BASE_URL = fake_anthropic.base_url

    first, second = build_generator("claude"), build_generator("claude")

    assert first is second
    fake_anthropic.script(ok(clean_content, usage=USAGE))
    first.generate(
        GenerationInput(
            job_id="j-1",
            cv=CV.model_validate(load_fixture("cv_learning_development")),
            request=VPRRequest.model_validate(load_fixture("vpr_request_learning_development")),
        )
    )
    assert fake_anthropic.requests[0].headers["authorization"] == "Bearer sk-from-ssm"
