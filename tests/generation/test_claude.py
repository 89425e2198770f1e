"""The Claude generator against a real local HTTP server speaking the Messages API wire format.

The SDK is not mocked: retries, timeouts and error parsing are the SDK's own, so these tests
also pin down what the SDK does with 429/529/5xx, a timeout and a broken body.
Run with `-p tests.support.fake_anthropic` (or the plugin line in tests/conftest.py).
"""

from __future__ import annotations

import copy
import json
import time
from typing import Any

import anthropic
import pytest
from anthropic.resources.messages.messages import DEPRECATED_MODELS

from tests.conftest import load_fixture
from tests.support.fake_anthropic import (
    FakeAnthropic,
    Reply,
    error,
    hallucinated,
    malformed,
    miscited,
    ok,
    slow,
    vpr_content_from_rules,
)
from vpr_jobs import fvs
from vpr_jobs.catalogue import build_catalogue
from vpr_jobs.generation.base import GenerationError, GenerationInput
from vpr_jobs.generation.claude import (
    DEFAULT_MODEL,
    DEFAULT_PRICES,
    ClaudeGenerator,
    VPRContent,
    estimate_cost,
    output_format,
    price_for,
)
from vpr_jobs.generation.prompts import SYSTEM_PROMPT, feedback_line
from vpr_jobs.generation.rules import RulesGenerator
from vpr_jobs.schemas import CV, SCHEMA_VERSION, JobPosting, VPRRequest

API_KEY = "sk-ant-test-0123456789abcdef"
PRICES = {"_default": {"input": 3.0, "output": 15.0, "cache_write": 3.75, "cache_read": 0.30}}


# --------------------------------------------------------------------------- helpers


@pytest.fixture
def data() -> GenerationInput:
    return GenerationInput(
        job_id="job-1",
        cv=CV.model_validate(load_fixture("cv_learning_development")),
        request=VPRRequest.model_validate(load_fixture("vpr_request_learning_development")),
    )


@pytest.fixture
def content(data: GenerationInput) -> dict[str, Any]:
    return vpr_content_from_rules(data.cv, data.request)


def make(fake: FakeAnthropic, **overrides: Any) -> ClaudeGenerator:
    options: dict[str, Any] = {
        "api_key": API_KEY,
        "model": DEFAULT_MODEL,
        "base_url": fake.base_url,
        "max_retries": 2,
        "timeout_seconds": 10.0,
        "prices": PRICES,
    }
    options.update(overrides)
    return ClaudeGenerator(**options)


def fails(generator: ClaudeGenerator, data: GenerationInput, **kwargs: Any) -> GenerationError:
    with pytest.raises(GenerationError) as caught:
        generator.generate(data, **kwargs)
    assert API_KEY not in str(caught.value)
    return caught.value


def verify(document: Any, data: GenerationInput) -> fvs.FVSResult:
    request = data.request
    return fvs.verify(
        document, cv=data.cv, posting=request.job_posting, gap_responses=request.gap_responses
    )


# --------------------------------------------------------------------------- success


def test_success_builds_the_document_and_prices_the_usage(
    fake_anthropic: FakeAnthropic, data: GenerationInput, content: dict[str, Any]
) -> None:
    usage = {
        "input_tokens": 1200,
        "output_tokens": 900,
        "cache_read_input_tokens": 2000,
        "cache_creation_input_tokens": 100,
    }
    fake_anthropic.script(ok(content, usage=usage))

    result = make(fake_anthropic).generate(data)

    doc = result.document
    assert (doc.job_id, doc.application_id, doc.version) == ("job-1", "app-ld-0001", 0)
    assert (doc.generator.name, doc.generator.model) == ("claude", DEFAULT_MODEL)
    assert doc.language == "en"
    assert doc.candidate_name == "Noa Bar"
    assert (doc.target_role, doc.target_company) == (
        "Learning & Development Manager",
        "Natural Intelligence",
    )
    assert doc.generated_at.tzinfo is not None
    assert doc.executive_summary == content["executive_summary"]
    assert doc.word_count == doc.count_words() > 0
    assert verify(doc, data).passed
    # 1200*3 + 900*15 + 2000*0.30 + 100*3.75 = 18,075 USD per million tokens.
    assert result.token_usage == {**usage, "calls": 1, "estimated_cost_usd": 0.018075}
    assert len(fake_anthropic.requests) == 1


