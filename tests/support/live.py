"""The ASGI `events` process (uvicorn, as the Procfile runs it) and an SSE reader for tests."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.reliability.support import BASE_DIR, LiveServer, free_port, wait_healthy


def procfile_command(process: str) -> list[str]:
    lines = (BASE_DIR / "Procfile").read_text().splitlines()
    commands = dict(line.split(":", 1) for line in lines if line.strip())
    return commands[process].split()


def start_events_server(*, env: Mapping[str, str], log: Path, port: int = 0) -> LiveServer:
    """The Procfile's `events` command (uvicorn, careervp.asgi), on `port` or a free one."""
    port = port or free_port()
    command = procfile_command("events")
    assert command[0] == "uvicorn"
    command[command.index("--port") + 1] = str(port)
    handle = log.open("ab")
    process = subprocess.Popen(
        [sys.executable, "-m", *command],
        cwd=BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "careervp.settings", **env},
        stdout=handle,
        stderr=subprocess.STDOUT,
    )
    handle.close()
    return wait_healthy(LiveServer(f"http://127.0.0.1:{port}", process, log), "uvicorn")


@dataclass
class SSEEvent:
    event: str = "message"
    data: str = ""
    id: str | None = None
    retry: int | None = None
    comment: str | None = None
    received_at: float = field(default_factory=time.monotonic)

    def json(self) -> Any:
        return json.loads(self.data)


class SSEStream:
    """One text/event-stream response, parsed per the HTML spec's event-stream rules."""

    def __init__(self, url: str, path: str, headers: Mapping[str, str], timeout: float = 30):
        self.conn = http.client.HTTPConnection(url.removeprefix("http://"), timeout=timeout)
        self.conn.request("GET", path, headers=dict(headers))
        self.response = self.conn.getresponse()
        self.status = self.response.status

    def body(self) -> Any:
        return json.loads(self.response.read() or b"null")

    def next(self) -> SSEEvent | None:
        """The next event, `retry:` field or comment; None at the end of the stream."""
        event = SSEEvent()
        seen = False
        while True:
            line = self.response.readline()
            if not line:
                return event if seen else None
            text = line.decode().rstrip("\n")
            if not text:
                if seen:
                    event.received_at = time.monotonic()
                    return event
                continue
            seen = True
            name, _, value = text.partition(":")
            value = value.removeprefix(" ")
            if name == "":
                event.comment = value
            elif name == "event":
                event.event = value
            elif name == "data":
                event.data = f"{event.data}\n{value}" if event.data else value
            elif name == "id":
                event.id = value
            elif name == "retry":
                event.retry = int(value)

    def events(self) -> list[SSEEvent]:
        """Everything until the server closes the stream."""
        out = []
        while (event := self.next()) is not None:
            out.append(event)
        return out

    def close(self) -> None:
        self.conn.close()
