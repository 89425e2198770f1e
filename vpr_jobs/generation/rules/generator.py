"""The rules generator: sources in, a cited VPRDocument out, with no model and no network."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from vpr_jobs.catalogue import build_catalogue
from vpr_jobs.generation.base import GenerationInput, GenerationResult
from vpr_jobs.generation.rules.answers import qualifies
from vpr_jobs.generation.rules.evidence import Budget, Item, collect_items
from vpr_jobs.generation.rules.matching import Line, Match, Matcher, posting_lines
from vpr_jobs.generation.rules.scoring import fit
from vpr_jobs.generation.rules.sections import (
    cv_keys,
    differentiators,
    executive_summary,
    first_gap,
    keywords,
    ranked_achievements,
    source_words,
)
from vpr_jobs.generation.rules.strategies import Strategist
from vpr_jobs.generation.rules.writer import Writer, infer_gender
from vpr_jobs.schemas import (
    CV,
    SCHEMA_VERSION,
    EvidenceRow,
    GapResponse,
    GeneratorInfo,
    JobPosting,
    VPRDocument,
)


@dataclass
class Analysis:
    """Everything the sections are written from."""

    items: list[Item]
    lines: list[Line]
    rows: list[Match]
    extras: list[Match]
    top: list[Item]
    budget: Budget
    write: Writer


def analyse(
    cv: CV, posting: JobPosting, gap_responses: Sequence[GapResponse], today: date
) -> Analysis:
    write = Writer(posting.language, infer_gender(gap_responses))
    catalogue = build_catalogue(cv, posting, gap_responses)
    items = collect_items(cv, gap_responses, catalogue, write)
    lines, nice = posting_lines(posting)
    ranked = ranked_achievements(items, [*lines, *nice])
    # The summary quotes the two strongest results first; rows then quote within the budget.
    budget = Budget()
    budget.take(*(item.fact for item in ranked[:2]))
    matcher = Matcher(cv, items, today, budget, write)
    rows = matcher.match_all(lines)
    extras = matcher.match_all(nice)
    return Analysis(items, [*lines, *nice], rows, extras, ranked, budget, write)


def build_evidence_matrix(
    cv: CV,
    posting: JobPosting,
    gap_responses: Sequence[GapResponse],
    *,
    today: date | None = None,
) -> list[EvidenceRow]:
    """One cited row per distinct requirement then responsibility, with its best evidence.

    Public because the Claude generator drafts its report on these rows.
    """
    analysis = analyse(cv, posting, gap_responses, today or date.today())
    return [match.row() for match in analysis.rows]


class RulesGenerator:
    """Deterministic, extractive VPR generator: no model, no tokens, no network."""

    name = "rules"

    def __init__(self, today: date | None = None) -> None:
        # Only the length of a current role depends on the date; tests pin it.
        self._today = today

    def generate(
        self, data: GenerationInput, feedback: Sequence[Any] | None = None
    ) -> GenerationResult:
        """`feedback` is accepted for the Generator protocol and ignored: the output is a
        pure function of the sources, so a regeneration could not differ."""
        cv, request = data.cv, data.request
        posting = request.job_posting
        a = analyse(cv, posting, request.gap_responses, self._today or date.today())
        scored = fit(cv, posting, a.items, a.rows, a.extras, a.write)
        summary, summary_ids = executive_summary(
            cv, posting, a.top, first_gap(a.rows), a.budget, a.write
        )
        strategist = Strategist(cv, posting, a.items, a.budget, a.write)
        stories = strategist.stories(a.rows)
        gaps = strategist.strategies(a.rows, a.extras, scored)
        strengths = differentiators(cv, a.lines, a.items, a.top, a.budget, a.write)
        backed = [i for i in a.items if i.kind != "gap" or not qualifies(i)]
        document = VPRDocument(
            schema_version=SCHEMA_VERSION,
            job_id=data.job_id,
            application_id=request.application_id,
            version=0,
            language=posting.language,
            generated_at=datetime.now(UTC),
            generator=GeneratorInfo(name=self.name, model=None),
            candidate_name=cv.full_name,
            target_role=posting.role_title,
            target_company=posting.company_name,
            executive_summary=summary,
            fit_score=scored.score,
            fit_rationale=scored.rationale,
            evidence_matrix=[match.row() for match in a.rows],
            differentiators=strengths,
            gap_strategies=gaps,
            talking_points=strategist.talking_points(stories, gaps),
            keywords=keywords(
                posting,
                cv_keys(backed),
                source_words(cv, posting, request.gap_responses),
                " ".join(i.fact for i in backed).casefold(),
            ),
            word_count=0,
        )
        del summary_ids
        document.word_count = document.count_words()
        return GenerationResult(document=document, token_usage={})
