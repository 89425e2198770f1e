"""Figures: percentiles and medians over rounds, paired app/bare ratios, the tables printed
and the JSON written to bench/results/."""

from __future__ import annotations

import json
import statistics
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from bench import context


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0-100) of `values`; NaN when empty."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def median(values: Iterable[float]) -> float:
    values = list(values)
    return statistics.median(values) if values else float("nan")


def fmt(value: Any, digits: int = 1) -> str:
    if isinstance(value, float):
        if value != value:  # NaN
            return "n/a"
        return f"{value:,.{digits}f}"
    if isinstance(value, bool):
        return "yes" if value else "NO"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    cells = [[str(h) for h in headers]] + [[fmt(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = []
    for index, row in enumerate(cells):
        lines.append(
            "  ".join(
                c.ljust(w) if i == 0 else c.rjust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def summarise_variant(results: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "throughput_rps": median(r["throughput_rps"] for r in results),
        "p50_ms": median(r["p50_ms"] for r in results),
        "p99_ms": median(r["p99_ms"] for r in results),
        "non_2xx": sum(
            n for r in results for s, n in r["statuses"].items() if not s.startswith("2")
        ),
        "errors": sum(sum(r["errors"].values()) for r in results),
        "cpu_ms_per_request": {
            k: median(r["cpu_ms_per_request"][k] for r in results)
            for k in results[0]["cpu_ms_per_request"]
        },
    }


def paired_ratio(app: list[dict[str, Any]], bare: list[dict[str, Any]]) -> float:
    """Median over rounds of app throughput / bare throughput measured in the same round."""
    return median(
        a["throughput_rps"] / b["throughput_rps"]
        for a, b in zip(app, bare, strict=True)
        if b["throughput_rps"]
    )


def load_method(**extra: Any) -> dict[str, Any]:
    """How an HTTP load benchmark ran (stored with its results)."""
    return {
        "server": "gunicorn, gunicorn.conf.py, GUNICORN_WORKERS=2, GUNICORN_THREADS=4",
        "load": "bench/loadgen.py, second process, closed loop, keep-alive",
        **extra,
    }


def load_table(label: str, rows: Iterable[Sequence[Any]]) -> str:
    """The table of an app-vs-bare load run; `label` names the second column."""
    headers = ["load", label, "req/s", "p50 ms", "p99 ms", "ratio", "fail"]
    return table([*headers, "cpu ms/req web", "moto", "postgres"], rows)


def load_row(level: str, name: str, entry: dict[str, Any], ratio: float) -> list[Any]:
    """One `load_table` row from a `summarise_variant` entry."""
    cpu = entry["cpu_ms_per_request"]
    return [
        f"{level} clients",
        name,
        entry["throughput_rps"],
        entry["p50_ms"],
        entry["p99_ms"],
        ratio,
        entry["non_2xx"] + entry["errors"],
        *(cpu.get(group, float("nan")) for group in ("gunicorn", "moto", "postgres")),
    ]


def load_targets(
    prefix: str, *, ratio: float, p99: float, min_ratio: float, max_p99: float, at: int
) -> dict[str, dict[str, Any]]:
    """The two targets of an app-vs-bare load run: throughput ratio and p99, at `at` clients."""
    return {
        f"{prefix}throughput >= {min_ratio} x bare at {at} clients": {
            "measured": round(ratio, 3),
            "met": ratio >= min_ratio,
        },
        f"{prefix}p99 <= {max_p99} ms at {at} clients": {"measured": p99, "met": p99 <= max_p99},
    }


def print_targets(targets: dict[str, dict[str, Any]]) -> None:
    for name, target in targets.items():
        print(f"target {name}: {target['measured']} -> {'met' if target['met'] else 'NOT met'}")


def write_result(name: str, data: dict[str, Any]) -> Path:
    context.RESULTS.mkdir(parents=True, exist_ok=True)
    path = context.RESULTS / f"{name}.json"
    path.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"\nwrote {path.relative_to(context.ROOT)}")
    return path
