"""GET /api/vpr/status/<id>, GET /api/vpr/<id>/result, listing, cancel, artifacts, CV."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlparse

import pytest
from django.core.files.storage import storages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from vpr_jobs import storage
from vpr_jobs.models import Job, JobErrorCode, JobStatus
from vpr_jobs.tasks import process_vpr_job

pytestmark = pytest.mark.django_db


@pytest.fixture
def job_id(submit: Any) -> str:
    return submit().json()["job_id"]


@pytest.fixture
def completed_job_id(job_id: str) -> str:
    assert process_vpr_job(job_id) == "completed"
    return job_id


def _stored_key(job_id: str) -> str:
    return Job.objects.get(pk=job_id).result_key


def _path(url: str) -> str:
    return urlparse(url).path


def test_pending_job_is_202_with_retry_after(api: Any, job_id: str):
    response = api.get(f"/api/vpr/status/{job_id}")

    assert response.status_code == 202
    assert int(response["Retry-After"]) > 0
    body = response.json()
    assert body["status"] == "PENDING"
    assert body["job_id"] == job_id
    assert "created_at" in body
    assert "started_at" not in body


def test_processing_job_is_202_with_started_at(api: Any, job_id: str):
    Job.objects.filter(pk=job_id).update(status=JobStatus.PROCESSING, started_at=timezone.now())

    response = api.get(f"/api/vpr/status/{job_id}")

    assert response.status_code == 202
    assert response.json()["status"] == "PROCESSING"
    assert response.json()["started_at"]


def test_completed_job_is_200_with_the_stable_result_url(api: Any, completed_job_id: str):
    response = api.get(f"/api/vpr/status/{completed_job_id}")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "COMPLETED"
    assert body["vpr_version"] == 1
    assert body["word_count"] > 50
    assert body["token_usage"] == {}
    assert body["completed_at"]
    assert body["result_url"] == f"http://testserver/api/vpr/{completed_job_id}/result"
    assert "result_expires_at" not in body
    download = api.get(_path(body["result_url"]))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/json"
    assert download["Cache-Control"] == "private, no-store"  # personal data: never cached
    document = download.json()
    assert document["job_id"] == completed_job_id
    assert document["version"] == 1
    assert document["target_company"] == "Natural Intelligence"
    assert document["word_count"] == body["word_count"]


def test_a_poll_reads_the_job_in_one_statement_without_its_request_body(
    api: Any, completed_job_id: str
):
    api.get(f"/api/vpr/status/{completed_job_id}")  # warm-up

    with CaptureQueriesContext(connection) as queries:
        response = api.get(f"/api/vpr/status/{completed_job_id}")

    assert response.status_code == 200
    assert response.json()["fvs"]["passed"] is True
    token_lookup, *job_reads = [query["sql"] for query in queries.captured_queries]
    assert "knox_authtoken" in token_lookup  # tokens are never cached (test_auth.py)
    assert len(job_reads) == 1  # no deferred column fetched afterwards
    assert "input_data" not in job_reads[0]
    assert "ORDER BY" not in job_reads[0]  # a primary-key lookup


def test_result_url_is_owner_only(api: Any, completed_job_id: str, make_user: Any, client_for: Any):
    url = api.get(f"/api/vpr/status/{completed_job_id}").json()["result_url"]

    response = client_for(make_user("mallory")).get(_path(url))

    assert response.status_code == 404
    assert response.json() == {"error": "Job not found.", "error_code": "NOT_FOUND"}


@pytest.mark.parametrize("bad_id", [str(uuid.uuid4()), "not-a-uuid"])
def test_result_of_an_unknown_job_is_404(api: Any, bad_id: str):
    assert api.get(f"/api/vpr/{bad_id}/result").status_code == 404


def test_result_of_a_job_still_pending_is_404(api: Any, job_id: str):
    response = api.get(f"/api/vpr/{job_id}/result")

    assert response.status_code == 404
    assert response.json()["error"] == "The job has no result."


def test_result_gone_is_410_at_the_download(api: Any, completed_job_id: str):
    assert api.get(f"/api/vpr/{completed_job_id}/result").status_code == 200
    # Gone behind the app's back (an S3 lifecycle rule): the next download says so at once.
    storages["vpr_results"].delete(_stored_key(completed_job_id))

    response = api.get(f"/api/vpr/{completed_job_id}/result")

    assert response.status_code == 410
    assert response.json()["error"] == "Result expired or deleted"
    assert response.json()["message"] == "Please regenerate the VPR"


def test_a_poll_neither_signs_nor_checks_the_stored_object(api: Any, completed_job_id: str):
    """The status body is the row: the object is checked when it is downloaded."""
    storage.result_delete(_stored_key(completed_job_id))

    response = api.get(f"/api/vpr/status/{completed_job_id}")

    assert response.status_code == 200
    assert response.json()["result_url"].endswith(f"/api/vpr/{completed_job_id}/result")


# --------------------------------------------------------------------------- ETag


def test_repeated_polls_carry_the_same_etag_and_if_none_match_is_304(
    api: Any, completed_job_id: str
):
    first = api.get(f"/api/vpr/status/{completed_job_id}")
    second = api.get(f"/api/vpr/status/{completed_job_id}")

    assert first["ETag"] and first["ETag"] == second["ETag"]
    not_modified = api.get(f"/api/vpr/status/{completed_job_id}", HTTP_IF_NONE_MATCH=first["ETag"])
    assert not_modified.status_code == 304
    assert not_modified.content == b""
    assert not_modified["ETag"] == first["ETag"]


def test_a_pending_poll_is_304_until_the_job_changes(api: Any, job_id: str):
    pending = api.get(f"/api/vpr/status/{job_id}")
    assert pending.status_code == 202
    etag = pending["ETag"]
    assert api.get(f"/api/vpr/status/{job_id}", HTTP_IF_NONE_MATCH=etag).status_code == 304

    process_vpr_job(job_id)
    changed = api.get(f"/api/vpr/status/{job_id}", HTTP_IF_NONE_MATCH=etag)

    assert changed.status_code == 200
    assert changed.json()["status"] == "COMPLETED"
    assert changed["ETag"] != etag


def test_failed_job_is_200_with_the_codes_sentence_not_the_recorded_detail(api: Any, job_id: str):
    detail = (
        'Gave up after 3 attempts: OperationalError: connection to server at "db-7.internal" '
        '(10.0.3.17), port 5432 failed: FATAL: password authentication failed for user "vpr"'
    )
    Job.objects.filter(pk=job_id).update(
        status=JobStatus.FAILED, error=detail, error_code=JobErrorCode.RETRIES_EXHAUSTED
    )

    response = api.get(f"/api/vpr/status/{job_id}")

    assert response.status_code == 200
    body = response.json()
    assert body["error_code"] == "RETRIES_EXHAUSTED"
    assert body["error"] == (
        "The report could not be generated after several attempts. Please try again later."
    )
    for leak in ("db-7.internal", "10.0.3.17", "password", "OperationalError"):
        assert leak not in response.content.decode()
    assert Job.objects.get(pk=job_id).error == detail  # kept for the logs and the admin


@pytest.mark.parametrize("code", [*JobErrorCode.values, "SOMETHING_NEW", ""])
def test_every_failure_code_has_a_fixed_client_sentence(api: Any, job_id: str, code: str):
    Job.objects.filter(pk=job_id).update(
        status=JobStatus.FAILED, error=f"secret detail for {code}", error_code=code
    )

    body = api.get(f"/api/vpr/status/{job_id}").json()

    assert body["error"] == JobErrorCode.client_message(code)
    assert body["error"] and "secret detail" not in body["error"]


def test_cancelled_job_says_so_in_a_fixed_sentence(api: Any, job_id: str):
    assert api.post(f"/api/vpr/{job_id}/cancel").status_code == 200

    body = api.get(f"/api/vpr/status/{job_id}").json()

    assert (body["status"], body["error_code"]) == ("CANCELLED", "CANCELLED_BY_USER")
    assert body["error"] == "The job was cancelled."


@pytest.mark.parametrize("bad_id", [str(uuid.uuid4()), "not-a-uuid", "1"])
def test_unknown_or_malformed_ids_are_404(api: Any, bad_id: str):
    response = api.get(f"/api/vpr/status/{bad_id}")

    assert response.status_code == 404
    assert response.json() == {"error": "Job not found.", "error_code": "NOT_FOUND"}


def test_another_users_job_is_the_same_404(job_id: str, make_user: Any, client_for: Any):
    response = client_for(make_user("mallory")).get(f"/api/vpr/status/{job_id}")

    assert response.status_code == 404
    assert response.json() == {"error": "Job not found.", "error_code": "NOT_FOUND"}


# --------------------------------------------------------------------------- cancel


def test_cancel_pending_job(api: Any, job_id: str):
    response = api.post(f"/api/vpr/{job_id}/cancel")

    assert response.status_code == 200
    assert response.json()["status"] == "CANCELLED"
    assert Job.objects.get(pk=job_id).status == JobStatus.CANCELLED


def test_cancel_finished_job_is_409(api: Any, completed_job_id: str):
    response = api.post(f"/api/vpr/{completed_job_id}/cancel")

    assert response.status_code == 409
    assert response.json()["error_code"] == "JOB_ALREADY_FINISHED"
    assert Job.objects.get(pk=completed_job_id).status == JobStatus.COMPLETED


def test_cancel_someone_elses_job_is_404(job_id: str, make_user: Any, client_for: Any):
    response = client_for(make_user("mallory")).post(f"/api/vpr/{job_id}/cancel")

    assert response.status_code == 404
    assert Job.objects.get(pk=job_id).status == JobStatus.PENDING


# --------------------------------------------------------------------------- list


def test_list_is_newest_first_paginated_and_filtered(submit: Any, vpr_body: dict, api: Any):
    ids = []
    for n in range(5):
        ids.append(submit({**vpr_body, "application_id": f"app-{n}"}).json()["job_id"])
    Job.objects.filter(pk=ids[0]).update(status=JobStatus.FAILED)

    first = api.get("/api/vpr", {"page_size": 2}).json()
    second = api.get(_path(first["next"]) + "?" + urlparse(first["next"]).query).json()

    assert [j["job_id"] for j in first["results"]] == ids[::-1][:2]
    assert [j["job_id"] for j in second["results"]] == ids[::-1][2:4]
    failed = api.get("/api/vpr", {"status": "FAILED"}).json()["results"]
    assert [j["job_id"] for j in failed] == [ids[0]]
    by_app = api.get("/api/vpr", {"application_id": "app-3"}).json()["results"]
    assert [j["job_id"] for j in by_app] == [ids[3]]


def test_list_shows_only_own_jobs(job_id: str, make_user: Any, client_for: Any):
    assert client_for(make_user("mallory")).get("/api/vpr").json()["results"] == []


def test_list_rejects_unknown_status(api: Any):
    response = api.get("/api/vpr", {"status": "DONE"})

    assert response.status_code == 400
    assert "status" in response.json()["errors"]


# --------------------------------------------------------------------------- artifacts


def test_application_vpr_latest_and_by_version(
    api: Any, submit: Any, vpr_body: dict, completed_job_id: str
):
    second = submit({**vpr_body, "force": True}).json()["job_id"]
    assert process_vpr_job(second) == "completed"

    latest = api.get(f"/api/applications/{vpr_body['application_id']}/vpr")
    first = api.get(f"/api/applications/{vpr_body['application_id']}/vpr", {"version": 1})

    assert latest.status_code == 200
    assert latest.json()["version"] == 2
    assert latest.json()["job_id"] == second
    assert latest.json()["document"]["version"] == 2
    assert first.json()["job_id"] == completed_job_id
    assert first.json()["document"]["version"] == 1
    assert latest["Cache-Control"] == first["Cache-Control"] == "private, no-store"
    assert latest.json()["result_url"] == f"http://testserver/api/vpr/{second}/result"
    assert api.get(_path(latest.json()["result_url"])).json()["version"] == 2


def test_application_vpr_whose_result_is_gone_is_410(
    api: Any, vpr_body: dict, completed_job_id: str
):
    storages["vpr_results"].delete(_stored_key(completed_job_id))

    response = api.get(f"/api/applications/{vpr_body['application_id']}/vpr")

    assert response.status_code == 410
    assert response.json()["error"] == "Result expired or deleted"


def test_application_vpr_unknown_is_404_and_bad_version_400(api: Any, completed_job_id: str):
    assert api.get("/api/applications/nope/vpr").status_code == 404
    assert api.get("/api/applications/app-ld-0001/vpr", {"version": 9}).status_code == 404
    assert api.get("/api/applications/app-ld-0001/vpr", {"version": "x"}).status_code == 400


# --------------------------------------------------------------------------- CV


def test_cv_is_404_before_upload_then_round_trips(api: Any, cv_data: dict):
    assert api.get("/api/cv").status_code == 404

    put = api.put("/api/cv", cv_data, format="json")
    got = api.get("/api/cv")

    assert put.status_code == 200
    assert got.status_code == 200
    assert got.json()["full_name"] == "Noa Bar"
    assert got.json()["experience"][0]["company"] == "Wix"
    cv_data["full_name"] = "Noa Bar-Levi"
    assert api.put("/api/cv", cv_data, format="json").json()["full_name"] == "Noa Bar-Levi"
