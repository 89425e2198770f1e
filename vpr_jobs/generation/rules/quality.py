"""Measures of a report's quality as a reader sees it, shared by the tests and the benchmark
(bench/report_quality.py): repetition, evidence reuse, slashed gender, Latin in Hebrew prose."""

from __future__ import annotations

import re
from collections import Counter

from vpr_jobs.schemas import VPRDocument

LONG_SENTENCE_WORDS = 6
_SENTENCE_SPLIT_RE = re.compile(r"(?<=[.!?;])\s+")
_QUOTE_RE = re.compile(r"\"([^\"]+)\"")
# "משמש/ת", "מנהל/ת", "בכיר/ה": a Hebrew word with a slashed gender ending.
SLASHED_GENDER_RE = re.compile(r"[\u05D0-\u05EA]+/[\u05D0-\u05EA]{1,2}(?![\u05D0-\u05EA])")
_LATIN_RE = re.compile(r"[A-Za-z]")
_HEBREW_RE = re.compile(r"[\u05D0-\u05EA]")
# Ids of single facts; a role id (cv.exp.N) is shared by the role's tools and dates.
_FACT_ID_RE = re.compile(
    r"^(cv\.exp\.\d+\.ach\.\d+|cv\.(skill|cert|edu|summary|lang)(\.\d+)?|gap\.\d+)$"
)


def _segments(text: str) -> list[str]:
    """Sentences and quoted passages: each is a unit a reader notices when it repeats."""
    parts = [s for s in _SENTENCE_SPLIT_RE.split(text) if s]
    parts += _QUOTE_RE.findall(text)
    return parts


def repeated_sentences(document: VPRDocument, limit: int = 2) -> dict[str, int]:
    """Sentences or quotes of 6+ words written more than `limit` times in the report."""
    counts: Counter[str] = Counter()
    for text in document.prose():
        # Once per field: a sentence that is only a quote is one thing written once.
        found = {" ".join(seg.casefold().strip(" .;:\"'").split()) for seg in _segments(text)}
        counts.update(norm for norm in found if len(norm.split()) >= LONG_SENTENCE_WORDS)
    return {text: n for text, n in counts.items() if n > limit}


def evidence_reuse(document: VPRDocument) -> int:
    """The most evidence rows any single fact is cited by."""
    counts: Counter[str] = Counter()
    for row in document.evidence_matrix:
        for item_id in set(row.evidence_ids):
            if _FACT_ID_RE.match(item_id):
                counts[item_id] += 1
    return max(counts.values(), default=0)


def slashed_gender(document: VPRDocument, sources: str) -> list[str]:
    """Slashed gender forms the report wrote itself (the sources' own are quoted, not ours)."""
    found = {m.group() for text in document.prose() for m in SLASHED_GENDER_RE.finditer(text)}
    return sorted(form for form in found if form not in sources)


def latin_share(document: VPRDocument) -> tuple[float, float]:
    """Share of Latin letters among all letters of the prose, overall and outside quotes."""

    def share(text: str) -> float:
        latin, hebrew = len(_LATIN_RE.findall(text)), len(_HEBREW_RE.findall(text))
        return latin / (latin + hebrew) if latin + hebrew else 0.0

    prose = " ".join(document.prose())
    return share(prose), share(_QUOTE_RE.sub(" ", prose))


def alignment_counts(document: VPRDocument) -> dict[str, int]:
    counts = Counter(
        "NONE" if row.source == "none" else row.alignment for row in document.evidence_matrix
    )
    return {key: counts.get(key, 0) for key in ("STRONG", "MODERATE", "DEVELOPING", "NONE")}
