"""Job change notifications: "job X changed" from whoever wrote it, to the streams following X.

Writers call `job_changed(job_id)` next to a status or stage change; the notification leaves
after the transaction commits, so a stream that re-reads the row sees the change.

PostgreSQL: `NOTIFY vpr_job_events, '<job_id>'`. Each events process holds one `LISTEN`
connection (psycopg's AsyncConnection, on the process's event loop) and wakes only the streams
of the notified job: no stream polls the database. Notifications sent while that connection
was down are lost, so every stream is woken to re-read when it (re)connects.
SQLite (the embedded default) has no NOTIFY: the same wake-up comes from a timer every
`VPR_EVENTS_POLL_SECONDS`, and each stream re-reads its row then.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator
from functools import partial
from typing import Any
from uuid import UUID

import psycopg
from django.conf import settings
from django.db import DatabaseError, connection, transaction

log = logging.getLogger(__name__)

CHANNEL = "vpr_job_events"
EVERY_JOB = "*"  # payload: wake every stream (a bulk update changed jobs we cannot name)


def uses_notify() -> bool:
    return connection.vendor == "postgresql"


# --------------------------------------------------------------------------- publishing


def job_changed(job_id: UUID | str) -> None:
    """Tell the streams following `job_id` that its row changed, once this change commits."""
    if uses_notify():
        transaction.on_commit(partial(_notify, str(job_id)))


def jobs_changed() -> None:
    """After a bulk update (the sweeper's): every stream re-reads its job."""
    job_changed(EVERY_JOB)


def _notify(payload: str) -> None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_notify(%s, %s)", [CHANNEL, payload])
    except DatabaseError:
        # The change itself is committed; streams re-read on their listener's reconnect.
        log.warning("job change notification not sent", exc_info=True)


# --------------------------------------------------------------------------- listening


class JobEventHub:
    """One per event loop: the LISTEN connection (or the timer) and who waits for which job."""

    def __init__(self) -> None:
        self._waiters: dict[str, set[asyncio.Event]] = {}
        self._task: asyncio.Task[None] | None = None
        self.listening = asyncio.Event()

    @contextlib.contextmanager
    def subscribe(self, job_id: str) -> Iterator[asyncio.Event]:
        """An event set whenever `job_id` may have changed; subscribe before reading the row."""
        self._ensure_running()
        wake = asyncio.Event()
        self._waiters.setdefault(job_id, set()).add(wake)
        try:
            yield wake
        finally:
            waiters = self._waiters.get(job_id, set())
            waiters.discard(wake)
            if not waiters:
                self._waiters.pop(job_id, None)

    @property
    def streams(self) -> int:
        return sum(len(waiters) for waiters in self._waiters.values())

    def wake(self, job_id: str) -> None:
        if job_id == EVERY_JOB:
            self.wake_all()
            return
        for event in self._waiters.get(job_id, ()):
            event.set()

    def wake_all(self) -> None:
        for waiters in self._waiters.values():
            for event in waiters:
                event.set()

    def _ensure_running(self) -> None:
        if self._task is None or self._task.done():
            source = self._listen() if uses_notify() else self._tick()
            self._task = asyncio.get_running_loop().create_task(source, name="vpr-job-events")

    async def _tick(self) -> None:
        self.listening.set()
        while True:
            await asyncio.sleep(settings.VPR_EVENTS_POLL_SECONDS)
            self.wake_all()

    async def _listen(self) -> None:
        backoff = 0.5
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(
                    **_listen_params(), autocommit=True
                ) as conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    self.listening.set()
                    self.wake_all()  # whatever changed before LISTEN was not notified
                    backoff = 0.5
                    async for notify in conn.notifies():
                        self.wake(notify.payload)
            except (psycopg.Error, OSError):
                self.listening.clear()
                log.warning("job events listener lost; reconnecting", exc_info=True)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10.0)


def _listen_params() -> dict[str, Any]:
    """Django's own connection parameters, without its (synchronous) cursor class."""
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    return params


_hubs: dict[asyncio.AbstractEventLoop, JobEventHub] = {}


def hub() -> JobEventHub:
    """This event loop's hub (one per events process; tests may run several loops)."""
    loop = asyncio.get_running_loop()
    if loop not in _hubs:
        for old in [old for old in _hubs if old.is_closed()]:
            del _hubs[old]
        _hubs[loop] = JobEventHub()
    return _hubs[loop]
