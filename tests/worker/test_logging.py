"""Structured logs: every line about a job names it; no CV content, token or key is logged."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from pythonjsonlogger.json import JsonFormatter

from vpr_jobs.logs import JobContextFilter
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
