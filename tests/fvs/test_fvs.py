"""FVS: hallucinated reports fail with the expected tier and field; faithful paraphrases pass.

Each case starts from a clean, hand-written report built on a fixture CV and changes one field,
so a failure points at exactly one check. No database, no Django.
"""

from __future__ import annotations

import functools
import itertools
import json
import random
import re
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

import pytest

from vpr_jobs.fvs import (
    FVSResult,
    extract_numbers,
    iter_text_fields,
    org_matches,
    title_matches,
    verify,
)
from vpr_jobs.fvs import checks_credentials as ck_cred
from vpr_jobs.fvs import checks_names as ck_names
from vpr_jobs.fvs import checks_numbers as ck_num
from vpr_jobs.fvs import checks_skills as ck_skill
from vpr_jobs.fvs import names as fnames
from vpr_jobs.fvs import quantities as qty
from vpr_jobs.fvs import sources as fsrc
from vpr_jobs.fvs import text as ftext
from vpr_jobs.fvs import vocabulary as vocab
from vpr_jobs.schemas import CV, GapResponse, JobPosting, VPRDocument, VPRRequest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
GENERATED_AT = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def _load(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


LD_CV = CV.model_validate(_load("cv_learning_development"))
BACKEND_CV = CV.model_validate(_load("cv_backend_engineer"))
LD_JOB = JobPosting.model_validate(_load("job_learning_development"))
BACKEND_JOB = JobPosting.model_validate(_load("job_backend_engineer"))
HEBREW_JOB = JobPosting.model_validate(_load("job_hebrew"))
LD_GAPS = [GapResponse.model_validate(g) for g in _load("gap_responses_learning_development")]

SOURCES: dict[str, tuple[CV, JobPosting, list[GapResponse]]] = {
    "ld": (LD_CV, LD_JOB, LD_GAPS),
    "backend": (BACKEND_CV, BACKEND_JOB, []),
    "hebrew": (LD_CV, HEBREW_JOB, LD_GAPS),
}


def _document(**fields: Any) -> dict[str, Any]:
    return {
        "job_id": "job-1",
        "application_id": "app-1",
        "version": 1,
        "generated_at": GENERATED_AT.isoformat(),
        "generator": {"name": "test"},
        "fit_score": 78,
        "word_count": 0,
        **fields,
    }


BASE: dict[str, dict[str, Any]] = {
    "ld": _document(
        language="en",
        candidate_name="Noa Bar",
        target_role="Learning & Development Manager",
        target_company="Natural Intelligence",
        executive_summary=(
            "Noa Bar is a Learning Experience Specialist at Wix with eight years of experience "
            "designing training programs for technology companies. At Wix she redesigned "
            "onboarding for 400 new hires a year and cut time-to-first-commit from 21 to 12 "
            "days. She is ready to join Natural Intelligence as Learning & Development Manager."
        ),
        evidence_matrix=[
            {
                "requirement": "5+ years L&D experience",
                "evidence": (
                    "Training Coordinator at Check Point Software (2017 to 2021) and Learning "
                    "Experience Specialist at Wix since 2021"
                ),
                "alignment": "STRONG",
                "source": "cv",
                "impact": "Eight years of L&D delivery across two technology companies.",
            },
            {
                "requirement": "Strong analytical skills",
                "evidence": (
                    "Built a learning-needs survey answered by 1,200 employees and used it to "
                    "set the 2023 training plan"
                ),
                "alignment": "STRONG",
                "source": "cv",
                "impact": "Training priorities grounded in data rather than opinion.",
            },
            {
                "requirement": "Experience managing an LMS",
                "evidence": (
                    "Moved compliance training to an LMS at Check Point Software, raising "
                    "completion from 70% to 96%"
                ),
                "alignment": "STRONG",
                "source": "cv",
                "impact": 'Directly covers "Experience managing an LMS": a 26-point rise.',
            },
            {
                "requirement": "People management experience",
                "evidence": "Mentored two junior training coordinators at Check Point Software",
                "alignment": "DEVELOPING",
                "source": "gap_response",
                "impact": "Early people-leadership experience to build on.",
            },
        ],
        differentiators=[
            "Psychology and Education graduate of Tel Aviv University (B.A., 2016)",
            "ATD-certified since 2020",
            "Launched a manager training track completed by 85 team leads",
            "Ran 150 instructor-led sessions a year with an average satisfaction of 4.6 out of 5",
        ],
        gap_strategies=[
            {
                "gap": "People management experience",
                "mitigation": (
                    "Mentored two junior coordinators at Check Point Software and trained 85 "
                    "team leads at Wix"
                ),
                "transferable_skills": ["facilitation", "stakeholder management"],
            }
        ],
        talking_points=[
            "At Wix she redesigned onboarding for 400 new hires a year",
            "Cut time-to-first-commit from 21 to 12 days",
            "Raised compliance completion from 70% to 96% at Check Point Software",
            "Uses Docebo and Articulate 360 to build blended programs",
            "Mentored two junior coordinators",
            "Basic Python for automation scripts",
        ],
        keywords=["onboarding", "LMS", "needs analysis"],
    ),
    "backend": _document(
        language="en",
        candidate_name="Daniel Katz",
        target_role="Staff Backend Engineer",
        target_company="Fiverr",
        executive_summary=(
            "Daniel Katz is a Senior Backend Engineer at Monday.com who builds reliable Python "
            "services on AWS, and he is applying to join Fiverr as Staff Backend Engineer."
        ),
        evidence_matrix=[
            {
                "requirement": "8+ years of backend development",
                "evidence": "Software Engineer at Playtika (2016 to 2020), then Monday.com",
                "alignment": "STRONG",
                "source": "cv",
                "impact": "Nine years of backend work.",
            },
            {
                "requirement": "Experience with message queues",
                "evidence": "Led the migration of 40 services from Celery on Redis to AWS SQS",
                "alignment": "STRONG",
                "source": "cv",
                "impact": "Has run queue-based workers in production.",
            },
        ],
        differentiators=[
            "Cut p99 latency of the automations API from 900 ms to 180 ms at Monday",
            "Built a leaderboard service serving 2 million daily players at Playtika",
            "B.Sc. in Computer Science from the Technion (2015)",
        ],
        gap_strategies=[
            {
                "gap": "Payments domain experience",
                "mitigation": "Relate the reliability work on the automations platform",
                "transferable_skills": ["distributed systems", "PostgreSQL"],
            }
        ],
        talking_points=[
            "Sr. Backend Engineer at Monday.com since 2020",
            "A 5x latency improvement: 900 ms down to 180 ms",
            "Migrated 40 services to SQS-based workers",
            "Served 2M daily players at Playtika",
            "Over four years at Playtika as a Software Engineer",
        ],
        keywords=["Python", "message queues"],
    ),
    "hebrew": _document(
        language="he",
        candidate_name="Noa Bar",
        target_role="מנהל/ת הדרכה",
        target_company="בנק הפועלים",
        executive_summary=(
            "Noa Bar מביאה ניסיון בהדרכה בחברות טכנולוגיה; ב-Wix עיצבה מחדש את תוכנית "
            "הקליטה ל-400 עובדים חדשים בשנה."
        ),
        evidence_matrix=[
            {
                "requirement": "5 שנות ניסיון בהדרכה",
                "evidence": "Training Coordinator ב-Check Point Software (2017-09 עד 2021-02)",
                "alignment": "STRONG",
                "source": "cv",
                "impact": "עונה על הדרישה.",
            }
        ],
        differentiators=[
            "סקר צרכי למידה שנענה על ידי 1,200 עובדים",
            "שיעור השלמה שעלה מ-70% ל-96%",
            "בוגרת Tel Aviv University משנת 2016",
        ],
        gap_strategies=[],
        talking_points=[
            "קיצור הזמן לקומיט ראשון מ-21 ל-12 ימים",
            "85 ראשי צוותים השלימו את מסלול המנהלים",
            "150 הדרכות בשנה בציון 4.6",
            "הסמכת ATD משנת 2020",
            "שאלו כיצד נמדדת הצלחה בתפקיד",
        ],
        keywords=["הדרכה"],
    ),
}


_PATH_RE = re.compile(r"(\w+)|\[(\d+)\]")


def _mutated(base: str, path: str | None = None, value: Any = None) -> VPRDocument:
    """A valid document: the base report with the field at `path` replaced by `value`."""
    data = json.loads(json.dumps(BASE[base]))
    if path is not None:
        keys: list[str | int] = [
            name if name else int(index) for name, index in _PATH_RE.findall(path)
        ]
        target = data
        for key in keys[:-1]:
            target = target[key]
        target[keys[-1]] = value
    return VPRDocument.model_validate(data)


def _verify(base: str, path: str | None = None, value: Any = None) -> FVSResult:
    cv, posting, gaps = SOURCES[base]
    return verify(_mutated(base, path, value), cv=cv, posting=posting, gap_responses=gaps)


def _describe(result: FVSResult) -> str:
    return "\n".join(
        f"{f.tier} {f.check} {f.field} {f.value!r}: {f.message}"
        for f in result.violations + result.warnings
    )


# --------------------------------------------------------------------------- clean baseline


@pytest.mark.parametrize("base", sorted(BASE))
def test_clean_base_documents_pass_without_findings(base: str) -> None:
    result = _verify(base)
    assert result.passed, _describe(result)
    assert result.violations == [] and result.warnings == [], _describe(result)


def test_result_is_json_serialisable() -> None:
    result = _verify("ld", "talking_points[0]", "At Google she onboarded 500 hires, a delve.")
    data = json.loads(json.dumps(result.to_dict()))
    assert data["passed"] is False
    assert set(data) == {"passed", "violations", "warnings"}
    assert set(data["violations"][0]) == {"tier", "check", "field", "value", "message", "citation"}
    assert FVSResult.model_validate(data) == result


def test_text_fields_cover_the_whole_prose_with_paths() -> None:
    document = _mutated("ld")
    fields = list(iter_text_fields(document))
    assert [f.text for f in fields] == document.prose()
    paths = {f.path for f in fields}
    assert {
        "executive_summary",
        "evidence_matrix[2].evidence",
        "evidence_matrix[0].requirement",
        "gap_strategies[0].mitigation",
        "gap_strategies[0].transferable_skills[1]",
        "talking_points[5]",
    } <= paths


# --------------------------------------------------------------------------- hallucinations

# fmt: off
FAILING = [
    # (base, path, text, check, offending value)
    (
        "ld", "executive_summary",
        "Noa Bar previously built onboarding at Google and now works at Wix.",
        "organisation", "Google",
    ),
    (
        "ld", "evidence_matrix[0].evidence",
        "Training Coordinator at Check Point Software (2019 to 2021)",
        "year", "2019",
    ),
    (
        "ld", "differentiators[0]",
        "Psychology and Education graduate of Tel Aviv University (B.A., 2014)",
        "year", "2014",
    ),
    (
        "ld", "talking_points[0]",
        "As Head of Learning at Wix she redesigned onboarding for 400 new hires a year",
        "title", "Head of Learning",
    ),
    (
        "ld", "talking_points[1]",
        "Promoted to Senior Learning Experience Specialist at Wix in 2023",
        "title", "Senior Learning Experience Specialist",
    ),
    (
        "ld", "talking_points[1]",
        "She was promoted to head of learning and development in 2023",
        "title", "head of learning and development",
    ),
    (
        "ld", "evidence_matrix[0].evidence",
        "Learning Experience Specialist at Check Point Software since 2017",
        "title", "Learning Experience Specialist at Check Point Software",
    ),
    (
        "ld", "talking_points[0]",
        "At Wix she redesigned onboarding for 500 new hires a year",
        "number", "500",
    ),
    (
        "ld", "talking_points[2]",
        "Raised compliance completion from 70% to 98% at Check Point Software",
        "number", "98%",
    ),
    (
        "ld", "evidence_matrix[1].evidence",
        "Ran a learning-needs survey answered by 1,500 employees",
        "number", "1,500",
    ),
    (
        "ld", "executive_summary",
        "Noa Bar managed a $2M training budget at Wix.",
        "number", "$2M",
    ),
    (
        "ld", "talking_points[4]", "Mentored six junior coordinators",
        "number", "six",
    ),
    (
        "ld", "differentiators[0]", "M.A. in Education from Tel Aviv University",
        "degree", "M.A.",
    ),
    (
        "ld", "differentiators[0]", "Holds a PhD in Psychology",
        "degree", "PhD",
    ),
    (
        "ld", "differentiators[0]", "B.A. in Computer Science from Tel Aviv University",
        "degree", "B.A. in Computer Science",
    ),
    (
        "ld", "differentiators[1]", "PMP-certified since 2020",
        "certification", "PMP",
    ),
    (
        "ld", "differentiators[1]", "Certified Scrum Master since 2020",
        "certification", "Scrum Master",
    ),
    (
        "ld", "gap_strategies[0].mitigation",
        "Mentored two junior coordinators at Amazon",
        "organisation", "Amazon",
    ),
    (
        "ld", "executive_summary",
        "Noa Bar previously worked at Natural Intelligence as a Training Coordinator.",
        "organisation", "Natural Intelligence",
    ),
    ("ld", "candidate_name", "Noa Levi", "identity", "Noa Levi"),
    ("ld", "target_company", "Fiverr", "identity", "Fiverr"),
    ("ld", "target_role", "Head of Learning", "identity", "Head of Learning"),
    (
        "backend", "differentiators[0]",
        "Senior Backend Engineer at Amazon, where he cut latency from 900 ms to 180 ms",
        "organisation", "Amazon",
    ),
    (
        "backend", "differentiators[0]",
        "Cut p99 latency of the automations API from 900 ms to 150 ms at Monday",
        "number", "150",
    ),
    (
        "backend", "differentiators[1]",
        "Built a leaderboard service serving 3 million daily players at Playtika",
        "number", "3 million",
    ),
    (
        "backend", "talking_points[0]",
        "As Staff Backend Engineer at Monday.com he owns the automations platform",
        "title", "Staff Backend Engineer",
    ),
    (
        "backend", "talking_points[0]", "Head of Backend at Monday since 2020",
        "title", "Head of Backend",
    ),
    (
        "backend", "differentiators[2]", "M.Sc. in Computer Science from the Technion",
        "degree", "M.Sc.",
    ),
    (
        "backend", "differentiators[2]", "AWS Certified Solutions Architect",
        "certification", "Solutions Architect",
    ),
    (
        "backend", "talking_points[4]", "Software Engineer at Playtika from 2014",
        "year", "2014",
    ),
    (
        "hebrew", "executive_summary",
        "Noa Bar עיצבה מחדש ב-Wix את תוכנית הקליטה ל-500 עובדים חדשים בשנה.",
        "number", "500",
    ),
    (
        "hebrew", "evidence_matrix[0].evidence",
        "Training Coordinator ב-Check Point Software (2019-09 עד 2021-02)",
        "year", "2019",
    ),
    (
        "hebrew", "differentiators[1]", "שיעור השלמה שעלה מ-70% ל-98%",
        "number", "98%",
    ),
    # Cues beyond "at": "former", "worked with", degree + "from", possessive titles, tenures.
    ("ld", "executive_summary", "Noa Bar, a former Microsoft trainer, now works at Wix.",
     "organisation", "Microsoft"),
    ("ld", "executive_summary", "Noa Bar worked with Deloitte on leadership training.",
     "organisation", "Deloitte"),
    ("ld", "differentiators[0]", "Graduated from Hebrew University in 2016",
     "organisation", "Hebrew University"),
    ("ld", "differentiators[0]", "Holds a B.A. from Harvard (2016)", "organisation", "Harvard"),
    ("ld", "executive_summary", "Noa Bar, Wix's L&D Team Lead, rebuilt onboarding.",
     "title", "L&D Team Lead"),
    ("backend", "talking_points[4]", "Spent 6 years at Monday.com", "tenure", "6"),
    ("backend", "executive_summary", "Daniel previously worked at Fiverr on payments.",
     "organisation", "Fiverr"),
    ("hebrew", "talking_points[4]", "נועה עבדה ב-Google מאז 2021", "organisation", "Google"),
    ("hebrew", "talking_points[4]", "נועה משמשת כ-Head of Learning ב-Wix",
     "title", "Head of Learning"),
]
# fmt: on


@pytest.mark.parametrize(
    ("base", "path", "text", "check", "value"),
    FAILING,
    ids=[f"{c[0]}-{c[3]}-{c[4]}" for c in FAILING],
)
def test_hallucination_fails(base: str, path: str, text: str, check: str, value: str) -> None:
    result = _verify(base, path, text)
    assert not result.passed, _describe(result)
    hits = [
        v
        for v in result.violations
        if v.tier == "IMMUTABLE"
        and v.check == check
        and v.field == path
        and value.casefold() in v.value.casefold()
    ]
    assert hits, _describe(result)


# --------------------------------------------------------------------------- paraphrases

# fmt: off
PASSING = [
    ("ld", "talking_points[0]", "At Wix she redesigned onboarding for 400 new hires a year"),
    ("ld", "talking_points[1]", "She cut time-to-first-commit from 21 to 12 days"),
    ("ld", "talking_points[1]", "Cut time-to-first-commit by 9 days, a 43% reduction"),
    ("ld", "differentiators[0]", "Psychology and Education graduate of Tel Aviv University"),
    ("ld", "differentiators[0]", "Holds a B.A. in Psychology from Tel Aviv University (2016)"),
    ("ld", "differentiators[0]", "Bachelor's degree from TAU, 2016"),
    ("ld", "talking_points[4]", "Mentored two junior coordinators"),
    ("ld", "talking_points[4]", "Mentored 2 junior training coordinators for a year"),
    ("ld", "differentiators[1]", "ATD-certified talent development professional"),
    ("ld", "differentiators[1]", "CPTD credential from the Association for Talent Development"),
    (
        "ld", "executive_summary",
        "Noa Bar is ready to join Natural Intelligence as Learning & Development Manager.",
    ),
    (
        "ld", "executive_summary",
        "Three reasons make Noa Bar a fit for the Learning & Development Manager role at "
        "Natural Intelligence.",
    ),
    ("ld", "talking_points[2]", "Raised LMS completion from 70% to 96%, a 26-point rise"),
    ("ld", "evidence_matrix[1].evidence", "A survey of 1200 employees shaped the 2023 plan"),
    (
        "ld", "evidence_matrix[0].evidence",
        "Over eight years in L&D, including more than three years at Checkpoint",
    ),
    ("ld", "evidence_matrix[0].evidence", "Learning Experience Specialist at Wix since 2021"),
    ("ld", "evidence_matrix[0].evidence", "Training Coordinator at Check Point (2017-2021)"),
    (
        "ld", "evidence_matrix[0].evidence",
        "Worked as a training coordinator at Check Point Software, then at Wix",
    ),
    ("ld", "talking_points[3]", "Builds courses in Articulate 360 and runs them on Docebo"),
    ("ld", "talking_points[3]", "Tracks programme usage with Google Analytics"),
    ("ld", "talking_points[3]", "Works with R&D and Engineering leadership at Wix"),
    ("ld", "talking_points[3]", "Speaks Hebrew and English; based in Tel Aviv"),
    ("ld", "talking_points[3]", "Joined Wix in March 2021"),
    ("ld", "talking_points[3]", "Average satisfaction of 4.6/5 across 150 sessions a year"),
    ("ld", "evidence_matrix[2].requirement", "5+ years L&D experience"),
    ("backend", "differentiators[0]", "Senior Backend Engineer at Monday since 2020"),
    ("backend", "differentiators[0]", "Cut p99 latency from 900ms to 180ms, an 80% reduction"),
    ("backend", "differentiators[1]", "Leaderboard for two million daily players at Playtika"),
    ("backend", "differentiators[1]", "Leaderboard for 2,000,000 daily players at Playtika"),
    ("backend", "differentiators[2]", "Computer Science graduate (B.Sc., 2015) of Technion"),
    ("backend", "talking_points[2]", "Runs Django and PostgreSQL services on Kubernetes"),
    ("backend", "talking_points[2]", "Moved 40 services from Celery to AWS SQS workers"),
    (
        "backend", "talking_points[0]",
        "As Senior Backend Engineer at Monday.com and Software Engineer at Playtika, he built "
        "backend services",
    ),
    ("backend", "talking_points[0]", "Ready to join Fiverr as Staff Backend Engineer"),
    ("backend", "talking_points[0]", "Owns reliability for Fiverr's payouts pipeline next"),
    ("hebrew", "talking_points[4]", "נועה עבדה ב-Wix מאז 2021 ובצ'ק פוינט מ-2017"),
    # Capitalised phrases after "with"/"for"/"from"/"by" that are not organisations.
    ("ld", "talking_points[5]", "Prepare STAR stories with STAR examples for Q3 goals"),
    ("ld", "talking_points[5]", "Align with Engineering Managers and the Head of People early"),
    ("ld", "talking_points[5]", "Share the onboarding dashboard with R&D leadership by Friday"),
    ("ld", "talking_points[5]", "Ready to contribute from Day One"),
    ("ld", "talking_points[5]", "In the first 90 days, audit programs; share a 30-60-90 day plan"),
    ("ld", "talking_points[5]", "Position her as the L&D Manager Natural Intelligence needs"),
    ("hebrew", "talking_points[4]", "נועה משמשת כ-Learning Experience Specialist ב-Wix"),
]
# fmt: on


@pytest.mark.parametrize(
    ("base", "path", "text"), PASSING, ids=[f"{c[0]}-{c[2][:40]}" for c in PASSING]
)
def test_faithful_paraphrase_passes(base: str, path: str, text: str) -> None:
    result = _verify(base, path, text)
    assert result.passed, _describe(result)
    assert not [w for w in result.warnings if w.tier == "VERIFIABLE"], _describe(result)


# --------------------------------------------------------------------------- warnings


def test_unknown_skill_is_a_warning_not_a_violation() -> None:
    result = _verify("ld", "talking_points[3]", "Runs learning sandboxes on Kubernetes")
    assert result.passed, _describe(result)
    assert [(w.tier, w.check, w.field, w.value) for w in result.warnings] == [
        ("VERIFIABLE", "skill", "talking_points[3]", "Kubernetes")
    ]


def test_skill_from_the_gap_answers_is_not_a_warning() -> None:
    result = _verify("ld", "talking_points[3]", "Writes Python automation scripts")
    assert result.passed and not result.warnings, _describe(result)


def test_skill_claim_in_a_gap_description_is_not_a_warning() -> None:
    result = _verify("ld", "gap_strategies[0].gap", "No hands-on Kubernetes experience")
    assert result.passed and not result.warnings, _describe(result)


def test_quoted_posting_text_is_not_a_claim() -> None:
    quoted = _verify("backend", "evidence_matrix[0].impact", 'Directly covers "Python or Go".')
    assert quoted.passed and not quoted.warnings, _describe(quoted)
    claimed = _verify("backend", "evidence_matrix[0].impact", "Writes Go services daily.")
    # A tool claimed as used is a violation since FVS v2 (it was a warning).
    assert [(v.check, v.value) for v in claimed.violations] == [("skill", "Go")]


def test_a_quoted_name_is_still_checked() -> None:
    result = _verify("ld", "talking_points[5]", 'She worked at "Google" before Wix')
    assert [(v.check, v.value) for v in result.violations] == [("organisation", "Google")]


def test_style_words_are_flexible_warnings() -> None:
    text = (
        "Noa Bar is a world-class facilitator; her onboarding work at Wix is a testament to "
        "her craft, and interviewers can delve into it."
    )
    result = _verify("ld", "executive_summary", text)
    assert result.passed, _describe(result)
    found = {(w.tier, w.check, w.field, w.value.casefold()) for w in result.warnings}
    assert found == {
        ("FLEXIBLE", "style", "executive_summary", "world-class"),
        ("FLEXIBLE", "style", "executive_summary", "testament to"),
        ("FLEXIBLE", "style", "executive_summary", "delve"),
    }


def test_warnings_and_violations_are_reported_together() -> None:
    result = _verify("ld", "talking_points[3]", "Spearheaded Kubernetes training at Google")
    assert not result.passed
    assert {v.check for v in result.violations} == {"organisation", "skill"}
    assert {w.check for w in result.warnings} == {"style"}


# --------------------------------------------------------------------------- helpers


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,200 employees", {1200.0}),
        ("1200 employees", {1200.0}),
        ("96% completion", {96.0}),
        ("$2M budget", {2_000_000.0}),
        ("2 million players", {2_000_000.0}),
        ("2,000,000 players", {2_000_000.0}),
        ("two million players", {2_000_000.0}),
        ("4.6 out of", {4.6}),
        ("twenty-five hires", {25.0}),
        ("10k users", {10_000.0}),
        # Dotless i, dotted capital I: the case-insensitive regex matches them, so must the
        # lookup (it raised KeyError).
        ("n\u0131ne hires", {9.0}),
        ("F\u0130VE hires", {5.0}),
    ],
)
def test_numbers_are_normalised(text: str, expected: set[float]) -> None:
    (mention,) = extract_numbers(text)
    assert set(mention.values) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("from 21 to 12 days", ["21", "12"]),
        ("from 2016-01 to 2020-05", ["2016", "2020"]),
        ("p99 latency, B2B, COVID-19, 24/7, 1:1 coaching", []),
        ("ב-2017 ול400 עובדים", ["2017", "400"]),  # noqa: RUF001
        ("900ms to 180ms", ["900", "180"]),
    ],
)
def test_number_tokens(text: str, expected: list[str]) -> None:
    assert [n.text for n in extract_numbers(text, words=False)] == expected


