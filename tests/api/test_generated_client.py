"""A client generated from the served schema by openapi-python-client drives the whole flow
against a live server and a real django-q2 cluster: every response has a documented status
(the client raises on any other) and parses into the documented model."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from django.core.cache import cache

from tests.conftest import issue_token
from vpr_jobs import storage
from vpr_jobs.models import VPRArtifact

VENV_BIN = Path(sys.executable).parent


@pytest.fixture
def generated(live_server: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """`careervp_client`, generated from `GET /api/schema` of the running server."""
    schema = httpx.get(f"{live_server.url}/api/schema", params={"format": "json"})
    assert schema.status_code == 200
    (tmp_path / "schema.json").write_bytes(schema.content)
    result = subprocess.run(
        [
            str(VENV_BIN / "openapi-python-client"),
            "generate",
            "--path",
            str(tmp_path / "schema.json"),
            "--output-path",
            str(tmp_path / "careervp_client"),
            "--meta",
            "none",
            "--fail-on-warning",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        # The generator formats its output with ruff, found on PATH.
        env={**os.environ, "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in [n for n in sys.modules if n.startswith("careervp_client")]:
        del sys.modules[name]
    return importlib.import_module("careervp_client")


class Driver:
    """Calls one generated operation and checks its status and the parsed model."""

    def __init__(self, package: ModuleType, base_url: str, token: str) -> None:
        self.package = package
        self.models = importlib.import_module("careervp_client.models")
        self.opened: list[Any] = []
        self.token = token
        self.client = self.client_for(base_url, token)

    def client_for(self, base_url: str, token: str, **headers: str) -> Any:
        client = self.package.AuthenticatedClient(
            base_url=base_url,
            token=token,
            prefix="Token",
            headers=headers,
            raise_on_unexpected_status=True,
        )
        self.opened.append(client)
        return client

    def close(self) -> None:
        """Ends the keep-alive connections, and with them the live server's request threads
        and their database connections."""
        for client in self.opened:
            client.get_httpx_client().close()

    def op(self, name: str) -> ModuleType:
        return importlib.import_module(f"careervp_client.api.{name}")

    def __call__(
        self, operation: str, expected: int, model: str, /, client: Any = None, **kwargs: Any
    ) -> Any:
        response = self.op(operation).sync_detailed(client=client or self.client, **kwargs)
        assert response.status_code == expected, (operation, response.content)
        expected = getattr(self.models, model)
        assert isinstance(response.parsed, expected), (operation, response.parsed)
        return response


@pytest.fixture
def driver(
    generated: ModuleType, live_server: Any, make_user: Callable[..., Any]
) -> Iterator[Driver]:
    token = issue_token(make_user("alice"))
    driver = Driver(generated, live_server.url, token)
    yield driver
    driver.close()


def _huge_cv(models: ModuleType, cv_data: dict) -> Any:
    """A CV within every field bound whose JSON is far over the 256 KiB body limit."""
    experience = {
        "company": "Acme",
        "role": "Engineer",
        "start_date": "2020-01",
        "achievements": ["x" * 1000] * 30,
    }
    return models.CV.from_dict({**cv_data, "experience": [experience] * 30})


@pytest.mark.django_db(transaction=True)
def test_generated_client_drives_the_whole_flow(
    driver: Driver,
    live_server: Any,
    cv_data: dict,
    vpr_body: dict,
    run_cluster: Callable[..., None],
    throttle_rates: Callable[..., None],
    make_user: Callable[..., Any],
):
    m = driver.models
    request = m.VPRRequest.from_dict(vpr_body)

    # CV: none yet, then stored; bad and oversized bodies are refused.
    driver("cv.cv_retrieve", 404, "Error")
    cv = driver("cv.cv_update", 200, "CV", body=m.CV.from_dict(cv_data))
    assert cv.parsed.full_name == cv_data["full_name"]
    driver("cv.cv_retrieve", 200, "CV")
    driver("cv.cv_update", 400, "Error", body=m.CV.from_dict({**cv_data, "full_name": ""}))
    driver("cv.cv_update", 413, "Error", body=_huge_cv(m, cv_data))

    # Submit: 202 with Location and Retry-After, then the same job (200).
    accepted = driver("vpr.vpr_create", 202, "SubmitOutput", body=request)
    job_id = str(accepted.parsed.job_id)
    assert accepted.headers["Location"] == f"/api/vpr/status/{job_id}"
    assert int(accepted.headers["Retry-After"]) > 0
    duplicate = driver("vpr.vpr_create", 200, "SubmitOutput", body=request)
    assert str(duplicate.parsed.job_id) == job_id
    # A different request for the same application while it runs: 409 naming the job.
    changed = m.VPRRequest.from_dict(
        {**vpr_body, "job_posting": {**vpr_body["job_posting"], "role_title": "Other role"}}
    )
    conflict = driver("vpr.vpr_create", 409, "Error", body=changed)
    assert str(conflict.parsed.job_id) == job_id
    # Errors a client can provoke on submit.
    driver(
        "vpr.vpr_create",
        400,
        "Error",
        body=m.VPRRequest.from_dict({**vpr_body, "application_id": "not valid!"}),
    )
    driver("vpr.vpr_create", 400, "Error", body=request, idempotency_key="k" * 256)
    driver("vpr.vpr_create", 403, "Error", body=m.VPRRequest.from_dict({**vpr_body, "user_id": 0}))
    no_cv = driver.client_for(live_server.url, issue_token(make_user("bob")))
    missing_cv = driver("vpr.vpr_create", 422, "Error", body=request, client=no_cv)
    assert missing_cv.parsed.error_code == "CV_NOT_FOUND"

    # Status: 202 while pending; a worker cluster runs it until the client sees COMPLETED.
    pending = driver("vpr.vpr_status_retrieve", 202, "JobStatusOutput", job_id=job_id)
    assert pending.parsed.status == m.StatusEnum.PENDING
    assert int(pending.headers["Retry-After"]) > 0
    cancelled = driver(
        "vpr.vpr_cancel_create",
        200,
        "JobStatusOutput",
        job_id=str(
            driver(
                "vpr.vpr_create",
                202,
                "SubmitOutput",
                body=m.VPRRequest.from_dict({**vpr_body, "application_id": "app-to-cancel"}),
            ).parsed.job_id
        ),
    )
    assert cancelled.parsed.status == m.StatusEnum.CANCELLED
    statuses: list[Any] = []

    def completed() -> bool:
        polled = driver.op("vpr.vpr_status_retrieve").sync_detailed(
            client=driver.client, job_id=job_id
        )
        statuses.append(polled.parsed)
        return polled.status_code == 200

    run_cluster(completed, timeout=90)
    done = driver("vpr.vpr_status_retrieve", 200, "JobStatusOutput", job_id=job_id)
    assert done.parsed.status == m.StatusEnum.COMPLETED
    assert all(isinstance(s, m.JobStatusOutput) for s in statuses)
    assert isinstance(done.parsed.fvs, m.FVSResult) and done.parsed.fvs.passed

    # Result: the download link and the application's artifact, both a typed VPRDocument.
    # The status body names the stable download URL; the client follows the operation behind it.
    assert urlsplit(done.parsed.result_url).path == f"/api/vpr/{job_id}/result"
    document = driver("vpr.vpr_result_retrieve", 200, "VPRDocument", job_id=job_id).parsed
    assert str(document.job_id) == job_id and document.evidence_matrix
    assert isinstance(document.evidence_matrix[0], m.EvidenceRow)
    artifact = driver(
        "applications.applications_vpr_retrieve",
        200,
        "ArtifactOutput",
        application_id=vpr_body["application_id"],
    )
    assert isinstance(artifact.parsed.document, m.VPRDocument)
    assert artifact.parsed.version == 1
    driver(
        "applications.applications_vpr_retrieve",
        200,
        "ArtifactOutput",
        application_id=vpr_body["application_id"],
        version=1,
    )
    driver(
        "applications.applications_vpr_retrieve",
        400,
        "Error",
        application_id=vpr_body["application_id"],
        version=0,
    )
    driver(
        "applications.applications_vpr_retrieve",
        404,
        "Error",
        application_id=vpr_body["application_id"],
        version=7,
    )
    driver("vpr.vpr_result_retrieve", 404, "Error", job_id=str(uuid.uuid4()))

    # A client key reused for another request.
    keyed = m.VPRRequest.from_dict({**vpr_body, "application_id": "app-keyed"})
    driver("vpr.vpr_create", 202, "SubmitOutput", body=keyed, idempotency_key="client key-1")
    driver("vpr.vpr_create", 200, "SubmitOutput", body=keyed, idempotency_key="client key-1")
    driver("vpr.vpr_create", 422, "Error", body=request, idempotency_key="client key-1")

    # List: filters and cursor pages.
    page = driver("vpr.vpr_list", 200, "PaginatedJobListItemList", page_size=1).parsed
    assert len(page.results) == 1 and page.next_
    cursor = dict(httpx.URL(page.next_).params)["cursor"]
    second = driver("vpr.vpr_list", 200, "PaginatedJobListItemList", page_size=1, cursor=cursor)
    assert second.parsed.results[0].job_id != page.results[0].job_id
    finished = driver(
        "vpr.vpr_list", 200, "PaginatedJobListItemList", status=m.VprListStatus.COMPLETED
    ).parsed
    assert [str(job.job_id) for job in finished.results] == [job_id]
    by_app = driver(
        "vpr.vpr_list", 200, "PaginatedJobListItemList", application_id="app-to-cancel"
    ).parsed
    assert [job.status for job in by_app.results] == [m.StatusEnum.CANCELLED]
    driver("vpr.vpr_list", 400, "Error", page_size=0)
    driver("vpr.vpr_list", 400, "Error", application_id="no spaces")
    driver("vpr.vpr_list", 404, "Error", cursor="garbage")

    # Cancel a finished job, unknown ids, a deleted result.
    driver("vpr.vpr_cancel_create", 409, "Error", job_id=job_id)
    unknown = "00000000-0000-0000-0000-000000000000"
    driver("vpr.vpr_cancel_create", 404, "Error", job_id=unknown)
    driver("vpr.vpr_status_retrieve", 404, "Error", job_id=unknown)
    for stored in VPRArtifact.objects.all():
        storage.result_delete(stored.result_key)
    driver("vpr.vpr_status_retrieve", 200, "JobStatusOutput", job_id=job_id)  # a poll: no check
    gone = driver("vpr.vpr_result_retrieve", 410, "Error", job_id=job_id)  # the download checks
    assert gone.parsed.message == "Please regenerate the VPR"
    driver(
        "applications.applications_vpr_retrieve",
        410,
        "Error",
        application_id=vpr_body["application_id"],
    )

    # Authentication, content negotiation, throttling.
    wrong = driver.client_for(live_server.url, "not-a-real-token")
    refused = driver("cv.cv_retrieve", 401, "Error", client=wrong)
    assert refused.headers["WWW-Authenticate"] == "Token"
    driver(
        "cv.cv_retrieve",
        406,
        "Error",
        client=driver.client_for(live_server.url, driver.token, Accept="application/xml"),
    )
    throttle_rates(submit="1/min", read="1/min")
    cache.clear()  # a fresh window's counters
    driver("vpr.vpr_list", 200, "PaginatedJobListItemList")
    throttled = driver("vpr.vpr_list", 429, "Error")
    assert int(throttled.headers["Retry-After"]) > 0
