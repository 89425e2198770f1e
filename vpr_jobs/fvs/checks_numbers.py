"""Numbers, years, tenures and multipliers, each bound to what it is about.

A figure is not true because some source holds it somewhere: in a cited claim it must come from
the cited items (and the roles their achievements sit under); in an uncited claim a figure next
to an employer must come from that employer's roles, a year there must fall in that role's
period, a tenure is checked only against the dates, and a posting's figures may describe the
role or the company but are never the candidate's."""

from __future__ import annotations

import re

from vpr_jobs.fvs.binding import (
    _CANDIDATE_VERB_RE,
    _SINCE_RE,
    Claim,
    tool_roles,
    topic_ids,
)
from vpr_jobs.fvs.claims import TextField
from vpr_jobs.fvs.facts import spans_in_years, tenure_fits, topic_words
from vpr_jobs.fvs.measures import Quantity, amount_fits, ratio_fits, read_quantities
from vpr_jobs.fvs.quantities import _DISCOURSE_NOUNS, _extract_numbers
from vpr_jobs.fvs.result import _Collector
from vpr_jobs.fvs.sources import _Sources
from vpr_jobs.fvs.text import _DIGIT_RE, _Words

# --------------------------------------------------------------------------- checks


# "In the first 90 days", "a 30-60-90 day plan": the candidate's plan, not a past achievement.
_PLAN_RE = re.compile(
    r"\b(?:(?:first|next|within(?:\s+the\s+first)?|over\s+the\s+next)\s+"
    r"(?:\d{1,3}|[a-z]+(?:-[a-z]+)?)\s*-?\s*(?:days?|weeks?|months?)"
    r"|\d{2}-\d{2}-\d{2,3}(?:[ -]days?)?)\b",
    re.IGNORECASE,
)


# A plan starts with one of these words, or is "30-60-90" (digits).
_PLAN_KEYS = frozenset({"first", "next", "within", "over"})


def _check_numbers(tf: TextField, words: _Words, src: _Sources, out: _Collector) -> None:
    text = tf.text
    if words.any_folded(_PLAN_KEYS) or _DIGIT_RE.search(text):
        text = _PLAN_RE.sub(lambda m: " " * len(m.group(0)), text)
    mentions = _extract_numbers(
        text, words=True, include_one=False, runs=words if text.isascii() else None
    )
    quantities = read_quantities(text, mentions)
    if not quantities:
        return
    claim = Claim(tf, text, src)
    claim.quantities = quantities
    for q in quantities:
        if tf.kind == "posting_quote":
            _check_quote(q, claim, out)
        elif q.kind == "year":
            _check_year(q, claim, out)
        elif q.kind == "tenure":
            _check_tenure(q, claim, out)
        elif q.kind in ("multiplier", "vague"):
            _check_rate(q, claim, out)
        elif not _structural(q, text, src):
            _check_amount(q, claim, out)


# Words after a number that make it the report's own structure, not a claim.
_COUNT_NOUNS = re.compile(
    r"\s*(?:[\w-]+\s+)?(?:roles?|positions?|employers?|companies|organi[sz]ations|jobs|תפקידים|חברות)\b",
    re.IGNORECASE,
)
_FIT_RE = re.compile(r"fit|score|match|התאמה|ציון", re.IGNORECASE)


def _structural(q: Quantity, text: str, src: _Sources) -> bool:
    """Figures that are the prose's own structure: "three reasons", the fit score, "two
    roles" (the number of roles in the CV)."""
    if re.match(r"[\s-]figures?\b", text[q.end :]):
        return True  # "a six-figure deal": a magnitude, checked as a word, not a count
    if q.is_word:
        following = re.findall(r"[A-Za-z']+", text[q.end :])[:2]
        first = following[0].casefold() if following else ""
        if first in _DISCOURSE_NOUNS and (
            first not in _ADJECTIVES or any(w.casefold() in _DISCOURSE_NOUNS for w in following[1:])
        ):
            return True
    value = min(q.values)
    if q.is_word and value <= 4:
        start = max(text.rfind(".", 0, q.start), text.rfind(";", 0, q.start)) + 1
        stop = min(
            (i for i in (text.find(".", q.end), text.find(";", q.end)) if i > 0), default=len(text)
        )
        others = [m for m in _DIGITS_RE.finditer(text, start, stop)]
        if len(others) >= value:
            return True  # "two quota years: 134% in 2024 after 120% in 2023" counts what it lists
    if value == src.fit_score and _FIT_RE.search(text):
        return True
    cv = src.cv
    counts = {len(cv.experience), len({e.company for e in cv.experience})}
    return value in counts and bool(_COUNT_NOUNS.match(text, q.end))


_DIGITS_RE = re.compile(r"\d+(?:[.,]\d+)*%?")
_ADJECTIVES = {"key", "main", "core", "clear", "distinct"}