def test_none_usage_counts_as_zero(
    fake_anthropic: FakeAnthropic, data: GenerationInput, content: dict[str, Any]
) -> None:
    reply = ok(content)
    reply.usage = {"input_tokens": 10, "output_tokens": 20}  # No cache fields at all.
    reply.usage["cache_read_input_tokens"] = None  # type: ignore[assignment]
    fake_anthropic.script(reply)

    usage = make(fake_anthropic).generate(data).token_usage

    assert usage["cache_read_input_tokens"] == usage["cache_creation_input_tokens"] == 0
    assert usage["estimated_cost_usd"] == round((10 * 3.0 + 20 * 15.0) / 1e6, 6)


def test_default_price_table() -> None:
    usage = {"input_tokens": 1_000_000, "output_tokens": 1_000_000}
    assert estimate_cost(usage, DEFAULT_MODEL, DEFAULT_PRICES) == 12.0  # $2 in + $10 out
    assert estimate_cost(usage, "claude-sonnet-4-6", DEFAULT_PRICES) == 18.0
    # A dated id is priced as its family; an unknown model at the `_default` rate.
    assert price_for("claude-sonnet-4-5-20250929", DEFAULT_PRICES)["input"] == 3.0
    assert price_for("claude-sonnet-5-5", DEFAULT_PRICES) is DEFAULT_PRICES["claude-sonnet-5-5"]
    assert price_for("claude-unknown-9", DEFAULT_PRICES) is DEFAULT_PRICES["_default"]
    # A later version is not priced as an earlier one that shares its prefix.
    assert price_for("claude-sonnet-5-7", DEFAULT_PRICES) is DEFAULT_PRICES["_default"]
    cached = {"cache_read_input_tokens": 1_000_000, "cache_creation_input_tokens": 1_000_000}
    assert estimate_cost(cached, "claude-sonnet-4-5", DEFAULT_PRICES) == 4.05


def test_request_caches_the_system_prompt_asks_for_the_schema_and_sends_no_contact_details(
    fake_anthropic: FakeAnthropic, data: GenerationInput, content: dict[str, Any]
) -> None:
    fake_anthropic.script(ok(content))

    make(fake_anthropic, max_tokens=3000).generate(data)

    (request,) = fake_anthropic.requests
    body = request.body
    assert request.path == "/v1/messages"
    assert request.headers["authorization"] == f"Bearer {API_KEY}"
    assert request.headers["anthropic-version"]
    assert body["model"] == DEFAULT_MODEL
    assert body["max_tokens"] == 3000
    assert body["system"] == [
        {"type": "text", "text": SYSTEM_PROMPT, "cache_control": {"type": "ephemeral"}}
    ]
    # Structured output, the same for every model: no tool, no per-model tool choice.
    assert body["output_config"] == {"format": output_format()}
    schema = body["output_config"]["format"]["schema"]
    assert body["output_config"]["format"]["type"] == "json_schema"
    assert set(schema["properties"]) == set(VPRContent.model_fields)
    assert schema["additionalProperties"] is False
    assert not {"tools", "tool_choice"} & set(body)
    # Sampling parameters are rejected by current models and this SDK's API version.
    assert not {"temperature", "top_p", "top_k"} & set(body)

    raw = request.raw.decode("utf-8")
    contact = load_fixture("cv_learning_development")["contact"]
    for key in ("email", "phone", "linkedin"):  # (its location is also the posting's city)
        assert contact[key] not in raw
    user = request.user_text()
    catalogue = build_catalogue(data.cv, data.request.job_posting, data.request.gap_responses)
    for line in catalogue.lines():  # Every source fact goes out under its id...
        assert line in user
    assert "[cv.exp.1.ach.1] Redesigned the R&D onboarding program" in user
    assert "[gap.1] Q:" in user  # ...the gap answers too...
    assert "<draft>" in user and "Draft fit score:" in user  # ...and the draft's choices.
    assert "<fvs_feedback>" not in user


