"""The fit score and its one-line rationale.

A weighted average of alignment credit (requirements weigh more than responsibilities, and
both more than nice-to-haves), then lowered for what a recruiter reads between the lines: a
step up in seniority, a manager role without people-management evidence, a gap the
candidate's own answers confirm. The rationale says which of these applied, in words only:
the generator never writes a computed number into prose.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from vpr_jobs.generation.rules.evidence import Item, plain
from vpr_jobs.generation.rules.matching import Match
from vpr_jobs.generation.rules.text import ANCHOR_WEIGHT, keys, requirement_keys
from vpr_jobs.generation.rules.writer import Writer
from vpr_jobs.schemas import CV, Experience, JobPosting

LINE_WEIGHT = {"requirement": 1.0, "responsibility": 0.7, "nice_to_have": 0.3}
CREDIT = {"STRONG": 1.0, "MODERATE": 0.6, "DEVELOPING": 0.35}
DENIED_CREDIT = 0.2
DEVELOPING_SLOPE = 0.9
MANAGER_PENALTY = 12
MANAGER_CAP = 75  # a manager role without management evidence never reads as a near-certain fit
STEP_PENALTY = 8  # per seniority level stepped up
# Seniority levels by title word; a role title's level is its highest word's.
_LEVELS: dict[str, int] = {
    "junior": 1,
    "graduate": 1,
    "associate": 1,
    "senior": 3,
    "sr": 3,
    "staff": 4,
    "principal": 5,
    "architect": 4,
    "head": 6,
    "director": 6,
    "vp": 7,
    "בכיר": 3,
    "בכירה": 3,
    "ראשי": 4,
    "ראשית": 4,
}
_DEFAULT_LEVEL = 2
_MANAGER_KEYS = frozenset({"@manage"})
# "Product Manager", "Account Manager": manager titles that manage no people.
_NOT_PEOPLE_MANAGER = keys("product project program programme account success community office")
# "Managed a team of 4", "led 6 engineers", "ניהלתי צוות": people managed, not a system.
_PEOPLE_MANAGED_RE = re.compile(
    r"\b(?:manag(?:ed|ing|e)|led|lead(?:ing)?|head(?:ed|ing)?|supervis(?:ed|ing))\s+"
    r"(?:a\s+|the\s+)?(?:team|group|department|staff|\d+\s+\w+)|\bdirect reports\b|\bline manag"
    r"|ניהלתי|ניהול צוות|ניהול של צוות|מנהל צוות|מנהלת צוות|ניהול \d+",
    re.IGNORECASE,
)
_NOT_PEOPLE_MANAGER |= keys("מוצר מוצרים פרויקט פרויקטים לקוחות תיק")


@dataclass(frozen=True)
class Fit:
    score: int
    rationale: str
    manager_step: bool  # a manager role without people-management evidence
    level_step: bool  # a step up in seniority
    career_change: bool  # the target role shares nothing with any past role title


def _telling(text: str) -> set[str]:
    return {k for k, w in requirement_keys(text).items() if w >= ANCHOR_WEIGHT}


def title_level(title: str) -> int:
    words = [w.strip(".,()").casefold() for w in title.split()]
    return max((_LEVELS.get(w, 0) for w in words), default=0) or _DEFAULT_LEVEL


def is_manager_title(title: str) -> bool:
    """A title that manages people: "Data Science Manager", not "Product Manager"."""
    found = keys(title)
    return bool(found & _MANAGER_KEYS) and not (found & _NOT_PEOPLE_MANAGER)


def _has_management_evidence(cv: CV, items: Sequence[Item], rows: Sequence[Match]) -> bool:
    """A people-manager title, or CV evidence of managing people ("managed a team of 4"),
    not of managing a system ("managing an LMS"); a gap answer that denies it outweighs."""
    if any(is_manager_title(exp.role) for exp in cv.experience):
        return True
    if any(m.denied_by is not None and "@manage" in m.denied_by.topic for m in rows):
        return False
    return any(
        item.source == "cv" and _PEOPLE_MANAGED_RE.search(item.fact)
        for item in items
        if item.kind in ("achievement", "description", "summary")
    )


def latest_role(cv: CV) -> Experience | None:
    """The current role (latest start) or else the one that ended last."""
    if not cv.experience:
        return None
    current = [e for e in cv.experience if e.current]
    if current:
        return max(current, key=lambda e: e.start_date)
    return max(cv.experience, key=lambda e: (e.end_date or e.start_date, e.start_date))


def _base(rows: Sequence[Match], extras: Sequence[Match]) -> float:
    total = credit = 0.0
    for match in [*rows, *extras]:
        weight = LINE_WEIGHT[match.line.kind]
        total += weight
        if match.denied_by is not None:
            credit += weight * DENIED_CREDIT
        elif match.alignment == "DEVELOPING":
            # A partial match earns by how much it covers: a near-miss more than a shared word.
            credit += weight * min(CREDIT["DEVELOPING"], DEVELOPING_SLOPE * match.score)
        elif match.alignment is not None:
            credit += weight * CREDIT[match.alignment]
    return 100 * credit / total if total else 0.0


def fit(
    cv: CV,
    posting: JobPosting,
    items: Sequence[Item],
    rows: Sequence[Match],
    extras: Sequence[Match],
    write: Writer,
) -> Fit:
    score = _base(rows, extras)
    latest = latest_role(cv)
    notes: list[str] = []
    target = plain(posting.role_title)
    manager_step = level_step = career_change = False
    if latest is not None:
        role = plain(latest.role)
        manager_step = is_manager_title(target) and not _has_management_evidence(cv, items, rows)
        past_level = max(title_level(exp.role) for exp in cv.experience)
        steps = title_level(target) - past_level
        level_step = steps > 0 and not manager_step
        if manager_step:
            score = min(score - MANAGER_PENALTY, MANAGER_CAP)
            notes.append(write("fit_manager", role=role, target_role=target))
        elif level_step:
            score -= STEP_PENALTY * min(steps, 2)
            notes.append(write("fit_step", role=role, target_role=target))
        # A change of field: no past title shares a word with the target title or the lines.
        field = _telling(" ".join([target, *posting.requirements, *posting.responsibilities]))
        field -= _MANAGER_KEYS
        career_change = not any(field & _telling(exp.role) for exp in cv.experience)
    if any(m.denied_by is not None and m.line.kind == "requirement" for m in rows):
        notes.append(write("fit_denied"))
    final = max(0, min(100, round(score)))
    if career_change and final >= 40:
        notes.insert(0, write("fit_change"))
    band = "fit_high" if final >= 75 else "fit_mid" if final >= 50 else "fit_low"
    if final < 25:
        band = "fit_none"
    rationale = write("fit_sep").join([write(band), *notes]) + write("fit_end")
    return Fit(final, rationale, manager_step, level_step, career_change)
