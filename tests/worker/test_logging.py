"""Structured logs: every line about a job names it; no CV content, token or key is logged."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import pytest
from pythonjsonlogger.json import JsonFormatter

from tests.deploy.test_eb import properties
from tests.support.fake_anthropic import error, ok, vpr_content_from_rules
from tests.support.processes import wait_until
from vpr_jobs.logs import JobContextFilter
from vpr_jobs.models import Job, JobStatus
from vpr_jobs.schemas import CV, VPRRequest
from vpr_jobs.tasks import process_vpr_job

pytestmark = pytest.mark.django_db


def test_job_lines_carry_the_job_id_and_no_cv_content(
    submit: Any, cv_data: dict, caplog: pytest.LogCaptureFixture, user: Any
):
    with caplog.at_level(logging.INFO, logger="vpr_jobs"):
        job_id = submit().json()["job_id"]
        assert process_vpr_job(job_id) == "completed"

    records = [r for r in caplog.records if r.name.startswith("vpr_jobs")]
    messages = [r.getMessage() for r in records]
    assert {"job submitted", "job enqueued", "job claimed", "job completed"} <= set(messages)
    assert all(getattr(r, "job_id", None) == job_id for r in records)
    formatter = JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s %(job_id)s")
    lines = [formatter.format(r) for r in records]
    assert all(json.loads(line)["job_id"] == job_id for line in lines)
    secrets = [
        cv_data["contact"]["email"],
        cv_data["contact"]["phone"],
        cv_data["experience"][0]["achievements"][0][:30],
        cv_data["professional_summary"][:30],
    ]
    everything = "\n".join(lines)
    assert not [s for s in secrets if s in everything]


def test_lines_without_a_job_get_a_placeholder():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello", None, None)

    assert JobContextFilter().filter(record) is True
    assert record.job_id == "-"


# --------------------------------------------------------------------------- levels vs the alarm


def alarm_counts(line: str) -> bool:
    """Whether the worker-errors metric filter counts this log line. Its pattern is a list of
    "?TERM" alternatives; a term is matched as a substring, the widest reading of CloudWatch's
    term matching, so a line passing here passes there."""
    pattern = properties("VprWorkerErrorsMetricFilter")["FilterPattern"]
    terms = pattern.split()
    assert terms and all(term.startswith("?") for term in terms), pattern
    return any(term[1:] in line for term in terms)


@pytest.fixture
def clean_content(cv_data: dict, vpr_body: dict) -> dict:
    return vpr_content_from_rules(CV.model_validate(cv_data), VPRRequest.model_validate(vpr_body))


@pytest.fixture
def claude_cluster(qcluster: Any, fake_anthropic: Any) -> Callable[..., Any]:
    """A real qcluster (one worker, JSON logs) generating with Claude on the local fake API;
    a failed attempt is redelivered by the ORM broker after 6 s."""

    def start(**env: str) -> Any:
        return qcluster.start(
            VPR_GENERATOR="claude",
            ANTHROPIC_API_KEY="sk-test-key",
            ANTHROPIC_BASE_URL=fake_anthropic.base_url,
            ANTHROPIC_MAX_RETRIES="0",
            LOG_FORMAT="json",
            VPR_WORKERS="1",
            VPR_WORKER_TIMEOUT_SECONDS="5",
            VPR_VISIBILITY_TIMEOUT_SECONDS="6",
            VPR_JOB_DEADLINE_SECONDS="4",
            **env,
        )

    return start


def _json_lines(lines: list[str]) -> list[dict]:
    return [json.loads(line) for line in lines if line.startswith("{")]


@pytest.mark.django_db(transaction=True)
def test_an_overloaded_anthropic_retry_logs_warnings_the_alarm_does_not_count(
    submit: Any, qcluster: Any, claude_cluster: Any, fake_anthropic: Any, clean_content: dict
):
    fake_anthropic.script(error(529), ok(clean_content))
    claude_cluster()
    job_id = submit().json()["job_id"]

    job = Job.objects.filter(pk=job_id)
    assert wait_until(lambda: job.filter(status=JobStatus.COMPLETED).exists(), 60)
    assert job.get().attempts == 2

    lines = qcluster.log_lines()
    failed = [e for e in _json_lines(lines) if e["message"].startswith("Failed '")]
    assert [e["level"] for e in failed] == ["WARNING"]  # django-q2's line for the retry
    assert not [line for line in lines if alarm_counts(line)]


@pytest.mark.django_db(transaction=True)
def test_a_job_whose_retries_ran_out_logs_an_error_the_alarm_counts(
    submit: Any, qcluster: Any, claude_cluster: Any, fake_anthropic: Any
):
    fake_anthropic.script(error(529), error(529))
    claude_cluster(VPR_MAX_ATTEMPTS="2")
    job_id = submit().json()["job_id"]

    job = Job.objects.filter(pk=job_id)
    assert wait_until(lambda: job.filter(status=JobStatus.FAILED).exists(), 60)
    assert job.get().error_code == "RETRIES_EXHAUSTED"

    counted = [e for e in _json_lines(qcluster.log_lines()) if alarm_counts(json.dumps(e))]
    assert {e["message"] for e in counted} >= {"job failed: retries exhausted"}
    assert {e["level"] for e in counted} == {"ERROR"}
