"""Small HTML pieces the admin pages share: JSON and tables, durations, status badges, links.

Kept apart from the ModelAdmins so the jobs, CV and artifact pages render a value the same
way; every piece escapes its input (`format_html`), so none of them can inject markup.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any

from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from vpr_jobs.models import JobStatus

STATUS_COLOURS = {
    JobStatus.PENDING: "#b26a00",
    JobStatus.PROCESSING: "#1565c0",
    JobStatus.COMPLETED: "#2e7d32",
    JobStatus.FAILED: "#c62828",
    JobStatus.CANCELLED: "#616161",
}

EMPTY = "—"


def pretty_json(data: Any) -> SafeString:
    text = json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False)
    return format_html(
        '<pre style="white-space:pre-wrap;max-height:32em;overflow:auto;margin:0">{}</pre>', text
    )


def small_table(headers: Iterable[str], rows: Iterable[Iterable[Any]]) -> SafeString:
    head = format_html_join("", "<th>{}</th>", ((h,) for h in headers))
    body = format_html_join(
        "",
        "<tr>{}</tr>",
        ((format_html_join("", "<td>{}</td>", ((cell,) for cell in row)),) for row in rows),
    )
    return format_html("<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table>", head, body)


def human_duration(delta: dt.timedelta | None) -> str:
    if delta is None:
        return EMPTY
    seconds = max(delta.total_seconds(), 0.0)
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m {secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m"


def status_badge_html(status: str) -> SafeString:
    colour = STATUS_COLOURS.get(status, "#000")
    return format_html('<span style="color:{};font-weight:bold">{}</span>', colour, status)


def admin_result_url(job_id: Any) -> str:
    return reverse("admin:vpr_jobs_job_result", args=[job_id])


def rendered_report_link(job_id: Any) -> SafeString:
    """The report as the candidate reads it (vpr_jobs/rendering.py), opened in a new tab."""
    url = admin_result_url(job_id) + "?format=html"
    return format_html('<a href="{}" target="_blank" rel="noopener">rendered report</a>', url)
