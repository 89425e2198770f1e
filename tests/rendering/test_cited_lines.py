# ruff: noqa: RUF001 (Hebrew lines with their en dash, as a reader sees them)
"""Cited source lines in the report's language (vpr_jobs/cited_lines.py).

The catalogue's text joins a CV's facts with English words ("… at …, 2019-03 to present.
Technologies: …", "Q: … A: …") for the model and FVS. A Hebrew report says the same facts with
Hebrew connecting words; only the candidate's (or the posting's) own words may be English. An
English report shows the catalogue text unchanged.
"""

from __future__ import annotations

import random
import re
from typing import Any

import pytest

from tests.rendering.test_report_formats import (
    ISOLATES,
    CitedLines,
    complete,
    document_of,
    md_cited_lines,
)
from tests.support.sets import SET_NAMES, SourceSet, load_set
from vpr_jobs import rendering
from vpr_jobs.catalogue import Catalogue, SourceItem, build_catalogue
from vpr_jobs.cited_lines import CitedLine, Part, cited_line, prose_line
from vpr_jobs.schemas import CV, Experience

HEBREW_SETS = [name for name in SET_NAMES if load_set(name).about.language == "he"]
# The items said from their structured data in Hebrew; the others are one text of the source.
PHRASED = {"experience", "education", "certification", "gap_answer", "posting_role"}
ENGLISH_SETS = [name for name in SET_NAMES if name not in HEBREW_SETS]
LRI, RLI, FSI, PDI = "\u2066", "\u2067", "\u2068", "\u2069"
HEBREW = re.compile("[\u0590-\u05ff]")


def catalogue_of(source: SourceSet) -> Catalogue:
    return build_catalogue(source.cv, source.posting, source.gaps)


def source_words(source: SourceSet) -> list[str]:
    """Every text the candidate or the posting wrote (names, sentences, list items)."""
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, str) and value.strip():
            found.append(" ".join(value.split()))
        elif isinstance(value, dict):
            for inner in value.values():
                walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)

    walk(source.cv.model_dump(mode="json"))
    walk(source.posting.model_dump(mode="json"))
    walk([gap.model_dump(mode="json") for gap in source.gaps])
    return sorted(set(found), key=len, reverse=True)


def english_outside_sources(line: str, source: SourceSet) -> list[str]:
    """The Latin-script words of `line` once every whole text of the sources is taken out:
    the words the report itself put there."""
    rest = " ".join(line.split())
    for words in source_words(source):
        rest = re.sub(rf"(?<!\w){re.escape(words)}(?!\w)", " ", rest)
    return re.findall(r"[A-Za-z]+", rest)


# --------------------------------------------------------------------------- the lines


HEBREW_LINES = [
    (
        "he_devops",
        "cv.exp.1",
        "מהנדסת DevOps בכירה, מובילאיי, 02/2022 – היום. אחראית על פלטפורמת ה-Kubernetes "
        "הפנימית שמשרתת את צוותי הפיתוח. טכנולוגיות: Kubernetes, AWS, Terraform, Karpenter, "
        "Prometheus, Grafana, ArgoCD.",
    ),
    (
        "he_accountant",
        "cv.exp.2",
        "מנהל ביקורת, קסלמן וקסלמן (PwC ישראל), 09/2017 – 05/2021. ביקורת דוחות כספיים של "
        "חברות ציבוריות בענפי התעשייה והקמעונאות. טכנולוגיות: Excel, CaseWare.",
    ),
    (
        "en_cv_he_posting",
        "cv.exp.3",
        "Junior Web Developer, Wix, 10/2017 – 03/2019. Templates team. "
        "טכנולוגיות: JavaScript, CSS, Cypress.",
    ),
    ("he_devops", "cv.edu.1", "תואר ראשון (B.Sc.) במדעי המחשב, האוניברסיטה הפתוחה, 2021"),
    ("en_cv_he_posting", "cv.edu.1", "B.Sc. ב-Computer Science, Tel Aviv University, 2017"),
    ("he_accountant", "cv.cert.1", "רישיון ראיית חשבון, מועצת רואי החשבון בישראל, 2017"),
    (
        "en_cv_he_posting",
        "gap.3",
        "שאלה: Have you worked with Vue? תשובה: No, I have not worked with Vue.",
    ),
    ("he_accountant", "post.role", "קונטרולר/ית, תנובה (פתח תקווה, ישראל)"),
]


