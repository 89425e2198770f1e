"""The real django-q2 cluster (sentinel, pusher, workers, monitor) drains submitted jobs."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django_q.brokers import get_broker
from django_q.cluster import Cluster

from vpr_jobs.models import Job, JobStatus, VPRArtifact


@pytest.mark.django_db(transaction=True)
def test_cluster_completes_every_submitted_job(submit: Any, vpr_body: dict):
    job_ids = [
        submit({**vpr_body, "application_id": f"app-cluster-{n}"}).json()["job_id"]
        for n in range(3)
    ]
    cluster = Cluster(get_broker())
    cluster.start()
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if Job.objects.filter(pk__in=job_ids, status=JobStatus.COMPLETED).count() == 3:
                break
            time.sleep(0.2)
    finally:
        cluster.stop()

    statuses = dict(Job.objects.filter(pk__in=job_ids).values_list("job_id", "status"))
    assert set(statuses.values()) == {JobStatus.COMPLETED}, statuses
    assert VPRArtifact.objects.filter(job_id__in=job_ids).count() == 3
