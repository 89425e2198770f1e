from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from vpr_jobs import queue, services
from vpr_jobs.models import Job, JobStatus


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
        now = timezone.now()
        letters = queue.dlq_receive(max_messages=opts["limit"])
        jobs = Job.objects.in_bulk([x.job_id for x in letters if x.job_id], field_name="pk")
        jobs = {str(pk): job for pk, job in jobs.items()}
        self.stdout.write(f"{len(letters)} message(s) in the dead-letter queue examined")
        counts = dict.fromkeys(
            ("moved", "skipped", "stale", "invalid", "purged", "errors", "refused"), 0
        )
        for number, letter in enumerate(letters, start=1):
            age = (
                f"{(now - letter.sent_at).total_seconds() / 60:.0f} min" if letter.sent_at else "?"
            )
            prefix = f"[{number}/{len(letters)}] {letter.job_id or letter.message_id} age {age}"
            job = jobs.get(letter.job_id or "")
            selected = (not opts["job_id"] or letter.job_id in opts["job_id"]) and (
                opts["older_than"] is None
                or (
                    letter.sent_at
                    and (now - letter.sent_at).total_seconds() >= 60 * opts["older_than"]
                )
            )
            try:
                if not selected:
                    queue.dlq_release(letter)
                    counts["skipped"] += 1
                    continue
                if letter.problem or job is None:
                    counts["invalid"] += 1
                    reason = letter.problem or "job no longer exists"
                    if opts["purge_invalid"] and not opts["dry_run"]:
                        queue.dlq_delete(letter)
                        counts["purged"] += 1
                        self.stdout.write(f"{prefix}: invalid ({reason}), deleted")
                    else:
                        queue.dlq_release(letter)
                        self.stdout.write(f"{prefix}: invalid ({reason}), left in the DLQ")
                    continue
                details = (
                    f"{job.status}, attempts {job.attempts}, last error: {job.error[:80] or '-'}"
                )
                if job.status in (JobStatus.COMPLETED, JobStatus.CANCELLED):
                    # Its job already finished (e.g. acknowledged too late): nothing to redo.
                    counts["stale"] += 1
                    if opts["dry_run"]:
                        queue.dlq_release(letter)
                        self.stdout.write(f"{prefix}: {details} (stale: would delete)")
                    else:
                        queue.dlq_delete(letter)
                        self.stdout.write(f"{prefix}: {details}: stale, deleted")
                    continue
                if opts["dry_run"]:
                    queue.dlq_release(letter)
                    counts["skipped"] += 1
                    self.stdout.write(f"{prefix}: {details} (would move)")
                    continue
                reset = services.job_reset_for_dlq_requeue(job_id=job.pk)
                if not reset.done:
                    # Not revived (superseded by a newer job, or another run holds it): its
                    # message would only be skipped by the claim.
                    queue.dlq_delete(letter)
                    counts["refused"] += 1
                    self.stdout.write(f"{prefix}: {details}: not revived ({reset.detail}), deleted")
                    continue
                queue.dlq_move_to_jobs_queue(letter)
                counts["moved"] += 1
                self.stdout.write(f"{prefix}: {details}: moved to the jobs queue, job reset")
            except Exception as exc:  # noqa: BLE001 - report each failure, go on with the rest
                counts["errors"] += 1
                self.stderr.write(f"{prefix}: ERROR {type(exc).__name__}: {exc}")
        summary = ", ".join(f"{name} {count}" for name, count in counts.items())
        if counts["errors"] or (counts["invalid"] > counts["purged"] and not opts["dry_run"]):
            raise CommandError(f"done with problems: {summary}")
        self.stdout.write(self.style.SUCCESS(f"done: {summary}"))
