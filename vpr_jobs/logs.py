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
