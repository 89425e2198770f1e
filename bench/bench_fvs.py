"""FVS speed: `fvs.verify()` per report, in-process, and proof that its verdicts do not change.

Timed reports: the rules generator's output for every fixture CV x posting x gap answers
(12 reports, `generated_at` and the generator's date pinned to 2025-06-01 so that the
verdicts do not depend on the day). Each round verifies every report `BENCH_REPEAT` times;
the figure is the median over `BENCH_ROUNDS` rounds of the per-report mean, in µs. "Cold"
(the headline) empties FVS's memoised helpers before every call, "warm" does not.

Equality: the timed reports plus every case of `tests/fvs/test_fvs.py` (clean bases,
hallucinations, paraphrases, warnings), each of those texts and of `EDGE_TEXTS` moved into
one field of every kind (claim, posting quote, gap, mitigation, transferable skill) of every
base document, and `FVS_FUZZ_CASES` seeded random texts. `--write-reference` dumps their
`FVSResult.to_dict()` (or the exception raised) and the timing to `FVS_REFERENCE` (default
/tmp/fvs_reference.json); a normal run compares against that file and fails (exit 1) on any
difference, or if a verdict changes when the caches are warm. `--profile` prints the
cProfile hot spots.

    .venv/bin/python -m bench.bench_fvs --write-reference   # before a change
    .venv/bin/python -m bench.bench_fvs                     # after: time, compare, write
"""

from __future__ import annotations

import argparse
import cProfile
import itertools
import json
import os
import pstats
import random
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import context, figures

NAME = "fvs"
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "7"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "20"))
REFERENCE = Path(os.environ.get("FVS_REFERENCE", "/tmp/fvs_reference.json"))
TARGET_US = 10_000.0  # issue 10: FVS v2 stays under 10 ms median per report
PINNED = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
# One field of each kind `iter_text_fields` distinguishes (the Hebrew base has no gaps).
MOVE_TO = (
    "executive_summary",
    "evidence_matrix[0].requirement",
    "evidence_matrix[0].evidence",
    "gap_strategies[0].gap",
    "gap_strategies[0].mitigation",
    "gap_strategies[0].transferable_skills[0]",
    "talking_points[0]",
)

FUZZ_CASES = int(os.environ.get("FVS_FUZZ_CASES", "600"))
# Texts at the edges of FVS's shortcuts: upper-case cues, characters that case-insensitive
# matching equates with ASCII letters (dotless i, long s, Kelvin sign, dotted I),
# full-width digits and letters (NFKC), Hebrew prefixes, typographic quotes, odd tools.
EDGE_TEXTS = (
    "Worked AT Google and EX-Amazon, then Joined Wix",
    "She worked w\u0131th Deloitte and studied at Harvard",
    "Speaks \u017fix languages and led \u212aubernetes training",
    "CERTIFIED Scrum Master; Cert\u0131fied in PMP; SHRM-CP accredited",
    "Promoted To Head of Learning at Wix; AS Head of People at Fiverr",
    "A DELVE into world-CLASS programmes, a Testament To her craft",
    "Holds a BACHELOR'S degree in Physics, MASTERS in Design, a Ph.D in Biology",
    "D.Phil. from Oxford and an EMBA; LL.B. from Tel Aviv University",
    "Served as a Team Lead at Monday.com and worked as a senior engineer",
    "Trained \uff11\uff12\uff10\uff10 employees over \uff54\uff57\uff4f years",
    "OVER THE NEXT six months; First 90 days; a 30-60-90 day plan",
    "\u05e0\u05d5\u05e2\u05d4 \u05e2\u05d1\u05d3\u05d4 \u05d1-Google \u05d5\u05d1-Amazon",
    "\u05e9\u05d9\u05de\u05e9\u05d4 \u05db-Head of Learning \u05d5\u05db-Team Lead \u05d1Wix",
    'Quoted \u201cPython or Go\u201d and \u201eDocebo\u201c and "Salesforce"',
    "Wix\u2019s L&D Team Lead and Microsoft's former Head of People",
    "Uses C++, C#, .NET, Node.js, K8s, Power BI, xAPI and Google Analytics",
    "Storyline, Articulate Storyline and Articulate 360 with SCORM and dbt",
    "Ex-Google engineer, ex-googler, former IBM consultant",
    "Graduated From Hebrew University; ALUMNA OF Harvard; a B.Sc. from MIT",
    "An \u0130stanbul-based coordinator at Wix since 2019",
    "Raised NPS from 40 to 65 and cut costs by $2.5M (25 percent) in 2022-03",
    "twenty-five hires, Two Million users, ninety nine problems",
)

