"""A local, scripted Anthropic Messages API server, for tests that go through real HTTP.

The generator talks to it with the real SDK (`base_url=server.base_url`), so retries, timeouts,
error parsing and headers are the SDK's own, not mocks. Each test scripts the answers:

    fake_anthropic.script(error(429), ok(content, usage={"input_tokens": 10}))

and then inspects `fake_anthropic.requests` (headers and parsed JSON body of every request).
An unscripted request gets a 500 `api_error`, so an unexpected call shows up as a failure.

Also here: `vpr_content_from_rules()` builds a valid, FVS-clean, cited answer from the rules
generator, `hallucinated()` & co. plant an invented employer, a shifted year or an inflated
number in such content, and `miscited()` points a row's citation at the wrong item.

Load as a pytest plugin (`pytest_plugins = ["tests.support.fake_anthropic"]` or
`-p tests.support.fake_anthropic`) to get the `fake_anthropic` fixture.
"""

from __future__ import annotations

import copy
import itertools
import json
import re
import threading
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from vpr_jobs.catalogue import Catalogue, build_catalogue
from vpr_jobs.generation.base import GenerationInput
from vpr_jobs.generation.claude import VPRContent
from vpr_jobs.generation.rules import RulesGenerator
from vpr_jobs.schemas import CV, VPRRequest

__all__ = [
    "CONTENT_FIELDS",
    "DEFAULT_USAGE",
    "FakeAnthropic",
    "RecordedRequest",
    "Reply",
    "error",
    "fake_anthropic",
    "hallucinated",
    "inflate_metric",
    "invent_employer",
    "malformed",
    "miscited",
    "ok",
    "shift_year",
    "slow",
    "text_only",
    "vpr_content_from_rules",
]

DEFAULT_USAGE: dict[str, int] = {
    "input_tokens": 1000,
    "output_tokens": 500,
    "cache_creation_input_tokens": 0,
    "cache_read_input_tokens": 0,
}
ERROR_TYPES: dict[int, str] = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}
# `retry-after: 0` is what the real API may send; this SDK treats 0 as "not given" and falls
# back to 0.5-8 s exponential backoff, so `retry-after-ms: 1` keeps retried tests instant.
RETRY_HEADERS = {"retry-after": "0", "retry-after-ms": "1"}
# The fields the model writes: exactly the structured output's schema.
CONTENT_FIELDS = tuple(VPRContent.model_fields)

# --------------------------------------------------------------------------- script items


@dataclass
class Reply:
    """One scripted answer: a message (`content`), an error, raw bytes, possibly delayed."""

    status: int = 200
    content: list[dict[str, Any]] | None = None
    stop_reason: str = "end_turn"
    usage: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_USAGE))
    error_type: str = ""
    error_message: str = ""
    raw: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    then: Reply | None = None


def _usage(usage: Mapping[str, int] | None) -> dict[str, int]:
    return {**DEFAULT_USAGE, **(usage or {})}


def ok(
    content: Any,
    usage: Mapping[str, int] | None = None,
    *,
    thinking: str | None = None,
    stop_reason: str = "end_turn",
) -> Reply:
    """A 200 answering a structured-output request (`output_config.format` json_schema): the
    report as the JSON text of one text block, optionally after a thinking block."""
    blocks: list[dict[str, Any]] = []
    if thinking is not None:
        blocks.append({"type": "thinking", "thinking": thinking, "signature": "sig-fake-1"})
    text = content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)
    blocks.append({"type": "text", "text": text})
    return Reply(content=blocks, stop_reason=stop_reason, usage=_usage(usage))


def text_only(
    text: str, usage: Mapping[str, int] | None = None, *, stop_reason: str = "end_turn"
) -> Reply:
    """A 200 with a plain text answer and no tool call."""
    return Reply(
        content=[{"type": "text", "text": text}], stop_reason=stop_reason, usage=_usage(usage)
    )


def error(status: int, type: str | None = None, message: str | None = None) -> Reply:
    """An API error in the wire format (`{"type": "error", "error": {...}}`)."""
    kind = type or ERROR_TYPES.get(status, "api_error")
    headers = dict(RETRY_HEADERS) if status == 429 or status >= 500 else {}
    return Reply(
        status=status,
        error_type=kind,
        error_message=message or f"fake {kind}",
        headers=headers,
    )


def malformed() -> Reply:
    """A 200 that claims JSON but is not."""
    return Reply(raw=b'{"id": "msg_broken", "type": "message", "content": [')


def slow(seconds: float, then: Reply | None = None) -> Reply:
    """Wait `seconds` before answering with `then` (default: a 500 api_error)."""
    return Reply(delay=seconds, then=then or error(500, message="slow reply had no follow-up"))


# --------------------------------------------------------------------------- server


