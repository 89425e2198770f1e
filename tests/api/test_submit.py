"""POST /api/vpr: creation, idempotency table, ownership, enqueue-after-commit."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from django_q.models import OrmQ

from vpr_jobs.models import Job, JobStatus

pytestmark = pytest.mark.django_db


def _queued() -> int:
    return OrmQ.objects.count()


def _set_status(job_id: str, status: str, **fields: Any) -> None:
    Job.objects.filter(pk=job_id).update(status=status, **fields)


def test_new_request_is_accepted_queued_and_stored(submit: Any, vpr_body: dict, user: Any):
    response = submit()

    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "PENDING"
    assert body["message"]
    assert response["Location"] == f"/api/vpr/status/{body['job_id']}"
    assert int(response["Retry-After"]) > 0
    job = Job.objects.get(pk=body["job_id"])
    assert job.user == user
    assert job.application_id == vpr_body["application_id"]
    assert job.idempotency_key == f"vpr#{user.pk}#{vpr_body['application_id']}"
    assert len(job.request_fingerprint) == 64
    assert job.input_data["job_posting"]["company_name"] == "Natural Intelligence"
    assert job.enqueued_at is not None
    assert _queued() == 1


def test_message_is_sent_only_after_commit(
    api_with_cv: Any, vpr_body: dict, django_capture_on_commit_callbacks: Any
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = api_with_cv.post("/api/vpr", vpr_body, format="json")
        assert response.status_code == 202
        assert _queued() == 0  # the transaction has not committed yet
    assert len(callbacks) == 1


def test_identical_resubmit_returns_the_same_job(submit: Any):
    first = submit().json()
    again = submit()

    assert again.status_code == 200
    assert again.json() == {
        "job_id": first["job_id"],
        "status": "PENDING",
        "message": "Job already exists",
        "events_url": again.json()["events_url"],  # still in flight: followable
    }
    assert Job.objects.count() == 1
    assert _queued() == 1


@pytest.mark.parametrize("status", [JobStatus.PROCESSING, JobStatus.COMPLETED])
def test_identical_resubmit_of_processing_or_completed_job_is_deduplicated(
    submit: Any, status: str
):
    job_id = submit().json()["job_id"]
    _set_status(job_id, status)

    again = submit()

    assert again.status_code == 200
    assert again.json()["job_id"] == job_id
    assert again.json()["status"] == status
    assert Job.objects.count() == 1


def test_different_request_while_in_flight_conflicts(submit: Any, vpr_body: dict):
    job_id = submit().json()["job_id"]
    vpr_body["job_posting"]["role_title"] = "Head of L&D"

    response = submit(vpr_body)

    assert response.status_code == 409
    assert response.json()["error_code"] == "JOB_IN_PROGRESS"
    assert response.json()["job_id"] == job_id
    assert Job.objects.count() == 1


def test_different_request_after_completion_creates_next_job(submit: Any, vpr_body: dict):
    job_id = submit().json()["job_id"]
    _set_status(job_id, JobStatus.COMPLETED)
    vpr_body["gap_responses"] = []

    response = submit(vpr_body)

    assert response.status_code == 202
    assert response.json()["job_id"] != job_id
    assert Job.objects.count() == 2


@pytest.mark.parametrize("status", [JobStatus.FAILED, JobStatus.CANCELLED])
def test_failed_or_cancelled_jobs_never_block(submit: Any, status: str):
    job_id = submit().json()["job_id"]
    _set_status(job_id, status)

    response = submit()

    assert response.status_code == 202
    assert response.json()["job_id"] != job_id


def test_completed_job_outside_the_window_does_not_deduplicate(submit: Any, settings: Any):
    job_id = submit().json()["job_id"]
    old = timezone.now() - timedelta(seconds=settings.VPR_IDEMPOTENCY_WINDOW_SECONDS + 1)
    _set_status(job_id, JobStatus.COMPLETED, created_at=old)

    response = submit()

    assert response.status_code == 202
    assert response.json()["job_id"] != job_id


def test_force_creates_a_new_job_over_a_matching_completed_one(submit: Any, vpr_body: dict):
    job_id = submit().json()["job_id"]
    _set_status(job_id, JobStatus.COMPLETED)

    response = submit({**vpr_body, "force": True})

    assert response.status_code == 202
    assert response.json()["job_id"] != job_id


def test_force_still_conflicts_while_a_job_is_in_flight(submit: Any, vpr_body: dict):
    job_id = submit().json()["job_id"]

    response = submit({**vpr_body, "force": True})

    assert response.status_code == 409
    assert response.json()["job_id"] == job_id


def test_idempotency_key_header_replaces_the_derived_key(submit: Any, vpr_body: dict, user: Any):
    first = submit(**{"Idempotency-Key": "client-key-1"})
    assert first.status_code == 202
    job = Job.objects.get(pk=first.json()["job_id"])
    assert job.idempotency_key == f"vpr#{user.pk}#key#client-key-1"

    same = submit(**{"Idempotency-Key": "client-key-1"})
    assert same.status_code == 200
    assert same.json()["job_id"] == str(job.pk)


def test_idempotency_key_reused_with_a_different_body_is_rejected(submit: Any, vpr_body: dict):
    submit(**{"Idempotency-Key": "client-key-2"})
    vpr_body["application_id"] = "another-app"

    response = submit(vpr_body, **{"Idempotency-Key": "client-key-2"})

    assert response.status_code == 422
    assert response.json()["error_code"] == "IDEMPOTENCY_KEY_REUSED"
    assert Job.objects.count() == 1


def test_idempotency_key_longer_than_255_is_a_400(submit: Any):
    response = submit(**{"Idempotency-Key": "k" * 256})

    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["errors"]


def test_keys_are_per_user(submit: Any, make_user: Any, client_for: Any, cv_data: dict):
    mine = submit().json()["job_id"]
    bob = client_for(make_user("bob"))
    bob.put("/api/cv", cv_data, format="json")

    theirs = submit(client=bob)

    assert theirs.status_code == 202
    assert theirs.json()["job_id"] != mine


def test_no_cv_is_422(api: Any, vpr_body: dict):
    response = api.post("/api/vpr", vpr_body, format="json")

    assert response.status_code == 422
    assert response.json()["error_code"] == "CV_NOT_FOUND"
    assert Job.objects.count() == 0


def test_user_id_of_someone_else_is_403(submit: Any, vpr_body: dict, user: Any):
    response = submit({**vpr_body, "user_id": user.pk + 1000})

    assert response.status_code == 403
    assert response.json()["error_code"] == "FORBIDDEN"
    assert Job.objects.count() == 0


def test_user_id_of_the_caller_is_accepted(submit: Any, vpr_body: dict, user: Any):
    response = submit({**vpr_body, "user_id": user.pk})

    assert response.status_code == 202
    assert "user_id" not in Job.objects.get().input_data


def test_failed_enqueue_still_answers_202_and_keeps_the_job_pending(
    submit: Any, monkeypatch: pytest.MonkeyPatch
):
    def broken_send(job_id: object) -> str:
        raise ConnectionError("queue unreachable")

    monkeypatch.setattr("vpr_jobs.queue.send_job", broken_send)

    response = submit()

    assert response.status_code == 202
    job = Job.objects.get(pk=response.json()["job_id"])
    assert job.status == JobStatus.PENDING
    assert job.enqueued_at is None
    assert _queued() == 0


def test_unauthenticated_is_401(client: Any, vpr_body: dict):
    response = client.post("/api/vpr", vpr_body, content_type="application/json")

    assert response.status_code == 401
    assert response.json()["error_code"] == "NOT_AUTHENTICATED"
    assert response["WWW-Authenticate"] == "Token"


def test_bad_token_is_401(client: Any, vpr_body: dict):
    response = client.post(
        "/api/vpr",
        vpr_body,
        content_type="application/json",
        headers={"Authorization": "Token nope"},
    )

    assert response.status_code == 401
    assert response.json()["error_code"] == "AUTHENTICATION_FAILED"


# --------------------------------------------------------------------------- CV snapshot


def test_the_job_keeps_a_snapshot_of_the_cv(submit: Any, api_with_cv: Any):
    job = Job.objects.get(pk=submit().json()["job_id"])

    assert job.cv_data == api_with_cv.get("/api/cv").json()


@pytest.mark.parametrize("status", [JobStatus.COMPLETED, JobStatus.FAILED])
def test_resubmit_after_a_cv_change_is_a_new_job_on_the_new_cv(
    submit: Any, api_with_cv: Any, cv_data: dict, status: str
):
    first = submit().json()["job_id"]
    _set_status(first, status)
    changed = {**cv_data, "professional_summary": "Now also a certified executive coach."}
    assert api_with_cv.put("/api/cv", changed, format="json").status_code == 200

    response = submit()

    assert response.status_code == 202
    assert response.json()["job_id"] != first
    new_job = Job.objects.get(pk=response.json()["job_id"])
    assert new_job.cv_data["professional_summary"] == changed["professional_summary"]


def test_resubmit_after_a_cv_change_while_in_flight_conflicts(
    submit: Any, api_with_cv: Any, cv_data: dict
):
    first = submit().json()["job_id"]
    api_with_cv.put("/api/cv", {**cv_data, "professional_summary": "Changed."}, format="json")

    response = submit()

    assert response.status_code == 409
    assert response.json()["job_id"] == first


# --------------------------------------------------------------------------- Idempotency-Key


@pytest.mark.parametrize("status", [JobStatus.PENDING, JobStatus.PROCESSING, JobStatus.COMPLETED])
def test_same_key_and_body_is_the_same_job_whatever_force_says(
    submit: Any, vpr_body: dict, status: str
):
    key = {"Idempotency-Key": "client-key-force"}
    job_id = submit(**key).json()["job_id"]
    _set_status(job_id, status)

    again = submit({**vpr_body, "force": True}, **key)

    assert again.status_code == 200
    assert again.json()["job_id"] == job_id
    assert Job.objects.count() == 1


def test_same_key_and_body_after_a_cv_change_is_refused_not_run_on_the_old_cv(
    submit: Any, api_with_cv: Any, cv_data: dict
):
    key = {"Idempotency-Key": "client-key-cv"}
    job_id = submit(**key).json()["job_id"]
    _set_status(job_id, JobStatus.COMPLETED)
    api_with_cv.put("/api/cv", {**cv_data, "professional_summary": "Changed."}, format="json")

    response = submit(**key)

    assert response.status_code == 422
    assert response.json()["error_code"] == "IDEMPOTENCY_KEY_REUSED"
    assert Job.objects.count() == 1


def test_a_lost_insert_race_whose_winner_is_gone_inserts_instead_of_a_500(
    submit: Any, monkeypatch: pytest.MonkeyPatch
):
    """The window between a failed INSERT and the look that follows it, staged: the first
    look misses the in-flight job (as a concurrent submit's would), the INSERT then collides
    with it, and it is cancelled before the second look."""
    from vpr_jobs.services import submission

    blocker = submit().json()["job_id"]
    _set_status(blocker, JobStatus.CANCELLED)
    rival = submit().json()["job_id"]  # the in-flight job a concurrent submit inserted
    real_lookup = submission._existing_job
    looks: list[int] = []

    def racing_lookup(**lookup: Any) -> Any:
        looks.append(1)
        if len(looks) == 1:
            return None  # not yet visible to this request
        if len(looks) == 2:
            _set_status(rival, JobStatus.CANCELLED)  # and gone before the second look
        return real_lookup(**lookup)

    monkeypatch.setattr(submission, "_existing_job", racing_lookup)

    response = submit()

    assert response.status_code == 202
    assert response.json()["job_id"] not in (blocker, rival)
    assert Job.objects.filter(status=JobStatus.PENDING).count() == 1


def test_a_submit_that_keeps_losing_the_insert_race_is_a_409_not_a_500(
    submit: Any, monkeypatch: pytest.MonkeyPatch
):
    from vpr_jobs.services import submission

    rival = submit().json()["job_id"]
    monkeypatch.setattr(submission, "_existing_job", lambda **lookup: None)

    response = submit()

    assert response.status_code == 409
    assert response.json()["error_code"] == "JOB_IN_PROGRESS"
    assert response.json()["job_id"] == rival
