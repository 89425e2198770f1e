"""The labelled FVS corpus: clean reports, one-change hallucinations and faithful rewrites.

tests/fvs/corpus/<set>.json holds, for one source set (tests/support/sets.py), a clean
hand-written VPRDocument and a list of single edits to it. Each edit is either a text change
(`find` -> `replace` in one field, `find` occurring exactly once there) or a citation change
(`set_ids` replacing a list of ids). Hallucinations are labelled with a kind; FVS must flag
every one. Rewrites are true restatements; FVS must flag none. tests/fvs/test_corpus.py and
bench/fvs_quality.py both read the corpus through `load_corpus()`, so the test and the
benchmark measure the same cases.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from tests.support.sets import SourceSet, load_set
from vpr_jobs.fvs import FVSResult, verify
from vpr_jobs.schemas import VPRDocument

CORPUS_DIR = Path(__file__).resolve().parent.parent / "fvs" / "corpus"

KINDS: tuple[str, ...] = (
    "metric_moved",
    "period_moved",
    "posting_figure",
    "derived_tenure",
    "quantity_words",
    "number",
    "year",
    "employer",
    "title",
    "seniority",
    "certification",
    "education",
    "language",
    "skill",
    "wrong_citation",
)

_STEP = re.compile(r"([A-Za-z_]+)(?:\[(\d+)\])?")


class CorpusError(ValueError):
    """A corpus entry that cannot be applied as written: fix the corpus file."""


@dataclass(frozen=True)
class Case:
    """One document to verify against its set's sources."""

    id: str
    set: str
    label: Literal["clean", "hallucination", "rewrite"]
    kind: str  # the hallucination kind, the rewrite style, or "clean"
    lang: Literal["en", "he"]
    field: str | None
    why: str
    document: VPRDocument
    sources: SourceSet


def _parent_and_key(document: dict[str, Any], path: str) -> tuple[Any, str | int]:
    """The container holding the value at `path` (e.g. "evidence_matrix[2].evidence") and the
    key of that value in it."""
    steps = path.split(".")
    node: Any = document
    for position, step in enumerate(steps):
        match = _STEP.fullmatch(step)
        if match is None:
            raise CorpusError(f"bad field path {path!r}")
        name, index = match.group(1), match.group(2)
        last = position == len(steps) - 1
        if name not in node:
            raise CorpusError(f"field {path!r}: no {name!r}")
        if index is None:
            if last:
                return node, name
            node = node[name]
            continue
        if last:
            return node[name], int(index)
        try:
            node = node[name][int(index)]
        except IndexError:
            raise CorpusError(f"field {path!r}: index {index} out of range") from None
    raise CorpusError(f"empty field path {path!r}")


def apply_change(clean: dict[str, Any], change: dict[str, Any]) -> VPRDocument:
    """`clean` with the one change of `change` applied, validated as a VPRDocument."""
    document = copy.deepcopy(clean)
    container, key = _parent_and_key(document, change["field"])
    try:
        value = container[key]
    except (IndexError, KeyError):
        raise CorpusError(f"{change['id']}: no value at {change['field']!r}") from None
    if "set_ids" in change:
        if not isinstance(value, list):
            raise CorpusError(f"{change['id']}: set_ids on a non-list field {change['field']!r}")
        if list(change["set_ids"]) == value:
            raise CorpusError(f"{change['id']}: set_ids changes nothing")
        container[key] = list(change["set_ids"])
    else:
        if isinstance(value, dict) and "text" in value:  # a CitedText named without ".text"
            container, key, value = value, "text", value["text"]
        if not isinstance(value, str):
            raise CorpusError(f"{change['id']}: {change['field']!r} is not text")
        find, replace = change["find"], change["replace"]
        count = value.count(find)
        if count != 1:
            raise CorpusError(
                f"{change['id']}: find {find!r} occurs {count} times in {change['field']!r}"
            )
        if find == replace:
            raise CorpusError(f"{change['id']}: replace equals find")
        container[key] = value.replace(find, replace)
    return VPRDocument.model_validate(document)


def _read(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def corpus_files() -> list[Path]:
    return sorted(CORPUS_DIR.glob("*.json"))


def load_corpus() -> list[Case]:
    """Every case of every corpus file: per set the clean report, then its hallucinations, then
    its rewrites. Raises CorpusError on an entry that cannot be applied exactly."""
    cases: list[Case] = []
    seen: set[str] = set()
    for path in corpus_files():
        data = _read(path)
        if data["set"] != path.stem:
            raise CorpusError(f"{path.name}: set is {data['set']!r}, expected {path.stem!r}")
        sources = load_set(data["set"])
        clean = data["clean"]
        lang = clean["language"]
        cases.append(
            Case(
                f"{path.stem}-clean", path.stem, "clean", "clean", lang, None, "",
                VPRDocument.model_validate(clean), sources,
            )
        )  # fmt: skip
        entries = [("hallucination", e) for e in data.get("hallucinations", [])] + [
            ("rewrite", e) for e in data.get("rewrites", [])
        ]
        for label, entry in entries:
            if entry["id"] in seen:
                raise CorpusError(f"duplicate case id {entry['id']!r}")
            seen.add(entry["id"])
            kind = entry["kind"] if label == "hallucination" else entry["style"]
            if label == "hallucination" and kind not in KINDS:
                raise CorpusError(f"{entry['id']}: unknown kind {kind!r}")
            if label == "hallucination" and not entry.get("why"):
                raise CorpusError(f"{entry['id']}: a hallucination needs its `why`")
            cases.append(
                Case(
                    entry["id"], path.stem, label, kind, entry.get("lang", lang),
                    entry["field"], entry.get("why", ""), apply_change(clean, entry), sources,
                )
            )  # fmt: skip
    return cases


def verify_case(case: Case) -> FVSResult:
    """FVS's verdict on one case, against the sources of its set."""
    return verify(
        case.document,
        cv=case.sources.cv,
        posting=case.sources.posting,
        gap_responses=case.sources.gaps,
    )


def _finding_keys(result: FVSResult) -> set[tuple[str, str, str]]:
    return {(finding.check, finding.field, finding.value) for finding in result.violations}


def is_caught(result: FVSResult, clean_result: FVSResult) -> bool:
    """A hallucination counts as caught only by a violation the clean report does not already
    have: a false positive on untouched text must not score as recall."""
    return bool(_finding_keys(result) - _finding_keys(clean_result))