Case = tuple[str, Callable[[], Any]]  # (name, a call of verify() returning its FVSResult)


def fixture_reports() -> list[Case]:
    """The rules generator's report for every fixture combination, ready to verify."""
    from vpr_jobs.fvs import verify
    from vpr_jobs.generation.base import GenerationInput
    from vpr_jobs.generation.rules import RulesGenerator
    from vpr_jobs.schemas import CV, GapResponse, JobPosting, VPRRequest

    cvs = {
        n: CV.model_validate(context.load_fixture(f"cv_{n}"))
        for n in ("learning_development", "backend_engineer")
    }
    jobs = {
        n: JobPosting.model_validate(context.load_fixture(f"job_{n}"))
        for n in ("learning_development", "backend_engineer", "hebrew")
    }
    ld_gaps = context.load_fixture("gap_responses_learning_development")
    gaps = {"none": [], "ld_gaps": [GapResponse.model_validate(g) for g in ld_gaps]}
    generator = RulesGenerator(today=PINNED.date())
    cases: list[Case] = []
    for (cv_name, cv), (job_name, job), (gap_name, answers) in itertools.product(
        cvs.items(), jobs.items(), gaps.items()
    ):
        request = VPRRequest(application_id="bench", job_posting=job, gap_responses=answers)
        document = generator.generate(GenerationInput("bench", cv, request)).document
        document = document.model_copy(update={"generated_at": PINNED})

        def run(d: Any = document, c: Any = cv, j: Any = job, g: Any = answers) -> Any:
            return verify(d, cv=c, posting=j, gap_responses=g)

        cases.append((f"rules {cv_name} / {job_name} / {gap_name}", run))
    return cases


def suite_cases() -> list[Case]:
    """Every case of tests/fvs/test_fvs.py, and each of its texts moved to other fields."""
    from tests.fvs import test_fvs as t

    singles = [
        ("ld", "talking_points[3]", "Runs learning sandboxes on Kubernetes"),
        ("ld", "talking_points[3]", "Writes Python automation scripts"),
        ("ld", "gap_strategies[0].gap", "No hands-on Kubernetes experience"),
        ("backend", "evidence_matrix[0].impact", 'Directly covers "Python or Go".'),
        ("backend", "evidence_matrix[0].impact", "Writes Go services daily."),
        ("ld", "talking_points[5]", 'She worked at "Google" before Wix'),
        ("ld", "talking_points[3]", "Spearheaded Kubernetes training at Google"),
        ("ld", "talking_points[0]", "At Google she onboarded 500 hires, a delve."),
        (
            "ld",
            "executive_summary",
            "Noa Bar is a world-class facilitator; her onboarding work at Wix is a testament "
            "to her craft, and interviewers can delve into it.",
        ),
    ]
    placed = [(b, None, None) for b in sorted(t.BASE)]
    placed += [(b, p, text) for b, p, text, *_ in t.FAILING] + list(t.PASSING) + singles
    identity = {"candidate_name", "target_company", "target_role"}
    texts = sorted({text for _, path, text in placed if path and path not in identity})
    texts += EDGE_TEXTS
    for base, path, text in itertools.product(sorted(t.BASE), MOVE_TO, texts):
        if not (base == "hebrew" and path.startswith("gap_strategies")):
            placed.append((base, path, text))
    cases: list[Case] = []
    for base, path, text in placed:

        def run(b: str = base, p: str | None = path, v: str | None = text) -> Any:
            return t._verify(b, p, v)

        cases.append((f"test {base} {path} {text!r}", run))
    return cases + fuzz_cases(t, sorted(set(texts)))


