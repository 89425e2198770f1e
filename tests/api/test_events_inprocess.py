"""The events view's answers that need no stream: throttling (in-process, no server)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache

pytestmark = pytest.mark.django_db


def test_opening_streams_is_throttled_like_every_read(api: Any, submit: Any, throttle_rates: Any):
    job_id = submit().json()["job_id"]
    throttle_rates(read="2/min")
    cache.clear()  # the CV upload before counted as a read

    answers = []
    for _ in range(3):  # (the streams are not read: the answer is decided before them)
        response = api.get(f"/api/vpr/{job_id}/events")
        answers.append(response.status_code)

    assert answers == [200, 200, 429]
    assert int(response["Retry-After"]) >= 1
    assert response.json()["error_code"] == "THROTTLED"