@pytest.mark.parametrize(
    ("set_name", "item_id", "expected"), HEBREW_LINES, ids=[f"{s}:{i}" for s, i, _ in HEBREW_LINES]
)
def test_a_hebrew_report_says_the_facts_with_hebrew_connecting_words(
    set_name: str, item_id: str, expected: str
) -> None:
    source = load_set(set_name)

    line = cited_line(catalogue_of(source).get(item_id), "he", posting=source.posting)

    assert line.text == expected
    assert line.direction == "rtl"


def test_a_position_with_no_end_and_not_current_reads_from_its_start() -> None:
    exp = Experience(company="Acme", role="QA", start_date="2019-03")
    catalogue = build_catalogue(CV(full_name="x", experience=[exp]), load_set("he_devops").posting)

    line = cited_line(catalogue.get("cv.exp.1"), "he")

    assert line.text == "QA, Acme, מ-03/2019."
    assert catalogue.get("cv.exp.1").text == "QA at Acme, 2019-03 to unknown."  # the catalogue's


def test_names_and_dates_are_isolated_and_only_the_connecting_words_are_not() -> None:
    source = load_set("he_devops")

    line = cited_line(catalogue_of(source).get("cv.exp.2"), "he")

    assert line.parts[:8] == (
        Part("מהנדסת תשתיות", "auto"),
        Part(", "),
        Part("בנק לאומי", "auto"),
        Part(", "),
        Part("01/2019", "ltr"),
        Part(" – "),
        Part("01/2022", "ltr"),
        Part("."),
    )


@pytest.mark.parametrize("kind", ["achievement", "skill", "language", "summary", "requirement"])
def test_a_sources_own_text_is_shown_as_written_in_hebrew(kind: str) -> None:
    source = load_set("en_cv_he_posting")
    item = next(i for i in catalogue_of(source) if i.kind == kind)

    line = cited_line(item, "he", posting=source.posting)

    assert line.text == item.text and line.direction == "auto"


@pytest.mark.parametrize("set_name", ENGLISH_SETS)
def test_an_english_report_shows_the_catalogue_text_unchanged(set_name: str) -> None:
    source = load_set(set_name)
    for item in catalogue_of(source):
        line = cited_line(item, "en", posting=source.posting)
        assert line.parts == (Part(item.text),) and line.direction == "auto"


def test_the_check_below_finds_the_catalogues_english_connecting_words() -> None:
    """The check the rendered reports must pass fails on the catalogue's own text."""
    source = load_set("en_cv_he_posting")
    catalogue = catalogue_of(source)

    def found(item_id: str) -> list[str]:
        return english_outside_sources(catalogue.get(item_id).text, source)

    assert found("cv.exp.1") == ["at", "to", "present", "Technologies"]
    assert found("cv.edu.1") == ["in"]
    assert found("gap.1") == ["Q", "A"]
    assert found("cv.exp.1.ach.1") == []  # her own sentence


# --------------------------------------------------------------------------- Markdown, HTML


def test_markdown_isolates_a_hebrew_line_and_each_name_and_date_in_it() -> None:
    source = load_set("he_devops")
    item = catalogue_of(source).get("cv.edu.1")

    markdown = rendering.md_line(cited_line(item, "he"))

    assert markdown == (
        f"{RLI}{FSI}תואר ראשון (B.Sc.){PDI} ב{FSI}מדעי המחשב{PDI}, "
        f"{FSI}האוניברסיטה הפתוחה{PDI}, {LRI}2021{PDI}{PDI}"
    )


def test_markdown_escapes_each_part_of_a_hebrew_line() -> None:
    item = SourceItem(
        "gap.1", "gap_answer", "", "candidate", data={"question": "<b>?", "answer": "*a* | b"}
    )

    assert rendering.md_line(cited_line(item, "he")) == (
        f"{RLI}שאלה: {FSI}&lt;b&gt;?{PDI} תשובה: {FSI}\\*a\\* \\| b{PDI}{PDI}"
    )


def _page_citing_everything(api: Any, submit: Any, set_name: str) -> rendering.ReportPage:
    """The set's report with evidence rows citing every item of its catalogue (twelve a row,
    the most a row may cite), so every kind of line is rendered."""
    job = complete(api, submit, set_name)
    document = document_of(api, job).model_dump(mode="json")
    ids = [item.id for item in catalogue_of(load_set(set_name))]
    row = document["evidence_matrix"][0]
    document["evidence_matrix"] = [
        {**row, "evidence_ids": ids[i : i + 12]} for i in range(0, len(ids), 12)
    ]
    return rendering.report_page(document, user_id=job.user_id)


