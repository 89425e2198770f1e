"""The real django-q2 cluster (sentinel, pusher, workers, monitor) drains submitted jobs."""

from __future__ import annotations

import os
import subprocess
import sys
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


def test_manage_py_qcluster_is_the_preloading_command():
    from django.core.management import get_commands

    assert get_commands()["qcluster"] == "vpr_jobs"


def test_qcluster_imports_the_task_modules_before_the_workers_fork(tmp_path: Any):
    """In a fresh interpreter; the cluster's start is replaced by a probe of sys.modules."""
    probe = (
        "import sys, django; django.setup()\n"
        "from unittest import mock\n"
        "from django.core.management import call_command\n"
        "def start():\n"
        "    names = ('anthropic', 'boto3', 'vpr_jobs.tasks')\n"
        "    print(sorted(m for m in names if m in sys.modules))\n"
        "with mock.patch('vpr_jobs.management.commands.qcluster.Cluster') as cluster:\n"
        "    cluster.return_value.start.side_effect = start\n"
        "    cluster.return_value.sentinel.is_alive.return_value = False\n"
        "    cluster.return_value.sentinel.exitcode = 0\n"
        "    call_command('qcluster')\n"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "careervp.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "VPR_GENERATOR": "claude",
    }
    done = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=60
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "['anthropic', 'boto3', 'vpr_jobs.tasks']"
