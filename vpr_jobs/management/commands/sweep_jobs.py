from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from vpr_jobs.services import lifecycle


class Command(BaseCommand):
    help = (
        "Safety net for jobs the queue lost: re-send PENDING jobs that were never enqueued (or "
        "were enqueued longer ago than the visibility timeout and never claimed, as many as "
        "the queue lacks messages for), fail "
        "PROCESSING jobs whose lease expired on their last attempt, and release PROCESSING "
        "jobs whose message is gone. Runs every minute from django-q2's scheduler; safe to "
        "run by hand and on many instances at once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--limit", type=int, default=500, help="Re-send at most this many jobs (500)."
        )

    def handle(self, *args: Any, limit: int, **options: Any) -> None:
        report = lifecycle.jobs_sweep(limit=limit)
        self.stdout.write(
            self.style.SUCCESS(
                f"re-sent {report.resent}, send errors {report.send_errors}, "
                f"deferred to the next sweep {report.deferred}, "
                f"failed (every attempt used) {report.failed_exhausted}, "
                f"released for re-send {report.released}"
            )
        )
