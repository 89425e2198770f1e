"""FVS quality on the labelled corpus: recall by kind and language, false alarms, ms per report.

Reads every tests/fvs/corpus/<set>.json (format: /work/prompts/corpus_format.md, the loader in
tests/fvs/test_corpus.py applies the same edits): the clean report and each faithful rewrite
must pass with no violation (a violation on one is a false alarm); each one-fact hallucination
must raise at least one violation (caught). Prints one table row per kind and per language,
the false alarms with their messages (`--verbose` also lists the misses), and the median
milliseconds of one `verify()` over all corpus reports: CPU time (what FVS costs) and wall
time (what a shared, loaded machine adds). The sources of a set are digested on its first
report and reused after, as in a job's verify / regenerate / verify loop.

    .venv/bin/python -m bench.fvs_quality [--verbose] [--json PATH]
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "fvs" / "corpus"
SETS = ROOT / "tests" / "fixtures" / "sets"

_PATH_RE = re.compile(r"([A-Za-z_]+)(?:\[(\d+)\])?")


def _locate(document: dict[str, Any], path: str) -> tuple[Any, str | int]:
    """The container and key of a dotted/indexed path ("evidence_matrix[2].evidence")."""
    node: Any = document
    parts = path.split(".")
    for i, part in enumerate(parts):
        m = _PATH_RE.fullmatch(part)
        if m is None:
            raise ValueError(f"bad path {path!r}")
        name, index = m.group(1), m.group(2)
        last = i == len(parts) - 1
        if index is None:
            if last:
                return node, name
            node = node[name]
        else:
            if last:
                return node[name], int(index)
            node = node[name][int(index)]
    raise ValueError(path)


def apply(clean: dict[str, Any], entry: dict[str, Any]) -> dict[str, Any]:
    """The clean report with one entry's edit applied (a deep copy)."""
    document = copy.deepcopy(clean)
    container, key = _locate(document, entry["field"])
    if "set_ids" in entry:
        container[key] = list(entry["set_ids"])
        return document
    value = container[key]
    if isinstance(value, dict):  # a CitedText addressed without ".text"
        container, key, value = value, "text", value["text"]
    if value.count(entry["find"]) != 1:
        raise ValueError(f"{entry['id']}: 'find' occurs {value.count(entry['find'])} times")
    container[key] = value.replace(entry["find"], entry["replace"])
    return document


def _sources(name: str) -> dict[str, Any]:
    from vpr_jobs.schemas import CV, GapResponse, JobPosting

    folder = SETS / name
    cv = CV.model_validate_json((folder / "cv.json").read_text(encoding="utf-8"))
    posting = JobPosting.model_validate_json((folder / "posting.json").read_text(encoding="utf-8"))
    gaps_path = folder / "gaps.json"
    gaps = (
        [GapResponse.model_validate(g) for g in json.loads(gaps_path.read_text(encoding="utf-8"))]
        if gaps_path.exists()
        else []
    )
    return {"cv": cv, "posting": posting, "gap_responses": gaps}


def evaluate(verbose: bool = False) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT))  # FVS is pure: no Django set-up needed.
    from vpr_jobs.fvs import verify
    from vpr_jobs.schemas import VPRDocument

    caught: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    false_alarms: list[str] = []
    misses: list[str] = []
    timings: list[float] = []
    cpu_timings: list[float] = []
    clean_total = 0
    for path in sorted(CORPUS.glob("*.json")):
        corpus = json.loads(path.read_text(encoding="utf-8"))
        sources = _sources(corpus["set"])
        cases = [("clean", None, corpus["clean"])]
        cases += [("rewrite", e, apply(corpus["clean"], e)) for e in corpus.get("rewrites", [])]
        cases += [("halluc", e, apply(corpus["clean"], e)) for e in corpus["hallucinations"]]
        for role, entry, raw in cases:
            document = VPRDocument.model_validate(raw)
            started, cpu = time.perf_counter(), time.process_time()
            result = verify(document, **sources)
            timings.append((time.perf_counter() - started) * 1000)
            cpu_timings.append((time.process_time() - cpu) * 1000)
            failed = bool(result.violations)
            if role != "halluc":
                clean_total += 1
                if failed:
                    name = entry["id"] if entry else f"{corpus['set']}-clean"
                    why = "; ".join(f"{v.field}: {v.message}" for v in result.violations)
                    false_alarms.append(f"{name}: {why}")
                continue
            assert entry is not None
            for key in (f"kind:{entry['kind']}", f"lang:{entry.get('lang', 'en')}", "all"):
                caught[key][0] += failed
                caught[key][1] += 1
            if not failed:
                misses.append(
                    f"{entry['id']} [{entry['kind']}] {entry['field']}: "
                    f"{entry.get('find', entry.get('set_ids'))!r} -> "
                    f"{entry.get('replace', '')!r} ({entry.get('why', '')})"
                )
    return {
        "caught": {k: {"caught": v[0], "total": v[1]} for k, v in sorted(caught.items())},
        "clean_reports": clean_total,
        "false_alarms": false_alarms,
        "misses": misses,
        "median_ms": statistics.median(timings) if timings else 0.0,
        "median_cpu_ms": statistics.median(cpu_timings) if cpu_timings else 0.0,
        "p90_ms": sorted(timings)[int(len(timings) * 0.9)] if timings else 0.0,
        "reports": len(timings),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    report = evaluate(args.verbose)
    print(f"{'slice':<24}{'caught':>8}{'total':>7}{'recall':>9}")
    for key, row in report["caught"].items():
        recall = row["caught"] / row["total"] * 100 if row["total"] else 0.0
        print(f"{key:<24}{row['caught']:>8}{row['total']:>7}{recall:>8.1f}%")
    clean = report["clean_reports"]
    alarms = len(report["false_alarms"])
    print(f"\nclean reports and faithful rewrites: {clean}, with a violation: {alarms}")
    all_row = report["caught"].get("all", {"caught": 0, "total": 0})
    flagged = all_row["caught"] + alarms
    precision = all_row["caught"] / flagged * 100 if flagged else 100.0
    print(f"precision (reports flagged that were hallucinated): {precision:.1f}%")
    print(
        f"verify(): median {report['median_cpu_ms']:.2f} ms CPU, {report['median_ms']:.2f} ms "
        f"wall (p90 {report['p90_ms']:.2f} ms) per report over {report['reports']} reports"
    )
    for line in report["false_alarms"]:
        print("FALSE ALARM", line)
    if args.verbose:
        for line in report["misses"]:
            print("MISS", line)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
