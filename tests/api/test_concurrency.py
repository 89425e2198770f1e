"""Simultaneous submits: the unique index, not a read-then-insert, keeps one job per key."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection
from django_q.models import OrmQ

from vpr_jobs.models import Job

THREADS = 12


def _fire_together(calls: list) -> list[Any]:
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = calls[index]()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (DATABASE_URL)")
def test_identical_simultaneous_submits_make_one_job_and_one_message(
    api_with_cv: Any, user: Any, client_for: Any, vpr_body: dict
):
    clients = [client_for(user) for _ in range(THREADS)]  # one client per thread
    responses = _fire_together(
        [lambda c=c: c.post("/api/vpr", vpr_body, format="json") for c in clients]
    )

    codes = sorted(r.status_code for r in responses)
    assert codes == [200] * (THREADS - 1) + [202]
    assert len({r.json()["job_id"] for r in responses}) == 1
    assert Job.objects.count() == 1
    assert OrmQ.objects.count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (DATABASE_URL)")
def test_different_simultaneous_submits_are_all_kept(
    api_with_cv: Any, user: Any, client_for: Any, vpr_body: dict
):
    clients = [client_for(user) for _ in range(THREADS)]  # one client per thread
    calls = [
        lambda n=n, c=c: c.post(
            "/api/vpr", {**vpr_body, "application_id": f"app-{n}"}, format="json"
        )
        for n, c in enumerate(clients)
    ]

    responses = _fire_together(calls)

    assert [r.status_code for r in responses] == [202] * THREADS
    assert Job.objects.count() == THREADS
    assert OrmQ.objects.count() == THREADS
