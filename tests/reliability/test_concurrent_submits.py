"""200 simultaneous submits against a real gunicorn (4 processes x 8 threads) on PostgreSQL.

PostgreSQL allows 100 connections here (`SHOW max_connections`), so 200 simultaneous
*database* connections are impossible; 200 simultaneous *HTTP requests* are not: 200 client
threads, one connection each, are released by one barrier, and gunicorn queues what its 32
request threads cannot take at once, exactly as in production behind nginx.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django_q.models import OrmQ

from tests.conftest import issue_token
from tests.reliability.support import HttpResult, LiveServer, fire_together, http_json
from vpr_jobs.models import Job, JobStatus

REQUESTS = 200

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
]


@pytest.fixture
def token(api_with_cv: Any, user: Any) -> str:
    return issue_token(user)


def _submit_all(server: LiveServer, token: str, bodies: list[dict]) -> list[HttpResult]:
    results = fire_together(
        [
            lambda body=body: http_json(server.url, "POST", "/api/vpr", token=token, body=body)
            for body in bodies
        ]
    )
    errors = [r for r in results if not isinstance(r, HttpResult)]
    assert not errors, f"{len(errors)} requests raised, first: {errors[0]!r}"
    return results


def test_200_identical_simultaneous_submits_make_one_job_and_one_message(
    gunicorn_server: LiveServer, token: str, vpr_body: dict
):
    results = _submit_all(gunicorn_server, token, [vpr_body] * REQUESTS)

    codes = sorted(r.status for r in results)
    assert codes == [200] * (REQUESTS - 1) + [202], {c: codes.count(c) for c in set(codes)}
    assert len({r.body["job_id"] for r in results}) == 1
    assert Job.objects.count() == 1
    assert OrmQ.objects.count() == 1
    assert Job.objects.get().enqueued_at is not None


def test_200_different_simultaneous_submits_are_all_kept(
    gunicorn_server: LiveServer, token: str, vpr_body: dict
):
    bodies = [{**vpr_body, "application_id": f"app-burst-{n:03d}"} for n in range(REQUESTS)]

    results = _submit_all(gunicorn_server, token, bodies)

    assert [r.status for r in results] == [202] * REQUESTS
    job_ids = {r.body["job_id"] for r in results}
    assert len(job_ids) == REQUESTS
    jobs = Job.objects.filter(pk__in=job_ids)
    assert jobs.count() == REQUESTS == Job.objects.count()
    assert set(jobs.values_list("application_id", flat=True)) == {
        b["application_id"] for b in bodies
    }
    assert not jobs.exclude(status=JobStatus.PENDING).exists()
    assert not jobs.filter(enqueued_at__isnull=True).exists()  # every one was sent
    assert OrmQ.objects.count() == REQUESTS
