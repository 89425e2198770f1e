"""Staff-only admin for VPR jobs: inspect jobs, CVs and artifacts, and operate on stuck jobs.

Nothing here changes a job with `save()`: the job detail is read-only and every action calls
the same services as the API and the management commands (conditional UPDATEs), so an
operator can never overwrite a worker's result. The changelist is built for a table of
millions of rows: no full COUNT(*) on the unfiltered list, fixed filter choices (no DISTINCT
scans), no facets, no per-row queries, and a date filter on the indexed created_at (Django's
date hierarchy would run SELECT DISTINCT over the table). The list fits a 1280 px screen.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import URLPattern, path, reverse
from django.utils import formats, timezone
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.text import capfirst

from vpr_jobs import rendering, selectors, storage
from vpr_jobs.errors import JobNotCancellable, JobNotFound, ResultGone
from vpr_jobs.models import Job, JobErrorCode, JobStatus, UserCV, VPRArtifact
from vpr_jobs.pii import mask_personal_data
from vpr_jobs.services import lifecycle, operations

# Codes a job can end with: a fixed list, so the filter never runs SELECT DISTINCT error_code
# over the whole table on every page load.
KNOWN_ERROR_CODES = tuple(JobErrorCode.values)
KNOWN_GENERATORS = ("rules", "claude")

# One action touches at most this many jobs: "select all 1,000,000" must not loop for hours.
MAX_ACTION_JOBS = 500
# Refusal reasons listed one by one in the message; the rest are summarised.
MAX_LISTED_REASONS = 10

STATUS_COLOURS = {
    JobStatus.PENDING: "#b26a00",
    JobStatus.PROCESSING: "#1565c0",
    JobStatus.COMPLETED: "#2e7d32",
    JobStatus.FAILED: "#c62828",
    JobStatus.CANCELLED: "#616161",
}

EMPTY = "—"

# The app list beside every admin page takes 300 px of a 1280 px screen, which the jobs
# changelist needs for its columns; the breadcrumbs and the index page still navigate.
admin.site.enable_nav_sidebar = False


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


# --------------------------------------------------------------------------- changelist


class EstimatedCountPaginator(Paginator):
    """No COUNT(*) over the whole table: the unfiltered list uses PostgreSQL's row estimate.

    `pg_class.reltuples` is kept current by (auto)vacuum/analyze; page links may be slightly
    off at the very end of a million-row list, which is the usual price of this pattern. Any
    filter or search, a small table, an unanalysed table or another database: exact count.
    """

    estimate_threshold = 50_000

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if isinstance(queryset, QuerySet) and not queryset.query.where:
            estimate = self._estimate(queryset)
            if estimate is not None and estimate >= self.estimate_threshold:
                return estimate
        return super().count

    @staticmethod
    def _estimate(queryset: QuerySet) -> int | None:
        connection = connections[queryset.db]
        if connection.vendor != "postgresql":
            return None
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(%s)",
                [connection.ops.quote_name(queryset.model._meta.db_table)],
            )
            row = cursor.fetchone()
        # -1: never analysed (PostgreSQL 14+); count exactly rather than show nonsense.
        return int(row[0]) if row and row[0] is not None and row[0] >= 0 else None


class JobChangeList(ChangeList):
    """Leaves the big JSON and text columns in the database: the list shows none of them."""

    def get_queryset(self, request: HttpRequest, *args: Any, **kwargs: Any) -> QuerySet:
        queryset = super().get_queryset(request, *args, **kwargs)
        return queryset.defer(
            "input_data",
            "cv_data",
            "fvs_result",
            "error",
            "idempotency_key",
            "request_fingerprint",
        )


class StuckFilter(admin.SimpleListFilter):
    """The sweeper's own predicates (`JobQuerySet`), so the admin and the sweeper agree."""

    title = "stuck"
    parameter_name = "stuck"
    CHOICES = {
        "any": ("stuck (any)", "stuck"),
        "never_sent": ("never sent", "never_sent"),
        "unclaimed": ("sent but unclaimed", "sent_but_unclaimed"),
        "lease": ("past its lease", "lease_expired"),
    }

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(value, label) for value, (label, _) in self.CHOICES.items()]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        choice = self.CHOICES.get(self.value() or "")
        if choice is None:
            return queryset
        return getattr(queryset, choice[1])(timezone.now())


