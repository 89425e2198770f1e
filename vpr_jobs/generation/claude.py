"""The Claude generator: a VPR written by Claude from the cited source catalogue.

Django-free on purpose: the caller (the worker) reads settings and builds the generator, so
this module is tested against a local HTTP server without a database.

Design notes:

* Structured output is the API's own: `output_config.format` carries the JSON schema of
  `VPRContent`, turned into the API's strict dialect by the SDK's `anthropic.transform_schema`
  (what `messages.parse` does), so every model gets the same request and no tool or
  per-model tool choice is needed. `messages.create` is called rather than `messages.parse`
  because `parse` validates inside the SDK's response parser: an invalid answer would raise
  there and lose the usage of a paid call and the answer we replay in the repair turn.
* The schema grammar cannot express counts (3-5 differentiators), ranges or id patterns, and
  no schema knows the catalogue: the answer is validated with pydantic and its citations
  against the catalogue (an unknown id, a posting line cited as the candidate's evidence, an
  uncited claim), and one repair turn names what is wrong.
* The draft is the rules generator's report; the model sees its choices by id and may overrule
  them, score included, explaining the score in `fit_rationale`.
* No sampling parameters are sent: the SDK (2.x, API version 2026-10-21) no longer accepts
  `temperature`, and current models reject non-default values with a 400. `temperature` is
  kept in the constructor for callers' compatibility and ignored.
* Prices, token usage and the mapping of API failures to retry decisions live in
  `anthropic_calls.py`; usage is summed over every call of one `generate()`, repair included.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Annotated, Any

import anthropic
from anthropic.types import Message
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from vpr_jobs.catalogue import Catalogue, build_catalogue
from vpr_jobs.generation.anthropic_calls import (
    DEFAULT_PRICES,
    Usage,
    estimate_cost,
    map_api_error,
    model_matches,
    price_for,
)
from vpr_jobs.generation.base import GenerationError, GenerationInput, GenerationResult
from vpr_jobs.generation.prompts import build_user_message, system_blocks
from vpr_jobs.generation.rules import RulesGenerator
from vpr_jobs.schemas import (
    SCHEMA_VERSION,
    CitedText,
    EvidenceRow,
    GapStrategy,
    GeneratorInfo,
    VPRDocument,
)

__all__ = [
    "DEFAULT_MODEL",
    "DEFAULT_PRICES",
    "ClaudeGenerator",
    "VPRContent",
    "citation_problems",
    "estimate_cost",
    "model_matches",
    "output_format",
    "price_for",
]

log = logging.getLogger(__name__)

_VALIDATION_ERRORS_SHOWN = 20

DEFAULT_MODEL = "claude-sonnet-5-5"

# --------------------------------------------------------------------------- output schema


class VPRContent(BaseModel):
    """What the model writes; the metadata of a `VPRDocument` is filled in by us."""

    model_config = ConfigDict(extra="forbid")

    executive_summary: Annotated[
        str, Field(min_length=1, description="3-5 sentences: who, for what role, best proof.")
    ]
    fit_score: Annotated[int, Field(ge=0, le=100, description="0-100, as the sources justify.")]
    fit_rationale: Annotated[
        str, Field(min_length=1, max_length=400, description="One sentence: why this score.")
    ]
    evidence_matrix: Annotated[
        list[EvidenceRow],
        Field(description="One row per posting requirement and responsibility, posting order."),
    ]
    differentiators: Annotated[
        list[CitedText],
        Field(min_length=3, max_length=5, description="3-5 fact-backed, cited statements."),
    ]
    gap_strategies: Annotated[
        list[GapStrategy], Field(description="One entry per real gap; empty if none.")
    ]
    talking_points: Annotated[
        list[CitedText],
        Field(min_length=5, max_length=7, description="5-7 cited interview talking points."),
    ]
    keywords: Annotated[
        list[str], Field(max_length=30, description="8-20 posting keywords the sources support.")
    ]


@cache
def output_format() -> dict[str, Any]:
    """`output_config.format`: VPRContent's schema in the API's strict dialect (the SDK's own
    transform, as `messages.parse` sends it)."""
    return {"type": "json_schema", "schema": anthropic.transform_schema(VPRContent)}


_POSTING_LINES = ("requirement", "responsibility", "nice_to_have")
# A gap may be about the role as a whole (a career change, a step up): post.role or post.desc.
_POSTING_KINDS = (*_POSTING_LINES, "posting_role", "posting_description")


def citation_problems(content: VPRContent, catalogue: Catalogue) -> list[str]:
    """What is wrong with the answer's citations, one line each (empty: all cite real items,
    the candidate's evidence cites the candidate's sources, every claim cites something)."""
    problems: list[str] = []

    def check(path: str, ids: Sequence[str], *, candidate: bool, required: bool) -> None:
        unknown = catalogue.unknown(ids)
        if unknown:
            problems.append(f"- {path}: unknown id(s) {', '.join(unknown)} (not in <sources>)")
        posting = [i for i in ids if i not in unknown and catalogue.get(i).owner == "posting"]
        if candidate and posting:
            problems.append(
                f"- {path}: {', '.join(posting)} is a posting line, not the candidate's evidence"
            )
        if required and not ids:
            problems.append(f"- {path}: no citation (evidence_ids is empty)")

    def posting_line(path: str, item_id: str | None, kinds: Sequence[str]) -> None:
        item = catalogue.get(item_id) if item_id else None
        if item_id and (item is None or item.kind not in kinds):
            problems.append(f"- {path}: {item_id} is not a {' or '.join(kinds)} id")

    for i, row in enumerate(content.evidence_matrix):
        if row.requirement_id is None:
            problems.append(f"- evidence_matrix.{i}.requirement_id: missing")
        posting_line(f"evidence_matrix.{i}.requirement_id", row.requirement_id, _POSTING_LINES)
        check(
            f"evidence_matrix.{i}.evidence_ids",
            row.evidence_ids,
            candidate=True,
            required=row.source != "none",
        )
    for i, item in enumerate(content.differentiators):
        check(f"differentiators.{i}.evidence_ids", item.evidence_ids, candidate=True, required=True)
    for i, gap in enumerate(content.gap_strategies):
        posting_line(f"gap_strategies.{i}.gap_id", gap.gap_id, _POSTING_KINDS)
        check(f"gap_strategies.{i}.evidence_ids", gap.evidence_ids, candidate=True, required=False)
    for i, item in enumerate(content.talking_points):
        check(f"talking_points.{i}.evidence_ids", item.evidence_ids, candidate=False, required=True)
    return problems


# --------------------------------------------------------------------------- parsing


@dataclass(frozen=True)
class _Parsed:
    """The outcome of reading one answer: content, or the problem to show the model."""

    content: VPRContent | None
    problem: str


def _format_validation_error(err: ValidationError) -> str:
    """Field paths and reasons only: the model needs them, logs must not get the values."""
    lines = []
    for item in err.errors(include_url=False, include_input=False)[:_VALIDATION_ERRORS_SHOWN]:
        path = ".".join(str(part) for part in item["loc"]) or "(root)"
        lines.append(f"- {path}: {item['msg']}")
    hidden = err.error_count() - len(lines)
    if hidden > 0:
        lines.append(f"- ... and {hidden} more")
    return "\n".join(lines)


def _parse(message: Message, catalogue: Catalogue) -> _Parsed:
    """The answer's JSON text as `VPRContent`, checked against the catalogue."""
    cut = message.stop_reason == "max_tokens"
    text = "".join(block.text for block in message.content if block.type == "text").strip()
    if message.stop_reason == "refusal":
        return _Parsed(None, "the model declined to answer (stop_reason refusal)")
    if not text:
        reason = "the answer was cut off at max_tokens" if cut else "the answer has no JSON text"
        return _Parsed(None, reason)
    try:
        content = VPRContent.model_validate_json(text)
    except ValidationError as err:
        problem = "the JSON does not match the required format:\n" + _format_validation_error(err)
        if cut:
            problem += "\n(the answer was cut off at max_tokens: write more concisely)"
        return _Parsed(None, problem)
    problems = citation_problems(content, catalogue)
    if problems:
        return _Parsed(None, "the citations are wrong:\n" + "\n".join(problems))
    return _Parsed(content, "")


