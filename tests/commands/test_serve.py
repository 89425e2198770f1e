"""Ctrl-C on `make serve` / `make serve-aws` stops everything they started, quietly.

The real make targets run as the foreground job of a pseudo-terminal, as in a newcomer's
shell. Ctrl-C is the ^C byte a keyboard sends, which the terminal turns into SIGINT for the
whole foreground process group at once: make, the recipe's shell, runserver, uvicorn, every
qcluster process (and moto's server under serve-aws).
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.reliability.support import BASE_DIR, free_port
from tests.support.processes import session_members, wait_until
from tests.support.terminal import Terminal

VENV = BASE_DIR / ".venv"
START_SECONDS = 120  # migrate on a new SQLite file, then three or four servers, on a busy machine
STOP_SECONDS = 20  # from Ctrl-C to make's exit
# A terminal user's environment and nothing that points the servers elsewhere (DATABASE_URL,
# AWS_*, QUEUE_BACKEND, PORT, the MAKEFLAGS of an outer `make test`, ...).
KEPT_ENV = ("PATH", "HOME", "USER", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR")

pytestmark = pytest.mark.skipif(
    not all((VENV / name).exists() for name in ("bin/python", "bin/moto_server", ".installed")),
    reason="make serve runs .venv/bin/*: this checkout has no installed .venv (run make install)",
)


@contextlib.contextmanager
def make_in_terminal(target: str, tmp_path: Path, **variables: int) -> Iterator[Terminal]:
    """`make -s <target>` on its own SQLite file; it never reinstalls .venv (`-o`: the stamp
    may be older than a fresh checkout's requirements files)."""
    env = {name: os.environ[name] for name in KEPT_ENV if name in os.environ}
    env |= {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite3'}",
        "VPR_LOCAL_RESULTS_DIR": str(tmp_path / "media"),
        "DJANGO_Q_LOG_LEVEL": "INFO",  # for its "Q Cluster <name> running." line
    }
    command = ["make", "-s", "-o", ".venv/.installed", target]
    command += [f"{name}={value}" for name, value in variables.items()]
    terminal = Terminal.start(command, cwd=BASE_DIR, env=env)
    try:
        yield terminal
    finally:
        terminal.close()


def serve_ports() -> int:
    """A PORT such that PORT and PORT+1 (EVENTS_PORT) are both free."""
    while True:
        port = free_port()
        with socket.socket() as sock, contextlib.suppress(OSError):
            sock.bind(("127.0.0.1", port + 1))
            return port


def healthy(port: int) -> bool:
    with contextlib.suppress(OSError):
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return response.status == 200
    return False


def listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def wait_serving(terminal: Terminal, port: int) -> None:
    """Web and events answer /healthz, the worker cluster logged that it runs."""

    def serving() -> bool:
        assert terminal.job_running(), f"make ended before serving:\n{terminal.output}"
        cluster_running = re.search(r"Q Cluster .* running\.", terminal.output)
        return bool(cluster_running) and healthy(port) and healthy(port + 1)

    assert wait_until(serving, START_SECONDS), f"not serving:\n{terminal.output}"


def ctrl_c_stops_everything_quietly(terminal: Terminal, ports: list[int]) -> None:
    terminal.press_ctrl_c()

    terminal.wait_job(STOP_SECONDS)  # TimeoutError: something kept make waiting

    # The prompt is back: the servers have exited (their ports are closed), and so has the rest
    # of the cluster a moment later (the kernel SIGKILLs it when its parent dies).
    assert [port for port in ports if listening(port)] == []

    def left_behind() -> list[int]:
        return [pid for pid in session_members(terminal.leader.pid) if pid != terminal.leader.pid]

    assert wait_until(lambda: not left_behind(), 5), (left_behind(), terminal.output)
    output = terminal.close()
    for message in ("Traceback", "RecursionError", "egmentation fault", "core dumped"):
        assert message not in output, output
    assert output.rstrip().endswith("] Interrupt"), output  # make's own word for Ctrl-C


def test_ctrl_c_on_make_serve_stops_web_events_and_worker(tmp_path: Path):
    port = serve_ports()
    with make_in_terminal("serve", tmp_path, PORT=port) as terminal:
        wait_serving(terminal, port)

        ctrl_c_stops_everything_quietly(terminal, [port, port + 1])


def test_ctrl_c_on_make_serve_aws_also_stops_the_moto_server(tmp_path: Path):
    port = serve_ports()
    moto_port = next(p for p in iter(free_port, 0) if p not in (port, port + 1))
    with make_in_terminal("serve-aws", tmp_path, PORT=port, MOTO_PORT=moto_port) as terminal:
        wait_serving(terminal, port)
        assert listening(moto_port)

        ctrl_c_stops_everything_quietly(terminal, [port, port + 1, moto_port])
