"""Operator commands: sweep_jobs, retry_jobs, purge_jobs, requeue_dlq."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError
from django.utils import timezone
from django_q.models import Failure, OrmQ

from tests.support.queues import sqs_depth
from vpr_jobs import queue
from vpr_jobs.integrations import aws
from vpr_jobs.models import Job, JobStatus, VPRArtifact
from vpr_jobs.services import lifecycle, operations
from vpr_jobs.services.operations import LetterAction
from vpr_jobs.tasks import process_vpr_job, sweep_jobs


def run(name: str, *args: str) -> str:
    out = StringIO()
    call_command(name, *args, stdout=out, stderr=out)
    return out.getvalue()


@pytest.fixture
def make_job(submit: Any, vpr_body: dict) -> Any:
    counter = iter(range(1000))

    def make(**fields: Any) -> Job:
        job_id = submit({**vpr_body, "application_id": f"ops-{next(counter)}"}).json()["job_id"]
        if fields:
            Job.objects.filter(pk=job_id).update(**fields)
        return Job.objects.get(pk=job_id)

    return make


def ago(**delta: float) -> Any:
    return timezone.now() - timedelta(**delta)


# --------------------------------------------------------------------------- sweep_jobs


@pytest.mark.django_db
def test_sweep_resends_never_sent_and_unclaimed_jobs_only(make_job: Any, settings: Any):
    never_sent = make_job(enqueued_at=None, created_at=ago(minutes=5))
    fresh = make_job(enqueued_at=None)  # may still be between commit and send
    lost = make_job(enqueued_at=ago(seconds=settings.VPR_VISIBILITY_TIMEOUT_SECONDS + 120))
    healthy = make_job()
    OrmQ.objects.all().delete()

    output = run("sweep_jobs")

    assert "re-sent 2" in output
    assert OrmQ.objects.count() == 2
    assert Job.objects.get(pk=never_sent.pk).enqueued_at is not None
    assert Job.objects.get(pk=lost.pk).enqueued_at > ago(minutes=1)
    assert Job.objects.get(pk=fresh.pk).enqueued_at is None
    assert Job.objects.get(pk=healthy.pk).enqueued_at == healthy.enqueued_at


@pytest.mark.django_db
def test_sweep_fails_exhausted_leases_and_releases_forgotten_ones(make_job: Any, settings: Any):
    lease = settings.VPR_WORKER_TIMEOUT_SECONDS
    exhausted = make_job(
        status=JobStatus.PROCESSING,
        attempts=settings.VPR_MAX_ATTEMPTS,
        started_at=ago(seconds=lease + 5),
    )
    forgotten = make_job(
        status=JobStatus.PROCESSING,
        attempts=1,
        started_at=ago(seconds=lease + settings.VPR_VISIBILITY_TIMEOUT_SECONDS + 5),
    )
    redelivery_due = make_job(
        status=JobStatus.PROCESSING, attempts=1, started_at=ago(seconds=lease + 5)
    )

    output = run("sweep_jobs")

    assert "failed (every attempt used) 1" in output
    assert "released for re-send 1" in output
    assert Job.objects.get(pk=exhausted.pk).status == JobStatus.FAILED
    assert Job.objects.get(pk=exhausted.pk).error_code == "LEASE_EXPIRED"
    released = Job.objects.get(pk=forgotten.pk)
    assert (released.status, released.enqueued_at) == (JobStatus.PENDING, None)
    assert Job.objects.get(pk=redelivery_due.pk).status == JobStatus.PROCESSING


@pytest.mark.django_db
def test_sweep_is_idempotent(make_job: Any):
    make_job(enqueued_at=None, created_at=ago(minutes=5))
    OrmQ.objects.all().delete()

    run("sweep_jobs")
    second = run("sweep_jobs")

    assert "re-sent 0" in second
    assert OrmQ.objects.count() == 1


@pytest.mark.django_db
def test_sweep_resends_every_lost_job_whatever_else_the_queue_holds(make_job: Any, settings: Any):
    """The queue was lost; what it holds now (the sweep task's own message, a finished job's
    duplicate) says nothing about which jobs lack one: each job is judged by its own age."""
    waited = ago(seconds=settings.VPR_VISIBILITY_TIMEOUT_SECONDS + 120)
    lost = [make_job(enqueued_at=waited) for _ in range(38)]
    OrmQ.objects.all().delete()  # the queue loss
    finished = make_job(status=JobStatus.COMPLETED)  # its message is still in the queue
    assert OrmQ.objects.count() == 1

    assert "re-sent 38," in run("sweep_jobs")

    assert OrmQ.objects.count() == 39
    assert all(Job.objects.get(pk=job.pk).enqueued_at > waited for job in lost)
    assert Job.objects.get(pk=finished.pk).status == JobStatus.COMPLETED


@pytest.mark.django_db
def test_sweep_leaves_jobs_sent_within_the_visibility_and_grace_alone(make_job: Any, settings: Any):
    settings.VPR_SWEEP_RESEND_AFTER_SECONDS = 300
    visibility = settings.VPR_VISIBILITY_TIMEOUT_SECONDS
    waiting = make_job(enqueued_at=ago(seconds=visibility + 200))
    overdue = make_job(enqueued_at=ago(seconds=visibility + 400))
    young = make_job(enqueued_at=None, created_at=ago(seconds=200))
    unsent = make_job(enqueued_at=None, created_at=ago(seconds=400))
    OrmQ.objects.all().delete()

    assert "re-sent 2," in run("sweep_jobs")

    assert Job.objects.get(pk=waiting.pk).enqueued_at == waiting.enqueued_at
    assert Job.objects.get(pk=young.pk).enqueued_at is None
    assert Job.objects.get(pk=overdue.pk).enqueued_at > ago(minutes=1)
    assert Job.objects.get(pk=unsent.pk).enqueued_at > ago(minutes=1)


@pytest.mark.django_db
def test_sweep_fails_a_pending_job_that_used_every_attempt_instead_of_resending_it(
    make_job: Any, settings: Any
):
    """A claim refuses it: re-sent, it would be skipped and re-sent again, forever."""
    exhausted = make_job(
        attempts=settings.VPR_MAX_ATTEMPTS,
        enqueued_at=ago(seconds=settings.VPR_VISIBILITY_TIMEOUT_SECONDS + 120),
    )
    OrmQ.objects.all().delete()

    output = run("sweep_jobs")

    assert "re-sent 0," in output and "failed (every attempt used) 1" in output
    job = Job.objects.get(pk=exhausted.pk)
    assert (job.status, job.error_code) == (JobStatus.FAILED, "RETRIES_EXHAUSTED")
    assert OrmQ.objects.count() == 0


@pytest.mark.django_db
def test_a_message_for_a_pending_job_that_used_every_attempt_fails_it(make_job: Any, settings: Any):
    exhausted = make_job(attempts=settings.VPR_MAX_ATTEMPTS)

    assert process_vpr_job(str(exhausted.pk)) == "skipped"

    job = Job.objects.get(pk=exhausted.pk)
    assert (job.status, job.error_code) == (JobStatus.FAILED, "RETRIES_EXHAUSTED")


@pytest.mark.django_db
def test_sweep_stops_resending_at_its_time_budget_and_still_fails_expired_leases(
    make_job: Any, settings: Any
):
    for _ in range(2):
        make_job(enqueued_at=None, created_at=ago(minutes=5))
    make_job(
        status=JobStatus.PROCESSING,
        attempts=settings.VPR_MAX_ATTEMPTS,
        started_at=ago(seconds=settings.VPR_WORKER_TIMEOUT_SECONDS + 5),
    )

    report = lifecycle.jobs_sweep(budget_seconds=0)

    assert (report.resent, report.deferred, report.failed_exhausted) == (0, 2, 1)
    assert Job.objects.filter(enqueued_at__isnull=True).count() == 2  # next sweep's work


@pytest.mark.django_db
def test_the_scheduled_sweep_never_raises(monkeypatch: Any):
    # Patched: a database failure in the middle of a sweep cannot be staged for real here.
    def broken(**kwargs: Any) -> None:
        raise DatabaseError("connection lost")

    monkeypatch.setattr(lifecycle, "jobs_sweep", broken)

    assert sweep_jobs() == {"error": "DatabaseError: connection lost"}


@pytest.mark.django_db
def test_sweep_is_scheduled_every_minute_by_a_migration():
    """The migration's own function, run here: transactional tests truncate migrated rows."""
    import importlib

    from django.apps import apps
    from django_q.models import Schedule

    migration = importlib.import_module("vpr_jobs.migrations.0003_sweep_schedule")
    migration.create_schedule(apps, None)
    migration.create_schedule(apps, None)  # idempotent

    schedule = Schedule.objects.get(name="vpr-jobs-sweeper")
    assert (schedule.func, schedule.schedule_type, schedule.minutes, schedule.repeats) == (
        "vpr_jobs.tasks.sweep_jobs",
        Schedule.MINUTES,
        1,
        -1,
    )
    assert set(sweep_jobs()) == {
        "resent",
        "send_errors",
        "deferred",
        "failed_exhausted",
        "released",
    }


