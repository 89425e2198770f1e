from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from vpr_jobs.services import operations


class Command(BaseCommand):
    help = (
        "Delete jobs that finished (COMPLETED, FAILED, CANCELLED) longer ago than the "
        "retention, counted from their completion, with their artifacts and stored result "
        "objects, in batches; and django-q2's failed-task records as old. The default "
        "retention, 7 days, matches the S3 lifecycle rule on results/. Jobs still in flight "
        "are never deleted. Use --dry-run first."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=7, help="Retention in days (7).")
        parser.add_argument("--batch-size", type=int, default=500, help="Rows per batch (500).")
        parser.add_argument("--dry-run", action="store_true", help="Count, delete nothing.")

    def handle(self, *args: Any, days: int, batch_size: int, dry_run: bool, **opts: Any) -> None:
        if days < 1 or batch_size < 1:
            raise CommandError("--days and --batch-size must be at least 1")

        def progress(report: operations.PurgeReport) -> None:
            self.stdout.write(f"  … {report.jobs} jobs, {report.results} results deleted")

        report = operations.jobs_purge(
            older_than=timedelta(days=days),
            batch_size=batch_size,
            dry_run=dry_run,
            progress=progress,
        )
        verb = "would delete" if dry_run else "deleted"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} {report.jobs} jobs finished more than {days} days ago, "
                f"{report.results} results and {report.failed_tasks} failed task records"
            )
        )
