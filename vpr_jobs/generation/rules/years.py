"""Years of experience asked by a line, answered by the CV's own role dates."""

from __future__ import annotations

from vpr_jobs.generation.rules.text import YEARS_EN_RE, YEARS_HE_RE


def years_asked(text: str) -> tuple[int, str] | None:
    """("5+ years L&D experience") -> (5, " L&D experience"): the years and the domain."""
    match = YEARS_EN_RE.search(text) or YEARS_HE_RE.search(text)
    if match is None:
        return None
    return int(match.group(1)), text[: match.start()] + " " + text[match.end() :]
