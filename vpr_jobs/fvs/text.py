"""Text helpers shared by the checks: folding, squashing, the capitalised-run pattern, and
`_Words`, the letter runs of a field that rule out regex scans that cannot match (speed)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence

# --------------------------------------------------------------------------- text helpers

# Speed. Most checks are regex scans of every field; sre cannot skip ahead in patterns that
# open with a look-behind or a case-insensitive alternation, so each scan costs ~10 us.
# Before a scan, `_Words` (the field's letter runs) tells cheaply whether the scan can match
# at all; every key set below names, per pattern, letter runs that any match must contain
# as whole runs, so a skipped scan is one that would have found nothing (same verdicts).
# Pure string helpers are memoised (`_CACHED`, bounded) because the same names and titles
# are compared many times per report; `_clear_caches()` empties them (benchmarks, tests).

# Non-ASCII characters that re.IGNORECASE equates with an ASCII letter (dotted capital I,
# dotless i, long s, Kelvin sign): in a text holding one, lower-cased runs could miss a
# case-insensitive match, so no case-insensitive scan is skipped.
_CASE_TWINS = frozenset("\u0130\u0131\u017f\u212a")
_LETTER_RUN_RE = re.compile(r"[A-Za-z]+")
_DIGIT_RE = re.compile(r"\d")


class _Words:
    """The maximal ASCII letter runs of a text, to rule out regex scans that cannot match.

    A pattern whose matches always contain the run "certified" between non-letters cannot
    match a text without that run. `folded` (the runs lower-cased) is None when the text has
    a `_CASE_TWINS` character: then case-insensitive patterns are always scanned."""

    __slots__ = ("_names", "cased", "folded", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.cased = frozenset(_LETTER_RUN_RE.findall(text))
        twins = not text.isascii() and not _CASE_TWINS.isdisjoint(text)
        # Without twins, lower() maps ASCII letters among themselves and nothing onto them.
        self.folded = None if twins else frozenset(map(str.lower, self.cased))
        self._names: list[re.Match[str]] | None = None

    def names(self) -> list[re.Match[str]]:
        """The capitalised runs (`_RUN_RE`) of the text, found once for all checks."""
        if self._names is None:
            self._names = list(_RUN_RE.finditer(self.text))
        return self._names

    def any_cased(self, keys: frozenset[str]) -> bool:
        """Whether a case-sensitive pattern with these `keys` may match."""
        return not keys.isdisjoint(self.cased)

    def any_folded(self, keys: frozenset[str]) -> bool:
        """Whether a case-insensitive pattern with these lower-case `keys` may match."""
        folded = self.folded
        return folded is None or not keys.isdisjoint(folded)

    def has_phrase(self, index: dict[str, list[frozenset[str]]]) -> bool:
        """Whether a case-insensitive phrase of `index` (its runs, under its longest run)
        may occur: all its runs are in the text."""
        folded = self.folded
        if folded is None:
            return True
        return any(runs <= folded for key in folded & index.keys() for runs in index[key])


def _may_contain_folded(text: str, keys: frozenset[str]) -> bool:
    """`_Words(text).any_folded(keys)` without the rest of `_Words`."""
    if not text.isascii() and not _CASE_TWINS.isdisjoint(text):
        return True
    return not keys.isdisjoint(_LETTER_RUN_RE.findall(text.lower()))


def _matches_at(
    regex: re.Pattern[str], text: str, starts: Iterable[int]
) -> Iterator[re.Match[str]]:
    """What `regex.finditer(text)` yields when `starts` (ascending) holds every position a
    match can start at and no match is empty: one anchored attempt per start, no scan.
    (A look-behind still sees the text before the start.)"""
    end = 0
    for pos in starts:
        if pos >= end and (m := regex.match(text, pos)):
            yield m
            end = m.end()


def _by_longest_run(phrases: Sequence[str]) -> dict[str, list[int]]:
    """Indexes of `phrases` under the longest letter run of each."""
    index: dict[str, list[int]] = {}
    for i, phrase in enumerate(phrases):
        index.setdefault(max(_LETTER_RUN_RE.findall(phrase), key=len), []).append(i)
    return index


def _fold(text: str) -> str:
    """Unicode-normalised, lower-cased, with typographic quotes and dashes made plain."""
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u2013", "-")
    return text.replace("\u2014", "-").casefold()


def _squash(text: str) -> str:
    """Only letters and digits: "Check Point" == "Checkpoint", "Monday.com" ~ "mondaycom"."""
    return "".join(ch for ch in _fold(text) if ch.isalnum())


_CAP_RUN_ABBR = "|".join(f"(?<={a})" for a in ("Sr", "Jr", "Inc", "Ltd", "Co", "Corp", "St"))
_WORD = (
    r"[A-Z][A-Za-z0-9&'\u2019+]*"
    r"(?:\.[A-Za-z0-9]+|-[A-Z0-9][A-Za-z0-9&'\u2019+]*)*"
    rf"(?:(?:{_CAP_RUN_ABBR})\.)?"
)
_RUN = rf"{_WORD}(?:[ \t]+(?:(?:of|for|and|&|de)[ \t]+)?{_WORD})*"
_RUN_RE = re.compile(_RUN)