@pytest.mark.django_db
@pytest.mark.parametrize("set_name", HEBREW_SETS)
def test_no_cited_line_of_a_hebrew_report_has_english_connecting_words(
    api: Any, submit: Any, set_name: str
) -> None:
    source = load_set(set_name)
    page = _page_citing_everything(api, submit, set_name)

    html_lines = CitedLines(rendering.render_html(page)).lines
    md_lines = md_cited_lines(rendering.render_markdown(page))

    assert {i for i, _, _ in html_lines} == {i for i, _ in md_lines} == set(page.sources.by_id)
    for item_id, text, direction in html_lines:
        assert text, item_id
        assert english_outside_sources(text, source) == [], (item_id, text)
        assert direction == ("rtl" if page.sources.get(item_id).kind in PHRASED else "auto")
    for item_id, text in md_lines:
        assert english_outside_sources(text, source) == [], (item_id, text)
    experience = dict((i, t) for i, t, _ in html_lines)["cv.exp.2"]
    assert re.search(r", \d\d/\d{4} – \d\d/\d{4}\.", experience), experience


@pytest.mark.django_db
def test_html_isolates_each_name_and_date_of_a_hebrew_line(api: Any, submit: Any) -> None:
    markup = rendering.render_html(_page_citing_everything(api, submit, "he_devops"))

    assert (
        '<code dir="ltr">cv.exp.2</code> <span dir="rtl"><bdi>מהנדסת תשתיות</bdi>, '
        '<bdi>בנק לאומי</bdi>, <bdi dir="ltr" class="word">01/2019</bdi> – '
        '<bdi dir="ltr" class="word">01/2022</bdi>. '
        "<bdi>תפעול ואוטומציה של תשתיות השרתים בחטיבת הטכנולוגיה.</bdi> טכנולוגיות: "
        "<bdi>Ansible</bdi>, <bdi>Jenkins</bdi>"
    ) in markup
    achievement = catalogue_of(load_set("he_devops")).get("cv.exp.2.ach.1").text
    assert f'<code dir="ltr">cv.exp.2.ach.1</code> <span dir="auto">{achievement}</span>' in markup


@pytest.mark.django_db
@pytest.mark.parametrize("set_name", HEBREW_SETS)
def test_both_result_views_render_the_cited_lines_in_hebrew(
    api: Any, submit: Any, set_name: str
) -> None:
    source = load_set(set_name)
    job = complete(api, submit, set_name)
    cited = {i for row in document_of(api, job).evidence_matrix for i in row.evidence_ids}
    views = [f"/api/vpr/{job.pk}/result", f"/api/applications/{job.application_id}/vpr"]

    for view in views:
        markup = api.get(f"{view}?format=html").content.decode()
        markdown = api.get(f"{view}?format=md").content.decode()
        html_lines = [(i, t) for i, t, _ in CitedLines(markup).lines]
        for item_id, text in [*html_lines, *md_cited_lines(markdown)]:
            assert english_outside_sources(text, source) == [], (view, item_id, text)
        assert cited <= {i for i, _ in html_lines}
        assert markdown.count(RLI) + markdown.count(LRI) + markdown.count(FSI) == markdown.count(
            PDI
        )


@pytest.mark.django_db
@pytest.mark.parametrize("set_name", ENGLISH_SETS)
def test_an_english_reports_cited_lines_are_the_catalogue_text(
    api: Any, submit: Any, set_name: str
) -> None:
    page = _page_citing_everything(api, submit, set_name)

    markup, markdown = rendering.render_html(page), rendering.render_markdown(page)

    for item_id, text, direction in CitedLines(markup).lines:
        assert (text, direction) == (" ".join(page.sources.get(item_id).text.split()), "auto")
    for item in page.sources:
        assert f"`{item.id}` {rendering.md_escape(item.text)}" in markdown
    citations = re.findall(r'<p class="cite">.*?</p>', markup)
    assert citations and "<bdi" not in "".join(citations)
    assert not ISOLATES.search(markdown)


# --------------------------------------------------------------------------- the report's prose


