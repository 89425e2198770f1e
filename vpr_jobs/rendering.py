"""A stored VPR document rendered for people: Markdown and HTML.

The JSON document is what programs read; a candidate or an operator reads this. Both formats
show the same sections (summary, fit score with its rationale, the evidence table with the
text of every cited source line, differentiators, gap strategies, talking points, keywords)
in the document's language, right to left for Hebrew.

Everything from a document or a source is data typed by a user or a model, so all of it is
escaped: the HTML through Django's autoescaping template, the Markdown by `md_escape` (HTML
characters become entities, Markdown syntax characters are backslash-escaped). Version-1
documents (plain-string differentiators, no citations, no rationale) render too.

Cited text needs the sources, which a document names only by id: they are rebuilt from the
job's own input (posting, gap answers) and its CV snapshot (older jobs: the owner's CV, whose
lines are not shown, ids still are, once it changed after the report was written), so a
report never quotes a CV it was not written from. A cited line reads in the report's language
(vpr_jobs/cited_lines.py); in a Hebrew report its names and dates are isolated for bidi. The
report's own sentences are lines too (`prose_line`): right-to-left in Hebrew, each English
name, quote or date in them isolated left-to-right, by the same template and `md_line`.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.template.loader import render_to_string
from pydantic import ValidationError
from rest_framework.renderers import BaseRenderer

from vpr_jobs.catalogue import Catalogue, build_catalogue
from vpr_jobs.cited_lines import EMPTY, CitedLine, cited_line, prose_line
from vpr_jobs.models import Job, UserCV
from vpr_jobs.schemas import CV, JobPosting, VPRDocument, VPRRequest

__all__ = [
    "HTMLReportRenderer",
    "MarkdownReportRenderer",
    "ReportPage",
    "md_escape",
    "md_line",
    "render_html",
    "render_markdown",
    "report_page",
]

REPORT_FORMATS = ("md", "html")

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Value Proposition Report",
        "for": "for",
        "at": "at",
        "summary": "Executive summary",
        "fit": "Fit score",
        "evidence": "Evidence",
        "requirement": "Requirement",
        "proof": "Evidence",
        "alignment": "Alignment",
        "cited": "Cited sources",
        "differentiators": "Differentiators",
        "gaps": "Gap strategies",
        "mitigation": "Mitigation",
        "transferable": "Transferable skills",
        "talking_points": "Talking points",
        "keywords": "Keywords",
        "none": "none",
        "cv_changed": (
            "The CV changed after this report was written; its cited lines are not shown."
        ),
        "generated": "Generated",
        "verified": "Fact verification",
        "passed": "passed",
        "failed": "failed",
        "STRONG": "strong",
        "MODERATE": "moderate",
        "DEVELOPING": "developing",
    },
    "he": {
        "title": "דוח הצעת ערך",
        "for": "עבור",
        "at": "ב-",
        "summary": "תקציר מנהלים",
        "fit": "ציון התאמה",
        "evidence": "ראיות",
        "requirement": "דרישה",
        "proof": "ראיה",
        "alignment": "התאמה",
        "cited": "מקורות מצוטטים",
        "differentiators": "מה מייחד",
        "gaps": "התמודדות עם פערים",
        "mitigation": "מענה",
        "transferable": "כישורים מועברים",
        "talking_points": "נקודות לשיחה",
        "keywords": "מילות מפתח",
        "none": "אין",
        "cv_changed": "קורות החיים עודכנו אחרי כתיבת הדוח; השורות המצוטטות מהם אינן מוצגות.",
        "generated": "נוצר",
        "verified": "אימות עובדות",
        "passed": "עבר",
        "failed": "נכשל",
        "STRONG": "חזקה",
        "MODERATE": "בינונית",
        "DEVELOPING": "בפיתוח",
    },
}


# --------------------------------------------------------------------------- view model


@dataclass(frozen=True)
class Citation:
    id: str
    line: CitedLine  # EMPTY when the source is not available (an old CV, an unknown id)

    @property
    def text(self) -> str:
        return self.line.text


@dataclass(frozen=True)
class ReportPage:
    """A document and the sources its citations are looked up in."""

    document: VPRDocument
    sources: Catalogue | None = None
    cv_changed: bool = False
    posting: JobPosting | None = None  # the job's: where its role line's location comes from
    labels: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "labels", LABELS.get(self.document.language, LABELS["en"]))

    @property
    def direction(self) -> str:
        return "rtl" if self.document.language == "he" else "ltr"

    def cite(self, ids: Iterable[str]) -> list[Citation]:
        out = []
        for item_id in ids:
            item = self.sources.get(item_id) if self.sources else None
            hidden = item is not None and self.cv_changed and item.id.startswith("cv.")
            if item is None or hidden:
                out.append(Citation(item_id, EMPTY))
            else:
                line = cited_line(item, self.document.language, posting=self.posting)
                out.append(Citation(item_id, line))
        return out

    def prose(self, text: str | None) -> CitedLine:
        """One of the report's own sentences, as its template and `md_line` show it."""
        return prose_line(text or "", self.document.language)

    def context(self) -> dict[str, Any]:
        """What the templates read: texts (as lines) and their citations, labels, direction."""
        doc, prose = self.document, self.prose
        return {
            "doc": doc,
            "labels": self.labels,
            "dir": self.direction,
            "cv_changed": self.cv_changed,
            "summary": prose(doc.executive_summary),
            "rationale": prose(doc.fit_rationale),
            "rows": [
                {
                    "row": row,
                    "requirement": prose(row.requirement),
                    "evidence": prose(row.evidence),
                    "impact": prose(row.impact),
                    "alignment": self.labels.get(row.alignment, row.alignment),
                    "citations": self.cite(row.evidence_ids),
                }
                for row in doc.evidence_matrix
            ],
            "differentiators": [
                {"line": prose(item.text), "citations": self.cite(item.evidence_ids)}
                for item in doc.differentiators
            ],
            "gaps": [
                {
                    "gap": gap,
                    "title": prose(gap.gap),
                    "mitigation": prose(gap.mitigation),
                    "citations": self.cite(gap.evidence_ids),
                }
                for gap in doc.gap_strategies
            ],
            "talking_points": [
                {"line": prose(item.text), "citations": self.cite(item.evidence_ids)}
                for item in doc.talking_points
            ],
            "fvs_passed": (doc.fvs or {}).get("passed"),
        }


