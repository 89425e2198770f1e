"""The document as claims: every text field with its path, how to read it, and the catalogue
ids it cites (an evidence row's evidence and impact cite its `evidence_ids`; a differentiator or
talking point its own; a gap strategy's mitigation its `evidence_ids`)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from vpr_jobs.fvs.result import FieldKind
from vpr_jobs.schemas import VPRDocument

# --------------------------------------------------------------------------- document walk


@dataclass(frozen=True)
class TextField:
    """One text of the document and how to read it: a `claim` about the candidate, a quote of
    the posting (`posting_quote`), a `gap` (what the candidate lacks) or a `mitigation` plan."""

    path: str
    text: str
    kind: FieldKind
    citations: tuple[str, ...] = ()


_CHECKS_BY_KIND: dict[FieldKind, frozenset[str]] = {
    "claim": frozenset(
        {"number", "organisation", "title", "degree", "certification", "skill", "style"}
        | {"language", "people"}
    ),
    "posting_quote": frozenset({"number"}),
    "gap": frozenset({"number", "organisation", "style"}),
    "mitigation": frozenset(
        {"number", "organisation", "title", "degree", "certification", "style", "skill"}
        | {"language", "people"}
    ),
}


def iter_text_fields(document: VPRDocument) -> Iterator[TextField]:
    """Every prose field with its path, in reading order (mirrors `VPRDocument.prose()`)."""
    yield TextField("executive_summary", document.executive_summary, "claim")
    if document.fit_rationale:
        yield TextField("fit_rationale", document.fit_rationale, "claim")
    for i, row in enumerate(document.evidence_matrix):
        yield TextField(f"evidence_matrix[{i}].requirement", row.requirement, "posting_quote")
        cited = tuple(row.evidence_ids)
        yield TextField(f"evidence_matrix[{i}].evidence", row.evidence, "claim", cited)
        yield TextField(f"evidence_matrix[{i}].impact", row.impact, "claim", cited)
    for i, item in enumerate(document.differentiators):
        yield TextField(f"differentiators[{i}]", item.text, "claim", tuple(item.evidence_ids))
    for i, gap in enumerate(document.gap_strategies):
        yield TextField(f"gap_strategies[{i}].gap", gap.gap, "gap")
        yield TextField(
            f"gap_strategies[{i}].mitigation", gap.mitigation, "mitigation", tuple(gap.evidence_ids)
        )
        for j, skill in enumerate(gap.transferable_skills):
            yield TextField(f"gap_strategies[{i}].transferable_skills[{j}]", skill, "claim")
    for i, item in enumerate(document.talking_points):
        yield TextField(f"talking_points[{i}]", item.text, "claim", tuple(item.evidence_ids))
