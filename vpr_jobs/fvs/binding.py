# ruff: noqa: RUF001
"""A claim and what it is about: the sentence and clause of a figure, the employer named with
it, the credential dated next to it, whether it speaks of the target role or company.

The number checks ask these questions of every figure; they are pattern rules over the prose
(clauses end at commas, "and", "who"; an employer is found by the patterns of
`facts.employer_patterns`), kept here so the rules read in one place.
"""

from __future__ import annotations

import re
from typing import Any

from vpr_jobs.fvs.claims import TextField
from vpr_jobs.fvs.facts import Role, topic_words
from vpr_jobs.fvs.sources import _Sources


class Claim:
    """A text field with what it cites and who it is about, for the checks below."""

    def __init__(self, tf: TextField, text: str, src: _Sources) -> None:
        assert src.catalogue is not None and src.facts is not None
        self.tf, self.text, self.src, self.facts = tf, text, src, src.facts
        self.quantities: list[Any] = []  # every figure of the field (measures.Quantity)
        known = [i for i in tf.citations if i in src.catalogue]
        self.cited = known
        context = [item.id for item in src.catalogue.with_context(known)]
        self.context = [i for i in context if i in src.facts.items]
        self.candidate_context = [i for i in self.context if not i.startswith("post.")]

    def sentence(self, pos: int) -> tuple[int, int]:
        starts = [m.end() for m in _SENTENCE_END_RE.finditer(self.text, 0, pos)]
        start = starts[-1] if starts else 0
        end_m = _SENTENCE_END_RE.search(self.text, pos)
        return start, end_m.start() if end_m else len(self.text)

    def employer(self, pos: int) -> str | None:
        """The CV employer the figure at `pos` is said of: one named in its clause (the
        nearest before it, else the first after it), else the nearest before it in its
        sentence, else the first after it."""
        start, end = self.sentence(pos)
        cuts = [m.end() for m in _CLAUSE_RE.finditer(self.text, start, pos)]
        clause_start = cuts[-1] if cuts else start
        after_cut = _CLAUSE_RE.search(self.text, pos, end)
        clause_end = after_cut.start() if after_cut else end
        spans = [(clause_start, clause_end)]
        if self.text.isascii():  # Hebrew prose may name an employer FVS cannot read.
            spans.append((start, end))
        for n, (lo, hi) in enumerate(spans):
            found = self._nearest(pos, lo, hi, after=n == 0)
            if found:
                return found
        return None

    def clause(self, pos: int) -> tuple[int, int]:
        start, end = self.sentence(pos)
        cuts = [m.end() for m in _CLAUSE_RE.finditer(self.text, start, pos)]
        after_cut = _CLAUSE_RE.search(self.text, pos, end)
        return (cuts[-1] if cuts else start), (after_cut.start() if after_cut else end)

    def dated(self, pos: int) -> set[int]:
        """The year of the certification or degree named nearest before the figure in its
        clause (else the first after it)."""
        start, end = self.clause(pos)
        before: tuple[int, int] | None = None
        after: tuple[int, int] | None = None
        for regex, year in self.src.dated:
            for m in regex.finditer(self.text, start, end):
                if m.end() <= pos and (before is None or m.end() > before[0]):
                    before = (m.end(), year)
                elif m.start() >= pos and (after is None or m.start() < after[0]):
                    after = (m.start(), year)
        chosen = before or after
        return {chosen[1]} if chosen else set()

    def employers_in_sentence(self, pos: int) -> set[str]:
        """The employers named from the figure's relative clause on to the next one ("...
        nine years in training roles: X at A and Y at B" names A and B; "at Zalando who has
        ... a decade" names none)."""
        start, end = self.sentence(pos)
        cuts = [m.end() for m in _RELATIVE_RE.finditer(self.text, start, pos)]
        after = _RELATIVE_RE.search(self.text, pos, end)
        lo, hi = (cuts[-1] if cuts else start), (after.start() if after else end)
        return {c for regex, c in self.src.employers if regex.search(self.text, lo, hi)}

    def clause_employer(self, pos: int) -> str | None:
        """The employer named in the figure's clause (a tenure is said of it)."""
        start, end = self.clause(pos)
        cuts = [m.end() for m in _RELATIVE_RE.finditer(self.text, start, pos)]
        after = _RELATIVE_RE.search(self.text, pos, end)
        return self._nearest(
            pos, cuts[-1] if cuts else start, after.start() if after else end, True
        )

    def employer_after(self, end: int) -> str | None:
        """The employer named right after a tenure, within a few words ("6 years at
        Monday.com", "eight years of leadership training at Wix")."""
        stop = _STOP_RE.search(self.text, end)
        window_end = min(stop.start() if stop else len(self.text), end + 48)
        for m in _AT_RE.finditer(self.text, end, window_end):
            for regex, company in self.src.employers:
                if regex.match(self.text, m.end()):
                    return company
        return None

    def _nearest(self, pos: int, start: int, end: int, after: bool) -> str | None:
        before: tuple[int, str] | None = None
        later: tuple[int, str] | None = None
        for regex, company in self.src.employers:
            for m in regex.finditer(self.text, start, end):
                if m.end() <= pos and (before is None or m.end() > before[0]):
                    before = (m.end(), company)
                elif m.start() >= pos and (later is None or m.start() < later[0]):
                    later = (m.start(), company)
        chosen = before or (later if after else None)
        return chosen[1] if chosen else None

    def about_role(self, pos: int) -> bool:
        """Whether the figure's clause speaks of the target role or company, or the figure
        describes some other entity ("of a 45-engineer group", "a provider whose 10,000")."""
        start, end = self.clause(pos)
        cue = self.src.role_cue
        if self.tf.kind == "gap" or (cue and cue.search(self.text, start, end)):
            return True
        if _WHOSE_RE.search(self.text, start, pos):
            return True
        if _ENTITY_RE.search(self.text[max(start, pos - 40) : pos]):
            return True
        # "the 10,000 carers of the UK's largest provider": a figure of some other body.
        return self.text[max(start, pos - 4) : pos].casefold() == "the " and bool(
            _OF_AFTER_RE.match(self.text, pos)
        )

    def ids_of(self, company: str) -> list[str]:
        roles = [r.id for r in self.facts.roles if r.company == company]
        return [i for i in self.facts.items if i in roles or i.split(".ach.")[0] in roles]

    def roles_of(self, company: str) -> list[Role]:
        return [r for r in self.facts.roles if r.company == company]


