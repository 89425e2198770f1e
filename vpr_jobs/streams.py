"""GET /api/vpr/<job_id>/events: a job's status changes as Server-Sent Events.

An async Django view, served by the ASGI `events` process (careervp/asgi.py): an open stream
is a suspended coroutine waiting for `events.hub()` to wake it, not a thread. It sends
`retry:` advice, then `event: status` with the status body (the same JSON as
GET /api/vpr/status/<id>) whenever the status or stage changes, a comment every
`VPR_EVENTS_HEARTBEAT_SECONDS`, and closes after a terminal status.

Event ids are `<STATUS>.<stage>`: a client reconnecting with `Last-Event-ID` is sent the
current state only if it differs from what it saw; one that already saw the terminal event
gets 204, which tells `EventSource` to stop reconnecting.

Authentication: the API's own (the `Authorization` header, for `fetch`), or, because
`EventSource` cannot send headers, the signed `token` of the `events_url` that submit and
status return (bound to the job and its owner, valid `VPR_EVENTS_URL_TTL_SECONDS`).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.utils.encoders import JSONEncoder

from vpr_jobs import events, selectors
from vpr_jobs.api_errors import exception_handler
from vpr_jobs.errors import JobNotFound, ResultGone, ServiceError
from vpr_jobs.models import Job

_SALT = "vpr_jobs.events_url"


class EventsLinkInvalid(ServiceError):
    status_code = 401
    error_code = "EVENTS_LINK_INVALID"


def events_url(job: Job, *, base_url: str) -> str:
    """A link `EventSource` can open without headers: signed, owner- and job-bound, short-lived."""
    token = signing.dumps({"j": str(job.job_id), "u": str(job.user_id)}, salt=_SALT)
    base = settings.VPR_EVENTS_BASE_URL or base_url
    return f"{base}/api/vpr/{job.job_id}/events?token={token}"


def event_id(job: Job) -> str:
    return f"{job.status}.{selectors.job_stage(job) or 'done'}"


# --------------------------------------------------------------------------- the view


async def job_events(request: HttpRequest, job_id: str) -> HttpResponse:
    try:
        job = await sync_to_async(_job_for_request)(request, job_id)
    except (ServiceError, exceptions.APIException) as exc:
        return _error_response(exc)
    if job.is_terminal and request.headers.get("Last-Event-ID") == event_id(job):
        return HttpResponse(status=204)
    base_url = request.build_absolute_uri("/").rstrip("/")
    stream = _stream(job, base_url=base_url, seen=request.headers.get("Last-Event-ID"))
    response = StreamingHttpResponse(stream, content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # nginx passes each event on at once
    return response


class _ReadScope:
    """What the API's throttles read from a view: opening a stream counts as a read."""

    throttle_scope = "vpr_read"


def _job_for_request(request: HttpRequest, job_id: str) -> Job:
    """The caller's job, authenticated by the signed link or by the API's own schemes, and
    throttled like every read (an EventSource reconnects on its own, forever)."""
    drf_request = Request(
        request, authenticators=[auth() for auth in api_settings.DEFAULT_AUTHENTICATION_CLASSES]
    )
    if token := request.GET.get("token"):
        drf_request.user = _user_from_link(token, job_id)
    elif not drf_request.user.is_authenticated:  # raises for bad credentials
        raise exceptions.NotAuthenticated()
    for throttle in [throttle() for throttle in api_settings.DEFAULT_THROTTLE_CLASSES]:
        if not throttle.allow_request(drf_request, _ReadScope()):
            raise exceptions.Throttled(throttle.wait())
    job = selectors.job_get_for_user(user=drf_request.user, job_id=job_id)
    if job is None:
        raise JobNotFound("Job not found.")
    return job


def _user_from_link(token: str, job_id: str) -> Any:
    invalid = EventsLinkInvalid(
        "The events link is invalid or expired; GET the job's status for a fresh events_url."
    )
    try:
        claims = signing.loads(token, salt=_SALT, max_age=settings.VPR_EVENTS_URL_TTL_SECONDS)
    except signing.BadSignature as exc:
        raise invalid from exc
    if claims.get("j") != job_id:
        raise invalid
    user = get_user_model().objects.filter(pk=claims.get("u"), is_active=True).first()
    if user is None:
        raise invalid
    return user


def _error_response(exc: Exception) -> JsonResponse:
    answer = exception_handler(exc, {})
    assert answer is not None  # ServiceError and APIException always map
    headers = {k: v for k, v in answer.items() if k.lower() != "content-type"}
    return JsonResponse(answer.data, status=answer.status_code, headers=headers)


# --------------------------------------------------------------------------- the stream


def _frame(name: str, data: dict[str, Any], *, event: str | None = None) -> str:
    text = json.dumps(data, cls=JSONEncoder, ensure_ascii=False, separators=(",", ":"))
    head = f"id: {event}\n" if event else ""
    return f"{head}event: {name}\ndata: {text}\n\n"


def _read(job: Job, base_url: str) -> tuple[Job | None, str | None]:
    """The job re-read, and its status event (an `error` event if its result is gone)."""
    from vpr_jobs.api import job_status_payload  # the status body has one home

    current = Job.objects.filter(pk=job.pk).only(*selectors.STATUS_FIELDS).first()
    if current is None:
        return None, None
    try:
        payload = job_status_payload(current, base_url=base_url)
    except ResultGone as exc:
        return current, _frame("error", exception_handler(exc, {}).data)
    return current, _frame("status", payload, event=event_id(current))


async def _stream(job: Job, *, base_url: str, seen: str | None) -> AsyncIterator[str]:
    yield f"retry: {settings.VPR_EVENTS_RETRY_MILLISECONDS}\n\n"
    heartbeat = settings.VPR_EVENTS_HEARTBEAT_SECONDS
    with events.hub().subscribe(str(job.pk)) as wake:
        # Read after subscribing: a change between the view's read and now is not missed.
        current, frame = await sync_to_async(_read)(job, base_url)
        next_beat = time.monotonic() + heartbeat
        while current is not None:
            if event_id(current) != seen:
                seen = event_id(current)
                yield frame
            if current.is_terminal:
                return
            try:
                await asyncio.wait_for(wake.wait(), timeout=max(0.0, next_beat - time.monotonic()))
            except TimeoutError:
                yield ": keep-alive\n\n"
                next_beat = time.monotonic() + heartbeat
                continue
            wake.clear()
            current, frame = await sync_to_async(_read)(current, base_url)
