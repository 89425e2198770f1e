"""Structured logging helpers: every line about a job carries its `job_id`.

Only identifiers and outcomes are logged, never CV contents, answers, tokens or keys.
"""

from __future__ import annotations

import logging
from collections.abc import MutableMapping
from typing import Any


class JobContextFilter(logging.Filter):
    """Give every record a `job_id` so formatters can always print the field."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "job_id"):
            record.job_id = "-"
        return True


class JobLogger(logging.LoggerAdapter):
    def process(self, msg: Any, kwargs: MutableMapping[str, Any]) -> tuple[Any, Any]:
        kwargs["extra"] = {**(self.extra or {}), **kwargs.get("extra", {})}
        return msg, kwargs


def job_logger(name: str, job_id: object) -> JobLogger:
    return JobLogger(logging.getLogger(name), {"job_id": str(job_id)})


class ExpectedRetryFilter(logging.Filter):
    """django-q2's monitor logs every raising task as ERROR ("Failed '<func>' (<name>) -
    <error> : <traceback>"). A task that raised `TransientJobError` asked for a redelivery
    that is expected to help (an Anthropic 529, a timeout): that line becomes a WARNING, so
    the worker-errors alarm does not page on it. Anything else (`RetriesExhaustedError`, an
    unknown job, a crash) stays an ERROR. Installed on the "django-q" logger (settings)."""

    RETRY_EXCEPTION = "vpr_jobs.tasks.TransientJobError"

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno == logging.ERROR and self._is_expected_retry(record.getMessage()):
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True

    def _is_expected_retry(self, message: str) -> bool:
        if not message.startswith("Failed '"):
            return False
        # The traceback's last line names the exception the task finally raised.
        last_line = message.rstrip().rsplit("\n", 1)[-1]
        return last_line.startswith(f"{self.RETRY_EXCEPTION}:")