def fuzz_cases(t: Any, texts: list[str]) -> list[Case]:
    """`FUZZ_CASES` seeded random texts: spans of the test texts and of the fixtures joined
    by cue words, with random case changes and look-alike characters, in random fields."""
    rng = random.Random(20251122)
    sentences = list(texts)
    for name in ("cv_learning_development", "cv_backend_engineer", "job_hebrew"):
        sentences += [v for v in _strings(context.load_fixture(name)) if len(v) > 3]
    joints = [" at ", " as ", " with ", " for ", " and ", ", ", " worked as ", " promoted to "]
    joints += [" certified in ", " B.A. in ", " \u05d1-", " \u05db-", " from ", " ex-", "'s "]
    joints += [" in 2019 ", " by 40% ", " two ", " over the next ", ' "', "\u201d "]

    def span() -> str:
        words = rng.choice(sentences).split()
        start = rng.randrange(len(words))
        chunk = " ".join(words[start : start + rng.randint(1, 6)])
        roll = rng.random()
        if roll < 0.1:
            chunk = chunk.upper()
        elif roll < 0.2:
            chunk = chunk.lower()
        elif roll < 0.25:
            chunk = chunk.translate(LOOKALIKES)
        return chunk

    cases: list[Case] = []
    paths = [p for p in MOVE_TO if not p.startswith("evidence_matrix[0].req")]
    for index in range(FUZZ_CASES):
        text = span()
        for _ in range(rng.randint(0, 4)):
            text += rng.choice(joints) + span()
        base = rng.choice(sorted(t.BASE))
        path = rng.choice([p for p in paths if base != "hebrew" or "gap_" not in p])

        def run(b: str = base, p: str = path, v: str = text) -> Any:
            return t._verify(b, p, v)

        cases.append((f"fuzz {index} {base} {path} {text!r}", run))
    return cases


LOOKALIKES = str.maketrans({"i": "\u0131", "s": "\u017f", "K": "\u212a", "I": "\u0130"})


def _strings(data: Any) -> Iterator[str]:
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for value in data.values():
            yield from _strings(value)
    elif isinstance(data, list):
        for value in data:
            yield from _strings(value)


def outcome(run: Callable[[], Any]) -> dict[str, Any]:
    """The verdict as a dict, or the exception it raised (which must not change either)."""
    try:
        return run().to_dict()
    except Exception as exc:
        return {"error": repr(exc)}


def check_reference(results: dict[str, Any]) -> dict[str, Any]:
    """Compare with the reference file: how many cases, which differ or are missing."""
    if not REFERENCE.exists():
        return {"reference": str(REFERENCE), "compared": 0, "note": "no reference file"}
    reference = json.loads(REFERENCE.read_text(encoding="utf-8"))["results"]
    differ = [name for name in reference if name in results and results[name] != reference[name]]
    missing = [name for name in reference if name not in results]
    return {
        "reference": str(REFERENCE),
        "compared": len(reference) - len(missing),
        "equal": len(reference) - len(missing) - len(differ),
        "differ": differ,
        "missing": missing,
    }


def clear_caches() -> None:
    """Empty FVS's memoised helpers, if it has any (the reference run predates them)."""
    from vpr_jobs import fvs

    getattr(fvs.names, "_clear_caches", lambda: None)()
    getattr(fvs, "_DIGESTS", {}).clear()  # the sources are digested again (a job's first call)


def time_reports(reports: list[Case], *, cold: bool) -> dict[str, Any]:
    """Median over rounds of the mean µs per report, overall and per report. `cold` empties
    FVS's caches before every call: each report is then verified as if it were the first
    (a real report is verified once, twice on a regeneration), so nothing is remembered
    from the previous repetition of the same report."""
    for _, run in reports:  # Warm up (compiled regexes, imports).
        run()
    per_case: dict[str, list[float]] = {name: [] for name, _ in reports}
    overall: list[float] = []
    for _ in range(ROUNDS):
        round_total = 0.0
        for name, run in reports:
            began = time.perf_counter()
            for _ in range(REPEAT):
                if cold:
                    clear_caches()
                run()
            elapsed = time.perf_counter() - began
            per_case[name].append(elapsed / REPEAT * 1e6)
            round_total += elapsed
        overall.append(round_total / (REPEAT * len(reports)) * 1e6)
    return {
        "median_us_per_report": round(figures.median(overall), 1),
        "rounds_us_per_report": [round(v, 1) for v in overall],
        "per_report_median_us": {k: round(figures.median(v), 1) for k, v in per_case.items()},
    }