def test_years_are_recognised() -> None:
    assert [n.is_year for n in extract_numbers("in 2017, 2,017 and 1850")] == [
        True,
        False,
        False,
    ]


@pytest.mark.parametrize(
    ("candidate", "allowed", "expected"),
    [
        ("Monday", "Monday.com", True),
        ("monday.com Ltd.", "Monday.com", True),
        ("Check Point", "Check Point Software", True),
        ("Checkpoint", "Check Point", True),
        ("TAU", "Tel Aviv University", True),
        ("the Technion", "Technion", True),
        ("Google", "Wix", False),
        ("Tel Aviv College", "Tel Aviv University", False),
    ],
)
def test_org_matches(candidate: str, allowed: str, expected: bool) -> None:
    assert org_matches(candidate, allowed) is expected


@pytest.mark.parametrize(
    ("candidate", "role", "expected"),
    [
        ("Sr. Backend Engineer", "Senior Backend Engineer", True),
        ("senior backend engineer", "Senior Backend Engineer", True),
        ("Backend Engineer", "Senior Backend Engineer", True),
        ("L&D Manager", "Learning & Development Manager", True),
        ("Learning Experience Specialists", "Learning Experience Specialist", True),
        ("Head of Backend", "Senior Backend Engineer", False),
        ("Staff Backend Engineer", "Senior Backend Engineer", False),
        ("Senior Learning Experience Specialist", "Learning Experience Specialist", False),
        ("Head of Learning", "Learning Experience Specialist", False),
        ("Data Scientist", "Data Analyst", False),
    ],
)
def test_title_matches(candidate: str, role: str, expected: bool) -> None:
    assert title_matches(candidate, role) is expected


