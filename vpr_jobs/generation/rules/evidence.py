"""The candidate's evidence, cut from the source catalogue: one item per citable fact.

Every item keeps the catalogue ids it rests on (vpr_jobs/catalogue.py), so each row, strength
and talking point of the report cites the CV line or gap answer it quotes.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from vpr_jobs.catalogue import Catalogue
from vpr_jobs.generation.rules.text import (
    ANCHOR_WEIGHT,
    SENTENCE_RE,
    keys,
    requirement_keys,
    terms,
)
from vpr_jobs.generation.rules.writer import Writer
from vpr_jobs.periods import month_index
from vpr_jobs.schemas import CV, Certification, Education, EvidenceSource, Experience, GapResponse

EVIDENCE_CLIP = 300
# How much a kind of evidence is worth when it covers a requirement: a measured achievement
# is the best proof, a bare skill list or a self-reported answer less so.
KIND_WEIGHT: dict[str, float] = {
    "achievement": 1.0,
    "description": 0.9,
    "role": 0.9,
    "certification": 0.9,
    "skill": 0.85,
    "tool": 0.85,
    "language": 0.85,
    "summary": 0.7,  # a claim in the candidate's own words, not a shown result
    "gap": 0.8,
    "education": 0.75,
}
NARRATIVE_KINDS = frozenset({"achievement", "description", "summary", "gap"})
GROUPED_KINDS = frozenset({"skill", "tool"})
# A number that is a result ("31%", "£4.2M", "from 850 ms to 210 ms"), not a date or a count
# of years, marks an achievement as quantified.
_QUANTIFIED_RE = re.compile(
    r"\d[\d,.]*\s*(?:%|percent|x\b|ms\b|s\b|k\b|m\b|bn?\b|points?|hours?|minutes?|days?)"
    r"|[$£€₪]\s*\d|\d\s*[$£€₪]|\bfrom\s+\S+\s+to\s+\S+|מ-?\d|אחוז",
    re.IGNORECASE,
)


LONG_QUOTE_WORDS = 6  # quotes this long count against the repetition bound
MAX_REPEATS = 2


class Budget:
    """How often each long quote has been written into the report so far."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    @staticmethod
    def _norm(text: str) -> str | None:
        norm = " ".join(text.casefold().split())
        return norm if len(norm.split()) >= LONG_QUOTE_WORDS else None

    def ok(self, *texts: str) -> bool:
        return all((n := self._norm(t)) is None or self.counts[n] < MAX_REPEATS for t in texts if t)

    def take(self, *texts: str) -> None:
        for text in texts:
            norm = self._norm(text) if text else None
            if norm:
                self.counts[norm] += 1


def fact(text: str) -> str:
    """Quote a source text as-is, minus trailing sentence punctuation the template adds back."""
    return " ".join(text.split()).rstrip(" .;:")


def plain(text: str) -> str:
    """A name, title or skill as written, whitespace normalised ("B.A." keeps its dot)."""
    return " ".join(text.split())