class FixedChoicesFilter(admin.SimpleListFilter):
    """Exact-match filter over a known list of values: no DISTINCT query to build it."""

    field_name = ""
    values: tuple[str, ...] = ()

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(value, value) for value in self.values]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if value in self.values:
            return queryset.filter(**{self.field_name: value})
        return queryset


class ErrorCodeFilter(FixedChoicesFilter):
    title = "error code"
    parameter_name = field_name = "error_code"
    values = KNOWN_ERROR_CODES


class GeneratorFilter(FixedChoicesFilter):
    title = "generator"
    parameter_name = field_name = "generator"
    values = KNOWN_GENERATORS


# --------------------------------------------------------------------------- jobs


def _status_badge(status: str) -> SafeString:
    colour = STATUS_COLOURS.get(status, "#000")
    return format_html('<span style="color:{};font-weight:bold">{}</span>', colour, status)


def _admin_result_url(job_id: Any) -> str:
    return reverse("admin:vpr_jobs_job_result", args=[job_id])


def _rendered_report_link(job_id: Any) -> SafeString:
    """The report as the candidate reads it (vpr_jobs/rendering.py), opened in a new tab."""
    url = _admin_result_url(job_id) + "?format=html"
    return format_html('<a href="{}" target="_blank" rel="noopener">rendered report</a>', url)


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    # Readable at 1280 px: an 8-character id (the full one in its tooltip and on the page),
    # attempts beside the status, the cost with its tokens in a tooltip.
    list_display = [
        "short_id",
        "user",
        "application_id",
        "status_and_attempts",
        "created",
        "duration",
        "cost",
        "error_code_cell",
    ]
    list_display_links = ["short_id"]
    list_filter = [
        "status",
        ErrorCodeFilter,
        GeneratorFilter,
        ("created_at", admin.DateFieldListFilter),
        StuckFilter,
    ]
    list_select_related = ["user"]
    list_per_page = 50
    search_fields = ["job_id", "user__username", "application_id"]
    search_help_text = "Exact job ID (UUID), application ID, username or user email."
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    paginator = EstimatedCountPaginator
    actions = ["retry_jobs", "cancel_jobs", "reenqueue_jobs"]
    fieldsets = [
        (
            "Job",
            {
                "fields": [
                    "job_id",
                    "user",
                    "application_id",
                    "status_badge",
                    "generator",
                    "attempts",
                    "error_code",
                    "error",
                    "vpr_version",
                    "word_count",
                ]
            },
        ),
        ("Timeline", {"fields": ["timeline"]}),
        ("Result", {"fields": ["result_link", "artifact_versions"]}),
        ("Fact verification", {"fields": ["fvs_table"]}),
        ("Tokens and cost", {"fields": ["token_usage_table"]}),
        ("Input (contact details masked)", {"fields": ["request_input", "user_cv"]}),
    ]
    # Every field shown is read-only: state changes go through the actions (services).
    readonly_fields = [name for _, options in fieldsets for name in options["fields"]]

    # ----------------------------------------------------------------- permissions

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # jobs are created by the API only

    def has_delete_permission(self, request: HttpRequest, obj: Job | None = None) -> bool:
        return False  # `purge_jobs` deletes with the stored results; a row delete would not

    def has_change_permission(self, request: HttpRequest, obj: Job | None = None) -> bool:
        """The "change" permission gates the actions; a job itself is never saved by a form
        (that would overwrite a worker's concurrent transition), so its page is view-only."""
        if obj is not None:
            return False
        return super().has_change_permission(request)

    # ----------------------------------------------------------------- changelist

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return JobChangeList

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        """Exact matches only, each answerable by an index (no LIKE over a million rows)."""
        term = search_term.strip()
        if not term:
            return queryset, False
        try:
            return queryset.filter(pk=UUID(term)), False
        except ValueError:
            pass
        # Users resolved first: an OR over a subquery defeats the indexes (a seq scan at 1M).
        users = get_user_model().objects.filter(Q(username=term) | Q(email__iexact=term))
        user_ids = list(users.values_list("pk", flat=True)[:50])
        matches = (
            Q(application_id=term) | Q(user_id__in=user_ids) if user_ids else Q(application_id=term)
        )
        return queryset.filter(matches), False

    @admin.display(description="job", ordering="job_id")
    def short_id(self, job: Job) -> SafeString:
        return format_html('<span title="{}">{}</span>', job.pk, str(job.pk)[:8])

    @admin.display(description="status", ordering="status")
    def status_badge(self, job: Job) -> SafeString:
        return _status_badge(job.status)

    @admin.display(description="status", ordering="status")
    def status_and_attempts(self, job: Job) -> SafeString:
        if job.attempts > 1:
            return format_html(
                "{} <small>({} attempts)</small>", _status_badge(job.status), job.attempts
            )
        return _status_badge(job.status)

    @admin.display(description="error code", ordering="error_code")
    def error_code_cell(self, job: Job) -> SafeString | str:
        """Wraps anywhere: FVS_HALLUCINATION_DETECTED would otherwise widen the table."""
        if not job.error_code:
            return EMPTY
        return format_html('<span style="overflow-wrap:anywhere">{}</span>', job.error_code)

    @admin.display(description="created", ordering="created_at")
    def created(self, job: Job) -> str:
        return formats.date_format(timezone.localtime(job.created_at), "Y-m-d H:i")

    @admin.display(description="duration")
    def duration(self, job: Job) -> str:
        """The last attempt's run time (started → completed), or how long it has been running."""
        if job.started_at and job.completed_at:
            return human_duration(job.completed_at - job.started_at)
        if job.started_at and job.status == JobStatus.PROCESSING:
            return f"running {human_duration(timezone.now() - job.started_at)}"
        return EMPTY

    @admin.display(description="cost")
    def cost(self, job: Job) -> SafeString | str:
        usage = job.token_usage or {}
        if not usage:
            return EMPTY
        tokens = f"{usage.get('input_tokens', 0):,} in / {usage.get('output_tokens', 0):,} out"
        cost = usage.get("estimated_cost_usd")
        shown = f"${cost:.4f}" if isinstance(cost, int | float) else tokens
        return format_html('<span title="{}">{}</span>', tokens, shown)

    # ----------------------------------------------------------------- detail

    @admin.display(description="timeline")
    def timeline(self, job: Job) -> SafeString:
        def when(value: dt.datetime | None) -> str:
            return formats.localize(timezone.localtime(value)) if value else EMPTY

        def since(start: dt.datetime | None, end: dt.datetime | None) -> str:
            return human_duration(end - start) if start and end else EMPTY

        rows = [
            ("created", when(job.created_at), ""),
            ("enqueued", when(job.enqueued_at), since(job.created_at, job.enqueued_at)),
            ("started", when(job.started_at), since(job.created_at, job.started_at)),
            ("completed", when(job.completed_at), since(job.started_at, job.completed_at)),
            ("last update", when(job.updated_at), ""),
        ]
        return small_table(["event", "at", "after previous step"], rows)

    @admin.display(description="result")
    def result_link(self, job: Job) -> SafeString | str:
        """A fresh link: S3 presigned URL, or the admin's own view (the API link is owner-only)."""
        if not job.result_key:
            return "No result (the job has not completed)."
        if settings.RESULTS_STORAGE == "s3":
            try:
                url = selectors.result_url_for(key=job.result_key)
            except ResultGone:
                return "The stored result expired or was deleted."
            return format_html(
                '<a href="{}" target="_blank" rel="noopener">Download (presigned S3 URL, '
                'valid {} s)</a> · <a href="{}">view via admin</a> · {}',
                url,
                settings.VPR_RESULT_URL_TTL_SECONDS,
                _admin_result_url(job.pk),
                _rendered_report_link(job.pk),
            )
        if not storage.result_exists(job.result_key):
            return "The stored result expired or was deleted."
        return format_html(
            '<a href="{}" target="_blank">{}</a> · {}',
            _admin_result_url(job.pk),
            job.result_key,
            _rendered_report_link(job.pk),
        )

    @admin.display(description="artifact versions (same user and application)")
    def artifact_versions(self, job: Job) -> SafeString | str:
        artifacts = VPRArtifact.objects.filter(
            user_id=job.user_id, application_id=job.application_id
        ).order_by("-version")
        rows = [
            (
                format_html("v{}{}", a.version, " (this job)" if a.job_id == job.pk else ""),
                format_html(
                    '<a href="{}">{}</a>',
                    reverse("admin:vpr_jobs_job_change", args=[a.job_id]),
                    a.job_id,
                ),
                a.word_count,
                formats.localize(timezone.localtime(a.created_at)),
                format_html(
                    '<a href="{}">JSON</a> · {}',
                    _admin_result_url(a.job_id),
                    _rendered_report_link(a.job_id),
                ),
            )
            for a in artifacts
        ]
        if not rows:
            return "No artifact yet."
        return small_table(["version", "job", "words", "created", "result"], rows)

    @admin.display(description="FVS")
    def fvs_table(self, job: Job) -> SafeString | str:
        fvs = job.fvs_result or {}
        if not fvs:
            return "No fact verification recorded."
        rows = [
            (
                kind,
                item.get("tier", ""),
                item.get("check", ""),
                item.get("field", ""),
                item.get("value", ""),
                item.get("message", ""),
            )
            for kind in ("violation", "warning")
            for item in fvs.get(f"{kind}s") or []
            if isinstance(item, dict)
        ]
        verdict = format_html(
            "<p><strong>{}</strong> · {} violation(s), {} warning(s)</p>",
            "passed" if fvs.get("passed") else "failed",
            len(fvs.get("violations") or []),
            len(fvs.get("warnings") or []),
        )
        if not rows:
            return verdict
        table = small_table(["kind", "tier", "check", "field", "value", "message"], rows)
        return format_html("{}{}", verdict, table)

    @admin.display(description="token usage")
    def token_usage_table(self, job: Job) -> SafeString | str:
        usage = job.token_usage or {}
        if not usage:
            return "No token usage recorded (offline generator)."
        labels = {
            "input_tokens": "input tokens",
            "output_tokens": "output tokens",
            "cache_read_input_tokens": "cache read tokens",
            "cache_creation_input_tokens": "cache write tokens",
            "calls": "model calls",
            "estimated_cost_usd": "estimated cost (USD)",
        }
        rows = [
            (labels.get(key, key), f"${value:.4f}" if key == "estimated_cost_usd" else value)
            for key, value in usage.items()
        ]
        return small_table(["", "value"], rows)

    @admin.display(description="request input")
    def request_input(self, job: Job) -> SafeString:
        return pretty_json(mask_personal_data(job.input_data))

    @admin.display(description="CV (as submitted)")
    def user_cv(self, job: Job) -> SafeString | str:
        """The job's own snapshot: the CV it runs on, whatever the user's CV is now."""
        if job.cv_data is None:
            return "No CV snapshot (submitted before snapshots)."
        return pretty_json(mask_personal_data(job.cv_data))

    # ----------------------------------------------------------------- result view

    def get_urls(self) -> list[URLPattern]:
        result = path(
            "<path:object_id>/result/",
            self.admin_site.admin_view(self.result_view),
            name=f"{self.opts.app_label}_{self.opts.model_name}_result",
        )
        return [result, *super().get_urls()]

    def result_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The stored report for staff (the API's signed link only opens for the job's owner):
        the JSON, or with `?format=html` the report rendered as the candidate reads it."""
        job = self.get_object(request, unquote(object_id))
        if job is None:
            raise Http404("No such job.")
        if not self.has_view_permission(request, job):
            raise PermissionDenied
        if not job.result_key:
            return JsonResponse({"detail": "The job has no result."}, status=404)
        document = storage.result_read(job.result_key)
        if document is None:
            return JsonResponse({"detail": "The result expired or was deleted."}, status=410)
        if request.GET.get("format") == "html":
            page = rendering.report_page(document, user_id=job.user_id)
            response = HttpResponse(rendering.render_html(page), "text/html; charset=utf-8")
        else:
            response = HttpResponse(document, "application/json")
            response["Content-Disposition"] = f'inline; filename="{job.pk}.json"'
        response["Cache-Control"] = "private, no-store"
        return response

    # ----------------------------------------------------------------- actions

    def _operate(
        self,
        request: HttpRequest,
        queryset: QuerySet,
        *,
        verb: str,
        operation: Callable[[Job], tuple[bool, str]],
    ) -> None:
        """Run `operation` on each selected job, log what was done, report every refusal."""
        selected = queryset.select_related(None).only("job_id", "status").order_by()
        jobs = list(selected[: MAX_ACTION_JOBS + 1])
        if len(jobs) > MAX_ACTION_JOBS:
            self.message_user(
                request,
                f"Nothing {verb}: select at most {MAX_ACTION_JOBS} jobs per action.",
                messages.ERROR,
            )
            return
        done: list[str] = []
        refused: list[tuple[Job, str]] = []
        for job in jobs:
            ok, detail = operation(job)
            if ok:
                self.log_change(request, job, f"{capfirst(verb)} via admin: {detail}.")
                done.append(detail)
            else:
                refused.append((job, detail))
        unusual = sorted({d for d in done if "fail" in d})  # e.g. "retried; enqueue failed"
        summary = f"{capfirst(verb)} {len(done)} of {len(jobs)} job(s)."
        if unusual:
            summary += f" Note: {'; '.join(unusual)}."
        if not refused:
            self.message_user(request, summary, messages.WARNING if unusual else messages.SUCCESS)
            return
        reasons = "; ".join(f"{job.pk}: {why}" for job, why in refused[:MAX_LISTED_REASONS])
        if len(refused) > MAX_LISTED_REASONS:
            reasons += f"; and {len(refused) - MAX_LISTED_REASONS} more"
        self.message_user(
            request, f"{summary} Refused {len(refused)}: {reasons}.", messages.WARNING
        )

    @admin.action(
        description="Retry selected jobs (FAILED or stuck → PENDING, attempts reset)",
        permissions=["change"],
    )
    def retry_jobs(self, request: HttpRequest, queryset: QuerySet) -> None:
        def retry(job: Job) -> tuple[bool, str]:
            result = operations.job_retry(job_id=job.pk)
            return result.done, result.detail

        self._operate(request, queryset, verb="retried", operation=retry)

    @admin.action(
        description="Cancel selected jobs (PENDING or PROCESSING)", permissions=["change"]
    )
    def cancel_jobs(self, request: HttpRequest, queryset: QuerySet) -> None:
        def cancel(job: Job) -> tuple[bool, str]:
            try:
                cancelled = lifecycle.job_cancel(job_id=job.pk)
            except (JobNotCancellable, JobNotFound) as exc:
                return False, exc.message
            return True, f"cancelled ({cancelled.error_code})"

        self._operate(request, queryset, verb="cancelled", operation=cancel)

    @admin.action(
        description="Re-enqueue selected jobs (PENDING whose message was lost)",
        permissions=["change"],
    )
    def reenqueue_jobs(self, request: HttpRequest, queryset: QuerySet) -> None:
        def reenqueue(job: Job) -> tuple[bool, str]:
            result = operations.job_reenqueue(job_id=job.pk)
            return result.done, result.detail

        self._operate(request, queryset, verb="re-enqueued", operation=reenqueue)


# --------------------------------------------------------------------------- read-only models


class ReadOnlyAdmin(admin.ModelAdmin):
    """Viewable by staff, never written through the admin (the API owns these rows)."""

    paginator = EstimatedCountPaginator
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(UserCV)
class UserCVAdmin(ReadOnlyAdmin):
    list_display = ["user", "full_name", "updated_at", "created_at"]
    list_select_related = ["user"]
    search_fields = ["=user__username", "=user__email"]
    fields = ["user", "cv_data", "created_at", "updated_at"]
    readonly_fields = fields

    @admin.display(description="name")
    def full_name(self, cv: UserCV) -> str:
        return str((cv.data or {}).get("full_name", ""))

    @admin.display(description="CV (contact details masked)")
    def cv_data(self, cv: UserCV) -> SafeString:
        return pretty_json(mask_personal_data(cv.data))


@admin.register(VPRArtifact)
class VPRArtifactAdmin(ReadOnlyAdmin):
    list_display = ["application_id", "version", "user", "job_link", "word_count", "created_at"]
    list_select_related = ["user"]
    search_fields = ["=application_id", "=user__username"]
    fields = [
        "user",
        "application_id",
        "version",
        "job_link",
        "word_count",
        "result_key",
        "result",
        "created_at",
    ]
    readonly_fields = fields

    @admin.display(description="job")
    def job_link(self, artifact: VPRArtifact) -> SafeString:
        """The job's id from the FK column: no join, no per-row query."""
        url = reverse("admin:vpr_jobs_job_change", args=[artifact.job_id])
        return format_html('<a href="{}">{}</a>', url, artifact.job_id)

    @admin.display(description="result")
    def result(self, artifact: VPRArtifact) -> SafeString:
        return format_html(
            '<a href="{}" target="_blank">{}</a>',
            _admin_result_url(artifact.job_id),
            artifact.result_key,
        )


from vpr_jobs import token_admin  # noqa: E402, F401  (API tokens: list and revoke only)
