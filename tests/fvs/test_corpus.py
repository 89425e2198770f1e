"""FVS against the labelled corpus: every hallucination caught, every faithful report passed.

tests/fvs/corpus/<set>.json holds a clean hand-written report per source set and one-change
edits of it (tests/support/corpus.py applies them). Clean reports and rewrites are true to the
sources, so any violation on them is a false positive, named by case id. Hallucinations are
false, each in one labelled way; recall is measured per kind and per language so a weak check
cannot hide behind a strong one. No database, no Django.
"""

from __future__ import annotations

import copy
import functools
import json
from collections import Counter, defaultdict

import pytest

from tests.support.corpus import (
    KINDS,
    Case,
    CorpusError,
    apply_change,
    corpus_files,
    is_caught,
    load_corpus,
    verify_case,
)
from tests.support.sets import SET_NAMES, load_set
from vpr_jobs.catalogue import build_catalogue
from vpr_jobs.fvs import FVSResult

CASES = load_corpus()  # a corpus entry that does not apply exactly fails collection, loudly
CLEAN = {case.set: case for case in CASES if case.label == "clean"}
FAITHFUL = [case for case in CASES if case.label in ("clean", "rewrite")]
HALLUCINATIONS = [case for case in CASES if case.label == "hallucination"]

OVERALL_RECALL = 0.95
GROUP_RECALL = 0.90  # each kind, and the Hebrew cases


@functools.cache
def _verdict(case_id: str) -> FVSResult:
    return verify_case(next(case for case in CASES if case.id == case_id))


def _describe(result: FVSResult) -> str:
    return "\n".join(f"  {f.check} {f.field}: {f.value!r} — {f.message}" for f in result.violations)


# --------------------------------------------------------------------------- the corpus itself


def test_corpus_is_large_and_balanced_enough_to_measure() -> None:
    kinds = Counter(case.kind for case in HALLUCINATIONS)
    assert sorted(CLEAN) == sorted(SET_NAMES), "every source set has a corpus file"
    assert len(corpus_files()) >= 8
    assert len(HALLUCINATIONS) >= 200
    assert {kind: kinds[kind] for kind in KINDS if kinds[kind] < 15} == {}
    assert sum(case.lang == "he" for case in HALLUCINATIONS) >= 40
    assert len([case for case in CASES if case.label == "rewrite"]) >= 60


@pytest.mark.parametrize("case", list(CLEAN.values()), ids=lambda case: case.id)
def test_clean_report_cites_only_catalogue_items_of_its_set(case: Case) -> None:
    source = case.sources
    catalogue = build_catalogue(source.cv, source.posting, source.gaps)
    doc = case.document
    cited = [
        *(i for row in doc.evidence_matrix for i in [row.requirement_id or "", *row.evidence_ids]),
        *(i for item in [*doc.differentiators, *doc.talking_points] for i in item.evidence_ids),
        *(i for gap in doc.gap_strategies for i in [gap.gap_id or "", *gap.evidence_ids]),
    ]
    assert catalogue.unknown([i for i in cited if i]) == []
    assert doc.schema_version == 2 and doc.language == source.about.language
    assert (doc.version, doc.generator.name) == (1, "claude")
    assert doc.job_id.endswith(f"{SET_NAMES.index(case.set) + 1:012d}")
    assert 4 <= len(doc.evidence_matrix) <= 8
    assert 3 <= len(doc.differentiators) <= 5 and 5 <= len(doc.talking_points) <= 7
    assert doc.word_count == doc.count_words()
    assert all(item.evidence_ids for item in [*doc.differentiators, *doc.talking_points])


@pytest.mark.parametrize(
    "case", [c for c in HALLUCINATIONS if c.kind == "wrong_citation"], ids=lambda c: c.id
)
def test_wrong_citations_name_real_items(case: Case) -> None:
    """A wrong citation points at an existing item that does not say it (an unknown id is a
    different, easier failure)."""
    source = case.sources
    catalogue = build_catalogue(source.cv, source.posting, source.gaps)
    doc = case.document
    ids = [i for item in [*doc.differentiators, *doc.talking_points] for i in item.evidence_ids]
    ids += [i for row in doc.evidence_matrix for i in row.evidence_ids]
    assert catalogue.unknown(ids) == []


