"""The message guard: what a queue message may be before anything unpickles it.

A django-q2 message is a signed pickle naming a function that its worker imports and calls
(`django_q/worker.py`), and unpickling alone can call code. Signing only proves the message
was made with this cluster's secret, which every instance holds; so a message is read here
as plain data only (unpickled without importing anything but datetime types) and accepted
only if it names a task of `ALLOWED_TASKS` with arguments of the expected shape.
"""

from __future__ import annotations

import io
import pickle
from typing import Any
from uuid import UUID

from django_q import core_signing
from django_q.conf import Conf

TASK = "vpr_jobs.tasks.process_vpr_job"
SWEEP_TASK = "vpr_jobs.tasks.sweep_jobs"  # django-q2's schedule (migration 0003)
ALLOWED_TASKS = frozenset({TASK, SWEEP_TASK})


class RefusedMessage(ValueError):
    """A queue message that is not data for one of `ALLOWED_TASKS`."""


class _DataOnlyUnpickler(pickle.Unpickler):
    """Unpickles strings, numbers, containers and the datetime types django-q2 stamps on a
    task; any other global (a function, a class to construct) is refused, not imported."""

    ALLOWED = frozenset(
        {("datetime", "datetime"), ("datetime", "timezone"), ("datetime", "timedelta")}
    )

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in self.ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not plain data")


class _DataOnlyPickle:
    """django-q2's pickle serializer, reading plain data only (checks never write)."""

    @staticmethod
    def loads(data: bytes) -> Any:
        return _DataOnlyUnpickler(io.BytesIO(data)).load()


def _load_data_only(body: str) -> Any:
    return core_signing.loads(
        body, key=Conf.SECRET_KEY, salt=Conf.PREFIX, serializer=_DataOnlyPickle
    )


def decode_message(body: str) -> dict[str, Any]:
    """The task in a django-q2 message, if it is one we run; RefusedMessage otherwise."""
    try:
        task = _load_data_only(body)
    except core_signing.BadSignature as exc:
        raise RefusedMessage("bad signature (not signed by this cluster)") from exc
    except pickle.UnpicklingError as exc:
        raise RefusedMessage(f"not plain data: {exc}") from exc
    except Exception as exc:
        raise RefusedMessage(f"undecodable body ({type(exc).__name__})") from exc
    if not isinstance(task, dict):
        raise RefusedMessage("not a task")
    func = task.get("func")
    if func not in ALLOWED_TASKS:
        raise RefusedMessage(f"names {str(func)[:200]!r}, not a VPR task")
    args, kwargs = task.get("args", ()), task.get("kwargs", {})
    if not isinstance(args, tuple | list) or not isinstance(kwargs, dict):
        raise RefusedMessage("arguments are not a list and a mapping")
    if func == TASK:
        if len(args) != 1 or kwargs:
            raise RefusedMessage("not a VPR job message")
        try:
            UUID(str(args[0]))
        except ValueError as exc:
            raise RefusedMessage("job id is not a UUID") from exc
    return task


def decode_job_id(body: str) -> str:
    """The job id inside a django-q2 message; ValueError (RefusedMessage) if it is not one of
    our job messages."""
    task = decode_message(body)
    if task["func"] != TASK:
        raise RefusedMessage("not a VPR job message")
    return str(task["args"][0])


def refused_func(body: str) -> str:
    """What a refused message names, for the record (read as data only, never run)."""
    try:
        task = _load_data_only(body)
        return str(task.get("func"))[:256] if isinstance(task, dict) else "?"
    except Exception:  # noqa: BLE001 - undecodable: nothing more to say
        return "?"
