# ruff: noqa: RUF001
"""What each catalogue item states, digested once: its values, ratios, years, topic words, and
for a role its employer and period. The binding checks ask *which* item says a value, not only
whether any source does.
"""

from __future__ import annotations

import itertools
import math
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from vpr_jobs.catalogue import Catalogue, SourceItem
from vpr_jobs.fvs import hebrew
from vpr_jobs.fvs.names import _org_tokens
from vpr_jobs.fvs.quantities import NumberMention, _derived_numbers, extract_numbers
from vpr_jobs.periods import Span, hull, role_span, today_index

# Words too common to say what a sentence is about.
# fmt: off
_STOP = {
    "with", "from", "into", "that", "this", "their", "there", "which", "while", "where", "when",
    "have", "been", "were", "will", "would", "over", "than", "more", "most", "such", "also",
    "each", "across", "about", "after", "before", "through", "within", "under", "years", "year",
    "months", "team", "teams", "work", "worked", "working", "role", "company", "experience",
    "candidate", "strong", "including", "using", "used", "make", "made", "both", "other",
    "את", "של", "על", "עם", "גם", "כל", "אני", "היא", "הוא", "זה", "זו", "אשר", "כמו", "אחרי",
    "לפני", "שנים", "שנות", "ניסיון", "צוות", "תפקיד", "חברה",
}
# fmt: on
_LATIN_WORD_RE = re.compile(r"[A-Za-z][A-Za-z+#-]{2,}")


def topic_words(text: str) -> frozenset[str]:
    """Content words of `text` for telling which source a sentence is about (crudely
    stemmed: "reduced"/"reducing" -> "reduc"; Hebrew by prefix-stripped stems)."""
    out: set[str] = set()
    for word in _LATIN_WORD_RE.findall(text):
        w = word.casefold()
        if len(w) < 4 or w in _STOP:
            continue
        for ending in ("ing", "ed", "es", "s"):
            if w.endswith(ending) and len(w) - len(ending) >= 4:
                w = w[: -len(ending)]
                break
        out.add(w)
    if hebrew.has_hebrew(text):
        for word in hebrew.words(text):
            stems = [hebrew.stem(r) for r in hebrew.readings(word)]
            out.update(s for s in stems[-1:] if len(s) >= 3 and s not in _STOP)
    return frozenset(out)


@dataclass
class ItemFacts:
    """One catalogue item as numbers, years and topic words."""

    item: SourceItem
    values: set[float] = field(default_factory=set)
    ratios: set[float] = field(default_factory=set)
    years: set[int] = field(default_factory=set)
    words: frozenset[str] = frozenset()
    mentions: list[NumberMention] = field(default_factory=list)


@dataclass(frozen=True)
class Role:
    """An experience entry: its id, employer, title and period (an open one lasts until today)."""

    id: str
    company: str
    title: str
    span: Span


_RATIO_WORDS = {
    "doubled": 2.0, "double": 2.0, "twice": 2.0, "tripled": 3.0, "triple": 3.0,
    "quadrupled": 4.0, "halved": 2.0, "הכפיל": 2.0, "הכפילה": 2.0, "הכפלתי": 2.0,
}  # fmt: skip
_CHANGE_GAP_RE = re.compile(
    r"\s*(?:[A-Za-z%\u05d0-\u05ea]{1,8}\s*){0,2}(?:to|down to|up to|->|→|עד|ל-?)\s*[$€£₪]?"
)
# A percentage that is a change ("by 35%", "35% fewer", "down 60%"), not a level ("93%").
_CHANGE_PCT_RE = re.compile(
    r"(?:\bby|\bdown|\bup|ב-?)\s*(?P<p1>\d+(?:\.\d+)?)\s?%"
    r"|(?P<p2>\d+(?:\.\d+)?)\s?%\s+(?:drop|decrease|reduction|increase|rise|growth|fewer|less"
    r"|more|faster|cut|improvement|lower|higher|shorter|cheaper|saving)",
    re.IGNORECASE,
)
_TIMES_RE = re.compile(r"(\d+(?:\.\d+)?)\s?(?:x|×|-fold|fold|\s+times)\b", re.IGNORECASE)


def _ratios(text: str, mentions: list[NumberMention]) -> set[float]:
    """Multipliers a source states or implies: a change from A to B (B/A), a percentage rise
    or drop (+100% doubles, -50% halves), "3x", "doubled"."""
    out: set[float] = set()
    for first, second in itertools.pairwise(mentions):
        if first.is_year or second.is_year:
            continue
        gap = text[first.end : second.start]
        if not _CHANGE_GAP_RE.fullmatch(gap):
            continue
        a, b = min(first.values), min(second.values)
        if a > 0 and b > 0:
            out.add(max(a, b) / min(a, b))
    for m in _CHANGE_PCT_RE.finditer(text):
        pct = float(m.group("p1") or m.group("p2"))
        out.add(1 + pct / 100)
        if pct < 100:
            out.add(1 / (1 - pct / 100))
    out |= {float(m.group(1)) for m in _TIMES_RE.finditer(text)}
    low = text.casefold()
    out |= {v for w, v in _RATIO_WORDS.items() if w in low}
    return out


