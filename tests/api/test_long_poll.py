"""`Prefer: wait=N` (RFC 7240) on GET /api/vpr/status/<id>: answered when the job changes, or
after N seconds."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.db import connection

from vpr_jobs import long_poll
from vpr_jobs.models import Job, JobStatus

pytestmark = pytest.mark.django_db(transaction=True)  # another thread changes the job


@pytest.fixture
def job_id(submit: Any) -> str:
    return submit().json()["job_id"]


def change_later(job_id: str, delay: float, **changes: Any) -> threading.Thread:
    def change() -> None:
        time.sleep(delay)
        Job.objects.filter(pk=job_id).update(**changes)
        connection.close()

    thread = threading.Thread(target=change)
    thread.start()
    return thread


def timed_get(api: Any, job_id: str, prefer: str) -> tuple[Any, float]:
    started = time.monotonic()
    response = api.get(f"/api/vpr/status/{job_id}", headers={"Prefer": prefer})
    return response, time.monotonic() - started


def test_answers_as_soon_as_the_status_changes(api: Any, job_id: str):
    change_later(job_id, 1.0, status=JobStatus.PROCESSING, stage="generating")

    response, took = timed_get(api, job_id, "wait=10")

    assert response.status_code == 202
    assert (response.json()["status"], response.json()["stage"]) == ("PROCESSING", "generating")
    assert response["Preference-Applied"] == "wait=10"
    assert 0.9 < took < 2.5


def test_a_stage_change_counts_too(api: Any, job_id: str):
    Job.objects.filter(pk=job_id).update(status=JobStatus.PROCESSING, stage="generating")
    change_later(job_id, 0.6, stage="verifying")

    response, took = timed_get(api, job_id, "respond-async, wait=10")

    assert response.json()["stage"] == "verifying"
    assert took < 2.5


def test_answers_after_n_seconds_when_nothing_changes(api: Any, job_id: str):
    response, took = timed_get(api, job_id, "wait=1")

    assert response.status_code == 202
    assert response.json()["status"] == "PENDING"
    assert response["Preference-Applied"] == "wait=1"
    assert 0.95 < took < 2.5


def test_a_finished_job_is_answered_at_once(api: Any, job_id: str):
    Job.objects.filter(pk=job_id).update(status=JobStatus.CANCELLED)

    response, took = timed_get(api, job_id, "wait=10")

    assert response.status_code == 200
    assert took < 0.5
    assert "Preference-Applied" not in response


def test_waits_longer_than_25_seconds_are_capped(api: Any, job_id: str):
    change_later(job_id, 0.5, status=JobStatus.CANCELLED)

    response, _ = timed_get(api, job_id, "wait=600")

    assert response["Preference-Applied"] == "wait=25"


def test_without_a_free_waiting_slot_the_answer_is_immediate(api: Any, job_id: str, settings: Any):
    settings.VPR_LONG_POLL_MAX_WAITING = 0

    response, took = timed_get(api, job_id, "wait=10")

    assert response.status_code == 202
    assert took < 0.5
    assert "Preference-Applied" not in response


@pytest.mark.parametrize(
    ("prefer", "seconds"),
    [("wait=5", 5), ("WAIT = 7", 7), ('handling=lenient; wait="3"', 3), ("waiting=5", 0), ("", 0)],
)
def test_the_prefer_header_is_parsed_per_rfc_7240(prefer: str, seconds: int):
    assert long_poll.preferred_wait(prefer) == seconds
