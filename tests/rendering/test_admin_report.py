"""Admin shows the rendered report: a link on the job page, the page itself for staff."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.rendering.test_report_formats import SECTIONS, Page, complete

pytestmark = pytest.mark.django_db


def test_staff_open_the_rendered_report_from_the_job_page(
    api: Any, submit: Any, admin_client: Client
) -> None:
    job = complete(api, submit, "he_devops")
    rendered = reverse("admin:vpr_jobs_job_result", args=[job.pk]) + "?format=html"

    change_page = admin_client.get(reverse("admin:vpr_jobs_job_change", args=[job.pk]))
    response = admin_client.get(rendered)

    assert f'href="{rendered}"' in change_page.content.decode()
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response["Cache-Control"].startswith("private, no-store")  # (admin adds never_cache)
    page = Page(response.content.decode())
    assert page.root["dir"] == "rtl" and page.sections == SECTIONS
    plain = admin_client.get(reverse("admin:vpr_jobs_job_result", args=[job.pk]))
    assert plain["Content-Type"] == "application/json"  # the JSON stays the default


def test_the_rendered_report_is_for_staff_only(api: Any, submit: Any, user: Any) -> None:
    job = complete(api, submit, "backend_senior_to_staff")
    client = Client()
    client.force_login(user)  # the job's owner, but not staff

    response = client.get(reverse("admin:vpr_jobs_job_result", args=[job.pk]) + "?format=html")

    assert response.status_code == 302  # to the admin login
    assert "Value Proposition Report" not in response.content.decode()
