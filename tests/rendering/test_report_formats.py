"""`?format=md` and `?format=html` on the result views: the report rendered for people.

Reports are written by the real worker task (rules generator) from the shared source sets, so
the citations point at real catalogue lines; the rendered text is then read back.
"""

from __future__ import annotations

import copy
import html as html_lib
import re
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlparse

import pytest
from django.utils import timezone

from tests.support.sets import SET_NAMES, load_set
from vpr_jobs import rendering
from vpr_jobs.catalogue import build_catalogue
from vpr_jobs.cited_lines import cited_line
from vpr_jobs.generation.base import GenerationInput
from vpr_jobs.generation.rules import RulesGenerator
from vpr_jobs.models import Job, UserCV
from vpr_jobs.schemas import CV, VPRDocument, VPRRequest
from vpr_jobs.services import lifecycle

pytestmark = pytest.mark.django_db

SECTIONS = ["summary", "fit", "evidence", "differentiators", "gaps", "talking-points", "keywords"]


def complete(api: Any, submit: Any, set_name: str, cv: dict | None = None) -> Job:
    """PUT the set's CV, submit its posting and answers, and complete the job with the rules
    generator's report through the worker's own services (FVS is not what is tested here)."""
    source = load_set(set_name)
    cv_body = cv or source.cv.model_dump(mode="json")
    assert api.put("/api/cv", cv_body, format="json").status_code == 200
    body = {
        "application_id": f"app-{set_name}",
        "job_posting": source.posting.model_dump(mode="json"),
        "gap_responses": [gap.model_dump(mode="json") for gap in source.gaps],
    }
    job_id = submit(body, client=api).json()["job_id"]
    job = lifecycle.job_claim(job_id=job_id)
    data = GenerationInput(
        job_id=job_id, cv=CV.model_validate(cv_body), request=VPRRequest.model_validate(body)
    )
    assert lifecycle.job_complete(job=job, document=RulesGenerator().generate(data).document)
    return Job.objects.get(pk=job_id)


def document_of(api: Any, job: Job) -> VPRDocument:
    body = api.get(f"/api/applications/{job.application_id}/vpr").json()
    return VPRDocument.model_validate(body["document"])


class Page(HTMLParser):
    """The parts of the HTML a reader sees: root attributes, section ids, table rows, text."""

    def __init__(self, markup: str) -> None:
        super().__init__()
        self.root: dict[str, str | None] = {}
        self.sections: list[str] = []
        self.rows = 0
        self.tags: list[str] = []
        self.text: list[str] = []
        self.feed(markup)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag == "html":
            self.root = dict(attrs)
        if tag == "section":
            self.sections.append(dict(attrs).get("id") or "")
        if tag == "tr":
            self.rows += 1

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    @property
    def all_text(self) -> str:
        return " ".join(" ".join(self.text).split())


class CitedLines(HTMLParser):
    """Every cited source line of the HTML (`<p class="cite">`): its id, its text as a reader
    sees it (isolated names and dates included) and the direction it is laid out in."""

    def __init__(self, markup: str) -> None:
        super().__init__()
        self.lines: list[tuple[str, str, str]] = []
        self._part: str | None = None  # "id" in the <code>, "text" in the <span>
        self._id = self._text = self._dir = ""
        self.feed(markup)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "p" and dict(attrs).get("class") == "cite":
            self._id = self._text = self._dir = ""
        elif tag == "code" and self._part is None:
            self._part = "id"
        elif tag == "span" and self._part is None:
            self._part, self._dir = "text", dict(attrs).get("dir") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag in ("code", "span"):
            self._part = None
        if tag == "p" and self._id:
            self.lines.append((self._id, _squash(self._text), self._dir))
            self._id = ""

    def handle_data(self, data: str) -> None:
        if self._part == "id":
            self._id += data
        elif self._part == "text":
            self._text += data


class Prose(HTMLParser):
    """The report's own sentences in the HTML: every element with a `dir` outside the cited
    lines and the keywords, its text and direction, and the texts isolated left-to-right in
    it (`<bdi dir="ltr">`)."""

    def __init__(self, markup: str) -> None:
        super().__init__()
        self.elements: list[dict[str, Any]] = []
        self._open: list[dict[str, Any]] = []
        self._skip = ""  # "p" inside a cited line, "section" inside the keywords
        self.feed(markup)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if (tag, attributes.get("class")) == ("p", "cite") or attributes.get("id") == "keywords":
            self._skip = tag
        elif self._skip:
            return
        elif tag == "bdi" or (attributes.get("dir") and tag != "html"):
            self._open.append({"tag": tag, "dir": attributes.get("dir"), "text": ""})

    def handle_endtag(self, tag: str) -> None:
        if tag == self._skip:
            self._skip = ""
        elif self._open and self._open[-1]["tag"] == tag:
            element = self._open.pop()
            outer = next((e for e in reversed(self._open) if e["tag"] != "bdi"), None)
            if element["tag"] != "bdi":
                self.elements.append({**element, "text": _squash(element["text"])})
            elif element["dir"] == "ltr" and outer is not None:
                outer.setdefault("isolated", []).append(element["text"])

    def handle_data(self, data: str) -> None:
        for element in self._open:
            element["text"] += data


