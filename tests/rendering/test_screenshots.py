"""The HTML report as a browser lays it out: headless Chromium (Debian's `chromium`, which
`.ci/run` installs when missing), in English, in Hebrew, and in Hebrew from an English CV.

Two looks per report: `--dump-dom` of a copy of the page with a probe script appended (the
served page has no script), which writes what the layout engine computed (body direction,
where the title text and the table's first column sit, each section's height, where the
names and dates of each Hebrew cited line sit) into the DOM; and `--screenshot`, a PNG kept
under var/screenshots/ for a person to look at.
"""

from __future__ import annotations

import json
import re
import shutil
import struct
import subprocess
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from tests.rendering.test_report_formats import SECTIONS, complete

pytestmark = pytest.mark.django_db

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
WIDTH, HEIGHT = 1280, 2000
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",  # runs as root in CI containers
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]
# The report's own sentences (summary, rationale, the evidence table's requirement and
# evidence cells, differentiators, gaps and their strategies, talking points).
PROSE = ", ".join(
    [
        "#summary p",
        "#fit p",
        "#evidence td:nth-child(-n+2)",
        "#evidence td .note",
        "#differentiators li > span",
        "#gaps li > strong",
        "#gaps li > p:not(.note):not(.cite)",
        "#talking-points li > span",
    ]
)
PROBE = r"""
<script>
(() => {
  const PROSE = "PROSE";
  const box = document.querySelector("h1").getBoundingClientRect();  // the content box
  const title = document.createRange();
  title.selectNodeContents(document.querySelector("h1"));
  const text = title.getBoundingClientRect();
  const th = [...document.querySelectorAll("#evidence th")].map(c => c.getBoundingClientRect());
  const probe = {
    direction: getComputedStyle(document.body).direction,
    title_gap_left: text.left - box.left,
    title_gap_right: box.right - text.right,
    first_column_left: th[0].left,
    last_column_left: th[th.length - 1].left,
    sections: [...document.querySelectorAll("section")].map(s => ({
      id: s.id, height: s.getBoundingClientRect().height,
      heading: s.querySelector("h2").textContent,
    })),
    // Each cited line said in the report's words: how far its first part (a name, or words
    // of the report) sits from its id, where the line starts, and where its dates sit (in the
    // order the line says them).
    cited: [...document.querySelectorAll(".cite span[dir=rtl]")].map(span => {
      const id = span.parentNode.querySelector("code").getBoundingClientRect();
      const range = document.createRange();
      range.selectNode(span.firstChild);
      const boxes = [...range.getClientRects()];
      const beside = boxes.filter(r => r.top < id.bottom && r.bottom > id.top);
      return {
        text: span.textContent,
        beside_id: beside.length > 0,  // on the id's line box (one box per bidi run)
        gap_to_id: id.left - Math.max(...beside.map(r => r.right)),
        dates: [...span.querySelectorAll("bdi[dir=ltr]")].map(d => {
          const r = d.getBoundingClientRect();
          return {text: d.textContent, left: r.left, top: r.top, boxes: d.getClientRects().length};
        }),
      };
    }),
  };
  // The report's own sentences: each element's direction, and where each character of every
  // date and every English quote in them sits, with the character just before and after it.
  const chars = el => {  // [node, offset] of each character of el's text, in logical order
    const out = [], walk = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node = walk.nextNode(); node; node = walk.nextNode())
      for (let i = 0; i < node.length; i++) out.push([node, i]);
    return out;
  };
  const charBox = ([node, i]) => {
    const range = document.createRange();
    range.setStart(node, i);
    range.setEnd(node, i + 1);
    const r = range.getBoundingClientRect();
    return {left: r.left, right: r.right, top: r.top};
  };
  probe.prose = [...document.querySelectorAll(PROSE)].map(el => {
    const text = el.textContent, at = chars(el);
    const runs = re => [...text.matchAll(re)].map(m => ({
      text: m[0],
      chars: at.slice(m.index, m.index + m[0].length).map(charBox)
        .filter((_, i) => m[0][i] !== " "),
      before: m.index > 0 ? {char: text[m.index - 1], ...charBox(at[m.index - 1])} : null,
      after: m.index + m[0].length < text.length
        ? {char: text[m.index + m[0].length], ...charBox(at[m.index + m[0].length])} : null,
    }));
    return {
      text, direction: getComputedStyle(el).direction,
      dates: runs(/\d{4}-\d\d|\d\d\/\d{4}/g),
      quotes: runs(/"[A-Za-z][^"\u0590-\u05ff]*"/g),
    };
  });
  const pre = document.createElement("pre");
  pre.id = "probe";
  pre.textContent = JSON.stringify(probe);
  document.body.appendChild(pre);
})();
</script>
""".replace('"PROSE"', json.dumps(PROSE))


@pytest.fixture(scope="module")
def chromium() -> str:
    path = shutil.which("chromium")
    if path is None:
        pytest.fail("Debian's chromium is not installed (.ci/run installs it)")
    return path