# --------------------------------------------------------------------------- rules generator

_CVS = {"ld": LD_CV, "backend": BACKEND_CV}
_JOBS = {"ld": LD_JOB, "backend": BACKEND_JOB, "hebrew": HEBREW_JOB}
_GAPS = {"none": [], "ld": LD_GAPS}


@pytest.mark.parametrize(
    ("cv_name", "job_name", "gaps_name"), list(itertools.product(_CVS, _JOBS, _GAPS))
)
def test_rules_generator_output_passes_fvs(cv_name: str, job_name: str, gaps_name: str) -> None:
    rules = pytest.importorskip("vpr_jobs.generation.rules")
    from vpr_jobs.generation.base import GenerationInput

    cv, posting, gaps = _CVS[cv_name], _JOBS[job_name], _GAPS[gaps_name]
    request = VPRRequest(application_id="app-1", job_posting=posting, gap_responses=gaps)
    generator = rules.RulesGenerator()
    document = generator.generate(GenerationInput("job-1", cv, request)).document
    result = verify(document, cv=cv, posting=posting, gap_responses=gaps)
    assert result.passed, _describe(result)
    assert not [w for w in result.warnings if w.check == "style"], _describe(result)


# --------------------------------------------------------------------------- shortcuts

# `verify()` skips regex scans that its letter-run checks prove would find nothing, and
# memoises pure string helpers. These tests hold those shortcuts to the scans they replace.

