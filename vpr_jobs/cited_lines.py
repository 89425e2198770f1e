# ruff: noqa: RUF002 (the docstrings show Hebrew lines, with their en dash)
"""A cited source line as the report's reader sees it: in the report's language.

The catalogue's text (vpr_jobs/catalogue.py) is written for the model and FVS, with English
connecting words ("Senior Engineer at Acme, 2019-03 to present. Technologies: …"). It stays
that way: the Claude prompt and FVS read it, and the FVS corpus is measured on it. An English
report shows that text unchanged; a Hebrew report says the same facts from the item's
structured `data`, with Hebrew connecting words and months as MM/YYYY, as a Hebrew CV does.
Items that are one piece of the source's own text (an achievement, a skill, a posting line)
are shown as written in either language.

A line is a sequence of parts: the report's own words, and the source's words or dates, which
a renderer isolates (`<bdi>` in HTML, Unicode isolates in Markdown). A right-to-left line then
keeps each name and date whole and puts them in reading order: an English company name's
comma or a date's digits do not join the neighbouring run.

The report's own prose (summary, rationale, evidence, strategies, talking points) is a line
too (`prose_line`): in Hebrew it is right-to-left, each Latin run in it (an English quote, a
name, a date) one left-to-right part, so a sentence that starts with an English name still
reads from the right and a wrapped English quote keeps its word order.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from vpr_jobs.catalogue import SourceItem
from vpr_jobs.schemas import JobPosting, Language

__all__ = ["EMPTY", "CitedLine", "Part", "cited_line", "prose_line"]

Isolate = Literal["", "auto", "ltr"]
RANGE = " \u2013 "  # en dash between a period's start and end, as Hebrew CVs space it


@dataclass(frozen=True)
class Part:
    """`isolate`: "" the report's own words; "auto" a source's words; "ltr" a date (or, in
    the report's Hebrew prose, any Latin run: a name, an English quote)."""

    text: str
    isolate: Isolate = ""


@dataclass(frozen=True)
class CitedLine:
    """`direction` is "auto" for a source's text shown as written (its own words set it),
    else the report's direction: the connecting words make it a line of that language."""

    parts: tuple[Part, ...]
    direction: Literal["auto", "rtl", "ltr"] = "auto"

    @property
    def text(self) -> str:
        return "".join(part.text for part in self.parts)


EMPTY = CitedLine(parts=())


def _verbatim(text: str) -> CitedLine:
    return CitedLine(parts=(Part(text),))


def cited_line(
    item: SourceItem, language: Language, *, posting: JobPosting | None = None
) -> CitedLine:
    """How `item` reads in a report written in `language`. `posting` (the job's) supplies
    the location the posting's role line names; without it the line leaves it out."""
    phrase = _HEBREW.get(item.kind) if language == "he" else None
    if phrase is None:
        return _verbatim(item.text)
    parts = tuple(part for part in phrase(item.data, posting) if part.text)
    if not any(part.isolate for part in parts):  # no data to say it with (not expected)
        return _verbatim(item.text)
    return CitedLine(parts=parts, direction="rtl")


# --------------------------------------------------------------------------- prose

# A Latin run: from a Latin letter or digit to the last one before a Hebrew letter or a line
# break, with what sits between (spaces, punctuation, brackets); a currency sign or a dot just
# before it (".NET") and signs stuck to its end ("C++", "C#", "4.4%") belong to it, a full stop
# or comma after it belongs to the sentence.
_LATIN = "0-9A-Za-z\u00c0-\u024f"
_NOT_RUN = "\u0590-\u05ff\ufb1d-\ufb4f\n"  # Hebrew letters and marks, presentation forms
_RUN = re.compile(f"(?:[$€£@#.](?=[{_LATIN}]))?[{_LATIN}](?:[^{_NOT_RUN}]*[{_LATIN}])?[+#%‰°]*")
_PAIRS = {"(": ")", "[": "]", "{": "}", "“": "”", '"': '"', "«": "»"}
_CLOSERS = {close: open_ for open_, close in _PAIRS.items()}
# What may sit between the end of a quoted run and its closing mark: an ellipsis, a full stop.
_BEFORE_CLOSER = re.compile(r"[^\s\w\"“”()\[\]{}«»]*")


def prose_line(text: str, language: Language) -> CitedLine:
    """The report's own sentence `text` as a line. English stays one part laid out by its own
    words (dir="auto"); Hebrew is right-to-left with every Latin run isolated left-to-right."""
    if language != "he":
        return CitedLine(parts=(Part(text),))
    parts: list[Part] = []
    done = 0
    for start, end in _latin_runs(text):
        start = max(start, done)  # a quote mark two runs could both claim goes to the first
        parts += [Part(text[done:start]), Part(text[start:end], "ltr")]
        done = end
    parts.append(Part(text[done:]))
    return CitedLine(parts=tuple(part for part in parts if part.text), direction="rtl")


def _latin_runs(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each Latin run of `text`, with the quote marks or brackets around it.
    A bracket or quote mark a run does not close is the sentence's: the run ends before it
    ("(מאז 2021-09); Frontend ..." is the date, then the Hebrew's ")" and ";", then a name)."""
    done = 0
    for match in _RUN.finditer(text):
        for start, end in _balanced(text, match.start(), match.end()):
            start, end = _enclosed(text, start, end, floor=done)
            yield start, end
            done = end


def _balanced(text: str, start: int, end: int, *, extend: bool = True) -> Iterator[tuple[int, int]]:
    """text[start:end] if its brackets and quote marks pair up (with `extend`, taking the
    closing marks just after it that it opened), else the Latin runs between the unpaired
    ones, each balanced in turn."""
    stack: list[int] = []
    unpaired: list[int] = []
    for i in range(start, end):
        char = text[i]
        if stack and _PAIRS[text[stack[-1]]] == char:
            stack.pop()
        elif char in _PAIRS:
            stack.append(i)
        elif char in _CLOSERS:
            unpaired.append(i)
    while extend and stack:  # "University (2017)": the run stops at the 7, its ")" closes it
        tail = _BEFORE_CLOSER.match(text, end).end()
        if text[tail : tail + 1] != _PAIRS[text[stack[-1]]]:
            break
        stack.pop()
        end = tail + 1
    cuts = sorted(unpaired + stack)
    if not cuts:
        yield start, end
        return
    for left, right in zip([start - 1, *cuts], [*cuts, end], strict=True):
        inner = _RUN.search(text, left + 1, right)
        while inner is not None:
            following = _RUN.search(text, inner.end(), right)
            last = following is None and right == end  # keeps the closing marks it took
            yield from _balanced(text, inner.start(), end if last else inner.end(), extend=False)
            inner = following


def _enclosed(text: str, start: int, end: int, *, floor: int) -> tuple[int, int]:
    """text[start:end] widened by the quote marks and brackets that enclose it (an ellipsis
    or full stop before the closing mark goes inside: `"Rebuilt the quote flow in…"`), none
    before `floor` (the previous run took those)."""
    while start > floor and text[start - 1] in _PAIRS:
        closer = _PAIRS[text[start - 1]]
        tail = _BEFORE_CLOSER.match(text, end).end()
        if text[tail : tail + 1] != closer:
            break
        start, end = start - 1, tail + 1
    return start, end


# --------------------------------------------------------------------------- Hebrew

_Parts = Iterator[Part]


def _word(text: Any) -> Part:
    return Part(str(text or "").strip(), "auto")


def _date(text: Any) -> Part:
    return Part(str(text or ""), "ltr")


def _joined(parts: Iterable[Part], sep: str = ", ") -> _Parts:
    """`parts` without the empty ones, `sep` (the report's punctuation) between them."""
    for i, part in enumerate(p for p in parts if p.text):
        if i:
            yield Part(sep)
        yield part


def _month(year_month: str) -> str:
    """A month as a Hebrew CV writes it: "2019-03" is 03/2019."""
    year, _, month = year_month.partition("-")
    return f"{month}/{year}" if month else year


def _hebrew_prefix(letter: str, word: str) -> str:
    """A one-letter preposition before `word`: joined to a Hebrew word, with a hyphen before
    anything else ("במדעי המחשב", "ב-Computer Science")."""
    return letter if word[:1] and "\u05d0" <= word[0] <= "\u05ea" else f"{letter}-"


def _experience(data: dict[str, Any], _posting: JobPosting | None) -> _Parts:
    """Reads "{role}, {company}, 03/2019 – היום. {description} טכנולוגיות: a, b."."""
    yield from _joined([_word(data.get("role")), _word(data.get("company"))])
    start, end = data.get("start_date") or "", data.get("end_date")
    if start:
        yield Part(", ")
        if end:
            yield from (_date(_month(start)), Part(RANGE), _date(_month(end)))
        elif data.get("current"):
            yield from (_date(_month(start)), Part(RANGE + "היום"))
        else:
            yield from (Part("מ-"), _date(_month(start)))
    yield Part(".")
    if description := str(data.get("description") or "").strip():
        yield from (Part(" "), _word(description))
    if technologies := [_word(name) for name in data.get("technologies") or []]:
        yield Part(" טכנולוגיות: ")
        yield from _joined(technologies)
        yield Part(".")


def _education(data: dict[str, Any], _posting: JobPosting | None) -> _Parts:
    """Reads "{degree} ב{field}, {institution}, {year}" (degree or field may be missing)."""
    degree, field = _word(data.get("degree")), _word(data.get("field_of_study"))
    if degree.text and field.text:
        title: list[Part] = [degree, Part(" " + _hebrew_prefix("ב", field.text)), field]
    else:
        title = [degree if degree.text else field]
    yield from title
    rest = [_word(data.get("institution")), _date(data.get("graduation_year") or "")]
    if title[0].text and any(part.text for part in rest):
        yield Part(", ")
    yield from _joined(rest)


def _certification(data: dict[str, Any], _posting: JobPosting | None) -> _Parts:
    """Reads "{name}, {issuer}, {year}": no connecting words, but the report's direction."""
    yield from _joined(
        [_word(data.get("name")), _word(data.get("issuer")), _date(data.get("year") or "")]
    )


def _gap_answer(data: dict[str, Any], _posting: JobPosting | None) -> _Parts:
    """Reads "שאלה: {question} תשובה: {answer}" (question, answer)."""
    yield from (Part("שאלה: "), _word(data.get("question")))
    yield from (Part(" תשובה: "), _word(data.get("answer")))


def _posting_role(data: dict[str, Any], posting: JobPosting | None) -> _Parts:
    """Reads "{role title}, {company} ({city}, {country})"."""
    yield from _joined([_word(data.get("role_title")), _word(data.get("company_name"))])
    location = posting.location if posting else None
    place = list(_joined([_word(location.city), _word(location.country)])) if location else []
    if place:
        yield from (Part(" ("), *place, Part(")"))


_HEBREW: dict[str, Callable[[dict[str, Any], JobPosting | None], _Parts]] = {
    "experience": _experience,
    "education": _education,
    "certification": _certification,
    "gap_answer": _gap_answer,
    "posting_role": _posting_role,
}