@pytest.mark.parametrize(
    ("effort", "expected"),
    [
        (None, {"format": output_format()}),
        ("medium", {"format": output_format(), "effort": "medium"}),
    ],
)
def test_effort_is_sent_only_when_set(
    fake_anthropic: FakeAnthropic,
    data: GenerationInput,
    content: dict[str, Any],
    effort: str | None,
    expected: dict[str, Any],
) -> None:
    fake_anthropic.script(ok(content))

    make(fake_anthropic, effort=effort).generate(data)

    assert fake_anthropic.requests[0].body["output_config"] == expected


def test_system_prompt_is_long_enough_to_be_cached_and_holds_the_rules() -> None:
    # Caching starts at 1,024 tokens on Sonnet 4.x; ~1.3 tokens a word leaves a wide margin.
    assert len(SYSTEM_PROMPT.split()) > 1200
    for rule in (
        "Never invent",
        "exactly as written",
        "language of the posting",
        "Cite only ids that appear in <sources>",
        "spoken languages and their levels",  # the never-invent list...
        "people management: never say the candidate managed",
        "Posting facts are about the role and the company only",
        "move the score as far as the sources justify",  # no ±15 cap on the draft score
        "fit_rationale",
        "Hebrew grammatical gender",
        "אני עובדת",
        "gershayim",
    ):
        assert rule in SYSTEM_PROMPT, rule
    assert "never by more than 15 points" not in SYSTEM_PROMPT


def test_document_is_version_2_with_the_models_score_and_rationale(
    fake_anthropic: FakeAnthropic, data: GenerationInput, content: dict[str, Any]
) -> None:
    draft = RulesGenerator().generate(data).document
    moved = {**content, "fit_score": max(0, draft.fit_score - 40)}
    moved["fit_rationale"] = "The draft counted shared words; no row shows the work itself."
    fake_anthropic.script(ok(moved))

    doc = make(fake_anthropic).generate(data).document

    assert doc.schema_version == SCHEMA_VERSION == 2
    assert doc.fit_score == moved["fit_score"]  # 40 below the draft, not clamped to 15
    assert doc.fit_rationale == moved["fit_rationale"]
    assert f"Draft fit score: {draft.fit_score}" in fake_anthropic.requests[0].user_text()
    assert all(row.evidence_ids for row in doc.evidence_matrix if row.source != "none")


# --------------------------------------------------------------------------- SDK retries


def test_rate_limit_is_retried_by_the_sdk_and_counted_once(
    fake_anthropic: FakeAnthropic, data: GenerationInput, content: dict[str, Any]
) -> None:
    fake_anthropic.script(
        error(429, "rate_limit_error"), ok(content, usage={"input_tokens": 7, "output_tokens": 3})
    )

    result = make(fake_anthropic, max_retries=2).generate(data)

    assert [r.headers["x-stainless-retry-count"] for r in fake_anthropic.requests] == ["0", "1"]
    assert result.token_usage["calls"] == 1
    assert (result.token_usage["input_tokens"], result.token_usage["output_tokens"]) == (7, 3)


def test_overloaded_after_sdk_retries_is_transient(
    fake_anthropic: FakeAnthropic, data: GenerationInput
) -> None:
    fake_anthropic.script(*(error(529, "overloaded_error") for _ in range(3)))

    err = fails(make(fake_anthropic, max_retries=2), data)

    assert len(fake_anthropic.requests) == 3  # The first attempt and two SDK retries.
    assert (err.code, err.permanent) == ("ANTHROPIC_UNAVAILABLE", False)
    assert "529" in str(err) and "overloaded_error" in str(err)
    assert err.token_usage["calls"] == 0  # type: ignore[attr-defined]


def test_server_errors_until_retries_run_out_are_transient(
    fake_anthropic: FakeAnthropic, data: GenerationInput
) -> None:
    # Nothing scripted: the fake answers every request with a 500 api_error.
    err = fails(make(fake_anthropic, max_retries=1), data)

    assert len(fake_anthropic.requests) == 2
    assert (err.code, err.permanent) == ("ANTHROPIC_UNAVAILABLE", False)
    assert "500" in str(err) and "api_error" in str(err)