def _fits(q: Quantity, values: set[float]) -> bool:
    return any(amount_fits(c, v, q.hedge) for c in q.values for v in values)


def _where(q: Quantity, claim: Claim) -> list[str]:
    """The candidate items that state the figure."""
    items = claim.facts.items
    if not q.hedge:
        return [i for i in claim.src.candidate_ids if not q.values.isdisjoint(items[i].values)]
    # A hedged figure ranges over values: a year of the item ("2019") is not one of them.
    return [
        i
        for i in claim.src.candidate_ids
        if _fits(q, items[i].values - {float(y) for y in items[i].years})
    ]


def _check_amount(q: Quantity, claim: Claim, out: _Collector) -> None:
    tf, src = claim.tf, claim.src
    if claim.about_role(q.start) and _fits(q, src.posting_values):
        return  # a figure of the posting, said of the role or the company
    holders = _where(q, claim)
    cited_posting = [i for i in claim.context if i.startswith("post.")]
    if cited_posting and _fits(q, claim.facts.values_of(cited_posting)):
        if claim.about_role(q.start) or not _CANDIDATE_VERB_RE.search(
            claim.text, *claim.clause(q.start)
        ):
            return  # a figure of the posting item the claim cites, said of the role
    if holders:
        if claim.candidate_context:
            if not set(holders) & set(claim.candidate_context):
                out.violation(
                    "citation",
                    tf.path,
                    q.text,
                    f"{q.text!r} is not in the cited {_ids(claim.cited)}; it comes from "
                    f"{_ids(holders)}",
                    citation=claim.cited[0] if claim.cited else None,
                )
            return
        company = claim.employer(q.start)
        if company is not None:
            allowed = set(claim.ids_of(company)) | {
                i for i in holders if not i.startswith("cv.exp.")
            }
            if not allowed & set(holders):
                out.violation(
                    "number",
                    tf.path,
                    q.text,
                    f"{q.text!r} is said of {company}, but the sources give it for {_ids(holders)}",
                )
            return
        _check_topic(q, claim, holders, out)
        return
    if _fits(q, src.posting_values):
        if not claim.about_role(q.start):
            out.violation(
                "posting_figure",
                tf.path,
                q.text,
                f"{q.text!r} is a figure of the job posting, claimed here as the candidate's",
            )
        return
    why = "an inflated or invented figure" if q.hedge == "" else f"a hedge ({q.hedge}) too far"
    out.violation(
        "number",
        tf.path,
        q.text,
        f"number {q.text!r} cannot be traced to the CV or the gap answers ({why})",
    )


def _check_topic(q: Quantity, claim: Claim, holders: list[str], out: _Collector) -> None:
    """An uncited figure must sit in a sentence about the item that states it: 35 % from a
    cost saving attached to a latency cut is a moved metric."""
    start, end = claim.sentence(q.start)
    window = topic_words(claim.text[max(start, q.start - 80) : min(end, q.end + 80)])
    if len(window) < 2:
        return
    items = claim.facts.items
    best_id, best = max(
        ((i, len(window & items[i].words)) for i in claim.src.candidate_ids),
        key=lambda pair: pair[1],
    )
    held = max(len(window & items[i].words) for i in holders)
    if best >= 3 and held == 0 and best_id not in holders:
        out.violation(
            "number",
            claim.tf.path,
            q.text,
            f"{q.text!r} is attached to what {best_id} describes, but it comes from "
            f"{_ids(holders)}",
        )


def _check_year(q: Quantity, claim: Claim, out: _Collector) -> None:
    tf, src = claim.tf, claim.src
    year = int(min(q.values))
    if year not in src.years:
        out.violation(
            "year",
            tf.path,
            q.text,
            f"year {q.text} is not in the CV dates, the gap answers or the posting",
        )
        return
    dated = claim.dated(q.start)
    if dated and year not in dated:
        out.violation(
            "year",
            tf.path,
            q.text,
            f"{q.text} is not the year the CV gives for what this clause names "
            f"({', '.join(map(str, sorted(dated)))})",
        )
        return
    achieved = _years_of_figures_beside(q, claim)
    if achieved and year not in achieved:
        out.violation(
            "year",
            tf.path,
            q.text,
            f"the figures beside {q.text} are from {', '.join(map(str, sorted(achieved)))} in "
            "the sources",
        )
        return
    company = claim.employer(q.start)
    if company is not None:
        roles = claim.roles_of(company)
        since = _SINCE_RE.search(claim.text[max(0, q.start - 24) : q.start])
        if since and not any(year == r.span.first_year for r in roles):
            starts = ", ".join(str(r.span.first_year) for r in roles)
            out.violation(
                "period",
                tf.path,
                q.text,
                f"'since {q.text}' is not when the role at {company} began ({starts})",
            )
            return
        if not any(year in r.span.calendar_years for r in roles):
            periods = ", ".join(f"{r.span.first_year}-{r.span.last_year}" for r in roles)
            out.violation(
                "period",
                tf.path,
                q.text,
                f"{q.text} is not within the dates of {company} ({periods})",
            )
        return
    if claim.candidate_context:
        facts = claim.facts
        allowed = set().union(*(facts.items[i].years for i in claim.candidate_context))
        for role in facts.roles:
            if role.id in claim.candidate_context:
                allowed |= set(role.span.calendar_years)
        allowed |= set().union(*(facts.items[i].years for i in claim.context))
        if year not in allowed and not claim.about_role(q.start):
            out.violation(
                "citation",
                tf.path,
                q.text,
                f"{q.text} is not a date of the cited {_ids(claim.cited)}",
                citation=claim.cited[0] if claim.cited else None,
            )
        return
    candidate_years = set().union(*(claim.facts.items[i].years for i in src.candidate_ids))
    candidate_years |= {y for r in claim.facts.roles for y in r.span.calendar_years}
    if year not in candidate_years and not claim.about_role(q.start):
        out.violation(
            "posting_figure",
            tf.path,
            q.text,
            f"{q.text} is a date of the job posting, claimed here as the candidate's",
        )