def clip(text: str, limit: int = EVIDENCE_CLIP) -> str:
    """Shorten at a word boundary so no number or name is ever cut in half."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    if not re.search(r"\s", head):
        return text
    return re.split(r"\s+(?=\S*$)", head)[0].rstrip(" ,;:") + "…"


def opening(text: str, words: int = 5) -> str:
    """The first words of a quote, enough to name it without repeating it whole (a report
    writes no sentence of six words or more more than twice)."""
    parts = text.split()
    return text if len(parts) <= words else " ".join(parts[:words]) + "…"


def sentences(text: str) -> list[str]:
    return [s for s in (fact(part) for part in SENTENCE_RE.split(text or "")) if s]


def distinct(values: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for value in values:
        text = plain(value)
        if text and text.casefold() not in seen:
            seen.add(text.casefold())
            out.append(text)
    return out


def is_quantified(text: str) -> bool:
    return bool(_QUANTIFIED_RE.search(text))


@dataclass(frozen=True)
class Item:
    """One piece of evidence: the verbatim `fact`, how it is shown, its match keys and ids."""

    kind: str
    source: EvidenceSource
    fact: str
    display: str
    keys: frozenset[str]
    tokens: tuple[str, ...]  # what BM25 indexes: term keys, concepts folded
    order: int
    ids: tuple[str, ...]
    where: str = ""  # "role at company" for facts that belong to one experience
    recency: int = 0  # the experience's start month (0: undated)
    topic: frozenset[str] = frozenset()  # a gap answer's question: what it is about
    display_question: str = ""  # a gap answer's question as written

    @property
    def weight(self) -> float:
        return KIND_WEIGHT[self.kind]

    @property
    def quantified(self) -> bool:
        return self.kind in ("achievement", "description", "gap") and is_quantified(self.fact)


def where(exp: Experience, write: Writer) -> str:
    return write("where", role=plain(exp.role), company=plain(exp.company))


def dates(exp: Experience, write: Writer) -> str:
    if exp.end_date:
        return write("dates_range", start=exp.start_date, end=exp.end_date)
    if exp.current:
        return write("dates_since", start=exp.start_date)
    return write("dates_from", start=exp.start_date)


def certification_text(cert: Certification, write: Writer) -> str:
    name, issuer = plain(cert.name), plain(cert.issuer)
    text = write("cert_issuer", name=name, issuer=issuer) if issuer else name
    return f"{text} ({cert.year})" if cert.year else text


def education_text(edu: Education, write: Writer) -> str:
    degree, field_ = plain(edu.degree), plain(edu.field_of_study)
    head = (
        write("degree_field", degree=degree, field=field_)
        if degree and field_
        else degree or field_
    )
    text = ", ".join(p for p in (head, plain(edu.institution)) if p)
    return f"{text} ({edu.graduation_year})" if edu.graduation_year else text


def bm25_tokens(text: str) -> tuple[str, ...]:
    return tuple(term.key for term in terms(text) if term.weight > 0)


class _Collector:
    def __init__(self) -> None:
        self.items: list[Item] = []

    def add(
        self,
        kind: str,
        text: str,
        display: str,
        match_text: str,
        source: EvidenceSource,
        ids: Sequence[str],
        place: str = "",
        recency: int = 0,
        topic: str = "",
    ) -> None:
        question = fact(topic)
        found = keys(match_text)
        if text and found:
            item = Item(
                kind,
                source,
                text,
                display,
                found,
                bm25_tokens(match_text) or tuple(sorted(found)),
                len(self.items),
                tuple(ids),
                place,
                recency,
                frozenset(k for k, w in requirement_keys(topic).items() if w >= ANCHOR_WEIGHT),
                question,
            )
            self.items.append(item)


def collect_items(
    cv: CV, gap_responses: Sequence[GapResponse], catalogue: Catalogue, write: Writer
) -> list[Item]:
    """Every piece of CV and gap-answer evidence, best kind first so ties favour results."""
    out = _Collector()
    roles = [(f"cv.exp.{i}", exp, where(exp, write)) for i, exp in enumerate(cv.experience, 1)]
    for exp_id, exp, place in roles:
        start = month_index(exp.start_date)
        for j, achievement in enumerate(exp.achievements, 1):
            text = fact(achievement)
            display = write("ev_quote", text=clip(text), where=place)
            out.add("achievement", text, display, text, "cv", [f"{exp_id}.ach.{j}"], place, start)
    for exp_id, exp, place in roles:
        start = month_index(exp.start_date)
        for sentence in sentences(exp.description):
            display = write("ev_quote", text=clip(sentence), where=place)
            out.add("description", sentence, display, sentence, "cv", [exp_id], place, start)
    for exp_id, exp, place in roles:
        display = write("ev_role", where=place, dates=dates(exp, write))
        start = month_index(exp.start_date)
        out.add("role", place, display, exp.role, "cv", [exp_id], recency=start)
    for i, cert in enumerate(cv.certifications, 1):
        text = certification_text(cert, write)
        display = write("ev_cert", text=text)
        out.add(
            "certification", text, display, f"{cert.name} {cert.issuer}", "cv", [f"cv.cert.{i}"]
        )
    for i, edu in enumerate(cv.education, 1):
        text = education_text(edu, write)
        match_text = f"{edu.degree} {edu.field_of_study}"
        display = write("ev_education", text=text)
        out.add("education", text, display, match_text, "cv", [f"cv.edu.{i}"])
    seen: set[str] = set()
    for i, skill in enumerate(cv.skills, 1):
        text = plain(skill)
        if text and text.casefold() not in seen:
            seen.add(text.casefold())
            out.add("skill", text, text, text, "cv", [f"cv.skill.{i}"])
    for exp_id, exp, place in roles:
        for tool in distinct(exp.technologies):
            display = write("ev_tool", tool=tool, where=place)
            out.add("tool", tool, display, tool, "cv", [exp_id], place, month_index(exp.start_date))
    languages = distinct(cv.languages)
    if languages:
        listed = write("list_sep").join(languages)
        ids = [f"cv.lang.{i}" for i in range(1, len(cv.languages) + 1)][:12]
        out.add(
            "language", listed, write("ev_languages", items=listed), " ".join(languages), "cv", ids
        )
    for sentence in sentences(cv.professional_summary):
        display = write("ev_summary", text=clip(sentence))
        out.add("summary", sentence, display, sentence, "cv", ["cv.summary"])
    for i, gap in enumerate(gap_responses, 1):
        answer = fact(gap.answer)
        display = write("ev_gap", question=clip(fact(gap.question)), answer=clip(answer))
        # The question names the topic ("line management"), the answer what the candidate has.
        match_text = f"{gap.question} {answer}"
        out.add(
            "gap", answer, display, match_text, "gap_response", [f"gap.{i}"], topic=gap.question
        )
    return [item for item in out.items if all(i in catalogue for i in item.ids)]
