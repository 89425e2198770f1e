"""The evidence matrix: each posting line, the evidence that answers it, how well and why.

Evidence is ranked by retrieval.Retriever; one piece of evidence serves at most
`MAX_USES` rows, and lines with the clearest evidence choose first, so a CV's best result
lands where it fits best instead of being quoted under every line. A gap answer that denies
or qualifies a line ("no direct reports yet") makes that row DEVELOPING with the answer as
its source, whatever the CV seems to say.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from vpr_jobs.generation.rules.answers import answers, is_about, qualifies
from vpr_jobs.generation.rules.evidence import (
    GROUPED_KINDS,
    NARRATIVE_KINDS,
    Budget,
    Item,
    clip,
    dates,
    distinct,
    opening,
    where,
)
from vpr_jobs.generation.rules.retrieval import Candidate, Retriever
from vpr_jobs.generation.rules.text import (
    ANCHOR_WEIGHT,
    CATEGORY_CONCEPTS,
    OR_RE,
    coverage,
    keys,
    requirement_keys,
    terms,
)
from vpr_jobs.generation.rules.writer import Writer
from vpr_jobs.generation.rules.years import years_asked
from vpr_jobs.periods import months_covered, role_span
from vpr_jobs.schemas import CV, Alignment, EvidenceRow, EvidenceSource, Experience, JobPosting

STRONG_AT = 0.7
MODERATE_AT = 0.45
DEVELOPING_AT = 0.2
COMBINED_DISCOUNT = 0.9  # two items that together cover a line count a little less than one
YEARS_MODERATE_SHARE = 0.6  # share of the asked-for years that still counts as MODERATE
MAX_USES = 2  # rows one piece of evidence may serve
LineKind = Literal["requirement", "responsibility", "nice_to_have"]


@dataclass(frozen=True)
class Line:
    """A distinct posting line and its catalogue id."""

    text: str
    id: str
    kind: LineKind


@dataclass
class Match:
    """How one posting line is answered; `alignment` None means nothing in the sources."""

    line: Line
    wanted: dict[str, float]
    score: float = 0.0
    alignment: Alignment | None = None
    source: EvidenceSource = "none"
    evidence: str = ""
    impact: str = ""
    items: tuple[Item, ...] = ()
    roles: tuple[tuple[str, Experience], ...] = ()
    denied_by: Item | None = None
    candidates: tuple[Candidate, ...] = field(default=(), repr=False)  # what was free to use
    shown_ids: list[str] = field(default_factory=list)  # skills and tools listed beside one

    @property
    def requirement(self) -> str:
        return self.line.text

    @property
    def evidence_ids(self) -> list[str]:
        ids = [i for item in self.items for i in item.ids] + [r for r, _ in self.roles]
        return list(dict.fromkeys([*ids, *self.shown_ids]))[:12]

    def row(self) -> EvidenceRow:
        return EvidenceRow(
            requirement=self.line.text,
            evidence=self.evidence,
            alignment=self.alignment or "DEVELOPING",
            source=self.source,
            impact=self.impact,
            requirement_id=self.line.id,
            evidence_ids=self.evidence_ids,
        )


def posting_lines(posting: JobPosting) -> tuple[list[Line], list[Line]]:
    """Distinct requirements then responsibilities, and the nice-to-haves not among them."""
    seen: set[str] = set()

    def take(values: Sequence[str], prefix: str, kind: LineKind) -> list[Line]:
        out = []
        for i, value in enumerate(values, 1):
            text = " ".join(value.split())
            if text and text.casefold() not in seen:
                seen.add(text.casefold())
                out.append(Line(text, f"post.{prefix}.{i}", kind))
        return out

    rows = take(posting.requirements, "req", "requirement")
    rows += take(posting.responsibilities, "resp", "responsibility")
    return rows, take(posting.nice_to_have, "nice", "nice_to_have")


def alignment_for(score: float) -> Alignment | None:
    if score >= STRONG_AT:
        return "STRONG"
    if score >= MODERATE_AT:
        return "MODERATE"
    if score >= DEVELOPING_AT:
        return "DEVELOPING"
    return None


class Matcher:
    """Matches every line of one posting against one candidate's evidence."""

    def __init__(
        self, cv: CV, items: Sequence[Item], today: date, budget: Budget, write: Writer
    ) -> None:
        self.cv = cv
        self.budget = budget
        self.items = list(items)
        self.retriever = Retriever(items)
        self.today = today
        self.write = write
        self.uses: Counter[int] = Counter()
        self._variant = 0

    def match_all(self, lines: Sequence[Line]) -> list[Match]:
        """Lines with the fewest good pieces of evidence choose first (then the clearest), so
        a result that fits several lines goes where nothing else would; the result keeps
        posting order."""
        plans = [(line, self._parts(line)) for line in lines]

        def scarcity(index: int) -> tuple[int, float, int]:
            candidates = [c for _, found in plans[index][1] for c in found]
            good = {c.item.order for c in candidates if c.coverage * c.item.weight >= MODERATE_AT}
            best = max((c.coverage for c in candidates), default=0.0)
            return (len(good) if good else 99, -best, index)

        order = sorted(range(len(plans)), key=scarcity)
        found: dict[int, Match] = {}
        for index in order:
            found[index] = self._match_line(*plans[index])
        return [found[i] for i in range(len(plans))]

    def _parts(self, line: Line) -> list[tuple[dict[str, float], list[Candidate]]]:
        # "Python or Go": any alternative answers; "(Amplitude, Mixpanel or similar)" lists
        # examples of one thing and is not split.
        in_brackets = any(OR_RE.search(f" {g} ") for g in re.findall(r"\(([^)]*)\)", line.text))
        parts = [] if in_brackets else [p for p in OR_RE.split(line.text) if p.strip()]
        wanted = [requirement_keys(p) for p in (parts if len(parts) > 1 else [line.text])]
        return [(w, self.retriever.candidates(w)) for w in wanted if w]

    def _match_line(
        self, line: Line, parts: list[tuple[dict[str, float], list[Candidate]]]
    ) -> Match:
        asked = years_asked(line.text)
        if asked is not None:
            found = self._years(line, *asked)
            if found is None:
                # No dated role of that domain: text evidence shows the domain, not the years.
                found = self._best_text(line, parts)
                if found.alignment in ("STRONG", "MODERATE"):
                    found.alignment = "DEVELOPING"
                    self._explain(found)
        else:
            found = self._best_text(line, parts)
        self._apply_denial(found)
        if found.items and not found.roles:
            found.evidence = "; ".join(self._display(i, found) for i in found.items)
        for item in found.items:
            self.uses[item.order] += 1
        return found

    def _best_text(
        self, line: Line, parts: list[tuple[dict[str, float], list[Candidate]]]
    ) -> Match:
        best: Match | None = None
        for wanted, candidates in parts:
            found = self._text_match(line, wanted, candidates)
            if best is None or found.score > best.score:
                best = found
        if best is None:
            best = Match(line, requirement_keys(line.text) or dict.fromkeys(keys(line.text), 1.0))
        if best.alignment is None:
            self._explain(best)
        return best

    def _text_match(
        self, line: Line, wanted: dict[str, float], candidates: list[Candidate]
    ) -> Match:
        """Best free piece of evidence, plus a second one that covers what the first misses."""
        free = [c for c in candidates if self.uses[c.item.order] < MAX_USES]
        # An answer that denies or qualifies this line is handled by _apply_denial; it is
        # evidence only for lines its question is not about.
        telling = {k for k, w in wanted.items() if w >= ANCHOR_WEIGHT}
        free = [c for c in free if c.item.kind != "gap" or answers(c, telling)]
        if not free:
            return Match(line, wanted)
        primary = free[0]
        score = primary.coverage * primary.item.weight
        covered = primary.item.keys & wanted.keys()
        total = sum(wanted.values())
        covered_weight = sum(wanted[k] for k in covered)
        secondary: Candidate | None = None
        for other in free[1:]:
            if other.item.kind == primary.item.kind and other.item.kind in GROUPED_KINDS:
                continue
            new = (other.item.keys & wanted.keys()) - covered
            union = (covered_weight + sum(wanted[k] for k in new)) / total
            if new and union > primary.coverage:
                combined = union * min(primary.item.weight, other.item.weight) * COMBINED_DISCOUNT
                if combined > score:
                    score, secondary = combined, other
                break
        # The best-ranked item leads (a measured result); if another item alone answers the
        # line better (a summary that says it all), it joins as the second piece.
        best = max(free, key=lambda c: (c.coverage * c.item.weight, -c.item.order))
        if best is not primary and best.coverage * best.item.weight > score:
            score, secondary = best.coverage * best.item.weight, best
        match = Match(line, wanted, score, alignment_for(score))
        if match.alignment is None:
            return match
        used = (primary,) if secondary is None else (primary, secondary)
        match.items = tuple(c.item for c in used)
        match.source = primary.item.source
        if match.source == "gap_response" and match.alignment == "STRONG":
            match.alignment = "MODERATE"  # self-reported, not in the CV: never the strongest proof
        match.candidates = tuple(free)
        self._explain(match)
        return match

    def _display(self, item: Item, match: Match) -> str:
        """Show an item: a long quote in full while the report has not yet written it twice,
        else by its opening words; skills and tools with every sibling matching the line."""
        write, wanted = self.write, match.wanted
        if item.kind == "gap":
            answer = self._quote(item.fact)
            if not item.topic & wanted.keys():
                # The question was about something else: quote the answer, not the question.
                return write("ev_answer", answer=answer)
            question = self._quote(item.display_question)
            return write("ev_gap", question=question, answer=answer)
        if item.kind in ("achievement", "description"):
            return write("ev_quote", text=self._quote(item.fact), where=item.where)
        if item.kind == "summary":
            return write("ev_summary", text=self._quote(item.fact))
        if item.kind not in GROUPED_KINDS:
            return item.display
        bar = min(0.5, coverage(wanted, item.keys))
        found = match.candidates
        siblings = [c.item for c in found if c.item.kind == item.kind and c.coverage >= bar]
        match.shown_ids += [i for sibling in siblings for i in sibling.ids]
        group = distinct([sibling.display for sibling in siblings]) or [item.display]
        if item.kind == "skill":
            return write("ev_skills", items=write("list_sep").join(group))
        return write("ev_tools", items="; ".join(group))

    def _quote(self, text: str) -> str:
        if self.budget.ok(text):
            self.budget.take(text)
            return clip(text)
        return opening(text)

    def _apply_denial(self, match: Match) -> None:
        """A gap answer on this line that denies or qualifies it makes the row DEVELOPING."""
        for item in self.items:
            if item.kind != "gap" or not qualifies(item):
                continue
            if not is_about(item.topic, match.requirement, match.wanted):
                continue
            bridge = tuple(i for i in match.items if i.source == "cv")[:1]
            match.denied_by = item
            match.items = (item, *bridge)
            match.roles = ()
            match.source = "gap_response"
            match.alignment = "DEVELOPING"
            match.impact = self.write("why_denied", req=opening(match.requirement))
            return

    def _explain(self, match: Match) -> None:
        """The row's `impact`: why this evidence fits (or does not) the line."""
        write, req = self.write, opening(match.requirement)
        evidence_keys = frozenset().union(*(i.keys for i in match.items)) if match.items else None
        facts = " ".join(i.fact for i in match.items)
        words = _surfaces(match.requirement, evidence_keys, facts) if evidence_keys else []
        shown = write.join([f'"{w}"' for w in words]) if words else f'"{req}"'
        self._variant += 1
        variant = self._variant
        if match.alignment is None:
            match.source, match.evidence = "none", write("ev_none")
            match.impact = write("why_none", req=req)
            return
        lead = match.items[0] if match.items else None
        if match.roles:
            return  # years rows are explained by their dates (set in _years)
        if lead is None:
            return
        if match.source == "gap_response":
            match.impact = write("why_gap", req=req)
        elif match.alignment == "STRONG":
            if lead.kind in ("certification", "education"):
                match.impact = write("why_formal", terms=shown)
            elif lead.kind == "summary":
                match.impact = write("why_summary", terms=shown)
            elif lead.kind in NARRATIVE_KINDS:
                template = "why_result" if lead.quantified else "why_story"
                match.impact = write(template, variant, terms=shown, where=lead.where)
            else:
                match.impact = write("why_list", variant, terms=shown)
        elif match.alignment == "MODERATE":
            match.impact = write("why_moderate", variant, terms=shown, req=req)
        else:
            match.impact = write("why_developing", variant, terms=shown, req=req)

    def _years(self, line: Line, years: int, domain: str) -> Match | None:
        """Years asked are answered by the CV's own role dates, never by a computed total."""
        wanted = {t.key: t.weight for t in terms(domain) if t.weight > 0}
        # "as a DevOps or infrastructure engineer": a role of either alternative counts.
        alternatives = [
            {t.key: t.weight for t in terms(part) if t.weight > 0} for part in OR_RE.split(domain)
        ]
        alternatives = [a for a in alternatives if a] or [wanted]
        roles = []
        for i, exp in enumerate(self.cv.experience, 1):
            text = keys(" ".join([exp.role, exp.description, *exp.achievements, *exp.technologies]))
            if not wanted or any(coverage(a, text) >= 0.5 for a in alternatives):
                roles.append((f"cv.exp.{i}", exp))
        if not roles:
            return None
        # A report must never claim more than the CV proves: an open role counts one month.
        months = months_covered(
            role_span(
                e.start_date, e.end_date, current=e.current, today=self.today, open_end="start"
            )
            for _, e in roles
        )
        if months >= years * 12:
            alignment: Alignment = "STRONG"
        elif months >= years * 12 * YEARS_MODERATE_SHARE:
            alignment = "MODERATE"
        else:
            alignment = "DEVELOPING"
        write = self.write
        evidence = "; ".join(
            write("ev_role", where=where(exp, write), dates=dates(exp, write)) for _, exp in roles
        )
        return Match(
            line,
            wanted or requirement_keys(line.text),
            {"STRONG": 1.0, "MODERATE": 0.6, "DEVELOPING": 0.3}[alignment],
            alignment,
            "cv",
            evidence,
            write(f"why_years_{alignment.lower()}", req=opening(line.text)),
            roles=tuple(roles),
        )


def _surfaces(text: str, evidence_keys: frozenset[str], facts: str) -> list[str]:
    """The words of a posting line (as written) that the evidence answers. A product of a
    category ("Azure") is only said when the evidence names it: "AWS" shows cloud, not Azure."""
    out: list[str] = []
    for term in terms(text):
        if term.weight >= ANCHOR_WEIGHT and term.key in evidence_keys:
            surface = text[term.start : term.end]
            if term.key in CATEGORY_CONCEPTS and surface.casefold() not in facts.casefold():
                continue
            if surface.casefold() not in {s.casefold() for s in out}:
                out.append(surface)
    return out[:3]
