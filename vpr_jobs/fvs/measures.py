# ruff: noqa: RUF001
"""What a claim says about quantity: each figure read as a year, a tenure, an amount, a
multiplier or a vague amount, with the hedge in front of it.

A hedge says which way a figure may be rounded: "over 1,000" is true of 1,200 (rounded *down*),
"nearly 1,000" of 950, "about 1,000" of 980 or 1,020; a bare "1,000" only of 1,000. Vague
amounts ("hundreds of", "מאות") need a source value in their range; multipliers ("doubled",
"threefold", "half as many") need a change or a rate in a source that gives that ratio.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from vpr_jobs.fvs.quantities import NumberMention, _extract_numbers

Kind = Literal["year", "tenure", "amount", "multiplier", "vague"]
Hedge = Literal["", "over", "under", "about"]


@dataclass(frozen=True)
class Quantity:
    """A figure of a claim. `values` are its readings (years for a tenure); for a vague
    amount `low`..`high` is the range the sources must hold a value in."""

    kind: Kind
    text: str
    values: frozenset[float]
    hedge: Hedge
    start: int
    end: int
    is_word: bool = False
    months: bool = False
    low: float = 0.0
    high: float = 0.0


_HEDGE_BEFORE = (
    ("over", r"(?:over|more\s+than|above|upwards\s+of|north\s+of|at\s+least|in\s+excess\s+of"
             r"|exceeding|beyond|יותר\s+מ-?|מעל(?:\s+ל-?)?|למעלה\s+מ-?|לפחות)"),
    ("under", r"(?:nearly|almost|close\s+to|just\s+under|under|up\s+to|כמעט|קרוב\s+ל-?)"),
    ("about", r"(?:about|around|approximately|roughly|some|circa|~|≈|כ-?|בערך|בסביבות)"),
)  # fmt: skip
_HEDGE_RES = [
    (name, re.compile(rf"(?:^|[\s(])[ובלמהשכ]?{words}\s*(?:a\s+|an\s+)?[$€£₪]?$", re.I))
    for name, words in _HEDGE_BEFORE
]
# "5+ years", "1,000+": at least.
_PLUS_RE = re.compile(r"\s?\+")
_TENURE_AFTER_RE = re.compile(
    r"\+?\s?-?(?:(?P<y>years?|yrs?|שנים|שנות|שנה)|(?P<m>months?|חודשים))(?![A-Za-z])",
    re.IGNORECASE,
)
_DECADE_RE = re.compile(
    r"(?P<n>\ba\s+|\bone\s+|\btwo\s+|\bthree\s+|\bשני\s+|\bשלושה\s+)?"
    r"(?P<w>decades?|עשור(?:ים)?)(?![A-Za-z\u05d0-\u05ea])",
    re.IGNORECASE,
)
_MULTIPLIER_RE = re.compile(
    r"(?P<word>doubled|doubling|tripled|tripling|quadrupled|halved|halving|twice|"
    r"(?P<nf>two|three|four|five|ten|\d+(?:\.\d+)?)[\s-]?fold|"
    r"(?P<nt>two|three|four|five|ten|\d+(?:\.\d+)?)\s?(?:x|×|times)(?=[\s,.;)]|$)|"
    r"cut\s+(?:it\s+|them\s+)?in\s+half|by\s+half|half\s+as\s+(?:many|much)|"
    r"(?P<frac>(?:by|to)\s+(?:two[\s-]thirds|three[\s-]quarters|an?\s+third|one[\s-]third"
    r"|an?\s+quarter|one[\s-]quarter|a\s+half))|double(?=\s+(?:his|her|their|the|its)\b)|"
    r"הוכפל\w*|הכפיל\w*|פי\s+(?P<pi>שניים|שתיים|שלושה|ארבעה|חמישה|\d+(?:\.\d+)?)"
    r"|(?P<hefrac>לרבע|לשליש|למחצית|לחצי|בחצי|במחצית|בשליש|ברבע))",
    re.IGNORECASE,
)
# A cut "by two thirds" leaves a third: ratio 3; "to a quarter" is ratio 4.
_FRACTIONS = {
    "by two thirds": 3.0, "by three quarters": 4.0, "by a third": 1.5, "by an third": 1.5,
    "by one third": 1.5, "by a quarter": 4 / 3, "by one quarter": 4 / 3, "by a half": 2.0,
    "to two thirds": 1.5, "to three quarters": 4 / 3, "to a third": 3.0, "to one third": 3.0,
    "to a quarter": 4.0, "to one quarter": 4.0, "to a half": 2.0, "לרבע": 4.0, "לשליש": 3.0,
    "למחצית": 2.0, "לחצי": 2.0, "בחצי": 2.0, "במחצית": 2.0, "בשליש": 1.5, "ברבע": 4 / 3,
}  # fmt: skip
_DOZEN_RE = re.compile(r"\b(?:a|one|half\s+a)\s+dozen\b(?!s)", re.IGNORECASE)
_SMALL = {"two": 2, "three": 3, "four": 4, "five": 5, "ten": 10, "שניים": 2, "שתיים": 2,
          "שלושה": 3, "ארבעה": 4, "חמישה": 5}  # fmt: skip
_VAGUE_RE = re.compile(
    r"(?<!\d\s)(?P<w>tens\s+of\s+thousands|hundreds\s+of\s+thousands|dozens|hundreds"
    r"|thousands|millions)\s+of\b"
    r"|(?<!\d\s)(?P<he>מאות\s+אלפי|עשרות\s+אלפי|מאות|אלפי|עשרות)(?![\u05d0-\u05ea])",
    re.IGNORECASE,
)
_VAGUE_RANGES = {
    "dozens": (24, 199), "hundreds": (200, 999), "thousands": (2000, 999_999),
    "tens of thousands": (20_000, 99_999), "hundreds of thousands": (200_000, 999_999),
    "millions": (2e6, 999e6), "מאות אלפי": (200_000, 999_999),
    "עשרות אלפי": (20_000, 99_999), "מאות": (200, 999), "אלפי": (2000, 999_999), "עשרות": (20, 99),
}  # fmt: skip


# Substrings every match of the pattern contains: no scan when none occurs.
_MULTIPLIER_HINTS = (
    "doubl", "tripl", "quadrupl", "halv", "twice", "fold", "half", "x", "×", "times",
    "third", "quarter", "הכפיל", "הוכפל", "פי ", "רבע", "שליש", "חצי", "מחצית",
)  # fmt: skip
_VAGUE_HINTS = ("dozens", "hundreds", "thousands", "millions", "מאות", "אלפי", "עשרות")


def _has(low: str, hints: tuple[str, ...]) -> bool:
    return any(hint in low for hint in hints)


def _hedge(text: str, start: int) -> Hedge:
    before = text[max(0, start - 24) : start]
    for name, regex in _HEDGE_RES:
        if regex.search(before):
            return name  # type: ignore[return-value]
    return ""


def read_quantities(text: str, mentions: list[NumberMention] | None = None) -> list[Quantity]:
    """Every figure of `text` as a `Quantity`, in order."""
    if mentions is None:
        mentions = _extract_numbers(text, words=True, include_one=False, runs=None)
    out: list[Quantity] = []
    taken: list[tuple[int, int]] = []
    folded = text.casefold()
    multipliers = _MULTIPLIER_RE.finditer(text) if _has(folded, _MULTIPLIER_HINTS) else ()
    for m in multipliers:
        word = m.group(0).casefold()
        n = m.group("nf") or m.group("nt") or m.group("pi")
        frac = m.group("frac") or m.group("hefrac")
        if frac:
            value = _FRACTIONS[re.sub(r"[\s-]+", " ", frac.casefold())]
        elif n:
            value = float(_SMALL.get(n.casefold(), 0) or n)
        elif word.startswith(("tripl",)):
            value = 3.0
        elif word.startswith("quadrupl"):
            value = 4.0
        else:  # doubled, twice, halved, in half, half as many, הכפיל
            value = 2.0
        out.append(Quantity("multiplier", m.group(0), frozenset({value}), _hedge(text, m.start()),
                            m.start(), m.end()))  # fmt: skip
        taken.append(m.span())
    for m in _VAGUE_RE.finditer(text) if _has(folded, _VAGUE_HINTS) else ():
        key = (m.group("w") or m.group("he")).casefold()
        key = re.sub(r"\s+", " ", key)
        low, high = _VAGUE_RANGES[key]
        out.append(Quantity("vague", m.group(0), frozenset(), "", m.start(), m.end(),
                            low=low, high=high))  # fmt: skip
    for m in _DOZEN_RE.finditer(text) if "dozen" in folded else ():
        value = 6.0 if m.group(0).casefold().startswith("half") else 12.0
        out.append(Quantity("amount", m.group(0), frozenset({value}), _hedge(text, m.start()),
                            m.start(), m.end(), True))  # fmt: skip
    for m in _DECADE_RE.finditer(text) if "decade" in folded or "עשור" in folded else ():
        n = (m.group("n") or "a").strip().casefold()
        count = {"a": 1, "one": 1, "two": 2, "three": 3, "שני": 2, "שלושה": 3}[n]
        out.append(Quantity("tenure", m.group(0), frozenset({10.0 * count}),
                            _hedge(text, m.start()), m.start(), m.end()))  # fmt: skip
    for n in mentions:
        if any(s <= n.start < e for s, e in taken):
            continue
        if n.is_year:
            out.append(Quantity("year", n.text, n.values, "", n.start, n.end, n.is_word))
            continue
        hedge = _hedge(text, n.start)
        if _PLUS_RE.match(text, n.end) or n.text.endswith("+"):
            hedge = "over"
        tenure = _TENURE_AFTER_RE.match(text, n.end)
        if tenure and not text[n.start : n.end].rstrip().endswith("%"):
            months = tenure.group("m") is not None
            out.append(Quantity("tenure", n.text, n.values, hedge, n.start, tenure.end(),
                                n.is_word, months=months))  # fmt: skip
            continue
        out.append(Quantity("amount", n.text, n.values, hedge, n.start, n.end, n.is_word))
    return sorted(out, key=lambda q: q.start)


def amount_fits(claimed: float, value: float, hedge: Hedge) -> bool:
    """Whether a source `value` supports a claimed amount under its hedge: rounding *down*
    behind "over", a little below "nearly", either way a little for "about"; never inflated."""
    if claimed == value:
        return True
    if hedge == "over":
        return claimed < value <= claimed * 1.5
    if hedge == "under":
        return claimed * 0.85 <= value < claimed
    if hedge == "about":
        return abs(value - claimed) <= claimed * 0.05
    return False


def ratio_fits(claimed: float, ratio: float, hedge: Hedge) -> bool:
    """Whether a source ratio supports a claimed multiplier; like amounts, a whole multiplier
    may be rounded down ("fivefold" for 5.6x), never up."""
    if hedge in ("", "over") and claimed >= 3:
        return claimed <= ratio < claimed + 1
    if hedge == "over":
        return claimed <= ratio < claimed + 1
    if hedge == "under":
        return claimed * 0.8 <= ratio < claimed
    return abs(ratio - claimed) <= claimed * (0.15 if hedge == "about" else 0.1)
