# ruff: noqa: RUF001
"""The sources digested once per verification: the catalogue and its per-item facts, every
value and year, employers and their patterns, names, certifications and degrees."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from vpr_jobs.catalogue import Catalogue, build_catalogue
from vpr_jobs.fvs import hebrew
from vpr_jobs.fvs.facts import Facts, build_facts, employer_patterns
from vpr_jobs.fvs.languages import parse_cv_languages
from vpr_jobs.fvs.measures import read_quantities
from vpr_jobs.fvs.names import _degree_key, _degrees_in, _initials, _org_tokens
from vpr_jobs.fvs.quantities import (
    _durations,
    _key,
)
from vpr_jobs.fvs.text import _RUN_RE, _fold, _squash
from vpr_jobs.fvs.vocabulary import (
    _GENERIC_NAME_WORDS,
    _LANGUAGES,
    _MONTHS,
    _SKILL_LEXICON,
    _TITLE_HEADS,
)
from vpr_jobs.schemas import CV, Education, GapResponse, JobPosting

# --------------------------------------------------------------------------- sources


@dataclass
class _Sources:
    """Everything the report may state, pre-digested once per verification."""

    cv: CV
    posting: JobPosting
    cv_segments: list[str]
    gap_segments: list[str]
    posting_segments: list[str]
    numbers: set[float] = field(default_factory=set)
    years: set[int] = field(default_factory=set)
    orgs: list[str] = field(default_factory=list)
    cv_employers: list[str] = field(default_factory=list)
    cert_texts: list[str] = field(default_factory=list)
    cert_acronyms: set[str] = field(default_factory=set)
    generic_words: set[str] = field(default_factory=set)

    all_segments: list[str] = field(default_factory=list)
    folded_text: str = ""
    folded_segments: set[str] = field(default_factory=set)
    skill_text: str = ""
    org_acronyms: frozenset[str] = frozenset()
    cv_degrees: list[tuple[str, Education]] = field(default_factory=list)
    catalogue: Catalogue | None = None
    facts: Facts | None = None
    employers: list[tuple[re.Pattern[str], str]] = field(default_factory=list)
    candidate_ids: list[str] = field(default_factory=list)
    posting_ids: list[str] = field(default_factory=list)
    candidate_values: set[float] = field(default_factory=set)
    posting_values: set[float] = field(default_factory=set)
    stated_tenures: list[tuple[float, bool]] = field(default_factory=list)
    role_cue: re.Pattern[str] | None = None
    fit_score: float = -1.0
    cv_levels: dict[str, float] = field(default_factory=dict)
    memo: dict[str, Any] = field(default_factory=dict)  # shared by the per-document copies
    hebrew_words: set[str] = field(default_factory=set)
    dated: list[tuple[re.Pattern[str], int]] = field(default_factory=list)
    # Answers already computed for this verification (the same names recur across fields).
    name_occurs: dict[str, bool] = field(default_factory=dict)
    skill_known: dict[str, bool] = field(default_factory=dict)


_GENERIC_WORDS = frozenset(
    _MONTHS
    | _LANGUAGES
    | _GENERIC_NAME_WORDS
    | {_fold(term) for term in _SKILL_LEXICON}
    | _TITLE_HEADS
    | {f"{head}s" for head in _TITLE_HEADS}
)


def _build_sources(
    cv: CV, posting: JobPosting, gap_responses: Sequence[GapResponse], today: date
) -> _Sources:
    cv_segments = [cv.full_name, cv.professional_summary, *cv.skills, *cv.languages]
    if cv.contact.location:
        cv_segments.append(cv.contact.location)
    for exp in cv.experience:
        cv_segments += [exp.company, exp.role, exp.description, *exp.achievements]
        cv_segments += exp.technologies
    for edu in cv.education:
        cv_segments += [edu.institution, edu.degree, edu.field_of_study]
    for cert in cv.certifications:
        cv_segments += [cert.name, cert.issuer]
    posting_segments = [
        posting.company_name,
        posting.role_title,
        *posting.responsibilities,
        *posting.requirements,
        *posting.nice_to_have,
        posting.description,
        posting.employment_type,
    ]
    if posting.location:
        posting_segments += [posting.location.city, posting.location.country]
    gap_segments = [g.answer for g in gap_responses]
    src = _Sources(
        cv=cv,
        posting=posting,
        cv_segments=[s for s in cv_segments if s],
        gap_segments=[s for s in gap_segments if s],
        posting_segments=[s for s in posting_segments if s],
    )
    src.all_segments = src.cv_segments + src.gap_segments + src.posting_segments
    src.folded_text = _fold("\n".join(src.all_segments))
    src.folded_segments = {_fold(segment).strip(" .") for segment in src.all_segments}
    # A gap answer that says "I have not worked with Vue" does not make Vue known.
    affirmed = [
        sentence
        for answer in src.gap_segments
        for sentence in re.split(r"(?<=[.!?;])\s+|,\s+(?:but|and)\s+|,\s*(?:אבל|ו)", answer)
        if not _NEGATION_RE.search(sentence) and not _STUDYING_RE.search(sentence)
    ]
    # A question the candidate answered without "no" ("Only for build tooling ...") names a
    # tool the candidate used.
    affirmed += [
        g.question
        for g in gap_responses
        if not re.match(r"\s*(?:no\b|not\b|never\b|לא\b|אין\b)", g.answer, re.IGNORECASE)
    ]
    src.skill_text = _fold("\n".join(src.cv_segments + affirmed))

    _digest_items(src, gap_responses, today)
    assert src.facts is not None
    for item_facts in src.facts.items.values():  # a role's first and last year among them
        src.numbers |= item_facts.values
        src.years |= item_facts.years
    if any(exp.current for exp in cv.experience):
        src.years.add(today.year)  # "2021-present" may be written as "since 2021 ... 2025".
    src.years |= {e.graduation_year for e in cv.education if e.graduation_year}
    src.years |= {c.year for c in cv.certifications if c.year}
    src.numbers |= _durations(cv, today)
    companies = {_squash(e.company) for e in cv.experience}
    src.numbers |= {_key(len(cv.experience)), _key(len(companies))}
    src.numbers |= {_key(y) for y in src.years}

    src.cv_employers = [e.company for e in cv.experience]
    src.orgs = [*src.cv_employers, *(e.institution for e in cv.education)]
    src.orgs += [c.issuer for c in cv.certifications if c.issuer]
    src.orgs.append(posting.company_name)
    for answer in src.gap_segments:
        src.orgs += [m.group(0) for m in _RUN_RE.finditer(answer)]
    for cert in cv.certifications:
        text = f"{cert.name} {cert.issuer}".strip()
        src.cert_texts.append(text)
        for part in (cert.name, cert.issuer):
            # The exact acronym only: the initials of the whole name, or one it spells out
            # ("(CKAD)"), never a prefix of it (CKA is another certification).
            tokens = _org_tokens(part)
            src.cert_acronyms.add("".join(t[0] for t in tokens))
            plain = [t for t in tokens if t not in {"certified", "certification", "certificate"}]
            src.cert_acronyms.add("".join(t[0] for t in plain))
            # A suffix of the name may be the acronym ("ATD Certified Professional in Talent
            # Development" is the CPTD); a prefix never is.
            src.cert_acronyms |= {"".join(t[0] for t in tokens[i:]) for i in range(len(tokens))}
            src.cert_acronyms |= {_fold(w) for w in re.findall(r"\b[A-Z][A-Z0-9+]{1,}\b", part)}
    src.generic_words = (
        _GENERIC_WORDS | {_fold(lang) for lang in cv.languages} | set(_org_tokens(cv.full_name))
    )
    src.org_acronyms = frozenset().union(*(_initials(_org_tokens(org)) for org in src.orgs))

    for edu in cv.education:
        keys = {key for _, key, _ in _degrees_in(edu.degree)} or {_degree_key(edu.degree)}
        src.cv_degrees += [(key, edu) for key in keys if key]
    src.cv_levels = parse_cv_languages(cv.languages)
    for segment in src.all_segments:
        if hebrew.has_hebrew(segment):
            src.hebrew_words |= hebrew.stems(segment)
    return src


_STUDYING_RE = re.compile(r"\b(?:learning|studying|course)\b|לומד|קורס", re.IGNORECASE)
_NEGATION_RE = re.compile(
    r"\b(?:not|never|no|haven't|hasn't|didn't|don't|without|yet\s+to)\b|(?<![\u05d0-\u05ea])(?:לא|אין|ללא|בלי)(?![\u05d0-\u05ea])",
    re.IGNORECASE,
)
# Words by which a sentence speaks of the target role or company, not of the candidate.
_ROLE_CUES = (
    r"the role|this role|the position|this position|the team|the company|the posting|the job"
    r"|you will|the hiring|the group|the division|the platform team|its|their|they|the org"
    r"|(?<![\u05d0-\u05ea])(?:[ושה]?[לכמה]|ה)(?:תפקיד|צוות|חברה|משרה|חטיבה|ארגון|מחלקה)"
    r"(?![\u05d0-\u05ea])"
)


@lru_cache(maxsize=1024)
def _name_re(name: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w-]){re.escape(name)}(?![\w-])", re.IGNORECASE)


@lru_cache(maxsize=256)
def _role_cue(company_name: str) -> re.Pattern[str]:
    first = company_name.split()[0]
    company = re.escape(company_name) + (f"|{re.escape(first)}" if len(first) > 2 else "")
    return re.compile(rf"(?<![\w])(?:{_ROLE_CUES}|{company})(?![\w])", re.IGNORECASE)


def _digest_items(src: _Sources, gap_responses: Sequence[GapResponse], today: date) -> None:
    """The catalogue view: which item says what (the binding checks need it)."""
    catalogue = build_catalogue(src.cv, src.posting, gap_responses)
    facts = build_facts(catalogue, today)
    src.catalogue, src.facts = catalogue, facts
    src.employers = employer_patterns(facts.roles)
    for item in catalogue:
        ids, values = (
            (src.candidate_ids, src.candidate_values)
            if item.owner == "candidate"
            else (src.posting_ids, src.posting_values)
        )
        ids.append(item.id)
        values |= facts.items[item.id].values
        if item.owner == "candidate" and item.kind != "experience":
            mentions = facts.items[item.id].mentions
            if any(not n.is_year for n in mentions):
                for q in read_quantities(item.text, mentions):
                    if q.kind == "tenure":
                        src.stated_tenures += [(v, q.months) for v in q.values]
    for cert in src.cv.certifications:
        names = re.findall(r"\b[A-Z][A-Z0-9-]{1,9}\b", cert.name) or [cert.name]
        if cert.year:
            src.dated += [(_name_re(n), cert.year) for n in names]
    for edu in src.cv.education:
        if edu.graduation_year:
            src.dated += [
                (_name_re(n), edu.graduation_year) for n in (edu.institution, edu.degree) if n
            ]
    src.role_cue = _role_cue(src.posting.company_name)


def phrase_initials(src: _Sources) -> frozenset[str]:
    """Initials of every 2-4 word phrase of the CV and gap answers: "LCP" for "Largest
    Contentful Paint", "BFF" for "backend-for-frontend" (computed once, when first needed)."""
    known = src.memo.get("phrase_initials")
    if known is None:
        known = src.memo["phrase_initials"] = _phrase_initials(src.cv_segments + src.gap_segments)
    return known