def _shown(text: str, language: str = "he") -> str:
    """`text` as prose_line parts it: each isolated run in [brackets]."""
    line = prose_line(text, language)
    return "".join(f"[{part.text}]" if part.isolate else part.text for part in line.parts)


def test_hebrew_prose_is_right_to_left_with_each_latin_run_isolated_left_to_right() -> None:
    text = "התפקיד הנוכחי של Tamar Goldberg: Frontend Engineer ב-Lemonade."

    line = prose_line(text, "he")

    assert line.direction == "rtl" and line.text == text
    assert {part.isolate for part in line.parts} == {"", "ltr"}
    assert _shown(text) == "התפקיד הנוכחי של [Tamar Goldberg: Frontend Engineer] ב-[Lemonade]."


def test_english_prose_is_one_part_laid_out_by_its_own_words() -> None:
    text = 'Led "the split" (2019-03 to 2021-08) at אלביט.'

    assert prose_line(text, "en") == CitedLine(parts=(Part(text),), direction="auto")


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        # a date is one run; the brackets around it with Hebrew inside are the sentence's
        (
            "Frontend Engineer ב-Lemonade (מאז 2021-09); Frontend Developer ב-Gett "
            "(2019-04 עד 2021-08)",
            "[Frontend Engineer] ב-[Lemonade] (מאז [2021-09]); [Frontend Developer] ב-[Gett] "
            "([2019-04] עד [2021-08])",
        ),
        ("משנת 03/2019 ועד היום", "משנת [03/2019] ועד היום"),
        # a quote takes its quote marks and the ellipsis before the closing one
        (
            'לפתוח ב-"Rebuilt the quote flow in…", ואז',
            'לפתוח ב-["Rebuilt the quote flow in…"], ואז',
        ),
        ('מופיע בקורות החיים ("Next.js"); כדאי', 'מופיע בקורות החיים [("Next.js")]; כדאי'),
        # brackets the run opens stay in it; the sentence's full stop does not
        (
            "הסמכה: Meta Certificate, Meta (Coursera) (2021).",
            "הסמכה: [Meta Certificate, Meta (Coursera) (2021)].",
        ),
        ("שפות: Hebrew (native), French (B1).", "שפות: [Hebrew (native), French (B1)]."),
        # signs stuck to a word or a number belong to it
        ("בזמינות של 99.9%, ב-C++ וב-C#.", "בזמינות של [99.9%], ב-[C++] וב-[C#]."),
        ("פיתוח ב-.NET ו-CI/CD", "פיתוח ב-[.NET] ו-[CI/CD]"),
        # a bracket a run does not close is left outside it
        ("abc (def", "[abc] ([def]"),
        ("עד 2021) ואז", "עד [2021]) ואז"),
    ],
)
def test_hebrew_prose_isolates_whole_runs_with_the_marks_that_enclose_them(
    text: str, shown: str
) -> None:
    assert _shown(text) == shown


def test_markdown_isolates_hebrew_prose_and_each_latin_run_in_it() -> None:
    line = prose_line("ניסיון *חזק* ב-Frontend Engineer (מאז 2021-09).", "he")

    assert rendering.md_line(line) == (
        f"{RLI}ניסיון \\*חזק\\* ב-{LRI}Frontend Engineer{PDI} (מאז {LRI}2021-09{PDI}).{PDI}"
    )
    assert rendering.md_line(prose_line("Led *it*.", "en")) == "Led \\*it\\*."


def _balanced(text: str) -> bool:
    pairs, stack = {"(": ")", "[": "]", "“": "”"}, []
    for char in text:
        if char in pairs:
            stack.append(pairs[char])
        elif char in pairs.values() and (not stack or stack.pop() != char):
            return False
    return not stack and text.count('"') % 2 == 0


def test_hebrew_prose_keeps_its_text_and_never_isolates_half_a_bracket_pair() -> None:
    """Whatever the brackets and quote marks (crossed, unclosed, straight quotes back to
    back), the parts spell the text and each isolated run opens and closes its own marks."""
    rng = random.Random(7)
    alphabet = 'ab Z09 ()[]"“”.,;-…%+#אבג\n'
    for _ in range(5000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 25)))
        line = prose_line(text, "he")
        assert line.text == text and all(part.text for part in line.parts), text
        isolated = [part.text for part in line.parts if part.isolate]
        assert all(_balanced(run) for run in isolated), (text, isolated)
        assert not any(HEBREW.search(run) for run in isolated), (text, isolated)