_MD_CITATION = re.compile(r"(?<!\\)`([a-z0-9.]+)`")
_MD_UNESCAPE = re.compile(r"\\(.)")
ISOLATES = re.compile("[\u2066-\u2069]")


def md_cited_lines(markdown: str) -> list[tuple[str, str]]:
    """(id, text) of every citation of the Markdown: what follows `id` up to the next one or
    the end of its line (with the `;`, `)` or `|` that closes it), unescaped, no isolates."""
    out = []
    for line in markdown.splitlines():
        pieces = _MD_CITATION.split(line)[1:]
        for item_id, text in zip(pieces[::2], pieces[1::2], strict=True):
            plain = html_lib.unescape(_MD_UNESCAPE.sub(r"\1", ISOLATES.sub("", text)))
            out.append((item_id, _squash(plain)))
    return out


def _squash(text: str) -> str:
    return " ".join(text.split())


# --------------------------------------------------------------------------- HTML


@pytest.mark.parametrize(
    ("set_name", "direction"), [("backend_senior_to_staff", "ltr"), ("he_devops", "rtl")]
)
def test_html_shows_every_section_the_cited_sources_and_the_direction(
    api: Any, submit: Any, set_name: str, direction: str
) -> None:
    job = complete(api, submit, set_name)
    doc = document_of(api, job)

    response = api.get(f"/api/applications/{job.application_id}/vpr?format=html")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response["Cache-Control"] == "private, no-store"
    page = Page(response.content.decode())
    assert page.root == {"lang": doc.language, "dir": direction}
    assert page.sections == SECTIONS
    assert page.rows == len(doc.evidence_matrix) + 1  # one per row, plus the header
    assert f"{doc.fit_score} /100" in page.all_text
    sentences = {element["text"] for element in Prose(response.content.decode()).elements}
    assert {_squash(doc.executive_summary), _squash(doc.fit_rationale)} <= sentences
    source = load_set(set_name)
    catalogue = build_catalogue(source.cv, source.posting, source.gaps)
    cited = [i for row in doc.evidence_matrix for i in row.evidence_ids]
    assert cited, "the rules generator cites its evidence"
    shown = {item_id: text for item_id, text, _ in CitedLines(response.content.decode()).lines}
    for item_id in cited:  # every cited line is shown, in the report's language
        line = cited_line(catalogue.get(item_id), doc.language, posting=source.posting)
        assert shown[item_id] == _squash(line.text)
        if doc.language == "en":
            assert line.text == catalogue.get(item_id).text


HEBREW_SETS = [name for name in SET_NAMES if load_set(name).about.language == "he"]
DATE = re.compile(r"\d{4}-\d\d|\d\d/\d{4}")
ENGLISH_QUOTE = re.compile(r'"[A-Za-z][^"\u0590-\u05ff]*"')


def prose_of(doc: VPRDocument, labels: dict[str, str]) -> list[str]:
    """The report's own sentences, as the HTML shows them (the strategy after its label)."""
    texts = [doc.executive_summary, doc.fit_rationale or ""]
    texts += [text for row in doc.evidence_matrix for text in (row.requirement, row.evidence)]
    texts += [item.text for item in doc.differentiators + doc.talking_points]
    texts += [gap.gap for gap in doc.gap_strategies]
    texts += [f"{labels['mitigation']}: {gap.mitigation}" for gap in doc.gap_strategies]
    return [_squash(text) for text in texts if text]


@pytest.mark.parametrize("set_name", HEBREW_SETS)
def test_a_hebrew_reports_sentences_are_right_to_left_with_english_and_dates_isolated(
    api: Any, submit: Any, set_name: str
) -> None:
    """A Hebrew sentence that starts with an English name is still a right-to-left one; each
    date in it, and each English quote with its quote marks, is one left-to-right isolate."""
    job = complete(api, submit, set_name)
    doc = document_of(api, job)

    markup = api.get(f"/api/applications/{job.application_id}/vpr?format=html").content.decode()

    elements = Prose(markup).elements
    by_text = {e["text"]: e for e in elements}
    for text in prose_of(doc, rendering.LABELS["he"]):
        shown = by_text.get(text) or next(e for e in elements if e["text"].startswith(text))
        assert shown["dir"] == "rtl", text  # (an evidence cell goes on with its impact note)
    assert [e["text"] for e in elements if e["dir"] != "rtl"] == []
    dates = quotes = 0
    for element in elements:
        isolated = element.get("isolated", [])
        for date in DATE.findall(element["text"]):
            assert any(date in run and "(" not in run for run in isolated), (date, element)
            dates += 1
        for quote in ENGLISH_QUOTE.findall(element["text"]):
            assert any(quote in run for run in isolated), (quote, element)
            quotes += 1
    assert dates and quotes, "the set's report has dates and English quotes in its sentences"


