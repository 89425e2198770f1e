"""Quantities in text: digits, spelled numbers (English via text2num, Hebrew via a table),
scales and currencies, ranges that share one scale word, and what a source lets a writer derive.

Reading claims (hedges, multipliers, vague amounts, tenures) is `measures.py`'s job; this module
only says which values a piece of text states.
"""

from __future__ import annotations

import itertools
import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from text_to_num import text2num

from vpr_jobs.fvs import hebrew
from vpr_jobs.fvs.text import _DIGIT_RE, _may_contain_folded, _Words
from vpr_jobs.periods import hull, role_span
from vpr_jobs.schemas import CV

# --------------------------------------------------------------------------- numbers


@dataclass(frozen=True)
class NumberMention:
    """A number in text; `values` holds every reading of it (e.g. "5m" is 5 or 5,000,000)."""

    text: str
    values: frozenset[float]
    is_year: bool
    is_word: bool
    start: int
    end: int
    scale: float = 1.0  # the scale word written after it ("million"), 1 when none


# fmt: off
_SCALES = {
    "thousand": 1e3, "k": 1e3, "million": 1e6, "m": 1e6, "mm": 1e6, "billion": 1e9,
    "bn": 1e9, "b": 1e9,
}
_NUMBER_RE = re.compile(
    r"(?<![A-Za-z0-9_./:,])(?<![A-Za-z]-)"
    r"(?P<cur>[$\u20ac\u00a3\u20aa]\s?)?"
    r"(?P<int>\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.(?P<frac>\d+))?"
    r"(?!\d)(?![.,]\d)(?!st\b|nd\b|rd\b|th\b)(?!/\d)(?!:\d)"
    r"\+?"
    r"(?:\s?(?P<pct>%|percent\b|per\s?cent\b)"
    r"|\s(?P<wscale>thousand|million|billion)\b"
    r"|(?P<scale>bn|mm|[kKmMbB])(?![A-Za-z]))?"
)
_YEAR_MONTH_RE = re.compile(r"\b(\d{4})-(?:0[1-9]|1[0-2])\b(?!-?\d)")
_UNITS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}
# fmt: on
_NUMBER_WORD = "|".join([*_TENS, *_UNITS, "hundred", "thousand", "million", "billion"])
# A run of number words ("two hundred and fifty", "twelve", "forty-two", "a thousand");
# text2num reads its value.
_WORD_NUMBER_RE = re.compile(
    rf"\b(?:(?i:an?)[ \t]+(?=(?i:hundred|thousand|million)\b))?(?i:(?:{_NUMBER_WORD}))"
    rf"(?:(?:[ \t]+(?i:and)[ \t]+|[ \t-]+)(?i:(?:{_NUMBER_WORD}))\b)*\b"
)
# Every match of `_WORD_NUMBER_RE` starts with one of these words as a whole letter run.
_NUMBER_WORD_KEYS = frozenset(_UNITS) | frozenset(_TENS) | {"a", "an"}
# "three reasons", "two key strengths": structure of the prose, not a claim about the candidate.
_DISCOURSE_NOUNS = {
    "reasons",
    "things",
    "ways",
    "areas",
    "points",
    "strengths",
    "pillars",
    "themes",
    "priorities",
    "steps",
    "questions",
    "examples",
    "qualities",
    "aspects",
    "factors",
    "ideas",
    "lessons",
    "takeaways",
    "key",
    "main",
    "core",
    "clear",
    "distinct",
    "stand",
}


def _key(value: float) -> float:
    return round(value, 4)


def _number_word(word: str) -> str:
    """The table key of a spelled number the (case-insensitive) regex matched: it also
    matches the Turkish dotless and dotted I ("n\u0131ne"), which casefold() keeps apart."""
    return word.casefold().replace("i\u0307", "i").replace("\u0131", "i")


def extract_numbers(
    text: str, *, words: bool = True, include_one: bool = False
) -> list[NumberMention]:
    """Numeric claims in `text`: "1,200", "96%", "$2M", "2 million", "4.6", years, and (with
    `words`) spelled-out numbers "two".."ninety-nine" optionally scaled ("two million")."""
    return _extract_numbers(text, words=words, include_one=include_one, runs=None)


