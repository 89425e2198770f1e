"""The staff admin: jobs changelist (filters, search, cost), detail, result view and actions."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.messages import constants as message_levels
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_q.models import OrmQ

from vpr_jobs.admin.changelist import EstimatedCountPaginator
from vpr_jobs.models import Job, JobStatus, UserCV, VPRArtifact
from vpr_jobs.pii import mask_email, mask_personal_data, mask_phone
from vpr_jobs.tasks import process_vpr_job

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:vpr_jobs_job_changelist")


@pytest.fixture
def make_job(user: Any, vpr_body: dict) -> Callable[..., Job]:
    """A job row in any state, created directly (unique idempotency key per job)."""

    def make(owner: Any = None, **fields: Any) -> Job:
        fields.setdefault("application_id", vpr_body["application_id"])
        fields.setdefault("generator", "rules")
        return Job.objects.create(
            user=owner or user,
            idempotency_key=f"test#{uuid.uuid4()}",
            request_fingerprint="f" * 64,
            input_data=vpr_body,
            **fields,
        )

    return make


@pytest.fixture
def completed_job(submit: Any) -> Job:
    """A real job through the API and the worker task (offline generator, stored result)."""
    job_id = submit().json()["job_id"]
    assert process_vpr_job(job_id) == "completed"
    return Job.objects.get(pk=job_id)


def ago(**delta: float) -> Any:
    return timezone.now() - timedelta(**delta)


def listed(response: Any) -> set[str]:
    assert response.status_code == 200, response.content[:500]
    return {str(job.pk) for job in response.context["cl"].result_list}


def run_action(client: Client, action: str, *jobs: Job, capture: Any) -> tuple[Any, list]:
    with capture(execute=True):
        response = client.post(
            CHANGELIST, {"action": action, "_selected_action": [str(j.pk) for j in jobs]}
        )
    assert response.status_code == 302, response.content[:500]
    return response, list(get_messages(response.wsgi_request))


# --------------------------------------------------------------------------- access


def test_non_staff_user_is_sent_to_the_login_page(client: Client, user: Any, make_job: Any):
    job = make_job()
    client.force_login(user)
    for url in (
        CHANGELIST,
        reverse("admin:vpr_jobs_job_change", args=[job.pk]),
        reverse("admin:vpr_jobs_job_result", args=[job.pk]),
        reverse("admin:vpr_jobs_usercv_changelist"),
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("admin:login")), url


# --------------------------------------------------------------------------- changelist


def test_changelist_shows_the_columns(admin_client: Client, make_job: Any):
    job = make_job(
        status=JobStatus.FAILED,
        attempts=3,
        error_code="RETRIES_EXHAUSTED",
        started_at=ago(seconds=90),
        completed_at=ago(seconds=30),
        token_usage={"input_tokens": 1200, "output_tokens": 340, "estimated_cost_usd": 0.0123},
    )
    response = admin_client.get(CHANGELIST)
    assert listed(response) == {str(job.pk)}
    html = response.content.decode()
    assert '<span style="overflow-wrap:anywhere">RETRIES_EXHAUSTED</span>' in html  # may wrap
    assert "color:#c62828" in html  # FAILED in red
    assert "(3 attempts)" in html
    assert '<span title="1,200 in / 340 out">$0.0123</span>' in html
    assert f'<span title="{job.pk}">{str(job.pk)[:8]}</span>' in html  # short id, full on hover
    assert "1m 00s" in html  # duration started → completed
    assert "app-ld-0001" in html
    assert response.context["cl"].show_full_result_count is False


def test_each_filter_narrows_the_list(admin_client: Client, make_job: Any):
    failed = make_job(status=JobStatus.FAILED, error_code="INVALID_CV", generator="claude")
    done = make_job(status=JobStatus.COMPLETED, created_at=ago(days=40))
    pending = make_job()  # just created: not stuck yet

    assert listed(admin_client.get(CHANGELIST, {"status__exact": "FAILED"})) == {str(failed.pk)}
    assert listed(admin_client.get(CHANGELIST, {"error_code": "INVALID_CV"})) == {str(failed.pk)}
    assert listed(admin_client.get(CHANGELIST, {"generator": "claude"})) == {str(failed.pk)}
    assert listed(admin_client.get(CHANGELIST, {"generator": "rules"})) == {
        str(done.pk),
        str(pending.pk),
    }
    since = str(
        timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=7)
    )
    recent = listed(admin_client.get(CHANGELIST, {"created_at__gte": since}))
    assert recent == {str(failed.pk), str(pending.pk)}
    assert listed(admin_client.get(CHANGELIST, {"stuck": "any"})) == set()


def test_error_code_and_generator_filters_offer_fixed_choices(admin_client: Client):
    """The choices exist with an empty table: they are not read from the data."""
    response = admin_client.get(CHANGELIST)
    html = response.content.decode()
    for code in ("CV_NOT_FOUND", "FVS_HALLUCINATION_DETECTED", "CANCELLED_BY_OPERATOR"):
        assert f"?error_code={code}" in html
    assert "?generator=claude" in html
    for label in ("stuck (any)", "never sent", "sent but unclaimed", "past its lease"):
        assert label in html


def test_stuck_filter_uses_the_sweeper_predicates(admin_client: Client, make_job: Any):
    never_sent = make_job(created_at=ago(minutes=10))
    unclaimed = make_job(created_at=ago(hours=2), enqueued_at=ago(hours=2))
    past_lease = make_job(
        status=JobStatus.PROCESSING, attempts=1, created_at=ago(hours=1), started_at=ago(hours=1)
    )
    make_job()  # fresh PENDING, within the enqueue grace
    make_job(status=JobStatus.PROCESSING, attempts=1, started_at=ago(seconds=10))

    def stuck(choice: str) -> set[str]:
        return listed(admin_client.get(CHANGELIST, {"stuck": choice}))

    assert stuck("never_sent") == {str(never_sent.pk)}
    assert stuck("unclaimed") == {str(unclaimed.pk)}
    assert stuck("lease") == {str(past_lease.pk)}
    assert stuck("any") == {str(never_sent.pk), str(unclaimed.pk), str(past_lease.pk)}
    combined = listed(admin_client.get(CHANGELIST, {"stuck": "any", "status__exact": "PENDING"}))
    assert combined == {str(never_sent.pk), str(unclaimed.pk)}


def test_search_by_job_id_is_an_exact_uuid_match(
    admin_client: Client, make_job: Any, make_user: Any
):
    bob = make_user("bob", email="bob@example.com")
    mine = make_job(application_id="app-1")
    bobs = make_job(owner=bob, application_id="app-2")

    with CaptureQueriesContext(connection) as queries:
        found = listed(admin_client.get(CHANGELIST, {"q": str(bobs.pk)}))
    assert found == {str(bobs.pk)}
    job_queries = [q["sql"] for q in queries if "vpr_jobs_job" in q["sql"]]
    assert job_queries and not any("LIKE" in sql.upper() for sql in job_queries)

    assert listed(admin_client.get(CHANGELIST, {"q": "app-1"})) == {str(mine.pk)}
    assert listed(admin_client.get(CHANGELIST, {"q": "bob"})) == {str(bobs.pk)}
    assert listed(admin_client.get(CHANGELIST, {"q": "BOB@example.com"})) == {str(bobs.pk)}
    assert listed(admin_client.get(CHANGELIST, {"q": str(uuid.uuid4())})) == set()


def test_changelist_filters_by_date_without_a_date_hierarchy_or_distinct_queries(
    admin_client: Client, make_job: Any
):
    old = make_job(created_at=ago(days=800))
    new = make_job()
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(CHANGELIST)
    assert listed(response) == {str(old.pk), str(new.pk)}
    assert not any("DISTINCT" in q["sql"].upper() for q in queries)
    html = response.content.decode()
    assert "created_at__year=" not in html  # no year/month/day drill-down
    assert "created_at__gte=" in html  # Today / Past 7 days / This month / This year

    this_year = timezone.localtime().replace(
        month=1, day=1, hour=0, minute=0, second=0, microsecond=0
    )
    filtered = admin_client.get(CHANGELIST, {"created_at__gte": str(this_year)})
    assert listed(filtered) == {str(new.pk)}


def test_changelist_leaves_the_width_to_the_jobs(admin_client: Client, make_job: Any):
    """No app list beside the table (it took 300 px of a 1280 px screen)."""
    make_job()

    html = admin_client.get(CHANGELIST).content.decode()

    assert 'id="nav-sidebar"' not in html
    assert 'aria-label="Breadcrumbs"' in html or 'class="breadcrumbs"' in html


def test_changelist_queries_do_not_grow_with_rows(
    admin_client: Client, make_job: Any, make_user: Any, django_assert_max_num_queries: Any
):
    users = [make_user(f"user{i}") for i in range(5)]
    make_job(owner=users[0], status=JobStatus.FAILED, error_code="INVALID_CV")
    with CaptureQueriesContext(connection) as few:
        assert admin_client.get(CHANGELIST).status_code == 200
    for i in range(30):
        make_job(
            owner=users[i % 5],
            status=JobStatus.COMPLETED,
            started_at=ago(seconds=50),
            completed_at=ago(seconds=5),
            token_usage={"input_tokens": i, "output_tokens": i, "estimated_cost_usd": 0.01},
        )

    with django_assert_max_num_queries(10) as many:
        response = admin_client.get(CHANGELIST)
    assert len(listed(response)) == 31
    assert len(many.captured_queries) == len(few.captured_queries)


def test_paginator_counts_exactly_when_filtered_or_small(make_job: Any):
    for _ in range(3):
        make_job()
    assert EstimatedCountPaginator(Job.objects.all(), 50).count == 3
    assert EstimatedCountPaginator(Job.objects.filter(status="FAILED"), 50).count == 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="reltuples is PostgreSQL's")
def test_paginator_uses_the_postgres_estimate_on_the_unfiltered_list(
    make_job: Any, monkeypatch: pytest.MonkeyPatch
):
    for _ in range(3):
        make_job()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE vpr_jobs_job")
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = 'vpr_jobs_job'")
        estimate = cursor.fetchone()[0]
    monkeypatch.setattr(EstimatedCountPaginator, "estimate_threshold", 0)

    with CaptureQueriesContext(connection) as queries:
        count = EstimatedCountPaginator(Job.objects.all(), 50).count
    assert count == estimate
    assert not any("COUNT(" in q["sql"].upper() for q in queries)
    # Filtered lists are still counted exactly.
    assert EstimatedCountPaginator(Job.objects.filter(status="PENDING"), 50).count == 3


# --------------------------------------------------------------------------- detail


def test_masking_helpers():
    assert mask_email("noa.bar@example.com") == "n***@example.com"
    assert mask_phone("+972-50-000-0000") == "+972-5*-***-**00"
    masked = mask_personal_data(
        {"contact": {"email": "a@b.io", "linkedin": "https://x.com/in/me", "location": "Haifa"}}
    )
    assert masked == {
        "contact": {"email": "a***@b.io", "linkedin": "https://x.com/***", "location": "H***"}
    }


def test_detail_masks_contact_and_shows_timeline_and_result(
    admin_client: Client, completed_job: Job
):
    response = admin_client.get(reverse("admin:vpr_jobs_job_change", args=[completed_job.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "noa.bar@example.com" not in html
    assert "+972-50-000-0000" not in html
    assert "n***@example.com" in html
    assert "+972-5*-***-**00" in html
    assert "Natural Intelligence" in html  # the request's input is shown
    for event in ("created", "enqueued", "started", "completed"):
        assert f"<td>{event}</td>" in html
    assert reverse("admin:vpr_jobs_job_result", args=[completed_job.pk]) in html
    assert "v1 (this job)" in html  # artifact versions
    assert "No token usage recorded" in html  # the offline generator uses no tokens
    assert 'name="_save"' not in html  # view-only: a job is never saved through a form


def test_detail_shows_fvs_table_and_token_usage(admin_client: Client, make_job: Any):
    job = make_job(
        status=JobStatus.FAILED,
        error_code="FVS_HALLUCINATION_DETECTED",
        fvs_result={
            "passed": False,
            "violations": [
                {
                    "tier": "critical",
                    "check": "number",
                    "field": "evidence[0].cv_evidence",
                    "value": "40%",
                    "message": "40% is not in the CV",
                }
            ],
            "warnings": [
                {
                    "tier": "warning",
                    "check": "company",
                    "field": "summary",
                    "value": "Acme",
                    "message": "Acme <b>unknown</b>",
                }
            ],
        },
        token_usage={
            "input_tokens": 5000,
            "output_tokens": 1500,
            "cache_read_input_tokens": 0,
            "cache_creation_input_tokens": 2000,
            "calls": 2,
            "estimated_cost_usd": 0.0525,
        },
    )
    html = admin_client.get(reverse("admin:vpr_jobs_job_change", args=[job.pk])).content.decode()
    assert "1 violation(s), 1 warning(s)" in html
    assert "<td>evidence[0].cv_evidence</td>" in html
    assert "<td>40% is not in the CV</td>" in html
    assert "Acme &lt;b&gt;unknown&lt;/b&gt;" in html  # escaped, never rendered as HTML
    assert "<td>model calls</td><td>2</td>" in html
    assert "$0.0525" in html
    assert "No result (the job has not completed)." in html


def test_result_view_streams_the_stored_json_to_staff(admin_client: Client, completed_job: Job):
    response = admin_client.get(reverse("admin:vpr_jobs_job_result", args=[completed_job.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    document = json.loads(response.content)
    assert document["job_id"] == str(completed_job.pk)
    assert document["version"] == 1


def test_result_view_without_a_result(admin_client: Client, make_job: Any):
    job = make_job(status=JobStatus.FAILED)
    assert admin_client.get(reverse("admin:vpr_jobs_job_result", args=[job.pk])).status_code == 404
    missing = reverse("admin:vpr_jobs_job_result", args=[uuid.uuid4()])
    assert admin_client.get(missing).status_code == 404


def test_detail_links_to_a_presigned_url_on_s3(admin_client: Client, s3_results: str, submit: Any):
    job_id = submit().json()["job_id"]
    assert process_vpr_job(job_id) == "completed"
    html = admin_client.get(reverse("admin:vpr_jobs_job_change", args=[job_id])).content.decode()
    assert "presigned S3 URL" in html
    assert "X-Amz-Signature=" in html
    result = admin_client.get(reverse("admin:vpr_jobs_job_result", args=[job_id]))
    assert json.loads(result.content)["job_id"] == job_id


# --------------------------------------------------------------------------- actions


def test_retry_failed_job(admin_client: Client, make_job: Any, django_capture_on_commit_callbacks):
    job = make_job(status=JobStatus.FAILED, attempts=3, error_code="RETRIES_EXHAUSTED")
    queued = OrmQ.objects.count()

    _, sent = run_action(
        admin_client, "retry_jobs", job, capture=django_capture_on_commit_callbacks
    )

    job.refresh_from_db()
    assert (job.status, job.attempts, job.error_code) == (JobStatus.PENDING, 0, "")
    assert job.enqueued_at is not None
    assert OrmQ.objects.count() == queued + 1
    entry = LogEntry.objects.get(object_id=str(job.pk))
    assert entry.action_flag == CHANGE
    assert "Retried via admin: retried and re-enqueued" in entry.get_change_message()
    assert [(m.level, str(m)) for m in sent] == [(message_levels.SUCCESS, "Retried 1 of 1 job(s).")]


def test_retry_stuck_processing_job(
    admin_client: Client, make_job: Any, django_capture_on_commit_callbacks
):
    job = make_job(status=JobStatus.PROCESSING, attempts=2, started_at=ago(hours=1))
    run_action(admin_client, "retry_jobs", job, capture=django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert (job.status, job.attempts) == (JobStatus.PENDING, 0)


def test_retry_of_completed_job_is_refused(
    admin_client: Client, completed_job: Job, make_job: Any, django_capture_on_commit_callbacks
):
    failed = make_job(status=JobStatus.FAILED, application_id="other-app")
    queued = OrmQ.objects.count()

    _, sent = run_action(
        admin_client,
        "retry_jobs",
        completed_job,
        failed,
        capture=django_capture_on_commit_callbacks,
    )

    completed_job.refresh_from_db()
    assert completed_job.status == JobStatus.COMPLETED
    assert completed_job.attempts == 1
    assert Job.objects.get(pk=failed.pk).status == JobStatus.PENDING
    assert OrmQ.objects.count() == queued + 1  # only the FAILED one
    assert len(sent) == 1 and sent[0].level == message_levels.WARNING
    text = str(sent[0])
    assert "Retried 1 of 2 job(s)." in text
    assert f"Refused 1: {completed_job.pk}: not retried: job is COMPLETED" in text
    assert not LogEntry.objects.filter(object_id=str(completed_job.pk)).exists()
    assert LogEntry.objects.filter(object_id=str(failed.pk)).exists()


def test_cancel(admin_client: Client, make_job: Any, django_capture_on_commit_callbacks):
    pending = make_job()
    done = make_job(status=JobStatus.COMPLETED, application_id="other-app")

    _, sent = run_action(
        admin_client, "cancel_jobs", pending, done, capture=django_capture_on_commit_callbacks
    )

    pending.refresh_from_db()
    assert (pending.status, pending.error_code) == (JobStatus.CANCELLED, "CANCELLED_BY_OPERATOR")
    assert Job.objects.get(pk=done.pk).status == JobStatus.COMPLETED
    assert "Cancelled via admin" in LogEntry.objects.get(object_id=str(pending.pk)).change_message
    assert sent[0].level == message_levels.WARNING
    assert "Cancelled 1 of 2 job(s)." in str(sent[0])
    assert "already COMPLETED and cannot be cancelled" in str(sent[0])


def test_reenqueue_pending(admin_client: Client, make_job: Any, django_capture_on_commit_callbacks):
    pending = make_job(created_at=ago(minutes=30))
    failed = make_job(status=JobStatus.FAILED, application_id="other-app")
    queued = OrmQ.objects.count()

    _, sent = run_action(
        admin_client, "reenqueue_jobs", pending, failed, capture=django_capture_on_commit_callbacks
    )

    pending.refresh_from_db()
    assert pending.status == JobStatus.PENDING and pending.enqueued_at is not None
    assert OrmQ.objects.count() == queued + 1
    assert Job.objects.get(pk=failed.pk).enqueued_at is None
    assert LogEntry.objects.filter(object_id=str(pending.pk)).count() == 1
    assert "Re-enqueued 1 of 2 job(s)." in str(sent[0])
    assert "only PENDING jobs" in str(sent[0])


def test_actions_refuse_huge_selections(
    admin_client: Client,
    make_job: Any,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks,
):
    monkeypatch.setattr("vpr_jobs.admin.actions.MAX_ACTION_JOBS", 1)
    jobs = [make_job(), make_job(application_id="other-app")]
    _, sent = run_action(
        admin_client, "cancel_jobs", *jobs, capture=django_capture_on_commit_callbacks
    )
    assert sent[0].level == message_levels.ERROR
    assert {j.status for j in Job.objects.all()} == {JobStatus.PENDING}


def test_job_cannot_be_added_changed_or_deleted(admin_client: Client, make_job: Any):
    job = make_job()
    assert admin_client.get(reverse("admin:vpr_jobs_job_add")).status_code == 403
    change = reverse("admin:vpr_jobs_job_change", args=[job.pk])
    assert admin_client.post(change, {"status": "COMPLETED"}).status_code == 403
    assert admin_client.get(reverse("admin:vpr_jobs_job_delete", args=[job.pk])).status_code == 403
    assert Job.objects.get(pk=job.pk).status == JobStatus.PENDING


# --------------------------------------------------------------------------- CVs, artifacts, q


def test_cv_and_artifact_admin_are_read_only(admin_client: Client, completed_job: Job):
    cv = UserCV.objects.get(user=completed_job.user)
    artifact = VPRArtifact.objects.get(job=completed_job)
    for model, obj in (("usercv", cv), ("vprartifact", artifact)):
        assert admin_client.get(reverse(f"admin:vpr_jobs_{model}_changelist")).status_code == 200
        assert admin_client.get(reverse(f"admin:vpr_jobs_{model}_add")).status_code == 403
        change = reverse(f"admin:vpr_jobs_{model}_change", args=[obj.pk])
        page = admin_client.get(change)
        assert page.status_code == 200
        assert 'name="_save"' not in page.content.decode()
        assert admin_client.post(change, {}).status_code == 403
        delete = reverse(f"admin:vpr_jobs_{model}_delete", args=[obj.pk])
        assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert UserCV.objects.filter(pk=cv.pk).exists()
    assert VPRArtifact.objects.filter(pk=artifact.pk).exists()

    cv_page = admin_client.get(reverse("admin:vpr_jobs_usercv_change", args=[cv.pk]))
    html = cv_page.content.decode()
    assert "Learning Experience Specialist" in html  # the CV data is shown …
    assert "noa.bar@example.com" not in html and "n***@example.com" in html  # … masked
    artifact_page = admin_client.get(
        reverse("admin:vpr_jobs_vprartifact_change", args=[artifact.pk])
    ).content.decode()
    assert reverse("admin:vpr_jobs_job_result", args=[completed_job.pk]) in artifact_page


@pytest.mark.parametrize("model", ["success", "failure", "schedule", "ormq"])
def test_django_q_admin_stays_available(admin_client: Client, model: str):
    response = admin_client.get(reverse(f"admin:django_q_{model}_changelist"))
    assert response.status_code == 200
    assert response.context["cl"].model._meta.app_label == "django_q"
