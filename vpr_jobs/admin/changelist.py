"""What keeps an admin changelist fast on a table of millions of rows.

Django's changelist counts every row (COUNT(*) over the table) and loads every column; the
paginator here takes PostgreSQL's row estimate for the unfiltered list, and the jobs list
leaves the large JSON and text columns it never shows in the database.
"""

from __future__ import annotations

from typing import Any

from django.contrib.admin.views.main import ChangeList
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.functional import cached_property


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
