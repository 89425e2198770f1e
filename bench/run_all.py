"""Run every benchmark in sequence (`make bench`); each writes bench/results/<name>.json."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from bench import context

BENCHMARKS = ["submit", "status", "status_cpu", "queue", "fvs", "memory", "cost", "scale", "events"]


def main() -> int:
    wanted = sys.argv[1:] or os.environ.get("BENCH_ONLY", "").split(",")
    names = [n for n in BENCHMARKS if not any(wanted) or n in wanted]
    failed = []
    for name in names:
        print(f"\n=== bench {name} ===", flush=True)
        began = time.monotonic()
        done = subprocess.run([context.PYTHON, "-m", f"bench.bench_{name}"], cwd=context.ROOT)
        print(f"=== {name}: exit {done.returncode} in {time.monotonic() - began:.0f} s", flush=True)
        if done.returncode:
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