@pytest.mark.parametrize(
    ("status", "kind", "code"),
    [
        (401, "authentication_error", "ANTHROPIC_AUTH"),
        (403, "permission_error", "ANTHROPIC_AUTH"),
        (400, "invalid_request_error", "ANTHROPIC_REJECTED"),
        (404, "not_found_error", "ANTHROPIC_REJECTED"),
        (422, "invalid_request_error", "ANTHROPIC_REJECTED"),
    ],
)
def test_client_errors_are_permanent_and_not_retried(
    fake_anthropic: FakeAnthropic, data: GenerationInput, status: int, kind: str, code: str
) -> None:
    fake_anthropic.script(error(status, kind, message=f"bad key {API_KEY}"))

    err = fails(make(fake_anthropic, max_retries=2), data)

    assert len(fake_anthropic.requests) == 1
    assert (err.code, err.permanent) == (code, True)
    assert str(status) in str(err) and kind in str(err)
    assert "***" in str(err)  # The key echoed by the API is redacted.
    assert isinstance(err.__cause__, anthropic.APIStatusError)


def test_malformed_json_body_is_transient_and_not_retried_by_the_sdk(
    fake_anthropic: FakeAnthropic, data: GenerationInput
) -> None:
    fake_anthropic.script(malformed())

    err = fails(make(fake_anthropic, max_retries=2), data)

    # The SDK decodes a 200 body without retrying: one request, a JSON decode error.
    assert len(fake_anthropic.requests) == 1
    assert isinstance(err.__cause__, ValueError)
    assert (err.code, err.permanent) == ("ANTHROPIC_UNAVAILABLE", False)


def test_timeout_is_transient(fake_anthropic: FakeAnthropic, data: GenerationInput) -> None:
    fake_anthropic.script(slow(5))
    generator = make(fake_anthropic, timeout_seconds=1, max_retries=0)

    started = time.monotonic()
    err = fails(generator, data)

    assert time.monotonic() - started < 4
    assert isinstance(err.__cause__, anthropic.APITimeoutError)
    assert (err.code, err.permanent) == ("ANTHROPIC_UNAVAILABLE", False)
    assert "timed out" in str(err)


# --------------------------------------------------------------------------- repair


def test_text_that_is_not_json_gets_one_repair_turn(
    fake_anthropic: FakeAnthropic, data: GenerationInput, content: dict[str, Any]
) -> None:
    fake_anthropic.script(
        ok("Here is the report: ...", usage={"input_tokens": 100, "output_tokens": 10}),
        ok(content, usage={"input_tokens": 200, "output_tokens": 20}),
    )

    result = make(fake_anthropic).generate(data)

    assert result.document.executive_summary == content["executive_summary"]
    assert result.token_usage["calls"] == 2
    assert (result.token_usage["input_tokens"], result.token_usage["output_tokens"]) == (300, 30)
    assert result.token_usage["estimated_cost_usd"] == round((300 * 3 + 30 * 15) / 1e6, 6)
    first, second = fake_anthropic.requests
    assert second.messages[0] == first.messages[0]
    assert second.messages[1] == {
        "role": "assistant",
        "content": [{"type": "text", "text": "Here is the report: ..."}],
    }
    assert second.messages[2]["role"] == "user"
    assert "does not match the required format" in second.user_text(1)
    assert second.body["output_config"] == first.body["output_config"]


def test_invalid_answer_is_replayed_with_its_thinking_and_the_errors_named(
    fake_anthropic: FakeAnthropic, data: GenerationInput, content: dict[str, Any]
) -> None:
    broken = copy.deepcopy(content)
    broken["differentiators"] = broken["differentiators"][:2]
    broken["fit_score"] = 140
    fake_anthropic.script(ok(broken, thinking="Checking the rows."), ok(content))

    result = make(fake_anthropic).generate(data)

    differentiators = [item.model_dump() for item in result.document.differentiators]
    assert differentiators == content["differentiators"]
    second = fake_anthropic.requests[1]
    assistant = second.messages[1]
    # Thinking blocks go back unchanged, signature included; then the answer itself.
    assert assistant["content"][0] == {
        "type": "thinking",
        "thinking": "Checking the rows.",
        "signature": "sig-fake-1",
    }
    assert json.loads(assistant["content"][1]["text"]) == broken
    repair = second.user_text(1)
    assert "differentiators" in repair and "fit_score" in repair