_LOOKALIKES = str.maketrans({"i": "\u0131", "s": "\u017f", "K": "\u212a", "I": "\u0130"})
_EDGE_TEXTS = [
    "Worked AT Google, then Joined Wix; Graduated From Hebrew University",
    "Ex-Google engineer, EX-Amazon and ex-Microsoft trainer; alumna of Harvard",
    "She worked w\u0131th Deloitte, speaks \u017fix languages, \u212aubernetes-certified",
    "CERTIFIED Scrum Master; Cert\u0131fied in PMP",
    "SHRM-CP accredited trainer",
    "Holds a Certificate in coaching",
    "ACCREDITATION from ATD",
    "A certification in Scrum",
    "Promoted To Head of Learning at Wix; AS Head of People; served as team lead",
    "A DELVE into world-CLASS programmes, a Testament To her craft",
    "Interviewers can Delve into it",
    "Holds a BACHELOR'S degree in Physics, MASTERS in Design, a Ph.D, D.Phil., LL.B., EMBA",
    "Trained \uff11\uff12\uff10\uff10 employees over \uff54\uff57\uff4f years",
    "OVER THE NEXT six months; First 90 days; a 30-60-90 day plan",
    "Over the next two weeks she audits programs",
    "Within two weeks she reports",
    "Her first three months",
    "The next two weeks",
    "A Master's degree, Masters in Design, Bachelors in Physics, a doctoral degree",
    "Doctorate in Education",
    "A bachelor of science",
    "\u05e0\u05d5\u05e2\u05d4 \u05d1-Google \u05d5\u05d1-Amazon \u05db-Team Lead",
    'Quoted \u201cPython or Go\u201d, \u201eDocebo\u201c and "Salesforce"',
    "Wix\u2019s L&D Team Lead and Microsoft's former Head of People",
    "Uses C++, C#, .NET, Node.js, K8s, Power BI, xAPI, Articulate Storyline and dbt",
]


