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
PROBE = """
<script>
(() => {
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
  const pre = document.createElement("pre");
  pre.id = "probe";
  pre.textContent = JSON.stringify(probe);
  document.body.appendChild(pre);
})();
</script>
"""


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
