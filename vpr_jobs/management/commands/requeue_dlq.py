from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from vpr_jobs import queue
from vpr_jobs.services import operations
from vpr_jobs.services.operations import LetterAction, LetterOutcome


class Command(BaseCommand):
    help = (
        "Move messages from the SQS dead-letter queue back to the jobs queue (receive → send → "
        "delete) and reset their jobs to PENDING with attempts reset; a job superseded by a "
        "newer job under the same idempotency key is not revived (its message is deleted). "
        "Start with --dry-run to "
        "list job_id, attempts, last error and age. Messages that cannot be decoded, or whose "
        "job no longer exists, are reported and left in the DLQ (deleted with "
        "--purge-invalid); messages of jobs already COMPLETED or CANCELLED are deleted as "
        "stale. Exits non-zero if anything failed. With the ORM broker there is no DLQ: use "
        "`retry_jobs`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="List, move nothing.")
        parser.add_argument("--limit", type=int, default=100, help="At most N messages (100).")
        parser.add_argument(
            "--job-id",
            action="append",
            default=[],
            help="Only the message of this job (repeatable).",
        )
        parser.add_argument(
            "--older-than",
            type=int,
            metavar="MINUTES",
            help="Only messages first sent more than MINUTES ago.",
        )
        parser.add_argument(
            "--purge-invalid",
            action="store_true",
            help="Delete undecodable messages and those of missing jobs.",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        if not queue.has_dead_letter_queue():
            raise CommandError(
                "QUEUE_BACKEND is 'orm': there is no dead-letter queue. Failed jobs stay in the "
                "database; retry them with `manage.py retry_jobs --status FAILED`."
            )
        if opts["limit"] < 1:
            raise CommandError("--limit must be at least 1")

        def show(letter: LetterOutcome, number: int, total: int) -> None:
            if number == 1:
                self.stdout.write(f"{total} message(s) in the dead-letter queue examined")
            if letter.action is LetterAction.NOT_SELECTED:
                return
            age = "?" if letter.age_minutes is None else f"{letter.age_minutes:.0f} min"
            line = f"[{number}/{total}] {letter.label} age {age}: {letter.detail}"
            (self.stderr if letter.action is LetterAction.ERROR else self.stdout).write(line)

        report = operations.dlq_requeue(
            limit=opts["limit"],
            job_ids=opts["job_id"],
            older_than_minutes=opts["older_than"],
            purge_invalid=opts["purge_invalid"],
            dry_run=opts["dry_run"],
            progress=show,  # each message's line as it is done, not after the batch
        )
        if not report.letters:
            self.stdout.write("0 message(s) in the dead-letter queue examined")
        summary = ", ".join(f"{name} {count}" for name, count in report.counts.items())
        if report.has_problems:
            raise CommandError(f"done with problems: {summary}")
        self.stdout.write(self.style.SUCCESS(f"done: {summary}"))