def profile(reports: list[Case], top: int = 15) -> list[dict[str, Any]]:
    """The `top` functions by own time over 10 cold verifications of every report."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(10):
        for _, run in reports:
            clear_caches()
            run()
    profiler.disable()
    stats = pstats.Stats(profiler)
    calls = len(reports) * 10
    rows = []
    for (filename, line, func), (_, ncalls, own, cumulative, _) in stats.stats.items():
        rows.append(
            {
                "function": f"{Path(filename).name}:{line}({func})",
                "calls_per_report": round(ncalls / calls, 1),
                "own_us_per_report": round(own / calls * 1e6, 1),
                "cumulative_us_per_report": round(cumulative / calls * 1e6, 1),
            }
        )
    rows.sort(key=lambda r: r["own_us_per_report"], reverse=True)
    return rows[:top]


def environment() -> dict[str, Any]:
    try:
        return context.environment()
    except Exception:  # No PostgreSQL around: FVS does not need it.
        import platform

        return {
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "git_commit": context.git_commit(),
        }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write-reference", action="store_true", help="dump the verdicts")
    parser.add_argument("--profile", action="store_true", help="print cProfile hot spots")
    args = parser.parse_args(argv)
    if str(context.ROOT) not in sys.path:
        sys.path.insert(0, str(context.ROOT))

    reports = fixture_reports()
    # Timed first, in a small heap: the thousands of verdicts below slow the collector down.
    timing = time_reports(reports, cold=True)
    warm = time_reports(reports, cold=False)
    hot = profile(reports) if args.profile else []
    cases = reports + suite_cases()
    results = {}
    for name, run in cases:
        clear_caches()
        results[name] = outcome(run)
    # A second pass with whatever the first left in the caches must give the same verdicts.
    stale = [name for name, run in cases if outcome(run) != results[name]]
    baseline = None
    if REFERENCE.exists() and not args.write_reference:
        baseline = json.loads(REFERENCE.read_text(encoding="utf-8")).get("timing")

    def before(name: str) -> float:
        return (
            baseline["per_report_median_us"].get(name, float("nan")) if baseline else float("nan")
        )

    rows = [
        (name, us, warm["per_report_median_us"][name], before(name))
        for name, us in timing["per_report_median_us"].items()
    ]
    rows.append(
        (
            "all reports (median of rounds)",
            timing["median_us_per_report"],
            warm["median_us_per_report"],
            baseline["median_us_per_report"] if baseline else float("nan"),
        )
    )
    text = figures.table(["report", "µs cold", "µs warm", "µs reference"], rows)
    print(f"\nfvs.verify() per report: {ROUNDS} rounds x {REPEAT} repetitions")
    print(text)
    if hot:
        print("\ncProfile, own time per report:")
        print(
            figures.table(
                ["function", "calls", "own µs", "cum µs"],
                [
                    (
                        r["function"],
                        r["calls_per_report"],
                        r["own_us_per_report"],
                        r["cumulative_us_per_report"],
                    )
                    for r in hot
                ],
            )
        )

    if args.write_reference:
        REFERENCE.write_text(
            json.dumps({"timing": timing, "results": results}, indent=1, ensure_ascii=False),
            encoding="utf-8",
        )
        print(f"\nwrote the reference verdicts of {len(results)} cases to {REFERENCE}")
        return 0

    equality = check_reference(results)
    equality["cache_dependent"] = stale
    print(
        f"\nverdicts vs {REFERENCE}: {equality.get('equal', 0)}/{equality['compared']} equal"
        + (f", DIFFERENT: {equality['differ'][:5]}" if equality.get("differ") else "")
        + (f", missing: {equality['missing'][:5]}" if equality.get("missing") else "")
    )
    targets = {
        f"per-report <= {TARGET_US:,.0f} µs": {
            "measured": timing["median_us_per_report"],
            "met": timing["median_us_per_report"] <= TARGET_US,
        },
        "verdicts equal the reference": {
            "measured": f"{equality.get('equal', 0)}/{equality['compared']}",
            "met": bool(equality["compared"])
            and not (equality["differ"] or equality["missing"] or stale),
        },
    }
    figures.print_targets(targets)
    figures.write_result(
        NAME,
        {
            "environment": environment(),
            "name": NAME,
            "method": {
                "reports": "rules generator, every fixture CV x posting x gap answers, pinned date",
                "rounds": ROUNDS,
                "repeat": REPEAT,
                "figure": "median over rounds of the mean µs per verify() call",
                "cold": "FVS caches emptied before every call (the headline figure)",
            },
            "timing": timing,
            "timing_warm_caches": warm,
            "reference_timing": baseline,
            "equality": equality,
            "profile": hot,
            "targets": targets,
            "table": text,
        },
    )
    return 0 if targets["verdicts equal the reference"]["met"] else 1


if __name__ == "__main__":
    sys.exit(main())