def _strings(data: Any) -> list[str]:
    if isinstance(data, str):
        return [data]
    values = data.values() if isinstance(data, dict) else data if isinstance(data, list) else []
    return [s for value in values for s in _strings(value)]


@functools.cache
def _corpus() -> tuple[str, ...]:
    """Report and source texts of these tests, with case changes, look-alike characters
    and Hebrew prefixes."""
    texts = {text for _, _, text, *_ in FAILING + PASSING} | set(_EDGE_TEXTS)
    texts |= {text for base in BASE for text in _mutated(base).prose()}
    for path in FIXTURES.glob("*.json"):
        texts |= set(_strings(_load(path.stem)))
    variants = set()
    for text in texts:
        variants |= {text, text.upper(), text.lower(), text.swapcase()}
        variants |= {text.translate(_LOOKALIKES), f"\u05d1-{text}", f"\u05db-{text}"}
    return tuple(sorted(variants))


def _any_at_org(text: str) -> bool:
    return any(ck_names._AT_ORG_RE.match(text, m.end()) for m in ftext._RUN_RE.finditer(text))


# (name, whether the scan finds something, whether the shortcut lets it run)
_SHORTCUTS: list[tuple[str, Callable[[str], Any], Callable[[str, Any], bool]]] = [
    (
        "style",
        vocab._STYLE_RE.search,
        lambda t, w: w.has_phrase(ck_skill._STYLE_RUNS),
    ),
    (
        "spelled numbers",
        qty._WORD_NUMBER_RE.search,
        lambda t, w: (
            w.any_folded(qty._NUMBER_WORD_KEYS)
            and ftext._may_contain_folded(t, qty._NUMBER_WORD_KEYS)
        ),
    ),
    ("figures", qty._NUMBER_RE.search, lambda t, w: bool(ftext._DIGIT_RE.search(t))),
    (
        "plans",
        ck_num._PLAN_RE.search,
        lambda t, w: w.any_folded(ck_num._PLAN_KEYS) or bool(ftext._DIGIT_RE.search(t)),
    ),
    (
        "degrees",
        fnames._DEGREE_RE.search,
        lambda t, w: w.any_cased(ck_cred._DEGREE_KEYS) or w.any_folded(ck_cred._DEGREE_FOLDED_KEYS),
    ),
    *(
        (
            f"certification {i}",
            regex.search,
            lambda t, w: w.any_folded(ck_cred._CERT_WORD_KEYS),
        )
        for i, regex in enumerate((*ck_cred._CERT_NAMED_RES[:2], ck_cred._CERT_GENERIC_RE))
    ),
    (
        "certification acronyms",
        ck_cred._CERT_NAMED_RES[2].search,
        lambda t, w: w.any_cased(ck_cred._CERT_ACRONYM_KEYS),
    ),
    (
        "title at organisation",
        _any_at_org,
        lambda t, w: w.any_folded(ck_names._AT_KEYS) or bool(ck_names._HE_AT_HINT_RE.search(t)),
    ),
    (
        "possessive titles",
        ck_names._POSSESSIVE_TITLE_RE.search,
        lambda t, w: "'s" in t or "\u2019s" in t,
    ),
    ("quotations", fsrc._QUOTE_RE.search, lambda t, w: any(q in t for q in '"\u201c\u201e')),
]


