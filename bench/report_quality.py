"""Rules-report quality on the shared source sets (tests/fixtures/sets), as a reader sees it.

Per set: the fit score, evidence rows by alignment (S/M/D, and rows with no evidence at all),
the most rows one fact serves (evidence reuse), sentences or quotes of 6+ words written more
than twice, the share of Latin letters in Hebrew prose (all of it / outside quotations), FVS
violations, whether the set's strongest achievement (about.json) appears, and the median
milliseconds per report. Then the fit scores of the unrelated pairings the tests pin.

    .venv/bin/python -m bench.report_quality            # the table
    .venv/bin/python -m bench.report_quality --json     # the same, machine-readable
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from datetime import date

from tests.support.sets import SET_NAMES, load_set
from vpr_jobs import fvs
from vpr_jobs.catalogue import build_catalogue
from vpr_jobs.generation.base import GenerationInput
from vpr_jobs.generation.rules import RulesGenerator
from vpr_jobs.generation.rules.quality import (
    alignment_counts,
    evidence_reuse,
    latin_share,
    repeated_sentences,
)
from vpr_jobs.schemas import VPRDocument, VPRRequest

TODAY = date(2026, 12, 1)
ROUNDS = 7
# (CV of one set, posting of another): pairings a recruiter would call unrelated.
UNRELATED = (
    ("nurse_to_product", "backend_senior_to_staff"),
    ("sales_ae", "data_specialist_to_manager"),
    ("he_accountant", "he_devops"),
    ("backend_senior_to_staff", "nurse_to_product"),
    ("ld_manager", "sales_ae"),
)


def report(cv_set: str, posting_set: str | None = None) -> tuple[VPRDocument, float]:
    """The rules report of a set (or of one set's CV against another's posting) and its
    median generation time in ms."""
    source, target = load_set(cv_set), load_set(posting_set or cv_set)
    gaps = source.gaps if posting_set is None else []
    request = VPRRequest(application_id="bench", job_posting=target.posting, gap_responses=gaps)
    data = GenerationInput(job_id="bench", cv=source.cv, request=request)
    generator = RulesGenerator(today=TODAY)
    times = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        document = generator.generate(data).document
        times.append((time.perf_counter() - started) * 1000)
    return document, statistics.median(times)


def measure(name: str) -> dict:
    sources = load_set(name)
    document, ms = report(name)
    verdict = fvs.verify(
        document, cv=sources.cv, posting=sources.posting, gap_responses=sources.gaps
    )
    catalogue = build_catalogue(sources.cv, sources.posting, sources.gaps)
    strongest = catalogue.get(sources.about.strongest_achievement)
    prose = " ".join(document.prose())
    latin = latin_share(document) if document.language == "he" else None
    return {
        "set": name,
        "fit": document.fit_score,
        "rows": alignment_counts(document),
        "reuse": evidence_reuse(document),
        "repeated": len(repeated_sentences(document)),
        "latin": latin,
        "fvs_violations": len(verdict.violations),
        "strongest_shown": bool(strongest and strongest.text.rstrip(" .") in prose),
        "ms": round(ms, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows = [measure(name) for name in SET_NAMES]
    unrelated = [
        {"cv": cv, "posting": posting, "fit": report(cv, posting)[0].fit_score}
        for cv, posting in UNRELATED
    ]
    if args.json:
        print(json.dumps({"sets": rows, "unrelated": unrelated}, indent=2))
        return
    print(
        f"{'set':28} {'fit':>3}  {'S/M/D/none':11} {'reuse':>5} {'rep':>3} "
        f"{'latin all/out':>13} {'fvs':>3} {'top':>3} {'ms':>6}"
    )
    for row in rows:
        counts = row["rows"]
        split = "/".join(str(counts[k]) for k in ("STRONG", "MODERATE", "DEVELOPING", "NONE"))
        latin = "-" if row["latin"] is None else f"{row['latin'][0]:.2f}/{row['latin'][1]:.2f}"
        print(
            f"{row['set']:28} {row['fit']:>3}  {split:11} {row['reuse']:>5} "
            f"{row['repeated']:>3} {latin:>13} {row['fvs_violations']:>3} "
            f"{'yes' if row['strongest_shown'] else 'NO':>3} {row['ms']:>6}"
        )
    print("\nunrelated pairings (CV x posting):")
    for pair in unrelated:
        print(f"  {pair['cv'] + ' x ' + pair['posting']:55} {pair['fit']:>3}")


if __name__ == "__main__":
    main()