def test_a_find_that_does_not_occur_exactly_once_is_refused() -> None:
    clean = json.loads(corpus_files()[0].read_text(encoding="utf-8"))["clean"]
    summary = clean["executive_summary"]
    twice = {"id": "t", "field": "executive_summary", "find": " ", "replace": "_"}
    missing = {"id": "t", "field": "executive_summary", "find": "no such text", "replace": "x"}
    with pytest.raises(CorpusError, match="occurs"):
        apply_change(clean, twice)
    with pytest.raises(CorpusError, match="occurs 0 times"):
        apply_change(clean, missing)
    assert clean["executive_summary"] == summary, "the clean report is never modified"


def test_a_change_is_applied_to_a_copy_and_validated() -> None:
    clean = json.loads(corpus_files()[0].read_text(encoding="utf-8"))["clean"]
    before = copy.deepcopy(clean)
    cite = apply_change(
        clean, {"id": "t", "field": "talking_points[0].evidence_ids", "set_ids": ["cv.summary"]}
    )
    assert cite.talking_points[0].evidence_ids == ["cv.summary"]
    with pytest.raises(CorpusError, match="set_ids changes nothing"):
        apply_change(
            clean,
            {
                "id": "t",
                "field": "talking_points[0].evidence_ids",
                "set_ids": before["talking_points"][0]["evidence_ids"],
            },
        )
    with pytest.raises(Exception, match="fit_score"):
        apply_change(clean, {"id": "t", "field": "fit_score", "set_ids": [1]})
    assert clean == before


def test_every_set_named_in_the_corpus_loads() -> None:
    for name in CLEAN:
        assert load_set(name).cv.full_name == CLEAN[name].document.candidate_name


# --------------------------------------------------------------------------- FVS on the corpus


@pytest.mark.parametrize("case", FAITHFUL, ids=lambda case: f"{case.id}[{case.kind}]")
def test_faithful_report_has_no_violation(case: Case) -> None:
    result = _verdict(case.id)
    assert result.violations == [], f"{case.id} ({case.kind}) flagged:\n{_describe(result)}"


def _recall_table() -> tuple[dict[str, tuple[int, int]], list[str]]:
    groups: dict[str, list[bool]] = defaultdict(list)
    missed: list[str] = []
    for case in HALLUCINATIONS:
        caught = is_caught(_verdict(case.id), _verdict(CLEAN[case.set].id))
        for group in ("ALL", f"kind:{case.kind}", f"lang:{case.lang}", f"set:{case.set}"):
            groups[group].append(caught)
        if not caught:
            missed.append(f"  {case.id} [{case.kind}/{case.lang}] {case.field}: {case.why}")
    return {group: (sum(hits), len(hits)) for group, hits in sorted(groups.items())}, missed


def test_recall_overall_per_kind_and_in_hebrew() -> None:
    table, missed = _recall_table()

    def recall(group: str) -> float:
        caught, total = table[group]
        return caught / total

    failures = [f"ALL {recall('ALL'):.1%} < {OVERALL_RECALL:.0%}"] * (
        recall("ALL") < OVERALL_RECALL
    )
    failures += [
        f"{group} {recall(group):.1%} < {GROUP_RECALL:.0%}"
        for group in [f"kind:{kind}" for kind in KINDS] + ["lang:he"]
        if recall(group) < GROUP_RECALL
    ]
    rows = "\n".join(f"  {g:40} {c:4}/{t:<4} {c / t:6.1%}" for g, (c, t) in table.items())
    assert not failures, (
        "FVS recall below target: " + "; ".join(failures) + "\n" + rows + "\nmissed:\n"
        + "\n".join(missed)
    )  # fmt: skip
