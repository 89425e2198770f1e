"""The API used from a real browser on another origin: headless Chromium (Debian's package,
driven by Playwright) loads a static page that uploads a CV, submits a request, follows the
job through EventSource until COMPLETED, downloads the report and shows it.

Everything is real: gunicorn (web), uvicorn (events), a django-q2 cluster (worker) on the test
PostgreSQL database, the page served by a second HTTP server on its own origin. A failing
test leaves a screenshot in var/test-artifacts/.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, connections

from tests.conftest import FIXTURES, issue_token
from tests.reliability.support import BASE_DIR, LiveServer, database_url, free_port, start_gunicorn
from tests.support.live import start_events_server

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = BASE_DIR / "var" / "test-artifacts"
FRONTEND = Path(__file__).parent / "frontend"


class Site:
    """A static site (the page, the sample CV and request) on its own loopback origin."""

    def __init__(self, root: Path) -> None:
        handler = partial(_QuietHandler, directory=str(root))
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.origin = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("frontend")
    for page in FRONTEND.iterdir():
        shutil.copy(page, root / page.name)
    shutil.copy(FIXTURES / "cv_learning_development.json", root / "cv.json")
    shutil.copy(FIXTURES / "vpr_request_learning_development.json", root / "request.json")
    allowed = Site(root)
    yield allowed
    allowed.close()


@pytest.fixture(scope="module")
def other_site(site: Site) -> Iterator[Site]:
    """The same files on an origin the API does not allow."""
    other = Site(Path(site.server.RequestHandlerClass.keywords["directory"]))
    yield other
    other.close()


@pytest.fixture(scope="module")
def app(
    django_db_setup: Any, site: Site, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, LiveServer]]:
    """web + events + worker, as the Procfile runs them, configured for the page's origin."""
    if connection.vendor != "postgresql":
        pytest.skip("the production shape needs PostgreSQL (DATABASE_URL=postgres://...)")
    if not os.path.exists(CHROMIUM):
        pytest.skip("no Chromium: apt-get install -y chromium (.ci/run does)")
    logs = tmp_path_factory.mktemp("app-logs")
    events_port = free_port()
    env = {
        "DATABASE_URL": database_url(connections["default"].settings_dict),
        "DJANGO_ENV": "test",
        "DJANGO_DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        "QUEUE_BACKEND": "orm",
        "RESULTS_STORAGE": "local",
        "VPR_GENERATOR": "rules",
        "VPR_LOCAL_RESULTS_DIR": str(tmp_path_factory.mktemp("results")),
        "DJANGO_CORS_ALLOWED_ORIGINS": site.origin,
        "VPR_EVENTS_BASE_URL": f"http://127.0.0.1:{events_port}",
    }
    web = start_gunicorn(env=env, log=logs / "web.log", workers=1, threads=4)
    events = start_events_server(env=env, log=logs / "events.log", port=events_port)
    worker_log = (logs / "worker.log").open("ab")
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "careervp.settings", **env},
        stdout=worker_log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield {"web": web, "events": events}
    finally:
        web.stop()
        events.stop()
        # SIGTERM to the cluster's main process only (a whole group's SIGTERM hangs it).
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        worker_log.close()


@pytest.fixture
def token(user: Any) -> str:
    return issue_token(user)


@pytest.fixture
def browser_page(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A page in headless Chromium with a new, empty profile; a screenshot if the test fails."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            user_data_dir=str(tmp_path / "chromium-profile"),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
        )
        page = context.new_page()
        console: list[str] = []
        page.on("console", lambda message: console.append(message.text))
        try:
            yield page
        finally:
            report = getattr(request.node, "rep_call", None)
            if report is None or report.failed:
                ARTIFACTS.mkdir(parents=True, exist_ok=True)
                shot = ARTIFACTS / f"{request.node.name}.png"
                page.screenshot(path=str(shot), full_page=True)
                print(f"screenshot: {shot}\nconsole: {console}")
            context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: Any) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.rep_call = report


def test_the_page_follows_a_job_to_its_report_through_eventsource(
    app: dict[str, LiveServer], site: Site, token: str, browser_page: Any
):
    page = browser_page
    page.goto(f"{site.origin}/index.html?api={app['web'].url}&token={token}")

    page.wait_for_function(
        "document.getElementById('state').textContent === 'done'"
        " || document.getElementById('state').textContent === 'error'",
        timeout=60_000,
    )

    assert page.text_content("#error") == ""
    assert page.text_content("#state") == "done"
    assert page.text_content("#headline") == (
        "Noa Bar: Learning & Development Manager at Natural Intelligence"
    )
    assert page.text_content("#fit-score").endswith("/100")
    events = page.locator("#events li").all_text_contents()
    assert events[-1] == "COMPLETED"  # the stream's last event; the worker may win the race
    assert set(events[:-1]) <= {
        "PENDING queued",
        "PROCESSING generating",
        "PROCESSING verifying",
        "PROCESSING storing",
    }
    # Exposed to the page by Access-Control-Expose-Headers:
    assert page.evaluate("document.body.dataset.location").startswith("/api/vpr/status/")
    assert page.evaluate("document.body.dataset.retryAfter") == "5"


def test_a_preflight_from_a_disallowed_origin_fails_in_the_browser(
    app: dict[str, LiveServer], other_site: Site, token: str, browser_page: Any
):
    page = browser_page
    page.goto(f"{other_site.origin}/blocked.html?api={app['web'].url}&token={token}")

    page.wait_for_function("document.getElementById('result').textContent !== 'pending'")

    assert page.text_content("#result") == "blocked"