def _extract_numbers(
    text: str, *, words: bool, include_one: bool, runs: _Words | None
) -> list[NumberMention]:
    """`extract_numbers`, given the `_Words` of `text` when already known (`text` ASCII, so
    NFKC leaves it as it is; runs of a text `text` was made from by blanking spans will do)."""
    text = unicodedata.normalize("NFKC", text)
    found: list[NumberMention] = []
    has_digit = _DIGIT_RE.search(text) is not None  # Figures and "2021-03" need a digit.
    if has_digit:
        # "2021-03" is a year and a month, not the numbers 2021 and 3.
        text = _YEAR_MONTH_RE.sub(lambda m: m.group(1) + " " * (len(m.group(0)) - 4), text)
    for m in _NUMBER_RE.finditer(text) if has_digit else ():
        raw = m.group("int").replace(",", "")
        value = float(f"{raw}.{m.group('frac')}") if m.group("frac") else float(raw)
        scale_word = (m.group("wscale") or m.group("scale") or "").casefold()
        values = {value}
        if scale_word:
            scaled = value * _SCALES[scale_word]
            # "5m" may be minutes or metres; "5M", "5k", "5 million" are unambiguous.
            values = {value, scaled} if m.group("scale") == "m" else {scaled}
        plain = not (m.group("cur") or m.group("pct") or scale_word or m.group("frac"))
        is_year = plain and len(m.group("int")) == 4 and 1900 <= value <= 2100
        found.append(
            NumberMention(
                m.group(0).strip(),
                frozenset(map(_key, values)),
                is_year,
                False,
                m.start(),
                m.end(),
                _SCALES[scale_word] if scale_word else 1.0,
            )
        )
    if words and (
        runs.any_folded(_NUMBER_WORD_KEYS) if runs else _may_contain_folded(text, _NUMBER_WORD_KEYS)
    ):
        for m in _WORD_NUMBER_RE.finditer(text):
            value = _word_value(m.group(0))
            if value is None or (value == 1 and not include_one):
                continue
            scale = _word_scale(m.group(0))
            found.append(
                NumberMention(
                    m.group(0), frozenset({_key(value)}), False, True, m.start(), m.end(), scale
                )
            )
    if not text.isascii() and hebrew.has_hebrew(text):
        found = [_hebrew_scale(text, n) for n in found]
        for value, start, end, raw in hebrew.number_words(text):
            if value != 1 or include_one:
                found.append(NumberMention(raw, frozenset({_key(value)}), False, True, start, end))
    found.sort(key=lambda n: n.start)
    return _share_scales(text, found)


_HE_SCALE_RE = re.compile(r"\s*(מיליארד|מיליון|אלף)(?![\u05d0-\u05ea])")
_HE_SCALES = {"מיליארד": 1e9, "מיליון": 1e6, "אלף": 1e3}


def _hebrew_scale(text: str, n: NumberMention) -> NumberMention:
    """ "2 מיליארד" is two billion."""
    m = _HE_SCALE_RE.match(text, n.end)
    if m is None or n.is_year or n.scale != 1.0:
        return n
    scale = _HE_SCALES[m.group(1)]
    return replace(n, values=frozenset(_key(v * scale) for v in n.values), end=m.end(), scale=scale)


def _word_value(run: str) -> float | None:
    """The value of a run of English number words ("two hundred and fifty" 250)."""
    words = _number_word(run).replace("-", " ").split()
    if words and words[0] in {"a", "an"}:
        words[0] = "one"
    if not words or words[0] in {"hundred", "thousand", "million", "billion"}:
        return None  # a scale word of a figure written in digits ("1.1 billion")
    try:
        return float(text2num(" ".join(w for w in words if w != "and"), "en"))
    except ValueError:
        head = words[0]
        return float(_UNITS.get(head) or _TENS.get(head) or 0) or None


def _word_scale(run: str) -> float:
    last = _number_word(run).split()[-1]
    return _SCALES.get(last, 1.0) if last in {"thousand", "million", "billion"} else 1.0


# "from 3 to 11 million", "between 2 and 5 thousand", "3-11M": the scale word is shared.
_RANGE_GAP_RE = re.compile(r"\s*(?:to|and|-|\u2013|\u2014)\s*[$\u20ac\u00a3\u20aa]?\s*")


def _share_scales(text: str, found: list[NumberMention]) -> list[NumberMention]:
    out = list(found)
    for i, (first, second) in enumerate(itertools.pairwise(found)):
        if first.scale != 1.0 or second.scale == 1.0 or first.is_year:
            continue
        if _RANGE_GAP_RE.fullmatch(text[first.end : second.start]):
            shared = {_key(v * second.scale) for v in first.values}
            out[i] = replace(first, values=first.values | shared, scale=second.scale)
    return out


_CHANGE_RE = re.compile(
    r"\s*(?:[A-Za-z\u05d0-\u05ea]{1,8}\s*){0,2}(?:to|down to|up to|->|\u2192|\u05e2\u05d3|\u05dc-?)"
    r"\s*[$\u20ac\u00a3\u20aa]?"
)


def _derived_numbers(text: str, mentions: Sequence[NumberMention]) -> set[float]:
    """Values a writer may fairly compute from a change "from A to B" in a source: "from 900 ms
    to 180 ms" supports "720 ms faster", "5x" and "80%"; "70% to 96%" supports "26 points"."""
    out: set[float] = set()
    for first, second in itertools.pairwise(mentions):
        if first.is_year or second.is_year:
            continue
        if not _CHANGE_RE.fullmatch(text[first.end : second.start]):
            continue
        a, b = min(first.values), min(second.values)
        if a <= 0 or b <= 0:
            continue
        diff = abs(a - b)
        out.add(_key(diff))
        ratio = max(a, b) / min(a, b)
        out |= {_key(round(ratio)), _key(round(ratio, 1))}
        for base in (a, max(a, b)):
            pct = diff / base * 100
            out |= {_key(math.floor(pct)), _key(round(pct))}
    return out


def _durations(cv: CV, today: date) -> set[float]:
    """Tenures in whole years (floor and rounded: 3.8 years may be "3" or "4", 5.1 years is
    never "6") and in months, per role and for the whole career. An open role lasts until
    today: a verifier must not call a true tenure false."""
    spans = [
        role_span(e.start_date, e.end_date, current=e.current, today=today, open_end="today")
        for e in cv.experience
    ]
    if spans:
        spans.append(hull(spans))
    out: set[float] = set()
    for span in spans:
        out |= {_key(span.months), _key(math.floor(span.years)), _key(round(span.years))}
    return out
