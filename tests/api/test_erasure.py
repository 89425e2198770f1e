"""Right to erasure: DELETE /api/cv and DELETE /api/me remove the CV, jobs, artifacts and
stored results (S3 on moto), report the counts, and never leave an object without its row."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from knox.models import AuthToken

from vpr_jobs import storage
from vpr_jobs.integrations import aws
from vpr_jobs.models import Job, JobStatus, UserCV, VPRArtifact
from vpr_jobs.services import erasure, lifecycle
from vpr_jobs.tasks import _load_input, generate_verified, process_vpr_job

pytestmark = pytest.mark.django_db


def stored_keys(bucket: str) -> set[str]:
    listing = aws.client("s3").list_objects_v2(Bucket=bucket)
    return {item["Key"] for item in listing.get("Contents", [])}


@pytest.fixture
def alice_history(s3_results: str, submit: Any, vpr_body: dict) -> list[str]:
    """Two completed jobs (two stored reports) and one pending job, results on S3."""
    done = [
        submit({**vpr_body, "application_id": f"app-erase-{n}"}).json()["job_id"] for n in (1, 2)
    ]
    for job_id in done:
        assert process_vpr_job(job_id) == "completed"
    pending = submit({**vpr_body, "application_id": "app-erase-3"}).json()["job_id"]
    assert len(stored_keys(s3_results)) == 2
    return [*done, pending]


@pytest.fixture
def bob(
    make_user: Any,
    client_for: Any,
    cv_data: dict,
    vpr_body: dict,
    django_capture_on_commit_callbacks: Any,
) -> Any:
    """Another user with a stored report, who must keep everything."""
    user = make_user("bob")
    client = client_for(user)
    assert client.put("/api/cv", cv_data, format="json").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        job_id = client.post("/api/vpr", vpr_body, format="json").json()["job_id"]
    assert process_vpr_job(job_id) == "completed"
    return user


def test_delete_cv_erases_the_cv_jobs_artifacts_and_results(
    api: Any, user: Any, alice_history: list[str], bob: Any, s3_results: str
):
    response = api.delete("/api/cv")

    assert response.status_code == 200
    assert response.json() == {"deleted": {"cv": 1, "jobs": 3, "artifacts": 2, "results": 2}}
    assert not UserCV.objects.filter(user=user).exists()
    assert not Job.objects.filter(user=user).exists()
    assert not VPRArtifact.objects.filter(user=user).exists()
    assert stored_keys(s3_results) == {Job.objects.get(user=bob).result_key}
    assert api.get("/api/cv").status_code == 404
    assert api.get(f"/api/vpr/status/{alice_history[0]}").status_code == 404
    assert api.get("/api/vpr").json()["results"] == []  # the account itself stays


def test_delete_me_also_removes_the_tokens_and_the_account(
    api: Any, user: Any, alice_history: list[str], bob: Any, s3_results: str
):
    response = api.delete("/api/me")

    assert response.status_code == 200
    assert response.json() == {
        "deleted": {"cv": 1, "jobs": 3, "artifacts": 2, "results": 2, "tokens": 1, "user": 1}
    }
    assert not get_user_model().objects.filter(username="alice").exists()
    assert not AuthToken.objects.filter(user_id=user.pk).exists()
    assert api.get("/api/vpr").status_code == 401  # the token went with the account
    assert len(stored_keys(s3_results)) == 1  # bob's
    assert Job.objects.filter(user=bob).count() == 1


def test_erasing_nothing_reports_zeros(api: Any):
    assert api.delete("/api/cv").json() == {
        "deleted": {"cv": 0, "jobs": 0, "artifacts": 0, "results": 0}
    }


def test_a_failure_midway_leaves_rows_to_retry_and_never_an_object_without_a_row(
    api: Any, user: Any, alice_history: list[str], s3_results: str, monkeypatch: Any
):
    """The second object deletion fails (S3 refusing is simulated at the storage boundary:
    moto cannot be made to fail one DeleteObject). Every row survives, so the erasure can be
    retried; the one object already gone leaves a row without an object, never the reverse."""
    real_delete, calls = storage.result_delete, []

    def flaky_delete(key: str) -> None:
        calls.append(key)
        if len(calls) == 2:
            raise ConnectionError("S3 unreachable")
        real_delete(key)

    monkeypatch.setattr(storage, "result_delete", flaky_delete)
    with pytest.raises(ConnectionError):
        erasure.user_data_erase(user=user)

    rows = set(VPRArtifact.objects.filter(user=user).values_list("result_key", flat=True))
    assert Job.objects.filter(user=user).count() == 3 and len(rows) == 2
    assert stored_keys(s3_results) <= rows  # every object left still has its row
    assert len(stored_keys(s3_results)) == 1

    monkeypatch.setattr(storage, "result_delete", real_delete)
    retried = api.delete("/api/cv").json()["deleted"]
    assert retried == {"cv": 1, "jobs": 3, "artifacts": 2, "results": 1}
    assert stored_keys(s3_results) == set()


def test_a_job_completing_after_the_erasure_leaves_no_object(
    api: Any, user: Any, submit: Any, s3_results: str
):
    """A worker held the job (claimed) when the user erased their data; its completion comes
    after and must not leave a report on S3 with no row pointing at it."""
    job_id = submit().json()["job_id"]
    claimed = lifecycle.job_claim(job_id=job_id)
    assert claimed is not None and claimed.status == JobStatus.PROCESSING
    document = generate_verified(_load_input(claimed), logging.getLogger(__name__), {})

    assert api.delete("/api/cv").json()["deleted"]["jobs"] == 1
    completed = lifecycle.job_complete(job=claimed, document=document)

    assert completed is False
    assert stored_keys(s3_results) == set()
    assert not VPRArtifact.objects.exists() and not Job.objects.exists()


def test_every_object_under_a_jobs_folder_is_erased_not_only_the_winners(
    api: Any, user: Any, alice_history: list[str], s3_results: str
):
    """Each claim writes its own key (results/<job_id>/<claim_token>.json): an object that a
    worker wrote before it lost its claim, with no row naming it, is the user's data too."""
    stray = f"results/{alice_history[2]}/00000000-0000-0000-0000-000000000001.json"
    aws.client("s3").put_object(Bucket=s3_results, Key=stray, Body=b"{}")

    deleted = api.delete("/api/cv").json()["deleted"]

    assert deleted["results"] == 3
    assert stored_keys(s3_results) == set()
