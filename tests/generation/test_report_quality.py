"""The rules report read as a hiring manager and the candidate would (issue 12), on the shared
source sets: calibrated fit scores, gap answers that count, citations, no repetition, native
Hebrew, and the strongest result of each CV in the report. FVS checks every report."""

from __future__ import annotations

import json
import re
from datetime import date
from functools import cache

import pytest

from tests.support.sets import SET_NAMES, load_set
from vpr_jobs import fvs
from vpr_jobs.catalogue import build_catalogue
from vpr_jobs.generation.base import GenerationInput
from vpr_jobs.generation.rules import TEMPLATES, RulesGenerator
from vpr_jobs.generation.rules.quality import (
    SLASHED_GENDER_RE,
    evidence_reuse,
    latin_share,
    repeated_sentences,
    slashed_gender,
)
from vpr_jobs.schemas import (
    CV,
    SCHEMA_VERSION,
    Experience,
    GapResponse,
    JobPosting,
    VPRDocument,
    VPRRequest,
)

TODAY = date(2026, 12, 1)
HEBREW_SETS = [name for name in SET_NAMES if load_set(name).about.language == "he"]
# (CV of one set, posting of another): pairings a recruiter would not shortlist.
UNRELATED = [
    ("nurse_to_product", "backend_senior_to_staff"),
    ("sales_ae", "data_specialist_to_manager"),
    ("he_accountant", "he_devops"),
    ("backend_senior_to_staff", "nurse_to_product"),
    ("ld_manager", "sales_ae"),
]
# Manager postings applied for by specialists whose CV shows no people managed.
SPECIALIST_TO_MANAGER = ["data_specialist_to_manager", "ld_manager"]


def generate(cv: CV, posting: JobPosting, gaps: list[GapResponse]) -> VPRDocument:
    request = VPRRequest(application_id="app-1", job_posting=posting, gap_responses=gaps)
    data = GenerationInput(job_id="job-1", cv=cv, request=request)
    return RulesGenerator(today=TODAY).generate(data).document


@cache
def set_report(name: str) -> VPRDocument:
    source = load_set(name)
    return generate(source.cv, source.posting, source.gaps)


@cache
def pairing_report(cv_set: str, posting_set: str) -> VPRDocument:
    return generate(load_set(cv_set).cv, load_set(posting_set).posting, [])


def sources_text(name: str) -> str:
    source = load_set(name)
    return json.dumps(
        [source.cv.model_dump(), source.posting.model_dump()]
        + [g.model_dump() for g in source.gaps],
        ensure_ascii=False,
    )


# --------------------------------------------------------------------------- fit score


def test_every_unrelated_pairing_scores_far_below_every_credible_application() -> None:
    credible = {name: set_report(name).fit_score for name in SET_NAMES}
    unrelated = {pair: pairing_report(*pair).fit_score for pair in UNRELATED}

    for pair, low in unrelated.items():
        for name, high in credible.items():
            assert low + 25 <= high, f"{pair} scores {low}, {name} only {high}"


@pytest.mark.parametrize("name", SPECIALIST_TO_MANAGER)
def test_specialist_to_manager_without_management_evidence_is_not_a_near_certain_fit(
    name: str,
) -> None:
    document = set_report(name)

    assert document.fit_score <= 85
    assert "without people-management evidence" in document.fit_rationale
    # The step is the first hard question of the gap strategies.
    assert document.gap_strategies[0].gap_id == "post.role"


def test_career_changer_scores_clearly_above_unrelated_cvs_for_the_same_posting() -> None:
    nurse = set_report("nurse_to_product").fit_score
    for cv_set in ("backend_senior_to_staff", "sales_ae"):
        assert pairing_report(cv_set, "nurse_to_product").fit_score + 25 <= nurse


def test_fit_rationale_is_one_line_of_words() -> None:
    for name in SET_NAMES:
        rationale = set_report(name).fit_rationale
        assert rationale and "\n" not in rationale
        assert not re.search(r"\d", rationale), rationale  # no computed number in prose


# --------------------------------------------------------------------------- gap answers


def test_an_answer_denying_a_requirement_makes_its_row_developing_with_the_answer() -> None:
    rows = {r.requirement_id: r for r in set_report("data_specialist_to_manager").evidence_matrix}

    for line in ("post.req.1", "post.req.6"):  # "Manage a team of 5", "line management"
        assert rows[line].alignment == "DEVELOPING"
        assert rows[line].source == "gap_response"
        assert rows[line].evidence_ids[0] == "gap.1"
        assert "I have no direct reports yet" in rows[line].evidence
    # The same answer's mentoring is real evidence for the coaching line it does not deny.
    assert rows["post.resp.4"].alignment in ("STRONG", "MODERATE")


