"""The generator contract: plain data in, a validated VPRDocument out.

Generators know nothing of Django, jobs or storage, so they are tested without a database
and the worker can swap them by setting (`VPR_GENERATOR`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from vpr_jobs.schemas import CV, VPRDocument, VPRRequest


@dataclass(frozen=True)
class GenerationInput:
    job_id: str
    cv: CV
    request: VPRRequest
    # time.monotonic() value by which every model call must be over (the worker's kill is
    # later); None means no deadline.
    deadline: float | None = None


@dataclass
class GenerationResult:
    document: VPRDocument
    token_usage: dict[str, Any] = field(default_factory=dict)


class GenerationError(Exception):
    """A generation attempt failed; `permanent` says whether retrying can help."""

    def __init__(self, message: str, *, code: str, permanent: bool) -> None:
        super().__init__(message)
        self.code = code
        self.permanent = permanent


class Generator(Protocol):
    name: str

    def generate(
        self, data: GenerationInput, feedback: Sequence[Any] | None = None
    ) -> GenerationResult:
        """`feedback`: FVS findings of a previous attempt, for a corrected regeneration."""
        ...
