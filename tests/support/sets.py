"""The shared labelled source sets: a CV, a job posting and gap answers per scenario.

Every generator test, the FVS corpus and the quality benchmarks read the same eight sets
(tests/fixtures/sets/<name>/), so a report judged in one place is judged on the same facts in
another. Each set is parsed with the API's pydantic schemas: a set that the API would reject
fails here, not deep inside a test.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from vpr_jobs.schemas import CV, GapResponse, JobPosting

SETS_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "sets"

SET_NAMES: tuple[str, ...] = (
    "backend_senior_to_staff",
    "nurse_to_product",
    "data_specialist_to_manager",
    "ld_manager",
    "he_devops",
    "he_accountant",
    "en_cv_he_posting",
    "sales_ae",
)


class About(BaseModel):
    """What a set is for: the report language, a one-paragraph story, the achievement a good
    report should lead with, and notes on the traps it sets for a generator."""

    model_config = ConfigDict(extra="forbid")

    language: Literal["en", "he"]
    story: str
    strongest_achievement: str
    notes: str = ""


@dataclass(frozen=True)
class SourceSet:
    name: str
    cv: CV
    posting: JobPosting
    gaps: list[GapResponse]
    about: About


def _read(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def load_set(name: str) -> SourceSet:
    """The parsed set `name` (one of SET_NAMES)."""
    if name not in SET_NAMES:
        raise KeyError(f"unknown source set {name!r}; known: {', '.join(SET_NAMES)}")
    folder = SETS_DIR / name
    return SourceSet(
        name=name,
        cv=CV.model_validate(_read(folder / "cv.json")),
        posting=JobPosting.model_validate(_read(folder / "posting.json")),
        gaps=[GapResponse.model_validate(item) for item in _read(folder / "gaps.json")],
        about=About.model_validate(_read(folder / "about.json")),
    )