def test_a_qualifying_answer_outweighs_the_cv() -> None:
    cv = CV(
        full_name="Dana Ron",
        skills=["Go", "Python"],
        experience=[
            Experience(
                company="Acme",
                role="Backend Engineer",
                start_date="2020-01",
                current=True,
                achievements=["Runs the Go billing services in production"],
            )
        ],
    )
    posting = JobPosting(
        company_name="Beta", role_title="Backend Engineer", requirements=["Production Go"]
    )
    answer = GapResponse(
        question="How much production Go have you written?",
        answer="Only side projects in Go so far",
    )

    without = generate(cv, posting, []).evidence_matrix[0]
    with_answer = generate(cv, posting, [answer]).evidence_matrix[0]

    assert without.alignment == "STRONG"
    assert with_answer.alignment == "DEVELOPING"
    assert with_answer.source == "gap_response" and "gap.1" in with_answer.evidence_ids


@pytest.mark.parametrize("name", SET_NAMES)
def test_no_row_resting_on_a_gap_answer_is_strong(name: str) -> None:
    for row in set_report(name).evidence_matrix:
        if row.source == "gap_response":
            assert row.alignment != "STRONG", row.requirement


def test_a_break_between_roles_gets_a_script_built_on_the_candidates_answer() -> None:
    gaps = set_report("nurse_to_product").gap_strategies
    breaks = [g for g in gaps if g.gap.startswith("Break between")]

    assert len(breaks) == 1
    assert breaks[0].gap == "Break between 2022-03 and 2023-08"  # the CV's own dates
    assert "gap.1" in breaks[0].evidence_ids
    assert "I stepped away from nursing to care for my father" in breaks[0].mitigation
    # Hard questions come before the line-by-line gaps.
    assert gaps.index(breaks[0]) == 0


@pytest.mark.parametrize("name", SET_NAMES)
def test_the_report_is_a_pure_function_of_its_sources(name: str) -> None:
    source = load_set(name)
    again = generate(source.cv, source.posting, source.gaps)

    assert again.model_dump(exclude={"generated_at"}) == set_report(name).model_dump(
        exclude={"generated_at"}
    )


# --------------------------------------------------------------------------- citations


@pytest.mark.parametrize("name", SET_NAMES)
def test_every_part_of_the_report_cites_catalogue_items(name: str) -> None:
    source = load_set(name)
    catalogue = build_catalogue(source.cv, source.posting, source.gaps)
    document = set_report(name)

    assert document.schema_version == SCHEMA_VERSION == 2
    for row in document.evidence_matrix:
        line = catalogue.get(row.requirement_id or "")
        assert line is not None and line.text == row.requirement
        assert not catalogue.unknown(row.evidence_ids)
        assert row.evidence_ids or row.source == "none"
        # Every skill a row lists is cited, not only the one that ranked first.
        listed = row.evidence.partition("Skills listed in the CV: ")[2].split(";")[0]
        for i, skill in enumerate(source.cv.skills, 1):
            if listed and skill in listed.split(", "):
                assert f"cv.skill.{i}" in row.evidence_ids, (skill, row.evidence_ids)
    cited = [*document.differentiators, *document.talking_points, *document.gap_strategies]
    for part in cited:
        assert not catalogue.unknown(part.evidence_ids)
    for part in [*document.differentiators, *document.talking_points]:
        assert part.evidence_ids, part.text
    for gap in document.gap_strategies:
        assert gap.gap_id is None or gap.gap_id in catalogue


@pytest.mark.parametrize("name", SET_NAMES)
def test_the_strongest_achievement_of_the_cv_is_in_the_report(name: str) -> None:
    source = load_set(name)
    strongest = build_catalogue(source.cv, source.posting, source.gaps).get(
        source.about.strongest_achievement
    )
    document = set_report(name)

    assert strongest is not None
    # It leads the report: quoted in the summary a reader sees first.
    assert strongest.text.rstrip(" .") in document.executive_summary


# --------------------------------------------------------------------------- reading quality


@pytest.mark.parametrize("name", SET_NAMES)
def test_no_long_sentence_is_written_more_than_twice(name: str) -> None:
    assert repeated_sentences(set_report(name)) == {}


@pytest.mark.parametrize("name", SET_NAMES)
def test_one_piece_of_evidence_serves_at_most_two_rows(name: str) -> None:
    document = set_report(name)

    assert 1 <= evidence_reuse(document) <= 2  # rows cite facts, none more than twice


