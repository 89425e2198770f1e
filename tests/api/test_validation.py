"""Bad input gets a 400/413/415 naming every offending field, and never a 500."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vpr_jobs.models import Job

pytestmark = pytest.mark.django_db


def _post_raw(api: Any, raw: str | bytes, content_type: str = "application/json") -> Any:
    return api.generic("POST", "/api/vpr", raw, content_type=content_type)


def test_every_offending_field_is_reported(api_with_cv: Any, vpr_body: dict):
    del vpr_body["job_posting"]["company_name"]
    vpr_body["application_id"] = "has spaces!"
    vpr_body["gap_responses"][0]["answer"] = ""
    vpr_body["job_posting"]["language"] = "fr"
    vpr_body["force"] = "yes"

    response = api_with_cv.post("/api/vpr", vpr_body, format="json")

    assert response.status_code == 400
    body = response.json()
    assert body["error_code"] == "VALIDATION_ERROR"
    assert body["error"]
    assert set(body["errors"]) == {
        "application_id",
        "job_posting.company_name",
        "gap_responses.0.answer",
        "job_posting.language",
        "force",
    }
    assert body["errors"]["job_posting.company_name"] == ["Field required"]
    assert Job.objects.count() == 0


def test_unknown_top_level_fields_are_rejected(api_with_cv: Any, vpr_body: dict):
    response = api_with_cv.post("/api/vpr", {**vpr_body, "priority": "high"}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == {"priority": ["Unknown field."]}


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("application_id",), "a" * 65),
        (("job_posting", "role_title"), "r" * 201),
        (("job_posting", "requirements"), ["x"] * 41),
        (("job_posting", "description"), "d" * 10_001),
        (("job_posting", "source_url"), "javascript:alert(1)"),
        (("gap_responses",), [{"question": "q", "answer": "a"}] * 31),
    ],
)
def test_sizes_are_bounded(api_with_cv: Any, vpr_body: dict, path: tuple, value: Any):
    target = vpr_body
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value

    response = api_with_cv.post("/api/vpr", vpr_body, format="json")

    assert response.status_code == 400
    assert ".".join(path) in response.json()["errors"]


def test_body_over_256_kib_is_413(api_with_cv: Any, vpr_body: dict):
    vpr_body["job_posting"]["description"] = "x" * (256 * 1024)

    response = api_with_cv.post("/api/vpr", vpr_body, format="json")

    assert response.status_code == 413
    assert response.json()["error_code"] == "PAYLOAD_TOO_LARGE"


@pytest.mark.parametrize(
    "raw",
    ['{"application_id": ', "not json", "[1, 2, 3]", '"a string"', "null", "{" * 50_000],
)
def test_malformed_or_non_object_json_is_400(api_with_cv: Any, raw: str):
    response = _post_raw(api_with_cv, raw)

    assert response.status_code == 400
    assert response.json()["error_code"] in {"MALFORMED_REQUEST", "VALIDATION_ERROR"}


def test_deeply_nested_json_is_400_not_500(api_with_cv: Any):
    raw = "[" * 100_000 + "]" * 100_000

    response = _post_raw(api_with_cv, raw)

    assert response.status_code == 400
    assert response.json()["error_code"] == "MALFORMED_REQUEST"


def test_form_encoded_body_is_415(api_with_cv: Any):
    response = _post_raw(api_with_cv, "application_id=x", "application/x-www-form-urlencoded")

    assert response.status_code == 415
    assert response.json()["error_code"] == "UNSUPPORTED_MEDIA_TYPE"


def test_control_characters_are_rejected_not_stored(api_with_cv: Any, vpr_body: dict):
    vpr_body["job_posting"]["company_name"] = "Nul\u0000Corp"

    response = api_with_cv.post("/api/vpr", vpr_body, format="json")

    assert response.status_code == 400
    assert "job_posting.company_name" in response.json()["errors"]


def test_invalid_cv_lists_its_fields(api: Any, cv_data: dict):
    cv_data["experience"][0]["start_date"] = "March 2021"
    cv_data["experience"][1]["end_date"] = "2010-01"
    cv_data["skills"] = "everything"

    response = api.put("/api/cv", cv_data, format="json")

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert "experience.0.start_date" in errors
    assert "experience.1" in errors  # end before start
    assert "skills" in errors


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
fields = st.sampled_from(
    ["application_id", "job_posting", "gap_responses", "force", "user_id", "extra"]
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    body=st.one_of(
        json_values,
        st.dictionaries(fields, json_values, max_size=6),
        st.builds(
            lambda posting, gaps: {
                "application_id": "app-1",
                "job_posting": posting,
                "gap_responses": gaps,
            },
            st.dictionaries(
                st.sampled_from(
                    ["company_name", "role_title", "requirements", "language", "location"]
                ),
                json_values,
            ),
            json_values,
        ),
    )
)
def test_generated_bad_bodies_never_cause_a_500(api_with_cv: Any, body: Any):
    response = _post_raw(api_with_cv, json.dumps(body))

    assert response.status_code in {200, 202, 400, 403, 409, 422}, response.content
    payload = response.json()
    if response.status_code == 400:
        assert payload["error_code"] in {"VALIDATION_ERROR", "MALFORMED_REQUEST"}
        assert payload["error"]