# --------------------------------------------------------------------------- retry_jobs


@pytest.mark.django_db
def test_retry_jobs_dry_run_changes_nothing(make_job: Any):
    job = make_job(status=JobStatus.FAILED, error_code="RETRIES_EXHAUSTED", attempts=3)

    output = run("retry_jobs", "--dry-run")

    assert f"{job.job_id} FAILED RETRIES_EXHAUSTED (dry run)" in output
    assert "would retry 1 of 1" in output
    assert Job.objects.get(pk=job.pk).status == JobStatus.FAILED


@pytest.mark.django_db
def test_retry_jobs_by_error_code_resets_and_enqueues(make_job: Any):
    wanted = make_job(status=JobStatus.FAILED, error_code="RETRIES_EXHAUSTED", attempts=3)
    other = make_job(status=JobStatus.FAILED, error_code="CV_NOT_FOUND", attempts=1)
    OrmQ.objects.all().delete()

    output = run("retry_jobs", "--error-code", "RETRIES_EXHAUSTED")

    assert "retried 1 of 1" in output
    retried = Job.objects.get(pk=wanted.pk)
    assert (retried.status, retried.attempts, retried.error_code) == (JobStatus.PENDING, 0, "")
    assert Job.objects.get(pk=other.pk).status == JobStatus.FAILED
    assert OrmQ.objects.count() == 1
    assert process_vpr_job(str(wanted.pk)) == "completed"