@pytest.mark.parametrize("name", SET_NAMES)
def test_talking_points_are_star_prompts_on_cited_stories(name: str) -> None:
    points = set_report(name).talking_points
    stories = [p for p in points if "STAR" in p.text or any(".ach." in i for i in p.evidence_ids)]

    assert stories, [p.text for p in points]
    assert 5 <= len(points) <= 7


@pytest.mark.parametrize("name", SET_NAMES)
def test_keywords_are_whole_terms_of_the_posting(name: str) -> None:
    source = load_set(name)
    lines = [
        *source.posting.requirements,
        *source.posting.responsibilities,
        *source.posting.nice_to_have,
    ]
    text = sources_text(name)
    words = {w for pattern in (r"[\w&+#.']+", r"[\w&+#.'/-]+") for w in re.findall(pattern, text)}
    for keyword in set_report(name).keywords:
        head = keyword.split()[0]
        assert head in words, keyword  # a word of the sources, not a prefix fragment
        tail = re.escape(keyword)
        assert any(re.search(rf"{tail}(?!\w)", line) for line in lines), keyword


# --------------------------------------------------------------------------- Hebrew


NUMBER_WORDS = re.compile(
    r"\b(?:one|two|three|four|five|six|seven|eight|nine|ten|dozen)\b"
    r"|(?<![\u05D0-\u05EA])(?:אחד|אחת|שניים|שתיים|שני|שתי|שלוש|ארבע|חמש)(?![\u05D0-\u05EA])",
    re.IGNORECASE,
)


def test_templates_write_no_number_of_their_own() -> None:
    # "a concrete example", not "one concrete example": FVS reads a number word as a claim.
    for language in ("en", "he"):
        for key, text in TEMPLATES[language].items():
            assert not re.search(r"\d", text) and not NUMBER_WORDS.search(text), (key, text)


def test_templates_never_write_slashed_gender() -> None:
    for text in TEMPLATES["he"].values():
        assert not SLASHED_GENDER_RE.search(text), text


@pytest.mark.parametrize("name", HEBREW_SETS)
def test_hebrew_reports_write_no_slashed_gender_of_their_own(name: str) -> None:
    assert slashed_gender(set_report(name), sources_text(name)) == []


def test_hebrew_wording_follows_the_gender_of_the_gap_answers() -> None:
    woman = set_report("he_devops").executive_summary  # "אני עובדת" in her answers
    man = set_report("he_accountant").executive_summary  # "אני מנהל" in his answers
    source = load_set("he_devops")
    neutral = generate(source.cv, source.posting, []).executive_summary

    assert "משמשת כיום" in woman and "מגישה מועמדות" in woman
    assert "משמש כיום" in man and "מגיש מועמדות" in man
    assert "משמש" not in neutral and "התפקיד הנוכחי של" in neutral


@pytest.mark.parametrize("name", HEBREW_SETS)
def test_english_in_hebrew_reports_is_quoted_or_a_name(name: str) -> None:
    source = load_set(name)
    cv, posting = source.cv, source.posting
    names = [
        cv.full_name,
        *(e.role for e in cv.experience),
        *(e.company for e in cv.experience),
        *(t for e in cv.experience for t in e.technologies),
        *(c.name for c in cv.certifications),
        *(c.issuer for c in cv.certifications),
        *(f"{e.degree} {e.field_of_study} {e.institution}" for e in cv.education),
        *cv.skills,
        *cv.languages,
        posting.role_title,
        posting.company_name,
        *posting.requirements,
        *posting.responsibilities,
        *posting.nice_to_have,
    ]
    latin_word = re.compile(r"[A-Za-z][\w+#-]*(?:\.\w+)*")
    names_words = {w.casefold() for n in names for w in latin_word.findall(n)}
    names_words.add("star")  # the STAR interview method keeps its name in Hebrew
    for text in set_report(name).prose():
        outside = re.sub(r'"[^"]+"', " ", text)
        # A Latin word outside a quotation is a name from the sources, never template prose.
        for word in latin_word.findall(outside):
            assert word.casefold() in names_words, (word, text)
    # And the prose around the names is Hebrew.
    assert latin_share(set_report(name))[1] < 0.5


# --------------------------------------------------------------------------- FVS


@pytest.mark.parametrize("name", SET_NAMES)
def test_fvs_finds_no_violation_in_any_rules_report(name: str) -> None:
    source = load_set(name)
    verdict = fvs.verify(
        set_report(name), cv=source.cv, posting=source.posting, gap_responses=source.gaps
    )

    assert verdict.violations == []
    assert verdict.passed