@pytest.mark.parametrize(
    ("mistake", "named"),
    [
        ("unknown", "cv.exp.9.ach.9 (not in <sources>)"),
        ("posting_as_evidence", "post.req.1 is a posting line, not the candidate's evidence"),
        ("uncited", "differentiators.0.evidence_ids: no citation"),
        ("requirement_id", "evidence_matrix.0.requirement_id: cv.exp.1 is not a requirement"),
    ],
)
def test_wrong_citations_get_one_repair_turn_naming_them(
    fake_anthropic: FakeAnthropic,
    data: GenerationInput,
    content: dict[str, Any],
    mistake: str,
    named: str,
) -> None:
    bad = copy.deepcopy(content)
    if mistake == "unknown":
        bad["evidence_matrix"][0]["evidence_ids"] = ["cv.exp.9.ach.9"]
    elif mistake == "posting_as_evidence":
        bad["evidence_matrix"][0]["evidence_ids"] = ["post.req.1"]
    elif mistake == "uncited":
        bad["differentiators"][0]["evidence_ids"] = []
    else:
        bad["evidence_matrix"][0]["requirement_id"] = "cv.exp.1"
    fake_anthropic.script(ok(bad), ok(content))

    doc = make(fake_anthropic).generate(data).document

    assert "the citations are wrong" in fake_anthropic.requests[1].user_text(1)
    assert named in fake_anthropic.requests[1].user_text(1)
    assert doc.evidence_matrix[0].evidence_ids == content["evidence_matrix"][0]["evidence_ids"]


def test_invalid_twice_is_invalid_model_output(
    fake_anthropic: FakeAnthropic, data: GenerationInput, content: dict[str, Any]
) -> None:
    broken = {key: value for key, value in content.items() if key != "talking_points"}
    fake_anthropic.script(ok(broken), ok(broken))

    err = fails(make(fake_anthropic), data)

    assert len(fake_anthropic.requests) == 2  # One repair attempt, no more.
    assert (err.code, err.permanent) == ("INVALID_MODEL_OUTPUT", False)
    assert "talking_points" in str(err)
    assert err.token_usage["calls"] == 2  # type: ignore[attr-defined]
    assert err.token_usage["input_tokens"] == 2000  # type: ignore[attr-defined]


def test_truncated_answer_reports_max_tokens(
    fake_anthropic: FakeAnthropic, data: GenerationInput
) -> None:
    fake_anthropic.script(
        ok('{"executive_summary": "The rep', stop_reason="max_tokens"),
        ok('{"executive_summary": "The rep', stop_reason="max_tokens"),
    )

    err = fails(make(fake_anthropic), data)

    assert err.code == "INVALID_MODEL_OUTPUT"
    assert "max_tokens" in str(err)


def test_empty_answer_is_repaired_in_a_single_user_turn(
    fake_anthropic: FakeAnthropic, data: GenerationInput, content: dict[str, Any]
) -> None:
    # An empty assistant turn cannot be sent back, so the repair asks again in one turn.
    fake_anthropic.script(Reply(content=[], stop_reason="end_turn"), ok(content))

    make(fake_anthropic).generate(data)

    (turn,) = fake_anthropic.requests[1].messages
    assert turn["role"] == "user"
    assert [block["type"] for block in turn["content"]] == ["text", "text"]
    assert "no JSON text" in turn["content"][1]["text"]
    assert turn["content"][0]["text"] == fake_anthropic.requests[0].user_text()


# --------------------------------------------------------------------------- feedback, language


def test_feedback_is_included_in_the_regeneration_prompt(
    fake_anthropic: FakeAnthropic, data: GenerationInput, content: dict[str, Any]
) -> None:
    fake_anthropic.script(ok(hallucinated(content, "employer", "metric")), ok(content))
    generator = make(fake_anthropic)

    first = generator.generate(data)
    findings = verify(first.document, data).violations
    second = generator.generate(data, feedback=findings)

    assert {f.check for f in findings} == {"organisation", "number"}
    assert verify(second.document, data).passed
    first_prompt = fake_anthropic.requests[0].user_text()
    prompt = fake_anthropic.requests[1].user_text()
    assert "<fvs_feedback>" not in first_prompt
    assert "flagged as not supported by the sources" in prompt
    assert "Rewrite the report without them" in prompt
    for finding in findings:
        assert f'in {finding.field}: "{finding.value}"' in prompt