def _sources_for(job: Job | None) -> tuple[VPRRequest | None, Catalogue | None, bool]:
    """The job's request, the catalogue the report was written from (the job's CV snapshot,
    its posting and answers) and whether its CV lines must be withheld (an old job without a
    snapshot whose owner changed the CV since)."""
    if job is None:
        return None, None, False
    try:
        request = VPRRequest.model_validate(job.input_data)
    except ValidationError:
        return None, None, False
    if job.cv_data is not None:
        # The CV as it was at submission (the job's snapshot): exactly what the report cites.
        try:
            snapshot = CV.model_validate(job.cv_data)
        except ValidationError:
            snapshot = None
        if snapshot is not None:
            catalogue = build_catalogue(snapshot, request.job_posting, request.gap_responses)
            return request, catalogue, False
    # Jobs from before CV snapshots: the current CV, withheld once it changed after the report.
    user_cv = UserCV.objects.filter(user_id=job.user_id).only("data", "updated_at").first()
    cv: CV | None = None
    if user_cv is not None:
        try:
            cv = CV.model_validate(user_cv.data)
        except ValidationError:
            cv = None
    changed = bool(user_cv and job.completed_at and user_cv.updated_at > job.completed_at)
    posting: JobPosting = request.job_posting
    catalogue = build_catalogue(cv or CV(full_name="-"), posting, request.gap_responses)
    return request, catalogue, changed or cv is None


def report_page(document: bytes | str | dict[str, Any], *, user_id: Any) -> ReportPage:
    """The page for a stored document of `user_id` (its job supplies the sources)."""
    if isinstance(document, dict):
        parsed = VPRDocument.model_validate(document)
    else:
        parsed = VPRDocument.model_validate_json(document)
    job = Job.objects.filter(pk=parsed.job_id, user_id=user_id).first()
    request, sources, cv_changed = _sources_for(job)
    posting = request.job_posting if request else None
    return ReportPage(document=parsed, sources=sources, cv_changed=cv_changed, posting=posting)


# --------------------------------------------------------------------------- HTML


def render_html(page: ReportPage) -> str:
    return render_to_string("vpr_jobs/report.html", page.context())


# --------------------------------------------------------------------------- Markdown

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|#!~])")
# Unicode isolates (UAX #9): Markdown has no <bdi>. Input text never holds these (vpr_jobs/text.py),
# so every one in a rendered report is the renderer's, and they always come in balanced pairs.
_ISOLATE = {"rtl": "\u2067", "ltr": "\u2066", "auto": "\u2068"}  # RLI, LRI, FSI
_POP_ISOLATE = "\u2069"  # PDI


def _fold(text: str) -> str:
    return " ".join(text.split())


def _md_inline(text: Any) -> str:
    return _MD_SPECIAL.sub(r"\\\1", html.escape(str(text), quote=False))


def md_escape(text: Any) -> str:
    """Text safe in Markdown: `&` `<` `>` as HTML entities (no raw HTML reaches a Markdown
    viewer), syntax characters backslash-escaped, line breaks folded (tables stay tables)."""
    return _fold(_md_inline(text))


