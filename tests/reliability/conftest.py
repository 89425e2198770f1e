"""Fixtures of the fault-and-abuse suite: a real gunicorn, a fake Claude, the `soak` marker."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.reliability.support import LiveServer, database_url, start_gunicorn
from tests.support.fake_anthropic import vpr_content_from_rules
from vpr_jobs.schemas import CV, VPRRequest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "slow: a reliability test of more than ~15 s (still in the default run)"
    )


@pytest.fixture
def claude(fake_anthropic: Any, settings: Any) -> Any:
    """VPR_GENERATOR=claude against the local Anthropic-compatible server, SDK retries off."""
    settings.VPR_GENERATOR = "claude"
    settings.ANTHROPIC_API_KEY = "sk-test-key"
    settings.ANTHROPIC_BASE_URL = fake_anthropic.base_url
    settings.ANTHROPIC_MAX_RETRIES = 0
    return fake_anthropic


@pytest.fixture
def clean_content(cv_data: dict, vpr_body: dict) -> dict:
    return vpr_content_from_rules(CV.model_validate(cv_data), VPRRequest.model_validate(vpr_body))


@pytest.fixture(scope="module")
def gunicorn_server(
    django_db_setup: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """The production web process (gunicorn, gthread: 4 processes x 8 threads) on the test
    database with the ORM broker, so `OrmQ` rows are the queue messages.

    32 request threads keep at most 32 PostgreSQL connections (max_connections is 100).
    """
    from django.db import connections

    log: Path = tmp_path_factory.mktemp("gunicorn") / "gunicorn.log"
    env = {
        "DATABASE_URL": database_url(connections["default"].settings_dict),
        "QUEUE_BACKEND": "orm",
        "RESULTS_STORAGE": "local",
        "VPR_GENERATOR": "rules",
        "VPR_THROTTLE_SUBMIT": "100000/min",
        "VPR_THROTTLE_READ": "100000/min",
        "DJANGO_ENV": "test",
        "DJANGO_DEBUG": "false",
        "LOG_LEVEL": "WARNING",
    }
    server = start_gunicorn(env=env, log=log, workers=4, threads=8)
    try:
        yield server
    finally:
        server.stop()