@dataclass
class RecordedRequest:
    """What the server received: lower-cased headers and the parsed JSON body."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any
    raw: bytes

    @property
    def messages(self) -> list[dict[str, Any]]:
        return self.body.get("messages", []) if isinstance(self.body, dict) else []

    def text(self) -> str:
        """All text in the body (system, messages, tool results), for "contains" checks."""
        found: list[str] = []

        def walk(node: Any) -> None:
            if isinstance(node, dict):
                for key, value in node.items():
                    if key in ("text", "content", "thinking") and isinstance(value, str):
                        found.append(value)
                    else:
                        walk(value)
            elif isinstance(node, list):
                for item in node:
                    walk(item)

        walk({"system": self.body.get("system"), "messages": self.messages})
        return "\n".join(found)

    def user_text(self, index: int = 0) -> str:
        """Text of the `index`-th user turn (a string or the text of its blocks)."""
        users = [m for m in self.messages if m.get("role") == "user"]
        content = users[index]["content"]
        if isinstance(content, str):
            return content
        parts = []
        for block in content:
            if block.get("type") == "text":
                parts.append(block["text"])
            elif block.get("type") == "tool_result":
                inner = block.get("content")
                parts.append(inner if isinstance(inner, str) else json.dumps(inner))
        return "\n".join(parts)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: pytest shows the assertions, not an access log."""

    def do_POST(self) -> None:
        fake = self.server.fake
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = None
        fake.record(
            RecordedRequest(
                method="POST",
                path=self.path,
                headers={k.lower(): v for k, v in self.headers.items()},
                body=body,
                raw=raw,
            )
        )
        if self.path.split("?")[0] != "/v1/messages":
            self._send(fake.render(error(404, message=f"no route {self.path}"), body))
            return
        reply = fake.next_reply()
        while reply.delay:
            if fake.stopping.wait(reply.delay):
                return
            reply = reply.then or error(500)
        self._send(fake.render(reply, body))

    def _send(self, rendered: tuple[int, dict[str, str], bytes]) -> None:
        status, headers, payload = rendered
        try:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("content-length", str(len(payload)))
            self.send_header("connection", "close")
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # The client gave up (timeout test); nothing to deliver.
        self.close_connection = True


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    fake: FakeAnthropic


class FakeAnthropic:
    """A scripted `POST /v1/messages` on 127.0.0.1 (random port), served from a thread."""

    def __init__(self) -> None:
        self._queue: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self.requests: list[RecordedRequest] = []
        self.stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # ----------------------------------------------------------------- lifecycle

    def start(self) -> FakeAnthropic:
        server = _Server(("127.0.0.1", 0), _Handler)
        server.fake = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    @property
    def base_url(self) -> str:
        assert self._server is not None, "server not started"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # ----------------------------------------------------------------- script

    def script(self, *items: Reply) -> None:
        """Queue answers, served in order, one per request (SDK retries included)."""
        with self._lock:
            self._queue.extend(items)

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._queue)

    def next_reply(self) -> Reply:
        with self._lock:
            if self._queue:
                return self._queue.popleft()
        return error(500, message="fake server: no scripted reply left")

    def record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    @property
    def bodies(self) -> list[Any]:
        return [request.body for request in self.requests]

    # ----------------------------------------------------------------- rendering

    def render(self, reply: Reply, body: Any) -> tuple[int, dict[str, str], bytes]:
        number = next(self._ids)
        headers = {"content-type": "application/json", "request-id": f"req_fake_{number}"}
        headers.update(reply.headers)
        if reply.raw is not None:
            return reply.status, headers, reply.raw
        if reply.status >= 400:
            payload: dict[str, Any] = {
                "type": "error",
                "error": {"type": reply.error_type, "message": reply.error_message},
                "request_id": f"req_fake_{number}",
            }
            return reply.status, headers, json.dumps(payload).encode()
        content = copy.deepcopy(reply.content or [])
        model = body.get("model", "claude-fake") if isinstance(body, dict) else "claude-fake"
        payload = {
            "id": f"msg_fake_{number}",
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": content,
            "stop_reason": reply.stop_reason,
            "stop_sequence": None,
            "usage": reply.usage,
        }
        return reply.status, headers, json.dumps(payload, ensure_ascii=False).encode()


@pytest.fixture
def fake_anthropic() -> Iterator[FakeAnthropic]:
    """A started fake server for one test; shut down afterwards."""
    server = FakeAnthropic().start()
    try:
        yield server
    finally:
        server.stop()


# --------------------------------------------------------------------------- content helpers


def vpr_content_from_rules(
    cv: CV | Mapping[str, Any],
    request: VPRRequest | Mapping[str, Any],
    *,
    today: date | None = None,
) -> dict[str, Any]:
    """A valid answer: the rules generator's report minus its metadata.

    Everything in it is quoted from the sources, so it passes FVS like a well-behaved model.
    """
    cv_model = cv if isinstance(cv, CV) else CV.model_validate(cv)
    request_model = (
        request if isinstance(request, VPRRequest) else VPRRequest.model_validate(request)
    )
    result = RulesGenerator(today=today).generate(
        GenerationInput(job_id="fake-job", cv=cv_model, request=request_model)
    )
    content = result.document.model_dump(mode="json", include=set(CONTENT_FIELDS))
    content["fit_rationale"] = content.get("fit_rationale") or "Scored from the evidence rows."
    if result.document.schema_version < 2:  # A rules engine that does not cite yet.
        posting = request_model.job_posting
        _cite_by_quotes(content, build_catalogue(cv_model, posting, request_model.gap_responses))
    return content


