"""The processes a benchmark starts (moto, gunicorn, the load generator) in their own
sessions, stopped on the way out whatever happens, and the CPU they use per request."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.request
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from bench import context


class Services:
    """Subprocesses started in their own session; `close()` (or the `with`) stops them all."""

    def __init__(self, name: str) -> None:
        self.stack = ExitStack()
        self.pids: dict[str, int] = {}
        self.logs = context.LOGS / name
        self.logs.mkdir(parents=True, exist_ok=True)

    def __enter__(self) -> Services:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.stack.close()

    def start(
        self, name: str, command: Sequence[str], env: dict[str, str]
    ) -> subprocess.Popen[bytes]:
        log = self.stack.enter_context((self.logs / f"{name}.log").open("wb"))
        process = subprocess.Popen(
            list(command),
            cwd=context.ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.stack.callback(stop_process, process)
        self.pids[name] = process.pid
        return process

    def moto(self) -> str:
        """A moto server on a free loopback port; returns its endpoint."""
        port = context.free_port()
        endpoint = f"http://127.0.0.1:{port}"
        self.start(
            "moto",
            [str(context.BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
            {**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        wait_http(f"{endpoint}/moto-api/", 30)
        return endpoint

    def gunicorn(self, env: dict[str, str], *, workers: int = 2, threads: int = 4) -> str:
        port = context.free_port()
        env = {
            **env,
            "PORT": str(port),
            "GUNICORN_WORKERS": str(workers),
            "GUNICORN_THREADS": str(threads),
            # No recycling: at a benchmark's 1,000 req/s the production setting (20,000)
            # restarts each process every ~40 s, and a restart (≈0.8 s of CPU re-importing
            # Django, caches cold) landing in a 4 s round decides that round, app or bare.
            "GUNICORN_MAX_REQUESTS": "0",
        }
        command = [
            str(context.BIN / "gunicorn"),
            "--config",
            "gunicorn.conf.py",
            "careervp.wsgi:application",
        ]
        self.start("gunicorn", command, env)
        base = f"http://127.0.0.1:{port}"
        wait_http(f"{base}/healthz", 60)
        return base


def stop_process(process: subprocess.Popen[bytes], timeout: float = 20) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        pass


def wait_http(url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status < 500:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


def run_load(spec: dict[str, Any]) -> dict[str, Any]:
    """Run `bench/loadgen.py` (a second process) with `spec`; its JSON summary."""
    budget = spec.get("duration", 10) + spec.get("warmup", 0) + 60
    done = subprocess.run(
        [context.PYTHON, str(context.BENCH / "loadgen.py")],
        input=json.dumps(spec),
        capture_output=True,
        text=True,
        timeout=budget,
        check=True,
    )
    return json.loads(done.stdout)


def _proc_stat(pid: int) -> tuple[str, int, float, float] | None:
    """(comm, ppid, own CPU s, CPU s of its reaped children) from /proc/<pid>/stat."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    comm = raw[raw.index("(") + 1 : raw.rindex(")")]
    fields = raw[raw.rindex(")") + 2 :].split()
    ticks = os.sysconf("SC_CLK_TCK")
    own = (int(fields[11]) + int(fields[12])) / ticks
    reaped = (int(fields[13]) + int(fields[14])) / ticks
    return comm, int(fields[1]), own, reaped


def _all_procs() -> dict[int, tuple[str, int, float, float]]:
    out = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _proc_stat(int(entry.name))) is not None:
            out[int(entry.name)] = stat
    return out


def process_tree(root: int) -> list[int]:
    """`root` and all its descendants (from /proc; no psutil in this virtualenv)."""
    procs = _all_procs()
    tree, frontier = [], [root]
    while frontier:
        pid = frontier.pop()
        if pid in procs:
            tree.append(pid)
            frontier.extend(p for p, stat in procs.items() if stat[1] == pid)
    return tree


def cpu_seconds(groups: dict[str, list[int]]) -> dict[str, float]:
    """User+system CPU seconds so far of each group of process trees, including children
    that exited (gunicorn recycles workers after max_requests; they count in the master's
    reaped-children time). "postgres" = every postgres process plus the backends the
    postmaster reaped (it runs as another user; /proc/<pid>/stat is readable)."""
    procs = _all_procs()
    out: dict[str, float] = {}
    for name, roots in groups.items():
        total = 0.0
        for root in roots:
            for pid in process_tree(root):
                if pid in procs:
                    total += procs[pid][2] + procs[pid][3]
        out[name] = total
    postgres = {pid for pid, stat in procs.items() if stat[0] == "postgres"}
    out["postgres"] = sum(procs[pid][2] for pid in postgres) + sum(
        procs[pid][3] for pid in postgres if procs[pid][1] not in postgres
    )
    return out


def cpu_per_request(
    before: dict[str, float], after: dict[str, float], requests: int
) -> dict[str, float]:
    """CPU milliseconds per request of each group between two `cpu_seconds` snapshots."""
    if not requests:
        return {}
    return {k: round((after[k] - before[k]) * 1000 / requests, 2) for k in before}


def run_rounds(
    services: Services,
    port: int,
    variants: dict[str, dict[str, Any]],
    *,
    concurrency: Sequence[int],
    rounds: int,
    duration: float,
    warmup: float,
    before_each: Any = None,
) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Each variant (a partial loadgen spec) at each concurrency, `rounds` times, the order
    rotating every round so that no variant always runs first; CPU per request attached."""
    groups = {"gunicorn": [services.pids["gunicorn"]], "moto": [services.pids["moto"]]}
    names = list(variants)
    runs: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for level in concurrency:
        runs[str(level)] = {name: [] for name in names}
        for round_no in range(rounds):
            order = names[round_no % len(names) :] + names[: round_no % len(names)]
            if round_no % 2:
                order.reverse()
            for name in order:
                if before_each is not None:
                    before_each()
                spec = {
                    "host": "127.0.0.1",
                    "port": port,
                    "concurrency": level,
                    "duration": duration,
                    "warmup": warmup,
                    "prefix": f"c{level}r{round_no}{name}".replace("_", ""),
                    **variants[name],
                }
                before = cpu_seconds(groups)
                result = run_load(spec)
                result["cpu_ms_per_request"] = cpu_per_request(
                    before, cpu_seconds(groups), result["completed_total"]
                )
                runs[str(level)][name].append(result)
                print(
                    f"  c={level:<3} round {round_no} {name:<15} "
                    f"{result['throughput_rps']:8.1f} req/s  p50 {result['p50_ms']:6.1f} ms"
                    f"  p99 {result['p99_ms']:7.1f} ms  statuses {result['statuses']}"
                    f"  errors {result['errors']}",
                    flush=True,
                )
    return runs
