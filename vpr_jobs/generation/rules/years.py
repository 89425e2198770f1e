"""Years of experience asked by a line, answered by the CV's own role dates."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from vpr_jobs.generation.rules.evidence import month_index
from vpr_jobs.generation.rules.text import YEARS_EN_RE, YEARS_HE_RE
from vpr_jobs.schemas import Experience


def months_covered(roles: Sequence[Experience], today: date) -> int:
    """Months spanned by the roles, overlaps counted once (an open non-current role: 1)."""
    spans = []
    for exp in roles:
        start = month_index(exp.start_date)
        if exp.end_date:
            end = month_index(exp.end_date)
        elif exp.current:
            end = max(start, today.year * 12 + today.month - 1)
        else:
            end = start
        spans.append((start, end + 1))
    total, reach = 0, None
    for start, end in sorted(spans):
        if reach is None or start >= reach:
            total += end - start
            reach = end
        elif end > reach:
            total += end - reach
            reach = end
    return total


def years_asked(text: str) -> tuple[int, str] | None:
    """("5+ years L&D experience") -> (5, " L&D experience"): the years and the domain."""
    match = YEARS_EN_RE.search(text) or YEARS_HE_RE.search(text)
    if match is None:
        return None
    return int(match.group(1)), text[: match.start()] + " " + text[match.end() :]