def test_an_english_reports_sentences_are_laid_out_by_their_own_words(
    api: Any, submit: Any
) -> None:
    job = complete(api, submit, "backend_senior_to_staff")
    doc = document_of(api, job)

    markup = api.get(f"/api/applications/{job.application_id}/vpr?format=html").content.decode()

    elements = Prose(markup).elements
    assert {e["text"] for e in elements} >= set(prose_of(doc, rendering.LABELS["en"])) - {
        _squash(row.evidence) for row in doc.evidence_matrix
    }
    assert {e["dir"] for e in elements} == {"auto"}
    assert not any(e.get("isolated") for e in elements) and "<bdi dir" not in markup


def test_markdown_isolates_a_hebrew_reports_sentences(api: Any, submit: Any) -> None:
    job = complete(api, submit, "en_cv_he_posting")
    doc = document_of(api, job)

    markdown = api.get(f"/api/applications/{job.application_id}/vpr?format=md").content.decode()

    rli, lri, pdi = "\u2067", "\u2066", "\u2069"
    summary = markdown.split("\n## ", 2)[1].splitlines()[2]
    assert summary.startswith(f"{rli}התפקיד הנוכחי של {lri}") and summary.endswith(pdi)
    assert ISOLATES.sub("", summary) == rendering.md_escape(doc.executive_summary)
    assert f"(מאז {lri}2021-09{pdi});" in markdown
    assert f'{lri}"Rebuilt the quote flow in…"{pdi}' in markdown


def test_markdown_shows_every_section_and_the_cited_sources(api: Any, submit: Any) -> None:
    job = complete(api, submit, "backend_senior_to_staff")
    doc = document_of(api, job)

    response = api.get(f"/api/applications/{job.application_id}/vpr?format=md")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    markdown = response.content.decode()
    for heading in (
        "## Executive summary",
        "## Fit score",
        "## Evidence",
        "## Differentiators",
        "## Gap strategies",
        "## Talking points",
        "## Keywords",
    ):
        assert f"\n{heading}\n" in markdown
    assert f"**{doc.fit_score}/100** {rendering.md_escape(doc.fit_rationale)}" in markdown
    table = [line for line in markdown.splitlines() if line.startswith("| ")]
    assert len(table) == len(doc.evidence_matrix) + 2  # plus the header and its rule
    row = next(r for r in doc.evidence_matrix if r.evidence_ids)
    source = load_set("backend_senior_to_staff")
    item = build_catalogue(source.cv, source.posting, source.gaps).get(row.evidence_ids[0])
    assert f"`{item.id}` {rendering.md_escape(item.text)}" in markdown


def test_json_stays_the_default_and_accept_negotiates_markdown(api: Any, submit: Any) -> None:
    job = complete(api, submit, "backend_senior_to_staff")

    response = api.get(f"/api/applications/{job.application_id}/vpr")
    negotiated = api.get(f"/api/applications/{job.application_id}/vpr", HTTP_ACCEPT="text/markdown")

    assert response["Content-Type"] == "application/json"
    assert response.json()["document"]["job_id"] == str(job.pk)
    assert negotiated["Content-Type"] == "text/markdown; charset=utf-8"  # Accept works too
    assert negotiated.content.decode().startswith("# Value Proposition Report: ")


def test_a_jobs_result_link_renders_too(api: Any, submit: Any) -> None:
    job = complete(api, submit, "he_devops")
    link = api.get(f"/api/vpr/status/{job.pk}").json()["result_url"]
    path = urlparse(link)

    as_json = api.get(f"{path.path}?{path.query}")
    as_html = api.get(f"{path.path}?{path.query}&format=html")
    as_md = api.get(f"{path.path}?{path.query}&format=md")

    assert as_json["Content-Type"] == "application/json"
    assert as_html.status_code == as_md.status_code == 200
    assert Page(as_html.content.decode()).root["dir"] == "rtl"
    assert as_md.content.decode().startswith("# דוח הצעת ערך: ")


# --------------------------------------------------------------------------- safety


