"""Closed-loop HTTP/1.1 load generator: the second process of every HTTP benchmark.

Reads a JSON spec on stdin, prints a JSON summary on stdout. `concurrency` clients each keep
one keep-alive connection and send their next request as soon as the previous answer is in;
requests finishing in the first `warmup` seconds are not counted, the run stops after
`warmup + duration` seconds (bounded in time), or after `max_requests` (bounded in count).

Spec:
    host, port, concurrency, duration, warmup, max_requests (optional)
    method: "GET" | "POST"
    clients: [{"headers": {...}, "paths": ["/api/..."]}]   client i uses clients[i % len],
                                                             cycling through its paths
    body: optional template; "__SEQ__" becomes "<prefix>-<client>-<n>" (a distinct request)
    prefix: run-unique string

No dependencies beyond the standard library, and no Django: it must stay cheap.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any


class Connection:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def request(self, raw: bytes) -> int:
        if self.writer is None:
            await self.open()
        assert self.reader is not None and self.writer is not None
        self.writer.write(raw)
        await self.writer.drain()
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionResetError("closed before a response")
        status = int(status_line.split()[1])
        length, chunked, close = 0, False, False
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            name, value = name.strip().lower(), value.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding" and "chunked" in value:
                chunked = True
            elif name == "connection" and value == "close":
                close = True
        if chunked:
            while True:
                size = int((await self.reader.readline()).strip(), 16)
                await self.reader.readexactly(size + 2)
                if size == 0:
                    break
        elif length:
            await self.reader.readexactly(length)
        if close:
            self.close()
        return status


def build(spec: dict[str, Any], client: int, path: str, seq: int) -> bytes:
    conf = spec["clients"][client % len(spec["clients"])]
    headers = {"Host": f"{spec['host']}:{spec['port']}", "Connection": "keep-alive"}
    headers.update(conf.get("headers", {}))
    body = b""
    if spec.get("body") is not None:
        body = spec["body"].replace("__SEQ__", f"{spec['prefix']}-{client}-{seq}").encode()
        headers["Content-Type"] = "application/json"
        headers["Content-Length"] = str(len(body))
    head = f"{spec['method']} {path} HTTP/1.1\r\n" + "".join(
        f"{k}: {v}\r\n" for k, v in headers.items()
    )
    return head.encode() + b"\r\n" + body


async def client_loop(spec: dict[str, Any], client: int, start: float, out: dict[str, Any]) -> None:
    conf = spec["clients"][client % len(spec["clients"])]
    paths = conf["paths"]
    warm_until = start + spec.get("warmup", 0)
    stop_at = warm_until + spec["duration"]
    limit = spec.get("max_requests")
    conn = Connection(spec["host"], spec["port"])
    seq = 0
    while time.monotonic() < stop_at and (limit is None or out["sent"] < limit):
        raw = build(spec, client, paths[seq % len(paths)], seq)
        seq += 1
        out["sent"] += 1
        began = time.monotonic()
        try:
            try:
                status = await conn.request(raw)
            except (ConnectionError, asyncio.IncompleteReadError):
                # An idle keep-alive socket closed by the server (max_requests recycle):
                # retry once on a fresh connection, as any HTTP client would.
                conn.close()
                out["reconnects"] += 1
                began = time.monotonic()
                status = await conn.request(raw)
        except (OSError, asyncio.IncompleteReadError, ValueError, IndexError) as exc:
            conn.close()
            out["errors"][type(exc).__name__] = out["errors"].get(type(exc).__name__, 0) + 1
            continue
        ended = time.monotonic()
        out["completed"] += 1
        if began >= warm_until and ended <= stop_at:
            out["latencies"].append(ended - began)
            key = str(status)
            out["statuses"][key] = out["statuses"].get(key, 0) + 1
    conn.close()


def pct(ordered: list[float], p: float) -> float:
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


async def main(spec: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "sent": 0,
        "completed": 0,
        "latencies": [],
        "statuses": {},
        "errors": {},
        "reconnects": 0,
    }
    start = time.monotonic()
    await asyncio.gather(*(client_loop(spec, i, start, out) for i in range(spec["concurrency"])))
    measured = min(time.monotonic() - start - spec.get("warmup", 0), spec["duration"])
    lat = sorted(x * 1000 for x in out["latencies"])
    ok = sum(n for s, n in out["statuses"].items() if s.startswith("2"))
    return {
        "concurrency": spec["concurrency"],
        "seconds": round(measured, 3),
        "requests": len(lat),
        "completed_total": out["completed"],
        "ok": ok,
        "statuses": out["statuses"],
        "errors": out["errors"],
        "reconnects": out["reconnects"],
        "throughput_rps": round(ok / measured, 2) if measured > 0 else 0.0,
        "p50_ms": round(pct(lat, 50), 2),
        "p90_ms": round(pct(lat, 90), 2),
        "p99_ms": round(pct(lat, 99), 2),
        "max_ms": round(lat[-1], 2) if lat else None,
    }


if __name__ == "__main__":
    result = asyncio.run(main(json.load(sys.stdin)))
    json.dump(result, sys.stdout)
