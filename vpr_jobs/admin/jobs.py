"""The jobs admin: a changelist an operator can use on millions of rows, and a read-only detail.

Nothing here changes a job with `save()`: the job detail is read-only and every action
(`actions.py`) calls the same services as the API and the management commands, so an
operator can never overwrite a worker's result. The changelist runs no full COUNT(*) on the
unfiltered list (`changelist.py`), has fixed filter choices (`filters.py`), no facets, no
per-row queries, and a date filter on the indexed created_at (Django's date hierarchy would
run SELECT DISTINCT over the table). The list fits a 1280 px screen.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import URLPattern, path, reverse
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from vpr_jobs import rendering, selectors, storage
from vpr_jobs.admin.actions import cancel_jobs, reenqueue_jobs, retry_jobs
from vpr_jobs.admin.changelist import EstimatedCountPaginator, JobChangeList
from vpr_jobs.admin.display import (
    EMPTY,
    admin_result_url,
    human_duration,
    pretty_json,
    rendered_report_link,
    small_table,
    status_badge_html,
)
from vpr_jobs.admin.filters import ErrorCodeFilter, GeneratorFilter, StuckFilter
from vpr_jobs.errors import ResultGone
from vpr_jobs.models import Job, JobStatus, VPRArtifact
from vpr_jobs.pii import mask_personal_data


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
    actions = [retry_jobs, cancel_jobs, reenqueue_jobs]
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
        return status_badge_html(job.status)

    @admin.display(description="status", ordering="status")
    def status_and_attempts(self, job: Job) -> SafeString:
        if job.attempts > 1:
            return format_html(
                "{} <small>({} attempts)</small>", status_badge_html(job.status), job.attempts
            )
        return status_badge_html(job.status)

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
                admin_result_url(job.pk),
                rendered_report_link(job.pk),
            )
        if not storage.result_exists(job.result_key):
            return "The stored result expired or was deleted."
        return format_html(
            '<a href="{}" target="_blank">{}</a> · {}',
            admin_result_url(job.pk),
            job.result_key,
            rendered_report_link(job.pk),
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
                    admin_result_url(a.job_id),
                    rendered_report_link(a.job_id),
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
