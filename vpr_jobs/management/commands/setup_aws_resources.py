from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from vpr_jobs import queue
from vpr_jobs.integrations import aws


class Command(BaseCommand):
    help = (
        "Create the SQS jobs queue, its dead-letter queue (redrive after "
        "VPR_SQS_MAX_RECEIVE_COUNT receives) and the results bucket, if missing, with the "
        "attributes of vpr_jobs/queue/topology.py. For local development against moto "
        "(`make serve-aws`); in AWS the .ebextensions CloudFormation resources own them. Safe "
        "to run again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--no-bucket", action="store_true", help="Only the queues (RESULTS_STORAGE=local)."
        )

    def handle(self, *args: Any, no_bucket: bool, **options: Any) -> None:
        queue_url, dlq_url = queue.ensure_queues()
        self.stdout.write(f"queue      {queue_url}")
        self.stdout.write(f"dead-letter {dlq_url}")
        if not no_bucket:
            aws.s3_ensure_bucket(settings.VPR_RESULTS_BUCKET_NAME)
            self.stdout.write(f"bucket     s3://{settings.VPR_RESULTS_BUCKET_NAME}")
        self.stdout.write(self.style.SUCCESS("AWS resources ready"))
