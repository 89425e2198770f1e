"""An Anthropic call's price and its failures: what the Claude generator needs to know about
the API beyond the prompt.

Token usage is summed over every call of one report and priced from a per-model table, so the
caller can store what a report really cost. The SDK retries 408/409/429/5xx/529 and connection
errors itself (`max_retries`, honouring `retry-after`); whatever is left is mapped to a
`GenerationError` that says whether a later retry can help. Messages name the status and the
API's error type, never the key or the prompt.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import anthropic
from anthropic.types import Message

from vpr_jobs.generation.base import GenerationError

__all__ = [
    "DEFAULT_PRICES",
    "USAGE_FIELDS",
    "Usage",
    "estimate_cost",
    "map_api_error",
    "model_matches",
    "price_for",
]

# USD per million tokens; `cache_write` is the 5-minute ephemeral cache write. Published list
# prices: Sonnet 4.5/4.6 $3/$15 (cache write $3.75, read $0.30); Sonnet 5 and 5.5 $2/$10
# (cache write $2.50; cache read $0.20, cut to $0.10 for Sonnet 5.5 on 2026-10-07).
# `_default` prices an unknown model at the highest Sonnet rate, so a cost is never understated.
DEFAULT_PRICES: dict[str, dict[str, float]] = {
    "claude-sonnet-4-5": {"input": 3.0, "output": 15.0, "cache_write": 3.75, "cache_read": 0.30},
    "claude-sonnet-4-6": {"input": 3.0, "output": 15.0, "cache_write": 3.75, "cache_read": 0.30},
    "claude-sonnet-5": {"input": 2.0, "output": 10.0, "cache_write": 2.50, "cache_read": 0.20},
    "claude-sonnet-5-5": {"input": 2.0, "output": 10.0, "cache_write": 2.50, "cache_read": 0.10},
    "_default": {"input": 3.0, "output": 15.0, "cache_write": 3.75, "cache_read": 0.30},
}

USAGE_FIELDS = (
    "input_tokens",
    "output_tokens",
    "cache_read_input_tokens",
    "cache_creation_input_tokens",
)
_ERROR_DETAIL_LIMIT = 300

_DATED_ID_RE = re.compile(r"-\d{8}")


def model_matches(model: str, known: str) -> bool:
    """`known` itself or a dated snapshot of it ("claude-sonnet-4-5-20250929"), but not a
    later version that merely shares the prefix ("claude-sonnet-5-5" is not "claude-sonnet-5")."""
    return model == known or (
        model.startswith(known) and _DATED_ID_RE.fullmatch(model[len(known) :]) is not None
    )


# --------------------------------------------------------------------------- usage and cost


def price_for(model: str, prices: Mapping[str, Mapping[str, float]]) -> Mapping[str, float]:
    """The model's entry (a dated snapshot uses its family's), else `_default`."""
    for key, price in prices.items():
        if key != "_default" and model_matches(model, key):
            return price
    return prices.get("_default", DEFAULT_PRICES["_default"])


def estimate_cost(
    usage: Mapping[str, int], model: str, prices: Mapping[str, Mapping[str, float]]
) -> float:
    """USD for the given token counts, rounded to 6 places."""
    price = price_for(model, prices)
    total = (
        usage.get("input_tokens", 0) * price.get("input", 0.0)
        + usage.get("output_tokens", 0) * price.get("output", 0.0)
        + usage.get("cache_read_input_tokens", 0) * price.get("cache_read", 0.0)
        + usage.get("cache_creation_input_tokens", 0) * price.get("cache_write", 0.0)
    )
    return round(total / 1_000_000, 6)


@dataclass
class Usage:
    """Running token totals of one `generate()` call."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_input_tokens: int = 0
    cache_creation_input_tokens: int = 0
    calls: int = 0

    def add(self, message: Message) -> None:
        self.calls += 1
        usage = getattr(message, "usage", None)
        for name in USAGE_FIELDS:
            value = getattr(usage, name, None) if usage is not None else None
            setattr(self, name, getattr(self, name) + (value if isinstance(value, int) else 0))

    def as_dict(self, model: str, prices: Mapping[str, Mapping[str, float]]) -> dict[str, Any]:
        counts = {name: getattr(self, name) for name in USAGE_FIELDS}
        cost = estimate_cost(counts, model, prices)
        return {**counts, "calls": self.calls, "estimated_cost_usd": cost}


# --------------------------------------------------------------------------- errors


def _redact(text: str, secret: str) -> str:
    return text.replace(secret, "***") if secret else text


def _api_error_detail(err: anthropic.APIStatusError) -> str:
    """`<error type>: <API message>` from the error body, shortened; never the request."""
    body = err.body if isinstance(err.body, Mapping) else {}
    inner = body.get("error") if isinstance(body.get("error"), Mapping) else {}
    kind = str(inner.get("type") or type(err).__name__)
    message = " ".join(str(inner.get("message") or "").split())[:_ERROR_DETAIL_LIMIT]
    request_id = getattr(err, "request_id", None)
    detail = f"{kind}: {message}" if message else kind
    return f"{detail} (request_id={request_id})" if request_id else detail


def map_api_error(err: anthropic.AnthropicError, api_key: str) -> GenerationError:
    """Translate what is left after the SDK's own retries into a retry decision."""
    if isinstance(err, anthropic.APITimeoutError):
        return GenerationError(
            "Anthropic API timed out (after the SDK's retries)",
            code="ANTHROPIC_UNAVAILABLE",
            permanent=False,
        )
    if isinstance(err, anthropic.APIConnectionError):
        return GenerationError(
            f"Anthropic API unreachable: {type(err.__cause__ or err).__name__}",
            code="ANTHROPIC_UNAVAILABLE",
            permanent=False,
        )
    if isinstance(err, anthropic.APIStatusError):
        status = err.status_code
        detail = _redact(_api_error_detail(err), api_key)
        message = f"Anthropic API returned {status} {detail}"
        if isinstance(err, anthropic.AuthenticationError | anthropic.PermissionDeniedError):
            return GenerationError(message, code="ANTHROPIC_AUTH", permanent=True)
        if status >= 500 or status in (408, 409, 429):
            return GenerationError(message, code="ANTHROPIC_UNAVAILABLE", permanent=False)
        # 400 bad request, 402 billing, 404 unknown model, 413 too large, 422 unprocessable...
        return GenerationError(message, code="ANTHROPIC_REJECTED", permanent=True)
    if isinstance(err, anthropic.APIResponseValidationError):
        return GenerationError(
            "Anthropic API returned a response that is not a message",
            code="ANTHROPIC_UNAVAILABLE",
            permanent=False,
        )
    return GenerationError(
        f"Anthropic client error: {type(err).__name__}",
        code="ANTHROPIC_UNAVAILABLE",
        permanent=False,
    )