def md_line(line: CitedLine) -> str:
    """A cited line (or a sentence of the report) in Markdown. A line in the report's
    direction (Hebrew words) is isolated right to left as a whole, whatever direction a viewer
    gives the table cell, and each name, date or English run in it is isolated too, so bidi
    neither scrambles a date nor runs an English name into its neighbours; a source's text
    shown as written, and English prose, are left as they are."""
    if line.direction == "auto":
        return md_escape(line.text)
    parts = (
        _ISOLATE[part.isolate] + _md_inline(part.text) + _POP_ISOLATE
        if part.isolate
        else _md_inline(part.text)
        for part in line.parts
    )
    return _ISOLATE[line.direction] + _fold("".join(parts)) + _POP_ISOLATE


def _md_citations(citations: list[Citation]) -> str:
    return "; ".join(f"`{c.id}`" + (f" {md_line(c.line)}" if c.text else "") for c in citations)


def render_markdown(page: ReportPage) -> str:
    ctx, labels, doc = page.context(), page.labels, page.document
    e = md_escape
    out = [
        f"# {e(labels['title'])}: {e(doc.candidate_name)}",
        "",
        f"{e(labels['for'])} **{e(doc.target_role)}**, {e(doc.target_company)}",
        "",
        f"## {e(labels['summary'])}",
        "",
        md_line(ctx["summary"]),
        "",
        f"## {e(labels['fit'])}",
        "",
        f"**{doc.fit_score}/100**" + (f" {md_line(ctx['rationale'])}" if doc.fit_rationale else ""),
        "",
        f"## {e(labels['evidence'])}",
        "",
        f"| {e(labels['requirement'])} | {e(labels['proof'])} | {e(labels['alignment'])} "
        f"| {e(labels['cited'])} |",
        "| --- | --- | --- | --- |",
    ]
    for entry in ctx["rows"]:
        out.append(
            f"| {md_line(entry['requirement'])} | {md_line(entry['evidence'])} "
            f"| {e(entry['alignment'])} "
            f"| {_md_citations(entry['citations']) or e(labels['none'])} |"
        )
    if page.cv_changed:
        out += ["", f"_{e(labels['cv_changed'])}_"]
    out += ["", f"## {e(labels['differentiators'])}", ""]
    out += [_md_item(item) for item in ctx["differentiators"]]
    out += ["", f"## {e(labels['gaps'])}", ""]
    for entry in ctx["gaps"]:
        gap = entry["gap"]
        out.append(f"- **{md_line(entry['title'])}**: {md_line(entry['mitigation'])}")
        if gap.transferable_skills:
            skills = ", ".join(e(skill) for skill in gap.transferable_skills)
            out.append(f"  - {e(labels['transferable'])}: {skills}")
        if entry["citations"]:
            out.append(f"  - {e(labels['cited'])}: {_md_citations(entry['citations'])}")
    if not ctx["gaps"]:
        out.append(f"- {e(labels['none'])}")
    out += ["", f"## {e(labels['talking_points'])}", ""]
    out += [_md_item(item) for item in ctx["talking_points"]]
    out += ["", f"## {e(labels['keywords'])}", "", ", ".join(e(k) for k in doc.keywords), ""]
    return "\n".join(out)


def _md_item(item: dict[str, Any]) -> str:
    cited = _md_citations(item["citations"])
    return f"- {md_line(item['line'])}" + (f" ({cited})" if cited else "")


# --------------------------------------------------------------------------- DRF renderers


class _ReportRenderer(BaseRenderer):
    """Renders a `ReportPage`; anything else (an error body) as a short escaped text."""

    charset = "utf-8"

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: dict[str, Any] | None = None,
    ) -> bytes:
        if isinstance(data, ReportPage):
            return self.page(data).encode("utf-8")
        return self.error(data).encode("utf-8")

    def page(self, page: ReportPage) -> str:
        raise NotImplementedError

    def error(self, data: Any) -> str:
        raise NotImplementedError


def _error_text(data: Any) -> str:
    """`CODE: message` and the field errors of an API error body (vpr_jobs.api_errors)."""
    if not isinstance(data, dict):
        return str(data or "")
    text = f"{data.get('error_code', 'ERROR')}: {data.get('error') or data.get('detail') or ''}"
    for name, reasons in (data.get("errors") or {}).items():
        text += f" {name}: {' '.join(map(str, reasons))}"
    return text


class MarkdownReportRenderer(_ReportRenderer):
    media_type = "text/markdown"
    format = "md"

    def page(self, page: ReportPage) -> str:
        return render_markdown(page)

    def error(self, data: Any) -> str:
        return md_escape(_error_text(data)) + "\n"


class HTMLReportRenderer(_ReportRenderer):
    media_type = "text/html"
    format = "html"

    def page(self, page: ReportPage) -> str:
        return render_html(page)

    def error(self, data: Any) -> str:
        return f"<!doctype html><title>Error</title><p>{html.escape(_error_text(data))}</p>\n"
