"""Admin pages for rows the API owns: users' CVs and VPR artifacts, viewable and never written.

A staff member may need to see what a user submitted or which report versions exist; editing
either here would bypass the API's validation and versioning, so these pages are view-only,
with contact details masked and the same estimated count as the jobs list.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from vpr_jobs.admin.changelist import EstimatedCountPaginator
from vpr_jobs.admin.display import admin_result_url, pretty_json
from vpr_jobs.models import UserCV, VPRArtifact
from vpr_jobs.pii import mask_personal_data


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
            admin_result_url(artifact.job_id),
            artifact.result_key,
        )