def _phrase_initials(segments: list[str]) -> frozenset[str]:
    out: set[str] = set()
    for segment in segments:
        tokens = [t.casefold() for t in re.findall(r"[A-Za-z]+", segment)]
        for size in (2, 3, 4):
            for i in range(len(tokens) - size + 1):
                out.add("".join(t[0] for t in tokens[i : i + size]))
    return frozenset(out)


def _name_in_sources(phrase: str, src: _Sources) -> bool:
    """`_occurs_as_name(phrase, src.all_segments)`, computed once per phrase and source."""
    known = src.name_occurs.get(phrase)
    if known is None:
        known = src.name_occurs[phrase] = _occurs_as_name(phrase, src.all_segments)
    return known


def _name_in_candidate(phrase: str, src: _Sources) -> bool:
    """Whether `phrase` stands on its own in the CV or the gap answers (not the posting: an
    acronym the posting uses is not a tool the candidate knows)."""
    key = "\0" + phrase
    known = src.name_occurs.get(key)
    if known is None:
        segments = src.cv_segments + src.gap_segments
        known = src.name_occurs[key] = _occurs_as_name(phrase, segments)
    return known


def _occurs_as_name(phrase: str, segments: Iterable[str]) -> bool:
    """Whether `phrase` stands on its own in a source, not as part of a longer name ("Google"
    inside the tool "Google Analytics" does not make Google a former employer)."""
    pattern = re.compile(rf"(?<!\w){re.escape(phrase)}(?!\w)", re.IGNORECASE)
    for segment in segments:
        for m in pattern.finditer(segment):
            if re.match(r"[ \t]+(?:(?:of|for|&)[ \t]+)?[A-Z]", segment[m.end() :]):
                continue
            before = segment[: m.start()]
            prev = re.search(r"([A-Za-z][\w.&'-]*)[ \t]+$", before)
            if prev and prev.group(1)[0].isupper():
                head = before[: prev.start()].rstrip()
                if head and head[-1] not in ".!?:;(\"'":
                    continue
            return True
    return False


_QUOTE_RE = re.compile(
    r'"([^"\n]+)"|\u201c([^\u201d\n]+)\u201d|\u201e([^\u201c\u201d\n]+)[\u201c\u201d]'
)


def _mask_source_quotes(text: str, src: _Sources) -> str:
    """Blank out quotations copied verbatim from a source: "Python or Go" quoted from the
    posting is not a claim that the candidate knows Go. Offsets are kept."""

    def blank(m: re.Match[str]) -> str:
        quoted = _fold(next(g for g in m.groups() if g is not None)).strip(" .")
        # A whole source item, or a passage long enough not to be a bare name ("Google").
        verbatim = quoted in src.folded_segments or (
            len(quoted.split()) >= 3 and quoted in src.folded_text
        )
        return " " * len(m.group(0)) if quoted and verbatim else m.group(0)

    if '"' not in text and "\u201c" not in text and "\u201e" not in text:
        return text  # Every quotation opens with one of these.
    return _QUOTE_RE.sub(blank, text)
