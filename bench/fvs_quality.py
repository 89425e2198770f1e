"""FVS quality on the labelled corpus: recall by kind and language, false alarms, ms per report.

Reads every tests/fvs/corpus/<set>.json through the corpus's own loader (tests/support/corpus.py,
scored like tests/fvs/test_corpus.py): the clean report and each faithful rewrite
must pass with no violation (a violation on one is a false alarm); each one-fact hallucination
must raise at least one violation (caught). Prints one table row per kind and per language,
the false alarms with their messages (`--verbose` also lists the misses), and the median
milliseconds of one `verify()` over all corpus reports: CPU time (what FVS costs) and wall
time, each the fastest of `FVS_QUALITY_REPEAT` (5) runs of the report, then the median over
reports. The sources of a set are digested on its first report and reused after, as in a job's
verify / regenerate / verify loop.

    .venv/bin/python -m bench.fvs_quality [--verbose] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# Each report is verified this many times and its fastest run kept: on a shared machine the
# slower runs measure the neighbours, not FVS.
REPEAT = int(os.environ.get("FVS_QUALITY_REPEAT", "5"))


def evaluate() -> dict[str, Any]:
    """Verdicts on every corpus case, read and applied by the corpus's own loader
    (tests/support/corpus.py), scored as tests/fvs/test_corpus.py scores them."""
    sys.path.insert(0, str(ROOT))  # FVS is pure: no Django set-up needed.
    from tests.support.corpus import is_caught, load_corpus, verify_case

    cases = load_corpus()
    clean = {c.set: verify_case(c) for c in cases if c.label == "clean"}
    caught: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    false_alarms: list[str] = []
    misses: list[str] = []
    timings: list[float] = []
    cpu_timings: list[float] = []
    clean_total = 0
    for case in cases:
        walls, cpus = [], []
        for _ in range(REPEAT):
            started, cpu = time.perf_counter(), time.process_time()
            result = verify_case(case)
            walls.append((time.perf_counter() - started) * 1000)
            cpus.append((time.process_time() - cpu) * 1000)
        timings.append(min(walls))
        cpu_timings.append(min(cpus))
        if case.label != "hallucination":
            clean_total += 1
            if result.violations:
                why = "; ".join(f"{v.field}: {v.message}" for v in result.violations)
                false_alarms.append(f"{case.id}: {why}")
            continue
        hit = is_caught(result, clean[case.set])
        for key in (f"kind:{case.kind}", f"lang:{case.lang}", "all"):
            caught[key][0] += hit
            caught[key][1] += 1
        if not hit:
            misses.append(f"{case.id} [{case.kind}] {case.field}: {case.why}")
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
    report = evaluate()
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