def _superseded_pair(submit: Any, vpr_body: dict) -> tuple[Job, Job]:
    """An older FAILED job and a newer COMPLETED one under the same idempotency key."""
    body = {**vpr_body, "application_id": "superseded-app"}
    older = submit(body).json()["job_id"]
    Job.objects.filter(pk=older).update(
        status=JobStatus.FAILED, error_code="RETRIES_EXHAUSTED", attempts=3
    )
    newer = submit(body).json()["job_id"]
    assert process_vpr_job(newer) == "completed"
    return Job.objects.get(pk=older), Job.objects.get(pk=newer)


@pytest.mark.django_db
def test_retry_refuses_a_failed_job_superseded_by_a_newer_one(submit: Any, vpr_body: dict):
    """Retried, the older request would become the newest version: the user's report."""
    older, newer = _superseded_pair(submit, vpr_body)

    with pytest.raises(CommandError, match="could not be retried"):
        run("retry_jobs", "--job-id", str(older.pk))

    assert Job.objects.get(pk=older.pk).status == JobStatus.FAILED
    result = operations.job_retry(job_id=older.pk)
    assert not result.done
    assert "superseded by a newer job" in result.detail
    assert Job.objects.get(pk=newer.pk).vpr_version == 1


@pytest.mark.django_db
def test_retry_refused_when_another_job_of_the_application_is_in_flight(
    make_job: Any, submit: Any, vpr_body: dict
):
    failed = make_job(status=JobStatus.FAILED)
    submit({**vpr_body, "application_id": failed.application_id})  # a new job in flight

    with pytest.raises(CommandError, match="could not be retried"):
        run("retry_jobs", "--job-id", str(failed.pk))

    assert Job.objects.get(pk=failed.pk).status == JobStatus.FAILED


@pytest.mark.django_db
def test_retry_selects_stuck_jobs_oldest_first_by_age_and_limit(make_job: Any, settings: Any):
    hung = make_job(
        status=JobStatus.PROCESSING,
        attempts=1,
        started_at=ago(seconds=settings.VPR_WORKER_TIMEOUT_SECONDS + 5),
        created_at=ago(hours=2),
    )
    unsent = make_job(enqueued_at=None, created_at=ago(hours=1))
    make_job()  # sent just now: not stuck
    make_job(status=JobStatus.FAILED)  # failed, not stuck

    oldest = operations.jobs_retry(stuck=True, limit=1, dry_run=True)
    recent = operations.jobs_retry(stuck=True, since=ago(minutes=90))

    assert [(job.job_id, job.result) for job in oldest.jobs] == [(str(hung.pk), None)]
    assert [(job.job_id, job.result.done) for job in recent.jobs] == [(str(unsent.pk), True)]
    assert Job.objects.get(pk=hung.pk).status == JobStatus.PROCESSING


