"""FVS v2: each claim checked against what it cites, figures bound to what they are about.

Every case puts ONE sentence (with its citations) into a plain, clean report on a shared source
set (tests/fixtures/sets) and asserts which check fires, or that none does. The labelled corpus
(tests/fvs/test_corpus.py) measures recall; these pin each rule on its own.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from tests.support.sets import load_set
from vpr_jobs.fvs import FVSResult, verify
from vpr_jobs.schemas import VPRDocument

GENERATED_AT = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
NEUTRAL = "Discuss the role's priorities for the first quarter."


def _report(name: str, text: str, ids: list[str], field: str) -> VPRDocument:
    source = load_set(name)
    neutral = {"text": NEUTRAL, "evidence_ids": []}
    doc: dict[str, Any] = {
        "schema_version": 2,
        "job_id": "job-1",
        "application_id": "app-1",
        "version": 1,
        "language": source.about.language,
        "generated_at": GENERATED_AT.isoformat(),
        "generator": {"name": "test"},
        "candidate_name": source.cv.full_name,
        "target_role": source.posting.role_title,
        "target_company": source.posting.company_name,
        "executive_summary": NEUTRAL,
        "fit_score": 77,
        "evidence_matrix": [],
        "differentiators": [neutral] * 3,
        "gap_strategies": [],
        "talking_points": [neutral] * 5,
        "keywords": [],
        "word_count": 0,
    }
    if field == "evidence":
        doc["evidence_matrix"] = [
            {
                "requirement": "Relevant experience",
                "evidence": text,
                "alignment": "STRONG",
                "source": "cv",
                "impact": "Relevant.",
                "evidence_ids": ids,
            }
        ]
    else:
        doc["talking_points"] = [{"text": text, "evidence_ids": ids}] + [neutral] * 4
    return VPRDocument.model_validate(doc)


def check(name: str, text: str, ids: list[str] | None = None, field: str = "talk") -> FVSResult:
    source = load_set(name)
    return verify(
        _report(name, text, ids or [], field),
        cv=source.cv,
        posting=source.posting,
        gap_responses=source.gaps,
    )


def violations(result: FVSResult) -> set[str]:
    return {v.check for v in result.violations}


def _describe(result: FVSResult) -> str:
    return "\n".join(f"{f.tier} {f.check} {f.value!r}: {f.message}" for f in result.violations)


BACKEND = "backend_senior_to_staff"


def test_the_neutral_report_passes() -> None:
    result = check(BACKEND, NEUTRAL)
    assert result.passed, _describe(result)


# --------------------------------------------------------------------------- citations


def test_a_metric_the_cited_item_does_not_state_is_a_citation_violation() -> None:
    result = check(BACKEND, "Reduced the payments cluster's AWS spend by 60%.", ["cv.exp.1.ach.3"])
    (finding,) = result.violations
    assert finding.check == "citation"
    assert finding.citation == "cv.exp.1.ach.3"
    assert "cv.exp.2.ach.3" in finding.message  # where 60 % really comes from


def test_the_cited_metric_passes() -> None:
    result = check(BACKEND, "Reduced the payments cluster's AWS spend by 28%.", ["cv.exp.1.ach.3"])
    assert result.passed, _describe(result)


def test_citing_an_item_that_does_not_say_the_result_is_caught() -> None:
    result = check(
        BACKEND, "Cut p99 checkout latency from 850 ms to 210 ms.", ["cv.exp.2.ach.1"], "evidence"
    )
    assert "citation" in violations(result)


# --------------------------------------------------------------------------- binding


def test_a_metric_moved_to_another_employer_is_caught() -> None:
    result = check(BACKEND, "At Delivery Hero he cut the AWS spend by 28%.")
    assert violations(result) == {"number"}, _describe(result)


def test_a_metric_in_a_sentence_about_another_achievement_is_caught() -> None:
    result = check(BACKEND, "Raised test coverage of the dispatch codebase by 60%.")
    assert violations(result) == {"number"}, _describe(result)


def test_an_employers_dates_moved_onto_another_role_are_caught() -> None:
    result = check(BACKEND, "Backend engineer at Delivery Hero (2015 to 2018).")
    assert violations(result) == {"period"}, _describe(result)


def test_a_role_with_its_own_dates_passes() -> None:
    result = check(BACKEND, "Backend engineer at Delivery Hero (2018 to 2021).")
    assert result.passed, _describe(result)


def test_a_postings_figure_is_never_the_candidates() -> None:
    result = check(BACKEND, "He processes €2.5 billion in salary payments each month.")
    assert violations(result) == {"posting_figure"}, _describe(result)


def test_a_postings_figure_said_of_the_role_passes() -> None:
    result = check(BACKEND, "He would join a 45-engineer payroll group; the role grows it.")
    assert result.passed, _describe(result)


# --------------------------------------------------------------------------- tenures


@pytest.mark.parametrize(
    "text",
    ["Spent 7 years at Zalando.", "Brings twelve years of backend experience."],
)
def test_a_tenure_the_dates_do_not_give_is_caught(text: str) -> None:
    assert violations(check(BACKEND, text)) == {"tenure"}


@pytest.mark.parametrize(
    "text",
    [
        "Has built backend services for more than a decade.",
        "Spent five years at Zalando.",
        "Eleven years of backend work since 2015.",
    ],
)
def test_a_tenure_the_dates_give_passes(text: str) -> None:
    result = check(BACKEND, text)
    assert result.passed, _describe(result)


# --------------------------------------------------------------------------- quantities


@pytest.mark.parametrize(
    ("text", "ids"),
    [
        ("Tripled test coverage of the dispatch codebase.", ["cv.exp.2.ach.2"]),
        ("Automated the deployment of hundreds of PHP services.", ["cv.exp.3.ach.2"]),
        ("Handles over 2 million orders a day.", ["cv.exp.2.ach.1"]),
        ("Saved €45,000 a month on AWS.", ["cv.exp.1.ach.3"]),
    ],
)
def test_quantities_the_cited_item_does_not_support_are_caught(text: str, ids: list[str]) -> None:
    assert violations(check(BACKEND, text, ids)) & {"quantity", "number"}


@pytest.mark.parametrize(
    ("text", "ids"),
    [
        ("More than doubled test coverage of the dispatch codebase.", ["cv.exp.2.ach.2"]),
        ("Handles more than a million orders a day.", ["cv.exp.2.ach.1"]),
        ("Saved about €40,000 a month on AWS.", ["cv.exp.1.ach.3"]),
        ("Split the checkout monolith into six services.", ["cv.exp.1.ach.2"]),
    ],
)
def test_faithful_quantities_pass(text: str, ids: list[str]) -> None:
    result = check(BACKEND, text, ids)
    assert result.passed, _describe(result)


def test_a_range_with_one_scale_word_is_read_on_both_sides() -> None:
    ok = check("sales_ae", "Grew ARR from 3 to 11 million dollars.", ["cv.exp.1.ach.1"])
    assert ok.passed, _describe(ok)
    assert check("sales_ae", "Grew ARR from $3M to $11M.", ["cv.exp.1.ach.1"]).passed
    bad = check("sales_ae", "Grew ARR from 3 to 12 million dollars.", ["cv.exp.1.ach.1"])
    assert not bad.passed


# --------------------------------------------------------------------------- new critical checks


@pytest.mark.parametrize(
    ("text", "passed"),
    [
        ("Speaks native German and fluent English.", True),
        ("Speaks native Spanish.", False),
        ("Speaks fluent French.", False),
    ],
)
def test_spoken_languages_and_their_level(text: str, passed: bool) -> None:
    result = check(BACKEND, text)
    assert result.passed is passed, _describe(result)
    if not passed:
        assert violations(result) == {"language"}


def test_a_tool_claimed_as_used_must_be_in_the_cv_or_a_gap_answer() -> None:
    result = check(BACKEND, "Built the dispatch services in Rust.")
    assert violations(result) == {"skill"}


def test_a_tool_only_to_learn_is_a_warning() -> None:
    result = check(BACKEND, "He would learn Rust in the first quarter.")
    assert result.passed and [w.check for w in result.warnings] == ["skill"]


def test_a_tool_the_candidate_denies_in_a_gap_answer_is_not_known() -> None:
    result = check("en_cv_he_posting", "Built the quote flow with Vue.")
    assert violations(result) == {"skill"}


@pytest.mark.parametrize(("text", "passed"), [("Holds the CKA.", False), ("Holds the CKAD.", True)])
def test_certifications_match_exactly(text: str, passed: bool) -> None:
    assert check(BACKEND, text).passed is passed


@pytest.mark.parametrize(
    "text",
    [
        "Was a lead backend engineer at Delivery Hero.",
        "He is the head of payments at Zalando.",
        "He manages a team of 4 engineers.",
    ],
)
def test_seniority_added_to_a_real_title_is_caught(text: str) -> None:
    assert violations(check(BACKEND, text)) & {"seniority", "title"}


@pytest.mark.parametrize(
    "text", ["Mentored 4 engineers at Zalando.", "Lead with the p99 latency story."]
)
def test_mentoring_and_imperatives_are_not_titles(text: str) -> None:
    result = check(BACKEND, text)
    assert result.passed, _describe(result)


def test_titles_of_any_profession_are_checked() -> None:
    result = check("nurse_to_product", "Senior staff nurse at Salford Royal Hospital.")
    assert violations(result) & {"seniority", "title"}


# --------------------------------------------------------------------------- Hebrew

HE = "he_devops"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("היא מהנדסת תשתיות בכירה בבנק לאומי.", {"seniority"}),
        ("היא עבדה כארכיטקטית ענן בבנק לאומי.", {"title", "seniority"}),
        ("עבדה כמהנדסת תשתיות בבנק הפועלים.", {"organisation"}),
        ("היא עובדת במובילאיי כבר שבע שנים.", {"tenure"}),
        ("היא דוברת רוסית ברמה גבוהה.", {"language"}),
        ("בנתה את הפלטפורמה ב-Kubecost.", {"skill"}),
    ],
)
def test_hebrew_claims_are_checked(text: str, expected: set[str]) -> None:
    result = check(HE, text)
    assert violations(result) & expected, _describe(result)


@pytest.mark.parametrize(
    "text",
    [
        "היא מהנדסת תשתיות בבנק לאומי.",
        "היא מהנדסת DevOps בכירה במובילאיי.",
        "הובילה את המעבר ל-Kubernetes וב-Terraform.",
        "היא דוברת עברית כשפת אם ואנגלית ברמה גבוהה מאוד.",
    ],
)
def test_faithful_hebrew_passes(text: str) -> None:
    result = check(HE, text)
    assert result.passed, _describe(result)


def test_a_citation_to_no_item_is_a_violation() -> None:
    result = check(BACKEND, "Reduced the payments cluster's AWS spend by 28%.", ["cv.exp.9.ach.1"])
    (finding,) = result.violations
    assert (finding.check, finding.citation) == ("citation", "cv.exp.9.ach.1")


@pytest.mark.parametrize(("year", "passed"), [("2020", True), ("2019", False)])
def test_a_year_must_be_the_one_of_the_figures_beside_it(year: str, passed: bool) -> None:
    result = check("sales_ae", f"Won 85 new logos at Zendesk in {year}.")
    assert result.passed is passed, _describe(result)


@pytest.mark.parametrize(("level", "passed"), [("C1", True), ("native", False)])
def test_a_level_in_apposition_belongs_to_the_language(level: str, passed: bool) -> None:
    result = check(
        "sales_ae", f"Offer to run part of the interview in Spanish, his {level} language."
    )
    assert result.passed is passed, _describe(result)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("en_cv_he_posting", "Holds a B.Sc. in CS from Tel Aviv University."),
        (BACKEND, "Was a backend developer at Delivery Hero."),
        ("sales_ae", "Managed a portfolio of over 1,000 accounts at Zendesk."),
    ],
)
def test_faithful_wording_the_old_fvs_rejected_passes(name: str, text: str) -> None:
    result = check(name, text)
    assert result.passed, _describe(result)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("en_cv_he_posting", "Holds a B.Sc. in Computer Science from the Technion."),
        ("nurse_to_product", "Holds a B.Sc. (Hons) in Health Informatics."),
        ("he_accountant", "בעל תואר שני (MBA) בשיווק מאוניברסיטת תל אביב."),
    ],
)
def test_education_not_held_is_caught(name: str, text: str) -> None:
    assert violations(check(name, text)) == {"degree"}


def test_a_prefixed_hebrew_number_word_is_read_with_its_hedge() -> None:
    long = check("he_accountant", "משמש כחשב חטיבתי בשטראוס גרופ כבר יותר מעשר שנים.")
    assert violations(long) == {"tenure"}, _describe(long)
    fair = check(HE, "ניהלה עם Ansible יותר מאלף שרתי Linux בבנק לאומי.")
    assert fair.passed, _describe(fair)
