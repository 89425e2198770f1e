"""What FVS returns: findings (which claim, which citation, why) and the verdict."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from vpr_jobs.fvs.text import _fold

Tier = Literal["IMMUTABLE", "VERIFIABLE", "FLEXIBLE"]
Check = Literal[
    "identity",
    "organisation",
    "year",
    "period",
    "number",
    "tenure",
    "quantity",
    "posting_figure",
    "citation",
    "seniority",
    "language",
    "title",
    "degree",
    "certification",
    "skill",
    "style",
]
FieldKind = Literal["claim", "posting_quote", "gap", "mitigation"]


# --------------------------------------------------------------------------- result


class Finding(BaseModel):
    """One problem: `field` is a path into the document, `value` the offending fragment,
    `citation` the catalogue id the claim cites that the problem is about (if any), `message`
    the reason in an operator's words."""

    model_config = ConfigDict(frozen=True)

    tier: Tier
    check: Check
    field: str
    value: str
    message: str
    citation: str | None = None


class FVSResult(BaseModel):
    """What is stored on the job and in the result: JSON-ready via `to_dict()`."""

    passed: bool
    violations: list[Finding] = []
    warnings: list[Finding] = []

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class _Collector:
    """Accumulates findings once each (same tier, check, field and value)."""

    def __init__(self) -> None:
        self.findings: list[Finding] = []
        self._seen: set[tuple[str, str, str, str]] = set()

    def add(
        self,
        tier: Tier,
        check: Check,
        path: str,
        value: str,
        message: str,
        citation: str | None = None,
    ) -> None:
        key = (tier, check, path, _fold(value))
        if key not in self._seen:
            self._seen.add(key)
            self.findings.append(
                Finding(
                    tier=tier,
                    check=check,
                    field=path,
                    value=value,
                    message=message,
                    citation=citation,
                )
            )

    def violation(
        self, check: Check, path: str, value: str, message: str, citation: str | None = None
    ) -> None:
        self.add("IMMUTABLE", check, path, value, message, citation)
