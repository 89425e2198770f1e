"""Ranking the candidate's evidence for one posting line: BM25 first, then impact.

BM25 (rank-bm25's Okapi variant) runs over the concept-folded term keys of every evidence
item, so "message queues" finds "Celery" and "הדרכה" finds "training" through the concept
tables, and rare, telling terms outweigh common ones through the IDF. Among the relevant
items, quantified, recent achievements win ties of relevance: the strongest results of the
CV should carry the report.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rank_bm25 import BM25Okapi

from vpr_jobs.generation.rules.evidence import Item
from vpr_jobs.generation.rules.text import coverage

# How the final rank mixes relevance (coverage of the line, BM25) and impact.
COVERAGE_SHARE = 0.5
BM25_SHARE = 0.3
QUANTIFIED_BONUS = 0.3
RECENCY_BONUS = 0.08


@dataclass(frozen=True)
class Candidate:
    item: Item
    coverage: float  # weighted share of the line's terms the item covers (0..1)
    relevance: float  # BM25 score relative to the best item for this line (0..1)
    rank: float


class Retriever:
    """A BM25 index over one report's evidence items."""

    def __init__(self, items: Sequence[Item]) -> None:
        self.items = list(items)
        self._index = (
            BM25Okapi([list(item.tokens) for item in self.items], k1=1.2, b=0.3)
            if self.items
            else None
        )
        starts = [item.recency for item in self.items if item.recency]
        self._oldest = min(starts, default=0)
        self._span = max(1, max(starts, default=0) - self._oldest)

    def candidates(self, wanted: dict[str, float]) -> list[Candidate]:
        """Items that answer some telling term of the line, best first."""
        if self._index is None:
            return []
        scores = self._index.get_scores(list(wanted))
        top = max(float(max(scores)), 0.0)
        found = []
        for item, score in zip(self.items, scores, strict=True):
            cov = coverage(wanted, item.keys)
            if cov <= 0:
                continue
            relevance = float(score) / top if top > 0 else 0.0
            recent = (item.recency - self._oldest) / self._span if item.recency else 0.0
            rank = (
                COVERAGE_SHARE * cov * item.weight
                + BM25_SHARE * relevance
                + QUANTIFIED_BONUS * item.quantified
                + RECENCY_BONUS * recent
            )
            found.append(Candidate(item, cov, relevance, rank))
        found.sort(key=lambda c: (-c.rank, c.item.order))
        return found
