"""FVS, the Fact Verification System: no invented employer, year, title or number reaches a user.

A VPR document is written by an LLM or the rules generator from three sources: the CV, the job
posting and the candidate's answers to gap questions, cut into citable items by
`vpr_jobs.catalogue`. `verify()` walks every text field of the document (with its path and the
catalogue ids it cites) and checks each claim against what it cites, or, for an uncited claim,
against all sources with the same binding:

* IMMUTABLE (a violation; ``passed`` is False): numbers, years, tenures, organisations, job
  titles and seniority, degrees, certifications, spoken languages and their level, tools
  claimed as used, and citations that do not say what the claim says; the structured fields
  ``candidate_name``, ``target_company`` and ``target_role`` must match.
* VERIFIABLE (a warning): a tool the candidate only means *to learn*.
* FLEXIBLE (a warning): machine-sounding phrases and empty superlatives.

Everything is a pure function of its arguments (no Django, no I/O); the digest of a set of
sources is memoised (`_DIGESTS`, bounded) because a job verifies, regenerates and verifies again.

Modules: `claims` (document fields + citations), `sources` and `facts` (the sources digested
once: which item states which value, year and ratio; roles and their periods), `quantities`
(digits, number words, scales, shared-scale ranges), `measures` (hedges, tenures, multipliers,
vague amounts), `binding` (a figure's sentence, clause, employer, dated credential, role cues),
`names` (orgs, titles, degrees), `hebrew` (prefixes, stems, number words, transliteration),
`languages`, `checks_*` (one concern each: numbers, names, people, education, credentials,
skills, citations), `text` and `vocabulary` (shared helpers and word lists), `result`
(Finding, FVSResult).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from vpr_jobs.fvs.checks_citations import check_citations
from vpr_jobs.fvs.checks_credentials import _check_certifications, _check_degrees
from vpr_jobs.fvs.checks_education import check_institutions
from vpr_jobs.fvs.checks_names import _check_organisations, _check_titles
from vpr_jobs.fvs.checks_numbers import _check_numbers
from vpr_jobs.fvs.checks_people import check_hebrew_titles, check_management, check_seniority
from vpr_jobs.fvs.checks_skills import _check_identity, _check_skills, _check_style
from vpr_jobs.fvs.claims import _CHECKS_BY_KIND, TextField, iter_text_fields
from vpr_jobs.fvs.languages import check_languages
from vpr_jobs.fvs.names import org_matches, title_matches
from vpr_jobs.fvs.quantities import NumberMention, _key, extract_numbers
from vpr_jobs.fvs.result import Finding, FVSResult, _Collector
from vpr_jobs.fvs.sources import _build_sources, _mask_source_quotes, _Sources
from vpr_jobs.fvs.text import _Words
from vpr_jobs.schemas import CV, GapResponse, JobPosting, VPRDocument

__all__ = [
    "FVSResult",
    "Finding",
    "NumberMention",
    "TextField",
    "extract_numbers",
    "iter_text_fields",
    "org_matches",
    "title_matches",
    "verify",
]

# --------------------------------------------------------------------------- entry point


# The sources digested for the last few (CV, posting, gap answers, day): a job verifies, asks for
# a regeneration and verifies again on the same sources; digesting them is half the cost.
_DIGESTS: OrderedDict[tuple[str, ...], _Sources] = OrderedDict()
_DIGEST_SLOTS = 32


def _digested(
    cv: CV, posting: JobPosting, gap_responses: Sequence[GapResponse], today: date
) -> _Sources:
    key = (
        cv.model_dump_json(),
        posting.model_dump_json(),
        *(g.model_dump_json() for g in gap_responses),
        today.isoformat(),
    )
    src = _DIGESTS.get(key)
    if src is None:
        src = _DIGESTS[key] = _build_sources(cv, posting, gap_responses, today)
        if len(_DIGESTS) > _DIGEST_SLOTS:
            _DIGESTS.popitem(last=False)
    else:
        _DIGESTS.move_to_end(key)
    return src


def verify(
    document: VPRDocument,
    *,
    cv: CV,
    posting: JobPosting,
    gap_responses: Sequence[GapResponse] = (),
) -> FVSResult:
    """Check `document` against the facts it was generated from.

    IMMUTABLE findings are violations and make `passed` False; VERIFIABLE and FLEXIBLE findings
    are warnings, reported but never blocking.
    """
    digested = _digested(cv, posting, gap_responses, document.generated_at.date())
    # The report may quote its own score (a per-document copy: the digest is shared).
    src = replace(
        digested,
        numbers=digested.numbers | {_key(document.fit_score)},
        fit_score=float(document.fit_score),
    )
    out = _Collector()
    _check_identity(document, src, out)
    for raw in iter_text_fields(document):
        tf = replace(raw, text=_mask_source_quotes(raw.text, src))
        if not tf.text.strip():
            continue
        checks = _CHECKS_BY_KIND[tf.kind]
        words = _Words(tf.text)
        check_citations(tf, src, out)
        if "number" in checks:
            _check_numbers(tf, words, src, out)
        if "organisation" in checks:
            _check_organisations(tf, words, src, out)
        if "title" in checks:
            _check_titles(tf, words, src, out)
        if "degree" in checks:
            _check_degrees(tf, words, src, out)
            check_institutions(tf, src, out)
        if "certification" in checks:
            _check_certifications(tf, words, src, out)
        if "language" in checks:
            check_languages(tf, src.cv_levels, out)
        if "people" in checks:
            check_hebrew_titles(tf, src, out)
            if tf.kind == "claim":
                check_seniority(tf, src, out)
                check_management(tf, src, out)
        if "skill" in checks:
            _check_skills(tf, words, src, out)
        if "style" in checks:
            _check_style(tf, words, out)
    violations = [f for f in out.findings if f.tier == "IMMUTABLE"]
    warnings = [f for f in out.findings if f.tier != "IMMUTABLE"]
    return FVSResult(passed=not violations, violations=violations, warnings=warnings)