@pytest.mark.parametrize(
    ("name", "finds", "runs"), _SHORTCUTS, ids=[name for name, *_ in _SHORTCUTS]
)
def test_a_skipped_scan_would_have_found_nothing(
    name: str, finds: Callable[[str], Any], runs: Callable[[str, Any], bool]
) -> None:
    found = [text for text in _corpus() if finds(text)]
    assert found, f"the corpus never exercises {name}"
    assert [text for text in found if not runs(text, ftext._Words(text))] == []


@pytest.mark.parametrize(
    ("regex", "cues", "hebrew"),
    [
        (
            ck_names._ORG_TRIGGER_RE,
            ck_names._ORG_TRIGGER_KEYS,
            ck_names._HE_AT_HINT_RE,
        ),
        (
            ck_names._TITLE_CUE_RE,
            ck_names._TITLE_CUE_KEYS,
            ck_names._HE_AS_HINT_RE,
        ),
        (
            ck_names._LOWER_TITLE_RE,
            ck_names._TITLE_CUE_KEYS,
            ck_names._HE_AS_HINT_RE,
        ),
    ],
    ids=["organisation", "title", "lower-case title"],
)
def test_cue_matches_are_the_scan_matches(regex: Any, cues: Any, hebrew: Any) -> None:
    found = 0
    for text in _corpus():
        expected = [m.span() for m in regex.finditer(text)]
        words = ftext._Words(text)
        assert [
            m.span() for m in ck_names._cue_matches(regex, text, words, cues, hebrew)
        ] == expected
        found += len(expected)
    assert found


