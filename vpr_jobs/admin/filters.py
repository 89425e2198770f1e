"""The jobs changelist's sidebar filters, each cheap on a table of millions of rows.

Django's stock field filters build their choices with SELECT DISTINCT over the table on every
page load; these list fixed choices instead, and "stuck" reuses the sweeper's own predicates
so the admin and the sweeper agree on which jobs are stuck.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from vpr_jobs.models import JobErrorCode

# Codes a job can end with: a fixed list, so the filter never runs SELECT DISTINCT error_code
# over the whole table on every page load.
KNOWN_ERROR_CODES = tuple(JobErrorCode.values)
KNOWN_GENERATORS = ("rules", "claude")


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
