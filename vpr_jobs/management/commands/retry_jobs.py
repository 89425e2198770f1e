from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from vpr_jobs.models import JobStatus
from vpr_jobs.services import operations


def _moment(value: str) -> Any:
    moment = parse_datetime(value)
    if moment is None and (day := parse_date(value)) is not None:
        moment = timezone.make_aware(timezone.datetime(day.year, day.month, day.day))
    if moment is None:
        raise CommandError(f"--since: not a date or datetime: {value!r} (e.g. 2026-11-20T08:00)")
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


class Command(BaseCommand):
    help = (
        "Retry jobs with any broker: each selected FAILED (or stuck) job goes back to PENDING "
        "with its attempts reset and a fresh queue message. Select with --status (default "
        "FAILED), --error-code, --since, --job-id, --stuck. A job superseded by a newer job "
        "under the same idempotency key is refused (its report is no longer the current "
        "one). Try --dry-run first. "
        "On SQS, dead-lettered messages are moved by `requeue_dlq` instead."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--status",
            choices=[JobStatus.FAILED, JobStatus.PENDING, JobStatus.PROCESSING],
            default=JobStatus.FAILED,
            help="Status to select (FAILED).",
        )
        parser.add_argument(
            "--error-code",
            action="append",
            default=[],
            help="Only jobs with this error_code (repeatable).",
        )
        parser.add_argument("--since", help="Only jobs created at or after this date/datetime.")
        parser.add_argument(
            "--job-id", action="append", default=[], help="Only this job (repeatable)."
        )
        parser.add_argument(
            "--stuck",
            action="store_true",
            help="Select stuck jobs (PENDING unsent, PROCESSING past lease).",
        )
        parser.add_argument("--limit", type=int, default=1000, help="At most N jobs (1000).")
        parser.add_argument("--dry-run", action="store_true", help="List, change nothing.")

    def handle(self, *args: Any, **opts: Any) -> None:
        report = operations.jobs_retry(
            status=opts["status"],
            stuck=opts["stuck"],
            error_codes=opts["error_code"],
            since=_moment(opts["since"]) if opts["since"] else None,
            job_ids=opts["job_id"],
            limit=opts["limit"],
            dry_run=opts["dry_run"],
        )
        total = len(report.jobs)
        self.stdout.write(f"{total} job(s) selected")
        for number, job in enumerate(report.jobs, start=1):
            line = f"[{number}/{total}] {job.job_id} {job.status} {job.error_code or '-'}"
            self.stdout.write(
                f"{line} (dry run)" if job.result is None else f"{line}: {job.result.detail}"
            )
        verb = "would retry" if report.dry_run else "retried"
        summary = f"{verb} {report.done} of {total} job(s)"
        if report.failures:
            raise CommandError(f"{summary}; {report.failures} could not be retried (see above)")
        self.stdout.write(self.style.SUCCESS(summary))