def test_skills_named_are_the_lexicon_terms_found() -> None:
    for text in _corpus():
        expected = [term for term, regex in ck_skill._SKILL_RES if regex.search(text)]
        found = ck_skill._skills_named(text, ftext._Words(text))
        assert [term for term, _ in found] == expected


def test_word_before_is_the_last_word_of_the_prefix() -> None:
    for text in {t for _, _, t, *_ in FAILING + PASSING} | set(_EDGE_TEXTS):
        matches = list(ck_names._PRIOR_WORD_RE.finditer(text))
        starts, ends = [m.start() for m in matches], [m.end() for m in matches]
        for pos in range(len(text) + 1):
            words = ck_names._PRIOR_WORD_RE.findall(text[:pos])
            assert ck_names._word_before(text, starts, ends, pos) == (words[-1] if words else "")


def test_case_twins_are_the_only_non_ascii_letters_case_folding_meets() -> None:
    """`_Words` and `_cue_matches` rely on these facts of `re` and `str.lower()`."""
    others = "".join(map(chr, range(128, sys.maxunicode + 1)))
    found = set(re.findall("[a-z]", others, re.IGNORECASE))
    assert found == ftext._CASE_TWINS
    plain = others.translate(dict.fromkeys(map(ord, ftext._CASE_TWINS)))
    assert len(plain.lower()) == len(plain)
    assert not re.search("[A-Za-z]", plain.lower())


