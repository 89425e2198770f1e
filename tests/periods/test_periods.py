"""Month and tenure arithmetic (vpr_jobs/periods.py) that the FVS and the rules generator share."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from vpr_jobs.catalogue import build_catalogue
from vpr_jobs.fvs.facts import build_facts
from vpr_jobs.generation.rules import build_evidence_matrix
from vpr_jobs.periods import (
    Span,
    hull,
    month_index,
    months_between,
    months_covered,
    months_to_years,
    role_span,
    today_index,
    year_of,
)
from vpr_jobs.schemas import CV, Experience, JobPosting

TODAY = date(2025, 1, 15)


def span(start: str, end: str) -> Span:
    return Span(month_index(start), month_index(end))


# --------------------------------------------------------------------------- months


def test_december_and_the_next_january_are_consecutive_months() -> None:
    assert month_index("2021-01") - month_index("2020-12") == 1
    assert year_of(month_index("2020-12")) == 2020
    assert year_of(month_index("2021-01")) == 2021


def test_today_is_the_month_it_falls_in() -> None:
    assert today_index(TODAY) == month_index("2025-01")
    assert today_index(date(2024, 12, 31)) == month_index("2024-12")


def test_months_to_years_is_exact() -> None:
    assert months_to_years(18) == 1.5
    assert months_to_years(12) == 1.0


# --------------------------------------------------------------------------- spans


def test_a_role_that_starts_and_ends_in_one_month_lasted_one_month() -> None:
    one = span("2022-05", "2022-05")

    assert one.months == 1
    assert one.years == 1 / 12
    assert list(one.calendar_years) == [2022]


def test_a_span_over_new_year_touches_both_years() -> None:
    winter = span("2019-12", "2020-01")

    assert winter.months == 2
    assert list(winter.calendar_years) == [2019, 2020]
    assert list(span("2019-11", "2021-02").calendar_years) == [2019, 2020, 2021]


def test_a_dated_role_ends_at_its_end_date_whatever_the_policy() -> None:
    for open_end in ("today", "start"):
        dated = role_span("2017-09", "2021-02", current=False, today=TODAY, open_end=open_end)
        assert dated == span("2017-09", "2021-02")
        assert dated.months == 42


def test_a_current_role_ends_today_under_either_policy() -> None:
    for open_end in ("today", "start"):
        current = role_span("2021-03", None, current=True, today=TODAY, open_end=open_end)
        assert current == span("2021-03", "2025-01")


def test_a_current_role_that_starts_after_today_lasts_its_first_month() -> None:
    later = role_span("2025-06", None, current=True, today=TODAY, open_end="today")

    assert later == span("2025-06", "2025-06")


def test_an_open_role_that_is_not_current_follows_the_callers_policy() -> None:
    lenient = role_span("2020-01", None, current=False, today=TODAY, open_end="today")
    conservative = role_span("2020-01", None, current=False, today=TODAY, open_end="start")

    assert lenient == span("2020-01", "2025-01")  # the FVS: may have lasted until today
    assert conservative == span("2020-01", "2020-01")  # the generator: one month is proven


def test_an_open_role_starting_after_today_lasts_one_month_even_when_lenient() -> None:
    later = role_span("2025-06", None, current=False, today=TODAY, open_end="today")

    assert later.months == 1


def test_the_schema_rules_out_an_end_before_the_start() -> None:
    with pytest.raises(ValidationError, match="end_date is before start_date"):
        Experience(company="Acme", role="Clerk", start_date="2021-05", end_date="2021-04")
    with pytest.raises(ValidationError, match="a current position has no end_date"):
        Experience(
            company="Acme", role="Clerk", start_date="2021-05", end_date="2021-06", current=True
        )


# --------------------------------------------------------------------------- several roles


def test_the_hull_runs_from_the_first_start_to_the_last_end_pauses_included() -> None:
    career = hull([span("2016-01", "2018-12"), span("2020-01", "2020-12")])

    assert career == span("2016-01", "2020-12")
    assert career.years == 5.0


def test_months_covered_adds_roles_apart() -> None:
    roles = [span("2016-01", "2018-12"), span("2020-01", "2020-12")]

    assert months_covered(roles) == 36 + 12


def test_months_covered_counts_back_to_back_roles_once_each() -> None:
    assert months_covered([span("2020-01", "2020-12"), span("2021-01", "2021-06")]) == 18


def test_months_covered_counts_overlapping_roles_once() -> None:
    # 2020-01..2020-12 and 2020-07..2021-06: eighteen months, six of them in both roles.
    assert months_covered([span("2020-07", "2021-06"), span("2020-01", "2020-12")]) == 18


def test_months_covered_counts_a_nested_role_not_at_all() -> None:
    outer = span("2018-01", "2022-12")
    side_job = span("2019-03", "2019-08")

    assert months_covered([outer, side_job]) == outer.months == 60
    assert months_covered([side_job, outer, span("2018-01", "2018-01")]) == 60


def test_months_covered_of_no_roles_is_zero() -> None:
    assert months_covered([]) == 0


@given(
    st.lists(
        st.tuples(st.integers(24_000, 24_300), st.integers(0, 60)).map(
            lambda p: Span(p[0], p[0] + p[1])
        ),
        max_size=6,
    )
)
def test_months_covered_is_the_number_of_distinct_months_in_any_role(spans: list[Span]) -> None:
    distinct = set().union(*(range(s.start, s.end + 1) for s in spans))

    assert months_covered(spans) == len(distinct)


def test_months_between_counts_from_the_end_month_to_the_start_month() -> None:
    assert months_between("2020-03", "2020-09") == 6  # April to August without a role
    assert months_between("2020-12", "2021-01") == 1  # back to back over new year
    assert months_between("2020-12", "2020-06") < 0  # the next role began before this ended


# --------------------------------------------------------------------------- the two callers


def _open_trainer_cv(*, current: bool) -> CV:
    return CV(
        full_name="Lee Cohen",
        experience=[
            Experience(company="Beta", role="Trainer", start_date="2015-01", current=current)
        ],
    )


_TRAINER_POSTING = JobPosting(
    company_name="Gamma", role_title="Trainer", requirements=["5+ years of training"]
)


def test_the_fvs_lets_an_open_role_that_is_not_current_last_until_today() -> None:
    cv = _open_trainer_cv(current=False)
    facts = build_facts(build_catalogue(cv, _TRAINER_POSTING, []), TODAY)

    assert facts.roles[0].span == span("2015-01", "2025-01")


@pytest.mark.parametrize(("current", "alignment"), [(True, "STRONG"), (False, "DEVELOPING")])
def test_the_generator_counts_only_the_first_month_of_an_open_role_not_current(
    current: bool, alignment: str
) -> None:
    cv = _open_trainer_cv(current=current)
    row = build_evidence_matrix(cv, _TRAINER_POSTING, [], today=TODAY)[0]

    assert row.alignment == alignment