@pytest.mark.django_db
def test_retry_jobs_rejects_a_bad_since():
    with pytest.raises(CommandError, match="--since"):
        run("retry_jobs", "--since", "last tuesday")


# --------------------------------------------------------------------------- purge_jobs


@pytest.mark.django_db
def test_purge_deletes_old_finished_jobs_with_their_results(make_job: Any, _isolated_results: Path):
    old = make_job()
    assert process_vpr_job(str(old.pk)) == "completed"
    Job.objects.filter(pk=old.pk).update(created_at=ago(days=9), completed_at=ago(days=8))
    old_in_flight = make_job(created_at=ago(days=8))
    recent = make_job(status=JobStatus.FAILED, completed_at=ago(days=1))
    result_file = _isolated_results / Job.objects.get(pk=old.pk).result_key
    assert result_file.exists()

    dry = run("purge_jobs", "--dry-run")
    assert "would delete 1 jobs" in dry
    assert Job.objects.filter(pk=old.pk).exists()

    output = run("purge_jobs", "--batch-size", "1")

    assert "deleted 1 jobs finished more than 7 days ago, 1 results" in output
    assert not Job.objects.filter(pk=old.pk).exists()
    assert not VPRArtifact.objects.filter(job_id=old.pk).exists()
    assert not result_file.exists()
    assert Job.objects.filter(pk__in=[old_in_flight.pk, recent.pk]).count() == 2


@pytest.mark.django_db
def test_purge_counts_retention_from_completion_not_creation(make_job: Any):
    # Created 30 days ago, retried by an operator, finished yesterday: a day into retention.
    long_running = make_job(
        status=JobStatus.FAILED, created_at=ago(days=30), completed_at=ago(days=1)
    )
    finished_long_ago = make_job(
        status=JobStatus.CANCELLED, created_at=ago(days=9), completed_at=ago(days=8)
    )

    assert "would delete 1 jobs" in run("purge_jobs", "--dry-run")
    run("purge_jobs")

    assert Job.objects.filter(pk=long_running.pk).exists()
    assert not Job.objects.filter(pk=finished_long_ago.pk).exists()


@pytest.mark.django_db
def test_purge_prunes_django_q_failed_task_records_past_the_retention():
    def failure(name: str, stopped_days_ago: float) -> Failure:
        stopped = ago(days=stopped_days_ago)
        return Failure.objects.create(
            id=name,
            name=name,
            func=queue.TASK,
            started=stopped,
            stopped=stopped,
            result="TransientJobError: overloaded",
            success=False,
        )

    old = [failure(f"old{n}", 8) for n in range(3)]
    recent = failure("recent", 1)

    assert "3 failed task records" in run("purge_jobs", "--dry-run")
    assert Failure.objects.count() == 4

    output = run("purge_jobs", "--batch-size", "2")

    assert "3 failed task records" in output
    assert list(Failure.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not Failure.objects.filter(pk__in=[f.pk for f in old]).exists()


# --------------------------------------------------------------------------- requeue_dlq


@pytest.mark.django_db
def test_requeue_dlq_on_the_orm_broker_points_to_retry_jobs():
    with pytest.raises(CommandError, match="retry_jobs"):
        run("requeue_dlq")


@pytest.fixture
def dead_letters(sqs_queue: dict, make_job: Any) -> dict[str, Any]:
    """Two dead-lettered job messages, one garbage body and one for a deleted job."""
    sqs = aws.client("sqs")
    failed = make_job(status=JobStatus.FAILED, error_code="RETRIES_EXHAUSTED", attempts=3)
    other = make_job(status=JobStatus.FAILED, error_code="RETRIES_EXHAUSTED", attempts=3)
    gone = make_job()
    for job in (failed, other, gone):
        body = _message_body(job.pk)
        sqs.send_message(QueueUrl=sqs_queue["dlq_url"], MessageBody=body)
    sqs.send_message(QueueUrl=sqs_queue["dlq_url"], MessageBody="garbage, not a django-q task")
    Job.objects.filter(pk=gone.pk).delete()
    _drain(sqs_queue["queue_url"])
    return {"failed": failed, "other": other, "gone": gone, **sqs_queue}


def _message_body(job_id: Any) -> str:
    from django_q.signing import SignedPackage

    return SignedPackage.dumps(
        {
            "id": "x",
            "name": f"vpr:{job_id}",
            "func": queue.TASK,
            "args": (str(job_id),),
            "kwargs": {},
        }
    )


def _drain(url: str) -> int:
    sqs, count = aws.client("sqs"), 0
    while messages := sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0
    ).get("Messages"):
        for message in messages:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            count += 1
    return count


