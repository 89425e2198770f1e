"""The real django-q2 cluster (sentinel, pusher, workers, monitor) drains submitted jobs."""

from __future__ import annotations

from typing import Any

import pytest

from vpr_jobs.models import Job, JobStatus, VPRArtifact


@pytest.mark.django_db(transaction=True)
def test_orm_broker_cluster_completes_every_submitted_job(
    submit: Any, vpr_body: dict, run_cluster: Any
):
    job_ids = [
        submit({**vpr_body, "application_id": f"app-cluster-{n}"}).json()["job_id"]
        for n in range(3)
    ]
    jobs = Job.objects.filter(pk__in=job_ids)

    run_cluster(lambda: jobs.filter(status=JobStatus.COMPLETED).count() == 3)

    assert set(jobs.values_list("status", flat=True)) == {JobStatus.COMPLETED}
    assert VPRArtifact.objects.filter(job_id__in=job_ids).count() == 3