def _years_of_figures_beside(q: Quantity, claim: Claim) -> set[int]:
    """The years of the achievements that state the other figures of the year's clause ("85
    new logos ... in 2019" when the CV says 85 in 2020); empty when they are dated nowhere."""
    start, end = claim.clause(q.start)
    items = claim.facts.items
    years: set[int] = set()
    for other in claim.quantities:
        if other.kind != "amount" or not start <= other.start < end:
            continue
        holders = [
            i
            for i in claim.src.candidate_ids
            if ".ach." in i and not other.values.isdisjoint(items[i].values)
        ]
        dated = [items[i].years for i in holders if items[i].years]
        if not holders or len(dated) != len(holders):
            return set()
        years |= set().union(*dated)
    return years


def _check_tenure(q: Quantity, claim: Claim, out: _Collector) -> None:
    facts = claim.facts
    company = claim.employer_after(q.end)
    stated_ok = company is None  # "N years at X" is about X; "at X with N years" may not be
    named = claim.employers_in_sentence(q.start)
    if company is None and len(named) == 1:
        company = claim.clause_employer(q.start)
    if company:
        roles = claim.roles_of(company)
    elif named:  # "over nine years in training roles: ... at A ... at B": the span of both
        roles = [r for r in facts.roles if r.company in named]
    else:
        roles = tool_roles(q, claim) or facts.roles
    spans = spans_in_years(roles)
    if any(tenure_fits(v, spans, q.hedge, q.months) for v in q.values):
        return
    stated = [t for t, months in claim.src.stated_tenures if months == q.months]
    if stated_ok and any(amount_fits(c, v, q.hedge) for c in q.values for v in stated):
        return
    if claim.about_role(q.start) and _fits(q, claim.src.posting_values):
        return  # "the role asks for 5+ years"
    where = f"at {company}" if company else "in the CV dates"
    out.violation(
        "tenure",
        claim.tf.path,
        q.text,
        f"tenure {q.text!r} is not what the dates give {where}",
    )


def _check_rate(q: Quantity, claim: Claim, out: _Collector) -> None:
    """Multipliers need a source ratio; vague amounts a source value in their range."""
    cited = [i for i in claim.cited if i in claim.facts.items and not i.startswith("post.")]
    ids = cited or claim.candidate_context or topic_ids(q, claim)
    items = claim.facts.items
    if q.kind == "multiplier":
        ratios = set().union(*(items[i].ratios for i in ids))
        if any(ratio_fits(min(q.values), r, q.hedge) for r in ratios):
            return
        why = f"no source gives a change of {min(q.values):g}x"
    else:
        values = set().union(*(items[i].values - set(items[i].years) for i in ids))
        if any(q.low <= v <= q.high * 2 for v in values):
            return
        if claim.about_role(q.start) and any(q.low <= v for v in claim.src.posting_values):
            return
        why = f"no source gives an amount in that range ({q.low:g}-{q.high:g})"
    out.violation("quantity", claim.tf.path, q.text, f"{q.text!r}: {why}")


def _check_quote(q: Quantity, claim: Claim, out: _Collector) -> None:
    """A requirement quoted from the posting: its figures must be somewhere in the sources."""
    src = claim.src
    values = set(src.numbers) | src.candidate_values | src.posting_values
    if q.kind == "year" and int(min(q.values)) in src.years:
        return
    if q.kind in ("multiplier", "vague") or _fits(q, values):
        return
    out.violation(
        "number",
        claim.tf.path,
        q.text,
        f"number {q.text!r} cannot be traced to the CV, the gap answers or the posting",
    )


def _ids(ids: list[str]) -> str:
    return ", ".join(ids[:3]) + (" ..." if len(ids) > 3 else "")