_AT_RE = re.compile(r"\s(?:at|with|in|for)\s+|\s[ו]?ב-?(?=\S)", re.IGNORECASE)
_STOP_RE = re.compile(r"[,.;:()]|\s(?:and|but|who|which)\s")
_OF_AFTER_RE = re.compile(r"[\d,.]+\s+[\w-]+(?:\s+[\w-]+)?\s+of\s+(?:the|a|an)\b")
# Verbs that make the candidate the one who did it ("cut the bill by 70%").
_CANDIDATE_VERB_RE = re.compile(
    r"\b(?:cut|reduced|raised|grew|built|led|saved|closed|delivered|managed|mentored|shipped"
    r"|increased|lowered|improved)\b|הוריד\w*|הורידו|העלת\w*|העלה|חסכ\w*|הוביל\w*|בנת\w*"
    r"|קיצר\w*|שיפר\w*|ניהל\w*",
    re.IGNORECASE,
)
_WHOSE_RE = re.compile(r"\bwhose\b|\bשבה\b|\bשבו\b", re.IGNORECASE)
_ENTITY_RE = re.compile(
    r"(?:\b(?:of|for|to|into|at|in|with|behind|across|within|joins?|joining|serving)"
    r"\s+an?\s+[$€£₪]?"
    r"|\b(?:role|team|company|posting|group|division|provider|department|organisation)"
    r"['’]s\s+"
    r"|\bwhose\s+(?:[\w-]+\s+){0,2})$",
    re.IGNORECASE,
)
_SINCE_RE = re.compile(r"(?:\bsince|\bjoined\s+in|מאז|החל\s+מ)\s*(?:[A-Za-z]+\s+)?$", re.I)
_RELATIVE_RE = re.compile(r"\s(?:who|which|that)\s", re.IGNORECASE)
_SENTENCE_END_RE = re.compile(r"[.!?;](?=\s|$)|\n")
_CLAUSE_RE = re.compile(
    r",\s|\s(?:and|while|then|whereas|but)\s|\s[–—-]\s|\s(?=ו[בלמכה])|(?<=\))\s+",
    re.IGNORECASE,
)


def tool_roles(q: Any, claim: Claim) -> list[Role]:
    """The roles that name the tools of the tenure's clause ("used dbt for eight years")."""
    start, end = claim.clause(q.start)
    tools = [w for w in _TOOL_RE.findall(claim.text[start:end]) if len(w) > 1]
    if not tools:
        return []
    items = claim.facts.items
    out = []
    for role in claim.facts.roles:
        texts = [items[i].item.text for i in claim.ids_of(role.company) if i.startswith(role.id)]
        if any(re.search(rf"(?<![\w.]){re.escape(t)}(?![\w])", " ".join(texts)) for t in tools):
            out.append(role)
    return out


_TOOL_RE = re.compile(r"(?<![A-Za-z])[A-Za-z][A-Za-z0-9+#.]*[A-Za-z0-9+#](?![A-Za-z])")


def topic_ids(q: Any, claim: Claim) -> list[str]:
    """The items an uncited sentence is about (its employer's, or the best topic match),
    else all candidate items."""
    company = claim.employer(q.start)
    if company is not None:
        return claim.ids_of(company) + [
            i for i in claim.src.candidate_ids if not i.startswith("cv.exp.")
        ]
    start, end = claim.sentence(q.start)
    window = topic_words(claim.text[start:end])
    items = claim.facts.items
    scored = [(len(window & items[i].words), i) for i in claim.src.candidate_ids]
    best = max((score for score, _ in scored), default=0)
    if best >= 2:
        return [i for score, i in scored if score == best]
    return claim.src.candidate_ids