def test_similar_is_the_difflib_ratio_threshold() -> None:
    rng = random.Random(7)
    names = sorted({w for text in _EDGE_TEXTS + [t for *_, t in PASSING] for w in text.split()})
    for _ in range(3000):
        a, b = rng.choice(names).casefold(), rng.choice(names).casefold()
        for threshold in (0.85, 0.88):
            expected = SequenceMatcher(None, a, b).ratio() >= threshold
            assert fnames._similar(a, b, threshold) is expected, (a, b)


def test_memoised_helpers_do_not_carry_answers_between_sources() -> None:
    """Per-source answers live on one verification, the caches are keyed by text only:
    verifying against other sources in between changes no verdict."""
    document = _mutated(
        "ld", "talking_points[3]", "Runs Kubernetes and Docebo at Wix as Head of Learning"
    )
    fresh = {}
    for name, (cv, posting, gaps) in SOURCES.items():
        fnames._clear_caches()
        fresh[name] = verify(document, cv=cv, posting=posting, gap_responses=gaps)
    assert fresh["ld"] != fresh["backend"]
    for name in [*SOURCES, *reversed(SOURCES), *SOURCES]:
        cv, posting, gaps = SOURCES[name]
        assert verify(document, cv=cv, posting=posting, gap_responses=gaps) == fresh[name]
