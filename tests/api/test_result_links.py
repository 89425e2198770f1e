"""GET /api/vpr/<job_id>/result on S3: a 302 to a presigned GET made by django-storages.

The status body only names this stable URL; the presigned one is made, after a HEAD, when the
owner downloads. Against moto's S3 server over HTTP.
"""

from __future__ import annotations

import urllib.request
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.files.storage import storages

from vpr_jobs.models import Job
from vpr_jobs.tasks import process_vpr_job

pytestmark = pytest.mark.django_db


@pytest.fixture
def s3_job_id(s3_results: str, submit: Any) -> str:
    job_id = submit().json()["job_id"]
    assert process_vpr_job(job_id) == "completed"
    return job_id


def test_download_redirects_to_a_fresh_presigned_url_that_serves_the_report(
    api: Any, s3_job_id: str, s3_results: str, settings: Any
):
    response = api.get(f"/api/vpr/{s3_job_id}/result")

    assert response.status_code == 302
    assert response["Cache-Control"] == "private, no-store"
    location = response["Location"]
    assert urlparse(location).path == f"/{s3_results}/{Job.objects.get(pk=s3_job_id).result_key}"
    query = parse_qs(urlparse(location).query)
    assert query["X-Amz-Expires"] == [str(settings.VPR_RESULT_URL_TTL_SECONDS)]
    with urllib.request.urlopen(location) as download:
        assert b'"job_id": "' + s3_job_id.encode() in download.read()
        assert download.headers["Cache-Control"] == "private, no-store"  # stored on the object


@pytest.mark.parametrize(
    ("fmt", "content_type"),
    [("html", "text/html; charset=utf-8"), ("md", "text/markdown; charset=utf-8")],
)
def test_a_rendered_download_on_s3_is_the_page_not_a_redirect(
    api: Any, s3_job_id: str, fmt: str, content_type: str
):
    response = api.get(f"/api/vpr/{s3_job_id}/result", {"format": fmt})

    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Cache-Control"] == "private, no-store"
    assert "Location" not in response
    assert "Value Proposition Report" in response.content.decode()


def test_status_poll_on_s3_names_the_stable_url(api: Any, s3_job_id: str):
    body = api.get(f"/api/vpr/status/{s3_job_id}").json()

    assert body["result_url"] == f"http://testserver/api/vpr/{s3_job_id}/result"


def test_object_gone_from_s3_is_410_not_a_redirect(api: Any, s3_job_id: str):
    storages["vpr_results"].delete(Job.objects.get(pk=s3_job_id).result_key)

    response = api.get(f"/api/vpr/{s3_job_id}/result")

    assert response.status_code == 410
    assert response.json()["error"] == "Result expired or deleted"


def test_another_users_download_is_404_without_a_link(
    s3_job_id: str, make_user: Any, client_for: Any
):
    response = client_for(make_user("mallory")).get(f"/api/vpr/{s3_job_id}/result")

    assert response.status_code == 404
    assert "Location" not in response