@pytest.mark.django_db
def test_requeue_dlq_dry_run_lists_and_leaves_everything(dead_letters: dict):
    output = run("requeue_dlq", "--dry-run")

    assert "4 message(s)" in output
    assert f"{dead_letters['failed'].pk} age 0 min: FAILED, attempts 3" in output
    assert "(would move)" in output
    assert "invalid (undecodable body" in output or "invalid (bad signature" in output
    assert "invalid (job no longer exists)" in output
    assert sqs_depth(dead_letters["dlq_url"])[0] == 4
    assert Job.objects.get(pk=dead_letters["failed"].pk).status == JobStatus.FAILED


@pytest.mark.django_db
def test_requeue_dlq_moves_selected_jobs_and_resets_them(dead_letters: dict):
    wanted = dead_letters["failed"]

    output = run("requeue_dlq", "--job-id", str(wanted.pk))

    assert "moved 1, skipped 3" in output

    job = Job.objects.get(pk=wanted.pk)
    assert (job.status, job.attempts, job.error_code) == (JobStatus.PENDING, 0, "")
    assert Job.objects.get(pk=dead_letters["other"].pk).status == JobStatus.FAILED
    assert _drain(dead_letters["queue_url"]) == 1
    assert sqs_depth(dead_letters["dlq_url"])[0] == 3


@pytest.mark.django_db
def test_requeue_dlq_purge_invalid_cleans_the_queue(dead_letters: dict):
    output = run("requeue_dlq", "--purge-invalid")

    assert "moved 2" in output and "purged 2" in output
    assert sqs_depth(dead_letters["dlq_url"])[0] == 0
    assert _drain(dead_letters["queue_url"]) == 2


@pytest.mark.django_db
def test_requeue_dlq_deletes_messages_of_finished_jobs_as_stale(dead_letters: dict):
    Job.objects.filter(pk=dead_letters["other"].pk).update(status=JobStatus.COMPLETED)

    output = run("requeue_dlq", "--purge-invalid")

    assert f"{dead_letters['other'].pk} age 0 min: COMPLETED" in output
    assert "stale, deleted" in output
    assert "moved 1, skipped 0, stale 1" in output
    assert Job.objects.get(pk=dead_letters["other"].pk).status == JobStatus.COMPLETED
    assert _drain(dead_letters["queue_url"]) == 1
    assert sqs_depth(dead_letters["dlq_url"])[0] == 0


@pytest.mark.django_db
def test_requeue_dlq_does_not_revive_a_superseded_job(sqs_queue: dict, submit: Any, vpr_body: dict):
    older, _ = _superseded_pair(submit, vpr_body)
    _drain(sqs_queue["queue_url"])
    aws.client("sqs").send_message(
        QueueUrl=sqs_queue["dlq_url"], MessageBody=_message_body(older.pk)
    )

    output = run("requeue_dlq")

    assert "not revived (superseded by a newer job" in output
    assert "moved 0" in output and "refused 1" in output
    assert Job.objects.get(pk=older.pk).status == JobStatus.FAILED
    assert sqs_depth(sqs_queue["dlq_url"])[0] == 0
    assert _drain(sqs_queue["queue_url"]) == 0


@pytest.mark.django_db
def test_requeue_dlq_decides_per_message_and_leaves_invalid_ones_as_a_problem(dead_letters: dict):
    Job.objects.filter(pk=dead_letters["other"].pk).update(status=JobStatus.CANCELLED)

    report = operations.dlq_requeue(limit=10)

    actions = [letter.action for letter in report.letters]
    by_job = {letter.label: letter.action for letter in report.letters}
    assert by_job[str(dead_letters["failed"].pk)] == LetterAction.MOVED
    assert by_job[str(dead_letters["other"].pk)] == LetterAction.STALE
    assert by_job[str(dead_letters["gone"].pk)] == LetterAction.INVALID
    assert actions.count(LetterAction.INVALID) == 2  # and the garbage body
    assert report.counts == {
        "moved": 1,
        "skipped": 0,
        "stale": 1,
        "invalid": 2,
        "purged": 0,
        "errors": 0,
        "refused": 0,
    }
    assert report.has_problems
    assert sqs_depth(dead_letters["dlq_url"])[0] == 2


