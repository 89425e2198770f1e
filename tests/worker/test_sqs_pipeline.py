"""The production pipeline over real HTTP: django-q2 on moto's SQS, results in moto's S3."""

from __future__ import annotations

import json
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.support.queues import sqs_depth
from vpr_jobs import queue
from vpr_jobs.integrations import aws
from vpr_jobs.models import Job, JobStatus, VPRArtifact

pytestmark = pytest.mark.django_db(transaction=True)


def _job(job_id: str) -> Job:
    return Job.objects.get(pk=job_id)


def test_success_stores_an_encrypted_s3_object_with_metadata_and_a_working_presigned_url(
    submit: Any, api: Any, sqs_queue: dict, s3_results: str, run_cluster: Any, user: Any
):
    job_id = submit().json()["job_id"]
    assert sqs_depth(sqs_queue["queue_url"]) == (1, 0)

    run_cluster(lambda: _job(job_id).status == JobStatus.COMPLETED)

    assert _job(job_id).status == JobStatus.COMPLETED
    head = aws.client("s3").head_object(Bucket=s3_results, Key=_job(job_id).result_key)
    assert head["ContentType"] == "application/json"
    assert head["ServerSideEncryption"] == "AES256"
    assert head["Metadata"] == {
        "job_id": job_id,
        "user_id": str(user.pk),
        "application_id": "app-ld-0001",
    }
    status = api.get(f"/api/vpr/status/{job_id}").json()
    assert status["result_url"] == f"http://testserver/api/vpr/{job_id}/result"
    redirect = api.get(f"/api/vpr/{job_id}/result")
    assert redirect.status_code == 302
    presigned = redirect["Location"]
    assert presigned.startswith(f"{aws.client('s3').meta.endpoint_url}/{s3_results}/")
    assert "X-Amz-Signature" in presigned
    assert "X-Amz-Expires=3600" in presigned
    with urllib.request.urlopen(presigned) as response:
        document = json.loads(response.read())
    assert document["job_id"] == job_id
    assert document["fvs"]["passed"] is True
    assert sqs_depth(sqs_queue["queue_url"]) == (0, 0)  # acknowledged


def test_result_deleted_from_s3_is_410(
    submit: Any, api: Any, sqs_queue: dict, s3_results: str, run_cluster: Any
):
    job_id = submit().json()["job_id"]
    run_cluster(lambda: _job(job_id).status == JobStatus.COMPLETED)

    application = f"/api/applications/{_job(job_id).application_id}/vpr"
    assert api.get(application).json()["document"]["job_id"] == job_id  # one GetObject
    aws.client("s3").delete_object(Bucket=s3_results, Key=_job(job_id).result_key)

    assert api.get(f"/api/vpr/{job_id}/result").status_code == 410  # a HEAD, not a redirect
    assert api.get(application).status_code == 410


def test_permanent_failure_is_acknowledged_without_retry(
    submit: Any, sqs_queue: dict, s3_results: str, run_cluster: Any, user: Any
):
    job_id = submit().json()["job_id"]
    Job.objects.filter(pk=job_id).update(input_data={"application_id": "x"})

    run_cluster(lambda: _job(job_id).status == JobStatus.FAILED)

    job = _job(job_id)
    assert (job.status, job.error_code, job.attempts) == (JobStatus.FAILED, "INVALID_INPUT", 1)
    assert sqs_depth(sqs_queue["queue_url"]) == (0, 0)
    assert sqs_depth(sqs_queue["dlq_url"]) == (0, 0)


def test_duplicate_delivery_makes_one_artifact(
    submit: Any, sqs_queue: dict, s3_results: str, run_cluster: Any
):
    job_id = submit().json()["job_id"]
    queue.send_job(job_id)  # the same message delivered twice

    run_cluster(
        lambda: (
            _job(job_id).status == JobStatus.COMPLETED
            and sqs_depth(sqs_queue["queue_url"]) == (0, 0)
        )
    )

    assert VPRArtifact.objects.filter(job_id=job_id).count() == 1
    assert _job(job_id).attempts == 1
    assert sqs_depth(sqs_queue["queue_url"]) == (0, 0)


def test_sends_from_many_web_threads_all_arrive_intact(sqs_queue: dict):
    """gunicorn's threads share the process's broker; every send arrives, each message
    carrying its own job."""
    job_ids = [str(uuid.uuid4()) for _ in range(40)]

    with ThreadPoolExecutor(max_workers=8) as pool:
        message_ids = list(pool.map(queue.send_job, job_ids))

    assert len(set(message_ids)) == 40
    assert sqs_depth(sqs_queue["queue_url"]) == (40, 0)
    received: list[str] = []
    sqs = aws.client("sqs")
    while len(received) < 40:
        batch = sqs.receive_message(
            QueueUrl=sqs_queue["queue_url"], MaxNumberOfMessages=10, WaitTimeSeconds=1
        ).get("Messages", [])
        assert batch, f"only {len(received)} of 40 messages arrived"
        received += [queue.decode_job_id(message["Body"]) for message in batch]
    assert sorted(received) == sorted(job_ids)
