"""Month and tenure arithmetic on CV dates, shared by the FVS and the rules generator.

A CV dates a role by month ("2021-03"), so every period here is a run of whole months: a
month is an index (months since January of year 0), a role is a `Span` of them with its end
month included (a role from 2021-03 to 2021-03 lasted one month). Both the verifier and the
generator count tenure from these spans, so a report and its check cannot disagree on how long
a role lasted. Pure functions, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Literal

# How long a role with no end_date that is not `current` lasts (the schema allows one):
# "today" - until today, like a current role; "start" - its first month only.
OpenEnd = Literal["today", "start"]


def month_index(year_month: str) -> int:
    """ "2021-03" -> months since January of year 0, so that differences count months."""
    year, month = year_month.split("-")
    return int(year) * 12 + int(month) - 1


def today_index(today: date) -> int:
    """The month index of `today`: where a current role ends."""
    return today.year * 12 + today.month - 1


def year_of(index: int) -> int:
    """The calendar year a month index falls in."""
    return index // 12


def months_to_years(months: int) -> float:
    """Exact years in `months` (18 -> 1.5); callers floor or round as a claim allows."""
    return months / 12


@dataclass(frozen=True)
class Span:
    """A period of whole months, `end` included (start == end is a one-month role)."""

    start: int
    end: int

    @property
    def months(self) -> int:
        return self.end - self.start + 1

    @property
    def years(self) -> float:
        return months_to_years(self.months)

    @property
    def first_year(self) -> int:
        return year_of(self.start)

    @property
    def last_year(self) -> int:
        return year_of(self.end)

    @property
    def calendar_years(self) -> range:
        """Every calendar year the span touches (2019-11 to 2021-02: 2019, 2020, 2021)."""
        return range(self.first_year, self.last_year + 1)


def role_span(
    start_date: str, end_date: str | None, *, current: bool, today: date, open_end: OpenEnd
) -> Span:
    """The months a role covers. A dated role ends at its end_date (never before its start:
    the schema rejects that); a current role ends today, or in its first month if it starts
    later. A role with neither end_date nor `current` ends where `open_end` says:

    - "today" (the FVS): the CV does not say the role ended, so a verifier reading a tenure
      claim must allow up to today; calling a true claim false is the worse error there.
    - "start" (the rules generator): only the first month is proven, and a generator must never
      claim more experience than the CV shows.
    """
    start = month_index(start_date)
    if end_date:
        return Span(start, month_index(end_date))
    if current or open_end == "today":
        return Span(start, max(start, today_index(today)))
    return Span(start, start)


def hull(spans: Iterable[Span]) -> Span:
    """The span from the earliest start to the latest end, pauses included: a career, or a run
    of consecutive roles, as "N years in total" counts it."""
    spans = list(spans)
    return Span(min(s.start for s in spans), max(s.end for s in spans))


def months_covered(spans: Iterable[Span]) -> int:
    """Months in the union of `spans`: overlapping or nested roles count once, pauses not at
    all, so "5 years of X" is answered by the time actually spent in X roles."""
    total, reach = 0, None  # reach: the first month after the spans counted so far
    for span in sorted(spans, key=lambda s: (s.start, s.end)):
        if reach is None or span.start >= reach:
            total += span.months
            reach = span.end + 1
        elif span.end + 1 > reach:
            total += span.end + 1 - reach
            reach = span.end + 1
    return total


def months_between(end_date: str, start_date: str) -> int:
    """Months from one role's end month to the next one's start month: 2020-03 -> 2020-09 is 6
    (April to August empty); back to back (2020-12 -> 2021-01) is 1, overlapping is 0 or less."""
    return month_index(start_date) - month_index(end_date)


__all__ = [
    "OpenEnd",
    "Span",
    "hull",
    "month_index",
    "months_between",
    "months_covered",
    "months_to_years",
    "role_span",
    "today_index",
    "year_of",
]