def _cite_by_quotes(content: dict[str, Any], catalogue: Catalogue) -> None:
    """Cite each sentence by the source lines it quotes verbatim (the first job when it quotes
    none), and each row's requirement by its posting line, as a citing model would."""
    candidate = [item for item in catalogue.of_owner("candidate") if len(item.text) >= 12]
    requirements = {item.text: item.id for item in catalogue.of_owner("posting")}

    def quoted(text: str, items: Any, fallback: str | None) -> list[str]:
        ids = [item.id for item in items if item.text in text][:12]
        return ids or ([fallback] if fallback else [])

    first_job = "cv.exp.1" if "cv.exp.1" in catalogue else catalogue.items[0].id
    for row in content["evidence_matrix"]:
        row["requirement_id"] = requirements.get(row["requirement"])
        fallback = first_job if row["source"] != "none" else None
        row["evidence_ids"] = quoted(row["evidence"], candidate, fallback)
    for gap in content["gap_strategies"]:
        gap["gap_id"] = requirements.get(gap["gap"])
    for item in (*content["differentiators"], *content["talking_points"]):
        item["evidence_ids"] = quoted(item["text"], candidate, first_job)


_YEAR_RE = re.compile(r"(?<!\d)(19[5-9]\d|20[0-4]\d)(?!\d)")
_NUMBER_RE = re.compile(r"(?<![\d.,\-])(\d{1,3}(?:,\d{3})+|\d+)(?![\d\-]|[.,]\d)")


def _prose_slots(content: dict[str, Any]) -> Iterator[tuple[Any, Any]]:
    """(container, key) of each prose string, most prominent first."""
    yield content, "executive_summary"
    for row in content.get("evidence_matrix", []):
        yield row, "evidence"
    for item in content.get("differentiators", []):
        yield item, "text"
    for item in content.get("talking_points", []):
        yield item, "text"


def invent_employer(content: dict[str, Any], employer: str = "Globex Corporation") -> dict:
    """Claim a past employer that no source mentions (FVS: organisation)."""
    out = copy.deepcopy(content)
    out["executive_summary"] = (
        out["executive_summary"].rstrip() + f" Before that, the candidate worked at {employer}."
    )
    return out


def shift_year(content: dict[str, Any], years: int = -9) -> dict:
    """Move the first year in the prose by `years` (FVS: year); -9 lands before the fixtures'
    careers, so the shifted year is in no source."""
    out = copy.deepcopy(content)
    for container, key in _prose_slots(out):
        text = container[key]
        match = _YEAR_RE.search(text)
        if match:
            shifted = str(int(match.group(1)) + years)
            container[key] = text[: match.start()] + shifted + text[match.end() :]
            return out
    raise ValueError("no year in the prose to shift")


def inflate_metric(content: dict[str, Any], factor: int = 10) -> dict:
    """Multiply the first non-year number in the prose by `factor` (FVS: number)."""
    out = copy.deepcopy(content)
    for container, key in _prose_slots(out):
        text = container[key]
        for match in _NUMBER_RE.finditer(text):
            value = int(match.group(1).replace(",", ""))
            if value < 2 or _YEAR_RE.fullmatch(match.group(1)):
                continue
            container[key] = text[: match.start()] + f"{value * factor:,}" + text[match.end() :]
            return out
    raise ValueError("no number in the prose to inflate")


def miscited(content: dict[str, Any], wrong_id: str) -> tuple[dict, int]:
    """Cite `wrong_id` for the first row that quotes a measured result, the row now telling
    that result in its own words (unquoted), so its figures are claims the cited item must
    hold; returns the content and the row's index."""
    out = copy.deepcopy(content)
    for index, row in enumerate(out["evidence_matrix"]):
        measured = re.search(r'"([^"]*\d[^"]*)"', row["evidence"])
        if measured and row.get("evidence_ids") and wrong_id not in row["evidence_ids"]:
            row["evidence"] = measured.group(1).rstrip(".") + "."
            row["evidence_ids"] = [wrong_id]
            return out, index
    raise ValueError("no row quoting a measured result")


_HALLUCINATIONS = {"employer": invent_employer, "year": shift_year, "metric": inflate_metric}


def hallucinated(content: dict[str, Any], *kinds: str) -> dict:
    """`content` with invented facts planted: any of "employer", "year", "metric" (all by
    default). The input is not modified."""
    out = content
    for kind in kinds or tuple(_HALLUCINATIONS):
        out = _HALLUCINATIONS[kind](out)
    return out