def _replay(message: Message) -> list[dict[str, Any]]:
    """The assistant turn as received (thinking blocks included, which newer models require
    to be passed back unchanged)."""
    return [block.to_dict() for block in message.content]


def _repair_text(problem: str) -> str:
    return (
        f"Your answer could not be used: {problem}\n"
        "Answer once more with the complete, corrected report as one JSON object in the "
        "required format. Keep every rule of the system prompt."
    )


def _draft(data: GenerationInput) -> VPRDocument:
    """The rules generator's report for the same input: the evidence choice and score the
    model starts from (offline and deterministic, so it costs nothing)."""
    return RulesGenerator().generate(data).document


# --------------------------------------------------------------------------- generator


class ClaudeGenerator:
    """Claude writes the VPR from the source catalogue and the rules engine's draft.

    One instance holds one SDK client (and its connection pool); it is safe to reuse across
    jobs. FVS is not run here: the worker verifies the document and, on violations, calls
    `generate()` again with the findings as `feedback`.

    `effort` ("low" ... "max") is sent as `output_config.effort` when set, which bounds
    adaptive thinking on Sonnet 5.x (thinking tokens count against `max_tokens`);
    `temperature` is ignored (see the module docstring).
    """

    name = "claude"

    def __init__(
        self,
        *,
        api_key: str,
        model: str = DEFAULT_MODEL,
        max_tokens: int = 4096,
        temperature: float | None = None,
        base_url: str | None = None,
        max_retries: int = 2,
        timeout_seconds: float = 240.0,
        prices: dict[str, dict[str, float]] | None = None,
        effort: str | None = None,
    ) -> None:
        if not api_key:
            raise ValueError("ClaudeGenerator needs an API key")
        self.model = model
        self.max_tokens = max_tokens
        self.temperature = temperature  # Accepted for compatibility, never sent (see above).
        self.prices: dict[str, dict[str, float]] = prices or DEFAULT_PRICES
        self.effort = effort
        self._api_key = api_key
        self.timeout_seconds = timeout_seconds
        # base_url=None lets the SDK read ANTHROPIC_BASE_URL (a proxy or a test server).
        self._client = anthropic.Anthropic(
            api_key=api_key,
            base_url=base_url,
            max_retries=max_retries,
            timeout=timeout_seconds,
        )

    # ----------------------------------------------------------------- public

    def generate(
        self, data: GenerationInput, feedback: Sequence[Any] | None = None
    ) -> GenerationResult:
        """One report: a call, at most one repair call, then the document with its metadata.

        `feedback` is the list of FVS findings of the previous attempt; the prompt asks the
        model to fix them. Raises `GenerationError` (with `token_usage` attached).
        """
        posting = data.request.job_posting
        catalogue = build_catalogue(data.cv, posting, data.request.gap_responses)
        user_text = build_user_message(
            catalogue,
            _draft(data),
            candidate_name=data.cv.full_name,
            language=posting.language,
            feedback=feedback,
        )
        messages: list[dict[str, Any]] = [{"role": "user", "content": user_text}]
        usage = Usage()
        try:
            answer = self._call(messages, usage, data.deadline)
            parsed = _parse(answer, catalogue)
            if parsed.content is None:
                log.info("VPR job %s: model output unusable, one repair turn", data.job_id)
                repair = {"type": "text", "text": _repair_text(parsed.problem)}
                replay = _replay(answer)
                if replay:
                    messages += [
                        {"role": "assistant", "content": replay},
                        {"role": "user", "content": [repair]},
                    ]
                else:  # An empty assistant turn is not accepted; ask again in one turn.
                    messages = [
                        {"role": "user", "content": [{"type": "text", "text": user_text}, repair]}
                    ]
                parsed = _parse(self._call(messages, usage, data.deadline), catalogue)
            if parsed.content is None:
                raise GenerationError(
                    f"model output invalid after one repair: {parsed.problem}",
                    code="INVALID_MODEL_OUTPUT",
                    permanent=False,
                )
        except GenerationError as err:
            err.token_usage = usage.as_dict(self.model, self.prices)  # type: ignore[attr-defined]
            raise
        document = self._document(data, parsed.content)
        return GenerationResult(
            document=document, token_usage=usage.as_dict(self.model, self.prices)
        )

    # ----------------------------------------------------------------- internals

    def _request(self, messages: list[dict[str, Any]]) -> dict[str, Any]:
        output_config: dict[str, Any] = {"format": output_format()}
        if self.effort:
            output_config["effort"] = self.effort
        return {
            "model": self.model,
            "max_tokens": self.max_tokens,
            "system": system_blocks(),
            "output_config": output_config,
            "messages": messages,
        }

    def _client_within(self, deadline: float | None) -> anthropic.Anthropic:
        """The client, with its timeout cut so the call (and its retries) end by `deadline`."""
        if deadline is None:
            return self._client
        remaining = deadline - time.monotonic()
        if remaining < 1:
            raise GenerationError(
                "the job's deadline passed before the model could answer",
                code="DEADLINE_EXCEEDED",
                permanent=False,
            )
        if remaining >= self.timeout_seconds * (self._client.max_retries + 1):
            return self._client
        return self._client.with_options(timeout=remaining, max_retries=0)

    def _call(
        self, messages: list[dict[str, Any]], usage: Usage, deadline: float | None = None
    ) -> Message:
        client = self._client_within(deadline)
        try:
            answer = client.messages.create(**self._request(messages))
        except anthropic.AnthropicError as err:
            mapped = map_api_error(err, self._api_key)
            log.warning("Anthropic call failed: %s (%s)", mapped, mapped.code)
            raise mapped from err
        except ValueError as err:  # A 200 whose body is not JSON: the SDK does not retry it.
            raise GenerationError(
                "Anthropic API returned a malformed (non-JSON) response",
                code="ANTHROPIC_UNAVAILABLE",
                permanent=False,
            ) from err
        if not isinstance(answer, Message):  # A 200 with a non-JSON content type.
            raise GenerationError(
                "Anthropic API returned a response that is not a message",
                code="ANTHROPIC_UNAVAILABLE",
                permanent=False,
            )
        usage.add(answer)
        log.info(
            "Anthropic call: model=%s stop_reason=%s input=%s output=%s cache_read=%s",
            answer.model,
            answer.stop_reason,
            getattr(answer.usage, "input_tokens", None),
            getattr(answer.usage, "output_tokens", None),
            getattr(answer.usage, "cache_read_input_tokens", None),
        )
        return answer

    def _document(self, data: GenerationInput, content: VPRContent) -> VPRDocument:
        posting = data.request.job_posting
        document = VPRDocument(
            job_id=data.job_id,
            application_id=data.request.application_id,
            version=0,  # The caller stamps the stored version.
            language=posting.language,
            generated_at=datetime.now(UTC),
            generator=GeneratorInfo(name=self.name, model=self.model),
            candidate_name=data.cv.full_name,
            target_role=posting.role_title,
            target_company=posting.company_name,
            schema_version=SCHEMA_VERSION,
            **content.model_dump(),
            word_count=0,
        )
        document.word_count = document.count_words()
        return document
