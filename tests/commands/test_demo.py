"""`make demo`'s script end to end: real web server, real worker cluster, real HTTP client."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_demo(tmp_path: Path, **extra: str) -> subprocess.CompletedProcess:
    prefixes = ("DJANGO_", "VPR_", "QUEUE_", "RESULTS_", "AWS_", "DEMO_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    env |= {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "VPR_LOCAL_RESULTS_DIR": str(tmp_path / "media"),
        "DEMO_TIMEOUT_SECONDS": "90",
        **extra,
    }
    return subprocess.run(
        [sys.executable, "scripts/demo.py"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=150,
        check=False,
    )


def test_demo_produces_a_vpr_on_embedded_defaults(tmp_path: Path):
    result = run_demo(tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "POST /api/vpr → 202" in result.stdout
    assert "event  status COMPLETED" in result.stdout  # followed through its event stream
    assert "VPR v1 for Noa Bar: Learning & Development Manager at Natural Intelligence" in (
        result.stdout
    )
    assert "fit score" in result.stdout
    stored = list((tmp_path / "media" / "results").glob("*/*.json"))  # <job_id>/<claim>.json
    assert len(stored) == 1


def test_demo_runs_through_sqs_and_s3_on_a_local_moto_server(tmp_path: Path):
    result = run_demo(tmp_path, DEMO_BACKEND="aws")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "moto server on http://127.0.0.1:" in result.stdout
    assert "POST /api/vpr → 202" in result.stdout
    assert "stored at       s3://careervp-vpr-results-dev/results/" in result.stdout
    assert not (tmp_path / "media").exists()  # nothing went to local storage


def test_demo_runs_again_and_again_in_one_clone_on_either_backend(tmp_path: Path):
    """Each run submits a new application: an earlier run's job (its result gone with that
    run's moto server) is never answered as "Job already exists"."""
    for backend in ("embedded", "aws", "aws"):
        result = run_demo(tmp_path, DEMO_BACKEND=backend)

        assert result.returncode == 0, backend + result.stdout + result.stderr
        assert "POST /api/vpr → 202" in result.stdout
