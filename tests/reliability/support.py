"""Fault-injection helpers for the reliability suite (and the soak script).

Nothing here mocks application code: the helpers start real processes (gunicorn), cut real
TCP connections (a loopback proxy in front of PostgreSQL) and find real worker processes
(through /proc) so that a test can SIGKILL exactly the process that is generating a report.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parents[2]


# --------------------------------------------------------------------------- ports & SQS


def free_port() -> int:
    """A loopback port nobody listens on (bound, read, released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --------------------------------------------------------------------------- processes


def _ppid(pid: int) -> int:
    stat = Path(f"/proc/{pid}/stat").read_text()
    # The command name (field 2) may contain spaces; fields after the last ")" are fixed.
    return int(stat.rsplit(")", 1)[1].split()[1])


def is_descendant(pid: int, ancestor: int) -> bool:
    with contextlib.suppress(OSError, ValueError, IndexError):
        while pid > 1:
            pid = _ppid(pid)
            if pid == ancestor:
                return True
    return False


def _socket_inodes_to(port: int) -> set[str]:
    """Inodes of ESTABLISHED client sockets whose remote end is 127.0.0.1:`port`."""
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                remote_port = int(fields[2].rsplit(":", 1)[1], 16)
                if remote_port == port and fields[3] == "01":
                    inodes.add(fields[9])
    return inodes


def pids_connected_to(port: int, *, descendants_of: int) -> set[int]:
    """Our descendant processes holding a TCP connection to 127.0.0.1:`port`."""
    targets = {f"socket:[{inode}]" for inode in _socket_inodes_to(port)}
    found: set[int] = set()
    if not targets:
        return found
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        with contextlib.suppress(OSError):
            for fd in (entry / "fd").iterdir():
                with contextlib.suppress(OSError):
                    if os.readlink(fd) in targets:
                        found.add(int(entry.name))
                        break
    return {pid for pid in found if is_descendant(pid, descendants_of)}


def pid_alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


# --------------------------------------------------------------------------- TCP proxy


class TcpProxy:
    """A loopback TCP proxy that can be cut: every open connection is closed and new ones are
    accepted then closed at once, exactly what a client sees when its database goes away."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(128)
        self.port = int(self._listener.getsockname()[1])
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._down = threading.Event()
        self._stopping = threading.Event()
        self.severed = 0  # connections closed by cut()
        self.refused = 0  # connections refused while cut
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)
        self._thread.start()

    def _accept_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self._down.is_set():
                with self._lock:
                    self.refused += 1
                client.close()
                continue
            try:
                server = socket.create_connection(self.upstream, timeout=5)
                server.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._open.update((client, server))
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
                with self._lock:
                    self._open.discard(sock)

    def cut(self) -> None:
        self._down.set()
        with self._lock:
            victims, self._open = list(self._open), set()
            self.severed += len(victims) // 2
        for sock in victims:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def restore(self) -> None:
        self._down.clear()

    def close(self) -> None:
        self._stopping.set()
        self.cut()
        self._listener.close()


# --------------------------------------------------------------------------- gunicorn


@dataclass
class LiveServer:
    url: str
    process: subprocess.Popen
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def database_url(settings_dict: Mapping[str, Any]) -> str:
    """A DATABASE_URL for another process, from a Django connection's settings."""
    if settings_dict.get("ENGINE", "").endswith("sqlite3"):
        return f"sqlite:///{settings_dict['NAME']}"  # the embedded default (make test alone)
    user = settings_dict.get("USER") or "postgres"
    password = settings_dict.get("PASSWORD") or ""
    auth = f"{user}:{password}" if password else user
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{auth}@{host}:{port}/{settings_dict['NAME']}"


def start_gunicorn(
    *, env: Mapping[str, str], log: Path, workers: int = 4, threads: int = 8
) -> LiveServer:
    """The production web process (gunicorn.conf.py, gthread) on a free loopback port."""
    port = free_port()
    full_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "careervp.settings",
        "GUNICORN_HOST": "127.0.0.1",
        "PORT": str(port),
        "GUNICORN_WORKERS": str(workers),
        "GUNICORN_THREADS": str(threads),
        "GUNICORN_LOG_LEVEL": "warning",
        **env,
    }
    handle = log.open("ab")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            "gunicorn.conf.py",
            "--access-logfile",
            "/dev/null",
            "careervp.wsgi:application",
        ],
        cwd=BASE_DIR,
        env=full_env,
        stdout=handle,
        stderr=subprocess.STDOUT,
    )
    handle.close()
    return wait_healthy(LiveServer(f"http://127.0.0.1:{port}", process, log), "gunicorn")


def wait_healthy(server: LiveServer, name: str, timeout: float = 60) -> LiveServer:
    """`server` once its /healthz answers 200; stopped, with its log's tail, if it never does."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            tail = server.log.read_text()[-2000:]
            raise RuntimeError(f"{name} exited {server.process.returncode}: {tail}")
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(f"{server.url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return server
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"{name} did not answer /healthz: {server.log.read_text()[-2000:]}")


@dataclass(frozen=True)
class HttpResult:
    status: int
    body: Any


def http_json(
    base_url: str,
    method: str,
    path: str,
    *,
    token: str,
    body: Any = None,
    timeout: float = 60,
    connection: http.client.HTTPConnection | None = None,
) -> HttpResult:
    """One JSON request (with `Authorization: Token`), on its own connection unless given."""
    host_port = base_url.removeprefix("http://")
    conn = connection or http.client.HTTPConnection(host_port, timeout=timeout)
    payload = None if body is None else json.dumps(body).encode()
    headers = {"Authorization": f"Token {token}", "Accept": "application/json"}
    if payload is not None:
        headers["Content-Type"] = "application/json"
    try:
        conn.request(method, path, body=payload, headers=headers)
        response = conn.getresponse()
        raw = response.read()
    finally:
        if connection is None:
            conn.close()
    try:
        parsed: Any = json.loads(raw) if raw else None
    except ValueError:
        parsed = raw.decode(errors="replace")
    return HttpResult(response.status, parsed)


def fire_together(calls: list[Callable[[], Any]], *, timeout: float = 120) -> list[Any]:
    """Run every call in its own thread, released at once by a barrier; results in order.

    An exception is returned in place of the result, so one failure does not hide the rest.
    """
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=timeout)
            results[index] = calls[index]()
        except Exception as exc:
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(timeout=max(deadline - time.monotonic(), 0.1))
    return results


def iter_until(predicate: Callable[[], bool], timeout: float, step: float = 0.2) -> Iterator[int]:
    """Yield attempt numbers until `predicate()` holds or `timeout` passes."""
    deadline = time.monotonic() + timeout
    attempt = 0
    while time.monotonic() < deadline:
        if predicate():
            return
        yield attempt
        attempt += 1
        time.sleep(step)