def test_a_wrong_citation_is_caught_by_fvs_and_fed_back_naming_it(
    fake_anthropic: FakeAnthropic, data: GenerationInput, content: dict[str, Any]
) -> None:
    bad, row = miscited(content, "cv.edu.1")
    fake_anthropic.script(ok(bad), ok(content))
    generator = make(fake_anthropic)

    first = generator.generate(data)
    findings = verify(first.document, data).violations
    second = generator.generate(data, feedback=findings)

    assert findings and {f.citation for f in findings} == {"cv.edu.1"}
    assert {f.field for f in findings} == {f"evidence_matrix[{row}].evidence"}
    assert verify(second.document, data).passed
    prompt = fake_anthropic.requests[1].user_text()
    catalogue = build_catalogue(data.cv, data.request.job_posting, data.request.gap_responses)
    for finding in findings:  # the claim, the citation with what it really says, and why
        assert (
            f'- in {finding.field}: "{finding.value}" cites [cv.edu.1], which says '
            f'"{catalogue.get("cv.edu.1").text}". Why: {finding.message}'
        ) in prompt


def test_feedback_on_a_wrong_citation_names_the_claim_the_citation_and_why(
    data: GenerationInput,
) -> None:
    catalogue = build_catalogue(data.cv, data.request.job_posting, data.request.gap_responses)
    finding = {  # The FVS v2 shape: a Finding with the citation it checked.
        "field": "evidence_matrix.0.evidence",
        "value": "Redesigned the R&D onboarding program",
        "citation": "cv.edu.1",
        "message": "the cited item does not contain the quoted words",
    }

    line = feedback_line(finding, catalogue)

    assert line.startswith('- in evidence_matrix.0.evidence: "Redesigned the R&D onboarding')
    assert f'cites [cv.edu.1], which says "{catalogue.get("cv.edu.1").text}"' in line
    assert line.endswith("Why: the cited item does not contain the quoted words")
    unknown = feedback_line({**finding, "citation": "cv.edu.9"}, catalogue)
    assert "cites [cv.edu.9], which says an id that is not in <sources>" in unknown
    # A finding without a citation (FVS v1) still reads.
    plain = feedback_line({**finding, "citation": None}, catalogue)
    assert "cites" not in plain and plain.endswith(
        "Why: the cited item does not contain the quoted words"
    )


def test_hebrew_posting_asks_for_hebrew(
    fake_anthropic: FakeAnthropic, data: GenerationInput
) -> None:
    request = data.request.model_copy(
        update={"job_posting": JobPosting.model_validate(load_fixture("job_hebrew"))}
    )
    hebrew = GenerationInput(job_id="job-he", cv=data.cv, request=request)
    fake_anthropic.script(ok(vpr_content_from_rules(hebrew.cv, hebrew.request)))

    result = make(fake_anthropic).generate(hebrew)

    prompt = fake_anthropic.requests[0].user_text()
    assert "Write every prose field in Hebrew" in prompt
    assert "posting language: he" in prompt
    assert "[post.role] " in prompt and "בנק הפועלים" in prompt  # UTF-8 text, not mangled.
    assert result.document.language == "he"
    assert result.document.target_company == "בנק הפועלים"


# --------------------------------------------------------------------------- misc


def test_default_model_is_not_deprecated() -> None:
    assert DEFAULT_MODEL not in DEPRECATED_MODELS
    assert ClaudeGenerator(api_key=API_KEY, base_url="http://127.0.0.1:9").model == DEFAULT_MODEL


def test_api_key_is_required() -> None:
    with pytest.raises(ValueError):
        ClaudeGenerator(api_key="", model=DEFAULT_MODEL)


@pytest.mark.parametrize(
    ("kind", "check"), [("employer", "organisation"), ("year", "year"), ("metric", "number")]
)
def test_hallucination_helpers_are_caught_by_fvs(
    fake_anthropic: FakeAnthropic,
    data: GenerationInput,
    content: dict[str, Any],
    kind: str,
    check: str,
) -> None:
    fake_anthropic.script(ok(hallucinated(content, kind)))

    document = make(fake_anthropic).generate(data).document

    assert verify(document, data).passed is False
    assert {f.check for f in verify(document, data).violations} == {check}
    assert hallucinated(content, kind) != content  # The input dict is left untouched.