@pytest.mark.parametrize("set_name", ["backend_senior_to_staff", "en_cv_he_posting"])
def test_markup_in_the_cv_is_escaped_in_both_formats(api: Any, submit: Any, set_name: str) -> None:
    """In a Hebrew report too, where the English runs of its sentences are parts of a line."""
    cv = load_set(set_name).cv.model_dump(mode="json")
    attack = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    cv["full_name"] = f"Dana {attack} | ** [link](javascript:alert(1))"
    cv["experience"][0]["achievements"][0] += f" {attack}"
    job = complete(api, submit, set_name, cv=cv)

    html = api.get(f"/api/applications/{job.application_id}/vpr?format=html").content.decode()
    markdown = api.get(f"/api/applications/{job.application_id}/vpr?format=md").content.decode()

    page = Page(html)
    assert "script" not in page.tags and "img" not in page.tags
    assert "&lt;script&gt;" in html and "<script>" not in html and "<img" not in html
    assert "<script>" not in markdown and "<img" not in markdown
    assert "&lt;script&gt;alert" in markdown
    assert "\\[link\\](javascript:alert(1))" in markdown  # no live Markdown link either
    if set_name != "backend_senior_to_staff":  # the name leads the summary's first English run
        summary = html.split('<section id="summary">', 1)[1].split("</p>", 1)[0]
        assert '<bdi dir="ltr">Dana &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;' in summary


def test_errors_come_back_in_the_asked_format_without_internals(api: Any, submit: Any) -> None:
    job = complete(api, submit, "backend_senior_to_staff")

    missing = api.get("/api/applications/nope/vpr?format=html")
    bad_version = api.get(f"/api/applications/{job.application_id}/vpr?format=md&version=x")

    assert missing.status_code == 404
    assert missing["Content-Type"] == "text/html; charset=utf-8"
    assert "NOT_FOUND" in missing.content.decode()
    assert bad_version.status_code == 400
    assert "version: Must be a positive integer." in bad_version.content.decode()


def _cited_cv_item(api: Any, job: Any) -> Any:
    doc = document_of(api, job)
    cv_id = next(i for row in doc.evidence_matrix for i in row.evidence_ids if i.startswith("cv."))
    source = load_set("backend_senior_to_staff")
    return build_catalogue(source.cv, source.posting, source.gaps).get(cv_id)


def test_cited_cv_lines_come_from_the_jobs_cv_snapshot_after_the_cv_changed(
    api: Any, submit: Any
) -> None:
    job = complete(api, submit, "backend_senior_to_staff")
    item = _cited_cv_item(api, job)
    UserCV.objects.filter(user_id=job.user_id).update(
        data={"full_name": "Someone Else"}, updated_at=timezone.now()
    )

    text = Page(
        api.get(f"/api/applications/{job.application_id}/vpr?format=html").content.decode()
    ).all_text

    assert "The CV changed after this report was written" not in text
    assert item.id in text and _squash(item.text) in text.split("Evidence", 1)[1]


def test_cited_cv_lines_of_a_job_without_a_snapshot_are_withheld_once_the_cv_changed(
    api: Any, submit: Any
) -> None:
    """Jobs submitted before CV snapshots: the current CV may no longer be what was cited."""
    job = complete(api, submit, "backend_senior_to_staff")
    item = _cited_cv_item(api, job)
    Job.objects.filter(pk=job.pk).update(cv_data=None)
    UserCV.objects.filter(user_id=job.user_id).update(updated_at=timezone.now())

    text = Page(
        api.get(f"/api/applications/{job.application_id}/vpr?format=html").content.decode()
    ).all_text

    assert "The CV changed after this report was written" in text
    assert item.id in text and _squash(item.text) not in text.split("Evidence", 1)[1]


# --------------------------------------------------------------------------- version 1


def test_a_version_1_document_renders(api: Any, submit: Any) -> None:
    job = complete(api, submit, "backend_senior_to_staff")
    stored = document_of(api, job).model_dump(mode="json")
    v1 = copy.deepcopy(stored)
    v1.pop("schema_version")
    v1.pop("fit_rationale")
    for row in v1["evidence_matrix"]:
        row.pop("requirement_id")
        row.pop("evidence_ids")
    v1["differentiators"] = [item["text"] for item in v1["differentiators"]]
    v1["talking_points"] = [item["text"] for item in v1["talking_points"]]
    for gap in v1["gap_strategies"]:
        gap.pop("gap_id")
        gap.pop("evidence_ids")

    page = rendering.report_page(v1, user_id=job.user_id)
    html, markdown = rendering.render_html(page), rendering.render_markdown(page)

    assert page.document.schema_version == 1
    assert Page(html).sections == SECTIONS
    assert _squash(v1["differentiators"][0]) in Page(html).all_text
    assert f"- {rendering.md_escape(v1['talking_points'][0])}\n" in markdown
    assert f"**{v1['fit_score']}/100**\n" in markdown  # no rationale in version 1