def run_chromium(chromium: str, tmp_path: Path, *args: str) -> str:
    profile = tmp_path / f"profile-{len(list(tmp_path.iterdir()))}"
    done = subprocess.run(
        [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", data[16:24])


@pytest.mark.parametrize(
    ("set_name", "name", "direction"),
    [
        ("backend_senior_to_staff", "en", "ltr"),
        ("he_devops", "he", "rtl"),
        ("en_cv_he_posting", "he_en_cv", "rtl"),  # English names in Hebrew lines
    ],
)
def test_chromium_lays_the_report_out_in_the_languages_direction_with_every_section(
    api: Any,
    submit: Any,
    chromium: str,
    tmp_path: Path,
    set_name: str,
    name: str,
    direction: str,
) -> None:
    job = complete(api, submit, set_name)
    markup = api.get(f"/api/applications/{job.application_id}/vpr?format=html").content.decode()
    page = tmp_path / f"report_{name}.html"
    page.write_text(markup, encoding="utf-8")
    probed = tmp_path / f"probe_{name}.html"
    probed.write_text(markup.replace("</body>", PROBE + "</body>"), encoding="utf-8")

    dom = run_chromium(chromium, tmp_path, "--dump-dom", probed.as_uri())
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = SCREENSHOTS / f"report_{name}.png"
    shot.unlink(missing_ok=True)
    run_chromium(
        chromium,
        tmp_path,
        f"--screenshot={shot}",
        f"--window-size={WIDTH},{HEIGHT}",
        page.as_uri(),
    )

    probe = json.loads(re.search(r'<pre id="probe">(.*?)</pre>', dom, re.S).group(1))
    assert probe["direction"] == direction
    if direction == "rtl":  # the title starts at the right edge; the first column is rightmost
        assert probe["title_gap_right"] < 5 < probe["title_gap_left"]
        assert probe["first_column_left"] > probe["last_column_left"]
    else:
        assert probe["title_gap_left"] < 5 < probe["title_gap_right"]
        assert probe["first_column_left"] < probe["last_column_left"]
    assert [s["id"] for s in probe["sections"]] == SECTIONS
    assert all(s["height"] > 20 and s["heading"].strip() for s in probe["sections"])
    assert_cited_lines_read_right_to_left(probe["cited"], hebrew=direction == "rtl")
    assert_prose_reads_in_the_reports_direction(probe["prose"], direction=direction)
    assert png_size(shot) == (WIDTH, HEIGHT)
    assert shot.stat().st_size > 20_000  # a rendered page, not a blank one


def assert_cited_lines_read_right_to_left(cited: list[dict[str, Any]], *, hebrew: bool) -> None:
    """A Hebrew cited line starts at the right, its first part just left of its id (a
    left-to-right line would start at the far end); each date is one box (not broken or spread
    by bidi) and a period's start sits right of its end, where a right-to-left reader meets it
    first. An English report has no such line."""
    if not hebrew:
        assert cited == []
        return
    assert any(len(line["dates"]) >= 2 for line in cited), "a cited position with two dates"
    for line in cited:
        assert line["beside_id"] and 0 <= line["gap_to_id"] < 12, line["text"]  # a space
        assert all(date["boxes"] == 1 for date in line["dates"]), line["text"]
        for start, end in pairwise(line["dates"]):
            if abs(start["top"] - end["top"]) < 1:  # on the same line box
                assert start["left"] > end["left"], line["text"]


def _in_reading_order(chars: list[dict[str, float]]) -> bool:
    """Left to right along a line, a later line below: how a left-to-right run reads."""
    return all(
        (abs(b["top"] - a["top"]) < 1 and b["left"] >= a["left"] - 0.5) or b["top"] > a["top"]
        for a, b in pairwise(chars)
    )


def assert_prose_reads_in_the_reports_direction(
    prose: list[dict[str, Any]], *, direction: str
) -> None:
    """Every sentence of the report is laid out in its direction (a Hebrew one that starts with
    an English name too). In Hebrew, a date reads left to right in one piece, the bracket
    before it on its right and the one after it on its left ("(מאז 2021-09)" as a Hebrew
    reader meets it), and an English quote keeps its order, quote marks and ellipsis included,
    however it wraps."""
    assert len(prose) > 20, "the probe finds the report's sentences"
    assert [p["text"] for p in prose if p["direction"] != direction] == []
    if direction != "rtl":
        return
    dates = [date for p in prose for date in p["dates"]]
    quotes = [quote for p in prose for quote in p["quotes"]]
    assert any(d["after"] and d["after"]["char"] == ")" for d in dates), "a date in brackets"
    assert quotes, "an English quote in a Hebrew sentence"
    for run in dates + quotes:
        assert _in_reading_order(run["chars"]), run["text"]
    for date in dates:
        first, last = date["chars"][0], date["chars"][-1]
        if date["before"] and date["before"]["char"] == "(":
            assert date["before"]["left"] >= last["right"] - 0.5, date["text"]
        if date["after"] and date["after"]["char"] == ")":
            assert date["after"]["right"] <= first["left"] + 0.5, date
