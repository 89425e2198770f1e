"""Data migrations do to existing rows what the new code expects of them."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from vpr_jobs.schemas import VPRRequest
from vpr_jobs.services import submission

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("vpr_jobs", "0005_user_status_index")]
AFTER = [("vpr_jobs", "0006_core_claim_token_cv_snapshot")]


def _migrate(targets: list[tuple[str, str]]) -> Any:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_jobs_that_may_still_run_get_the_users_cv_and_the_new_fingerprint(
    cv_data: dict, vpr_body: dict, django_user_model: Any
):
    old_apps = _migrate(BEFORE)
    try:
        user = django_user_model.objects.create_user(username="before-upgrade")
        old_apps.get_model("vpr_jobs", "UserCV").objects.create(user_id=user.pk, data=cv_data)
        OldJob = old_apps.get_model("vpr_jobs", "Job")
        request = VPRRequest.model_validate(vpr_body)
        jobs = {
            status: OldJob.objects.create(
                user_id=user.pk,
                application_id=f"app-{status.lower()}",
                idempotency_key=f"vpr#{user.pk}#app-{status.lower()}",
                request_fingerprint="body-only" + "0" * 55,
                input_data=request.model_dump(mode="json", exclude={"user_id"}),
                status=status,
            ).pk
            for status in ("PENDING", "FAILED", "COMPLETED")
        }

        new_apps = _migrate(AFTER)
    finally:
        _migrate([("vpr_jobs", max(_leaf_names()))])

    Job = new_apps.get_model("vpr_jobs", "Job")
    pending, failed, completed = (Job.objects.get(pk=jobs[s]) for s in jobs)
    expected = submission.request_fingerprint(request, cv_data=cv_data)
    assert pending.cv_data == failed.cv_data == cv_data
    assert pending.request_fingerprint == failed.request_fingerprint == expected
    assert completed.cv_data is None  # finished: nothing left to run
    assert completed.request_fingerprint.startswith("body-only")


def _leaf_names() -> list[str]:
    executor = MigrationExecutor(connection)
    return [name for app, name in executor.loader.graph.leaf_nodes() if app == "vpr_jobs"]