@pytest.mark.django_db
def test_requeue_dlq_reports_each_message_as_it_is_done(dead_letters: dict, monkeypatch):
    heard: list[tuple[int, int, str]] = []
    moved_before: list[int] = []
    move = queue.dlq_move_to_jobs_queue

    def move_and_note(letter: Any) -> None:
        moved_before.append(len(heard))  # how many outcomes were reported before this move
        move(letter)

    monkeypatch.setattr(queue, "dlq_move_to_jobs_queue", move_and_note)

    report = operations.dlq_requeue(
        limit=10, progress=lambda outcome, n, total: heard.append((n, total, outcome.label))
    )

    assert heard == [(n, 4, x.label) for n, x in enumerate(report.letters, start=1)]
    assert len(moved_before) == 2 and moved_before[1] >= 1  # the first was reported before


@pytest.mark.django_db
def test_requeue_dlq_exits_non_zero_while_invalid_messages_stay(dead_letters: dict):
    summary = "moved 2, skipped 0, stale 0, invalid 2, purged 0, errors 0, refused 0"
    with pytest.raises(CommandError, match=f"done with problems: {summary}"):
        run("requeue_dlq")

    assert sqs_depth(dead_letters["dlq_url"])[0] == 2


@pytest.mark.django_db
def test_requeue_dlq_dry_run_deletes_no_stale_or_invalid_message(dead_letters: dict):
    Job.objects.filter(pk=dead_letters["other"].pk).update(status=JobStatus.COMPLETED)

    report = operations.dlq_requeue(limit=10, purge_invalid=True, dry_run=True)

    by_job = {letter.label: letter for letter in report.letters}
    stale = by_job[str(dead_letters["other"].pk)]
    assert stale.action == LetterAction.STALE
    assert stale.detail.endswith("(stale: would delete)")
    assert by_job[str(dead_letters["failed"].pk)].action == LetterAction.WOULD_MOVE
    assert report.counts["invalid"] == 2 and report.counts["purged"] == 0
    assert not report.has_problems
    assert sqs_depth(dead_letters["dlq_url"])[0] == 4


@pytest.mark.django_db
def test_requeue_dlq_reports_a_failed_message_and_moves_the_others(
    dead_letters: dict, monkeypatch: pytest.MonkeyPatch
):
    failing = str(dead_letters["failed"].pk)
    real_move = queue.dlq_move_to_jobs_queue

    def move(letter: queue.DeadLetter) -> None:
        if letter.job_id == failing:
            raise RuntimeError("SQS unavailable")
        real_move(letter)

    monkeypatch.setattr(queue, "dlq_move_to_jobs_queue", move)
    out, err = StringIO(), StringIO()

    with pytest.raises(CommandError, match=r"done with problems: moved 1, .* errors 1"):
        call_command("requeue_dlq", "--purge-invalid", stdout=out, stderr=err)

    assert f"{failing} age 0 min: ERROR RuntimeError: SQS unavailable" in err.getvalue()
    assert "moved to the jobs queue" in out.getvalue()
    assert _drain(dead_letters["queue_url"]) == 1
    assert Job.objects.get(pk=dead_letters["other"].pk).status == JobStatus.PENDING


@pytest.mark.django_db
def test_requeue_dlq_older_than_filters_by_age(dead_letters: dict):
    output = run("requeue_dlq", "--older-than", "60", "--dry-run")

    assert "(would move)" not in output
    assert "skipped 4" in output


@pytest.mark.parametrize(
    ("command", "words"),
    [
        ("requeue_dlq", ["dead-letter", "--dry-run", "--purge-invalid", "retry_jobs"]),
        ("retry_jobs", ["FAILED", "--error-code", "--since", "--dry-run"]),
        ("sweep_jobs", ["PENDING", "lease", "every minute"]),
        ("purge_jobs", ["retention", "7", "completion", "failed-task", "--dry-run"]),
        ("create_api_user", ["token", "--staff"]),
        ("setup_aws_resources", ["dead-letter", "moto"]),
    ],
)
def test_every_command_explains_itself(command: str, words: list[str]):
    from django.core.management import get_commands, load_command_class

    parser = load_command_class(get_commands()[command], command).create_parser(
        "manage.py", command
    )
    text = " ".join(parser.format_help().split())

    assert all(word in text for word in words), text
