"""The HTML report as a browser lays it out: headless Chromium (Debian's `chromium`, which
`.ci/run` installs when missing), in English and in Hebrew.

Two looks per language: `--dump-dom` of a copy of the page with a probe script appended (the
served page has no script), which writes what the layout engine computed (body direction,
where the title text and the table's first column sit, each section's height) into the DOM;
and `--screenshot`, a PNG kept under var/screenshots/ for a person to look at.
"""

from __future__ import annotations

import json
import re
import shutil
import struct
import subprocess
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
    ("set_name", "language", "direction"),
    [("backend_senior_to_staff", "en", "ltr"), ("he_devops", "he", "rtl")],
)
def test_chromium_lays_the_report_out_in_the_languages_direction_with_every_section(
    api: Any,
    submit: Any,
    chromium: str,
    tmp_path: Path,
    set_name: str,
    language: str,
    direction: str,
) -> None:
    job = complete(api, submit, set_name)
    markup = api.get(f"/api/applications/{job.application_id}/vpr?format=html").content.decode()
    page = tmp_path / f"report_{language}.html"
    page.write_text(markup, encoding="utf-8")
    probed = tmp_path / f"probe_{language}.html"
    probed.write_text(markup.replace("</body>", PROBE + "</body>"), encoding="utf-8")

    dom = run_chromium(chromium, tmp_path, "--dump-dom", probed.as_uri())
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = SCREENSHOTS / f"report_{language}.png"
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
    assert png_size(shot) == (WIDTH, HEIGHT)
    assert shot.stat().st_size > 20_000  # a rendered page, not a blank one
