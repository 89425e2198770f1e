"""ASGI entry point: the `events` process (uvicorn), which serves the job event streams.

Django runs the synchronous parts of an ASGI request (request signals, sync middleware, ORM
calls) on a thread of that request's own, kept until the response ends: an open event stream
would hold an idle thread for its whole life. Here every request shares one such thread
(asgiref's `ThreadSensitiveContext` given an executor), so a stream costs a coroutine, not a
thread; its synchronous work (authentication, one row read per change) is short.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import ThreadSensitiveContext
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "careervp.settings")

django_application = get_asgi_application()
_sync_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="django-sync")


async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:
    async with ThreadSensitiveContext(executor=_sync_thread):
        await django_application(scope, receive, send)
