"""`qcluster`: django-q2's command, with what every job needs imported before workers fork.

django-q2 forks one process per worker, and each imported the task's modules (the Anthropic
SDK, boto3, pydantic schemas, the generators) on its first job: the same ~MBs of code objects
loaded once per worker. Imported here, in the parent, they are shared copy-on-write.
"""

from __future__ import annotations

import importlib
from typing import Any

from django.conf import settings
from django_q.management.commands.qcluster import Command as QClusterCommand

PRELOAD = [
    "vpr_jobs.tasks",
    "vpr_jobs.storage",
    "vpr_jobs.integrations.aws",
    "storages.backends.s3",
    "vpr_jobs.generation.rules",
]


class Command(QClusterCommand):
    def handle(self, *args: Any, **options: Any) -> None:
        for module in preload_modules():
            importlib.import_module(module)
        super().handle(*args, **options)


def preload_modules() -> list[str]:
    if settings.VPR_GENERATOR == "claude":
        return [*PRELOAD, "vpr_jobs.generation.claude"]
    return PRELOAD