@dataclass
class Facts:
    """The per-item digest of a catalogue, and the roles with their periods."""

    items: dict[str, ItemFacts]
    roles: list[Role]
    today: int  # months since year 0 of the report's date

    def values_of(self, ids: list[str]) -> set[float]:
        return set().union(*(self.items[i].values for i in ids if i in self.items))

    def role_ids_of(self, company_index: int) -> list[str]:
        """The experience ids at the employer of role `company_index`, and their achievements."""
        company = self.roles[company_index].company
        ids = [r.id for r in self.roles if r.company == company]
        return [i for i in self.items if i in ids or i.rsplit(".ach.", 1)[0] in ids]


def build_facts(catalogue: Catalogue, today: date) -> Facts:
    items: dict[str, ItemFacts] = {}
    roles: list[Role] = []
    for item in catalogue:
        text = unicodedata.normalize("NFKC", item.text)
        mentions = extract_numbers(text, include_one=True)
        facts = ItemFacts(item, words=topic_words(text), mentions=mentions)
        for n in mentions:
            facts.values |= n.values
            if n.is_year:
                facts.years.add(int(min(n.values)))
        facts.values |= _derived_numbers(text, mentions)
        facts.ratios = _ratios(text, mentions)
        if item.kind == "experience":
            data = item.data
            # A verifier must not call a true tenure false: an open role lasts until today.
            span = role_span(
                data["start_date"],
                data.get("end_date"),
                current=data.get("current", False),
                today=today,
                open_end="today",
            )
            roles.append(Role(item.id, data["company"], data["role"], span))
            facts.years |= {span.first_year, span.last_year}
        items[item.id] = facts
    return Facts(items, roles, today_index(today))


def spans_in_years(roles: list[Role]) -> list[float]:
    """Exact lengths in years of each role, each run of consecutive roles, and the career."""
    ordered = sorted(roles, key=lambda r: r.span.start)
    return [
        hull(r.span for r in ordered[i : j + 1]).years
        for i in range(len(ordered))
        for j in range(i, len(ordered))
    ]


def tenure_fits(claimed: float, spans: list[float], hedge: str, months: bool = False) -> bool:
    """Whether a tenure of `claimed` years (or months) is what some span gives: exactly
    (floor or rounded), "over N" (at least N), "nearly N" (within a year below), "about N"."""
    for span in spans:
        value = span * 12 if months else span
        if hedge == "over" and value >= claimed:
            return True
        if hedge == "under" and claimed - 1 <= value <= claimed:
            return True
        if hedge == "about" and abs(value - claimed) <= 0.75:
            return True
        if claimed in {math.floor(value + 1e-9), round(value)}:
            return True
    return False


_GENERIC_HE_ORG = {"בנק", "חברת", "קבוצת", "רשת", "בית", "משרד", "אוניברסיטת", 'צה"ל'}


def employer_patterns(roles: list[Role]) -> list[tuple[re.Pattern[str], str]]:
    return list(_employer_patterns(tuple(dict.fromkeys(r.company for r in roles))))


@lru_cache(maxsize=256)
def _employer_patterns(companies: tuple[str, ...]) -> tuple[tuple[re.Pattern[str], str], ...]:
    """A pattern per distinct employer that finds it in prose ("Check Point", "Checkpoint",
    "בבנק לאומי", "ממר״ם"), with the employer's name."""
    out = []
    for company in companies:
        parts = [p for p in re.split(r"\s+[–—-]\s+|,\s*|\s+/\s+|\s*[()]\s*", company) if p.strip()]
        alternatives = []
        for part in [company, *parts]:
            he = hebrew.has_hebrew(part)
            tokens = hebrew.words(part) if he else list(_org_tokens(part))
            if not tokens:
                continue
            glue = r"[\s-]*"
            body = glue.join(re.escape(t).replace('"', '["״]?') for t in tokens[:2])
            prefix = r"(?:[ובלמהשכ]{1,2}-?)?" if he else ""
            alternatives.append(prefix + body)
            if he and len(tokens) > 1 and tokens[0] not in _GENERIC_HE_ORG and len(tokens[0]) > 3:
                alternatives.append(prefix + re.escape(tokens[0]))  # "שטראוס" of "שטראוס גרופ"
        if alternatives:
            pattern = r"(?<![\w])(?:" + "|".join(alternatives) + r")(?!\w)"
            out.append((re.compile(pattern, re.IGNORECASE), company))
    return tuple(out)


__all__ = [
    "Facts",
    "ItemFacts",
    "Role",
    "build_facts",
    "employer_patterns",
    "spans_in_years",
    "tenure_fits",
    "topic_words",
]
