"""The report's narrative sections around the matrix: summary, strengths, keywords.

`Budget` keeps the report from quoting one long sentence more than twice: every section asks
it before quoting and falls back to the next-best fact when a quote is spent.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence

from vpr_jobs.generation.rules.evidence import (
    Budget,
    Item,
    clip,
    distinct,
    opening,
    plain,
    sentences,
)
from vpr_jobs.generation.rules.matching import Line, Match
from vpr_jobs.generation.rules.retrieval import Retriever
from vpr_jobs.generation.rules.scoring import latest_role
from vpr_jobs.generation.rules.text import (
    ANCHOR_WEIGHT,
    CATEGORY_CONCEPTS,
    HE_PREFIXES,
    HEBREW_RE,
    LETTER_RE,
    Term,
    coverage,
    keys,
    requirement_keys,
    terms,
)
from vpr_jobs.generation.rules.writer import Writer
from vpr_jobs.schemas import CV, CitedText, GapResponse, JobPosting

MAX_KEYWORDS = 20
RELEVANCE_CAP = 0.6
# A measured change ("from 850 ms to 210 ms", "by 31%", "a 35% drop", "מ-12 ... ל-6").
_CHANGE_RE = re.compile(
    r"\bfrom\s+\S+(?:\s+\S+)?\s+to\s+\S+|\bby\s+\d[\d.,]*\s*%"
    r"|\d\s*%\s+(?:drop|increase|reduction|growth|rise|cut|fewer|more)|מ-\S+.{0,30}ל-?\d",
    re.IGNORECASE,
)


def ranked_achievements(items: Sequence[Item], lines: Sequence[Line]) -> list[Item]:
    """Achievements by what a hiring manager would lead with: relevant to the posting,
    quantified, recent. Relevance is the item's best BM25 rank over the posting's lines."""
    achievements = [i for i in items if i.kind == "achievement"]
    if not achievements:
        return []
    retriever = Retriever(achievements)
    relevance: dict[int, float] = {}
    for line in lines:
        for candidate in retriever.candidates(requirement_keys(line.text)):
            order = candidate.item.order
            relevance[order] = max(relevance.get(order, 0.0), candidate.rank)
    latest = max(i.recency for i in achievements)
    scored = []
    for item in achievements:
        recent = 1 if item.recency == latest else 0
        change = 0.5 if _CHANGE_RE.search(item.fact) else 0.0  # a before/after result
        # Relevance separates fitting results from off-topic ones; past that, the measured
        # change decides.
        fit = min(relevance.get(item.order, 0.0), RELEVANCE_CAP)
        score = fit + item.quantified + change + 0.05 * recent
        scored.append((-score, item.order, item))
    return [entry[-1] for entry in sorted(scored, key=lambda e: e[:2])]


def executive_summary(
    cv: CV,
    posting: JobPosting,
    top: Sequence[Item],
    first_gap: str | None,
    budget: Budget,
    write: Writer,
) -> tuple[str, list[str]]:
    names = {
        "name": plain(cv.full_name),
        "target_role": plain(posting.role_title),
        "target_company": plain(posting.company_name),
    }
    latest = latest_role(cv)
    ids: list[str] = []
    if latest is None:
        parts = [write("sum_no_experience", **names)]
    else:
        template = "sum_current" if latest.current else "sum_past"
        parts = [write(template, role=plain(latest.role), company=plain(latest.company), **names)]
        ids.append(f"cv.exp.{cv.experience.index(latest) + 1}")
    quoted = [item for item in top[:2]]
    if len(quoted) == 2:
        first, second = clip(quoted[0].fact), clip(quoted[1].fact)
        parts.append(write("sum_results", first=first, second=second))
    elif quoted:
        parts.append(write("sum_result", first=clip(quoted[0].fact)))
    else:
        summary = sentences(cv.professional_summary)
        if summary:
            parts.append(write("sum_summary", text=clip(summary[0])))
            ids.append("cv.summary")
    for item in quoted:
        ids += item.ids  # already in the budget: analyse() reserves the summary's quotes
    if first_gap:
        parts.append(write("sum_gap", gap=opening(first_gap)))
    return " ".join(parts), ids


def _posting_relevance(lines: Sequence[Line], item_keys: frozenset[str]) -> float:
    """How well a credential answers its best-fitting line (a MEDDICC certificate for the
    MEDDICC line beats a generic sales one that touches many lines a little)."""
    return max((coverage(requirement_keys(line.text), item_keys) for line in lines), default=0.0)


def differentiators(
    cv: CV,
    lines: Sequence[Line],
    items: Sequence[Item],
    ranked: Sequence[Item],
    budget: Budget,
    write: Writer,
) -> list[CitedText]:
    """3-5 strengths: results the summary did not quote, then credentials, skills, languages."""
    out: list[CitedText] = []

    def add(text: str, ids: Iterable[str], *quotes: str) -> None:
        if text and text not in {c.text for c in out} and budget.ok(*quotes):
            budget.take(*quotes)
            out.append(CitedText(text=text, evidence_ids=list(dict.fromkeys(ids))[:12]))

    for item in [i for i in ranked[2:] if i.quantified and budget.ok(i.fact)][:2]:
        add(write("diff_achievement", where=item.where, text=clip(item.fact)), item.ids, item.fact)
    certs = [i for i in items if i.kind == "certification"]
    if certs:
        best = max(certs, key=lambda i: (_posting_relevance(lines, i.keys), -i.order))
        add(write("diff_cert", text=best.fact), best.ids)
    education = [i for i in items if i.kind == "education"]
    if education:
        add(write("diff_education", text=education[0].fact), education[0].ids)
    skills = [i for i in items if i.kind == "skill"]
    matched = [s for s in skills if _posting_relevance(lines, s.keys) > 0][:4]
    if matched:
        text = write("diff_skills", items=write.join([s.fact for s in matched]))
        add(text, [i for s in matched for i in s.ids])
    elif skills:
        text = write("diff_skills_plain", items=write.join([s.fact for s in skills[:3]]))
        add(text, [i for s in skills[:3] for i in s.ids])
    languages = [i for i in items if i.kind == "language"]
    if languages and len(distinct(cv.languages)) >= 2:
        add(write("diff_languages", items=languages[0].fact), languages[0].ids)
    latest = latest_role(cv)
    if latest is not None:
        index = cv.experience.index(latest) + 1
        roles = [i for i in items if i.kind == "role" and i.ids == (f"cv.exp.{index}",)]
        if roles:
            add(write("diff_role", where=roles[0].fact), roles[0].ids)
    for item in items:
        if item.kind == "summary":
            add(write("diff_summary", text=clip(item.fact)), item.ids, item.fact)
            break
    for item in items:
        if item.kind == "gap" and len(out) < 3:
            add(write("diff_gap", text=clip(item.fact)), item.ids, item.fact)
    for n in (1, 2, 3):
        if len(out) >= 3:
            break
        add(write(f"diff_neutral_{n}"), [])
    return out[:5]


def keywords(
    posting: JobPosting, backed: frozenset[str], source_words: set[str], candidate_text: str
) -> list[str]:
    """Whole terms of the posting that the candidate's sources back, as the posting writes
    them: adjacent telling words stay together ("CI/CD", "causal inference", "ניהול צוות"),
    an English responsibility's opening verb is no keyword, and a Hebrew prefix letter is
    dropped only when what is left is a word of the sources."""
    lines = [(line, False) for line in [*posting.requirements, *posting.nice_to_have]]
    lines += [(line, True) for line in posting.responsibilities]
    seen: set[str] = set()
    out: list[str] = []
    for line, is_duty in lines:
        telling = [t for t in terms(line) if t.weight >= ANCHOR_WEIGHT or _named(line, t)]
        if is_duty and telling and telling[0].start == 0 and not HEBREW_RE.search(line):
            telling = telling[1:]
        runs: list[list] = []
        for term in telling:
            joined = runs and _JOINER_RE.fullmatch(line[runs[-1][-1].end : term.start])
            joined = joined and not line[term.start : term.end].startswith(_HE_AND)
            if joined and len(runs[-1]) < 3 and term.key in backed and runs[-1][-1].key in backed:
                runs[-1].append(term)
            else:
                runs.append([term])
        for run in runs:
            if not all(t.key in backed for t in run):
                continue
            surface = _whole(line[run[0].start : run[-1].end], source_words)
            if any(t.key in CATEGORY_CONCEPTS for t in run) and (
                surface.casefold() not in candidate_text
            ):
                continue  # a product ("Azure") of a category the candidate knows by another
            dedupe = surface.casefold()
            if dedupe in seen or not LETTER_RE.search(surface) or len(surface) < 2:
                continue
            seen.add(dedupe)
            out.append(surface)
    return out[:MAX_KEYWORDS]


_JOINER_RE = re.compile(r"[\s/-]*")
_HE_AND = "\u05d5"  # the prefix "and": "פריסה ובדיקות" is two terms


def _named(line: str, term: Term) -> bool:
    """A capitalised word inside a line is part of a name ("Design System"), however generic."""
    return term.start > 0 and line[term.start].isupper() and term.weight > 0


def _whole(surface: str, source_words: set[str]) -> str:
    """A Hebrew term without its prefix letters when the bare word is a word of the sources."""
    if not HEBREW_RE.match(surface):
        return surface
    head, _, rest = surface.partition(" ")
    for cut in (1, 2):
        bare = head[cut:]
        if len(bare) >= 3 and all(ch in HE_PREFIXES for ch in head[:cut]) and bare in source_words:
            return f"{bare} {rest}".strip()
    return surface


def cv_keys(items: Sequence[Item]) -> frozenset[str]:
    """Every term the candidate's evidence backs (CV and gap answers that do not deny)."""
    return frozenset().union(*(item.keys for item in items)) if items else frozenset()


def source_words(cv: CV, posting: JobPosting, gap_responses: Sequence[GapResponse]) -> set[str]:
    """Every word of the sources, as written."""
    text = json.dumps(
        [cv.model_dump(mode="json"), posting.model_dump(mode="json")]
        + [g.model_dump(mode="json") for g in gap_responses],
        ensure_ascii=False,
    )
    return set(re.findall(r"[\w&+#.'-]+", text))


def first_gap(rows: Sequence[Match]) -> str | None:
    for match in rows:
        if match.line.kind == "requirement" and (
            match.alignment is None or match.denied_by is not None
        ):
            return match.requirement
    return None


__all__ = [
    "Budget",
    "cv_keys",
    "differentiators",
    "executive_summary",
    "first_gap",
    "keys",
    "keywords",
    "ranked_achievements",
]
