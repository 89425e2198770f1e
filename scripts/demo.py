"""End-to-end demo on embedded defaults: web server + worker + a real HTTP client.

Migrates, creates a demo user with the sample CV, submits the sample VPR request over HTTP,
follows the job's Server-Sent Events (the ASGI `events` process) until the worker finishes,
downloads the report and prints a summary. Everything it
starts is stopped on the way out; the exit code says whether the VPR was produced.

`DEMO_BACKEND=aws` runs the same path through SQS and S3, served by a local moto server.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import ExitStack
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
PYTHON = sys.executable
TIMEOUT_SECONDS = float(os.environ.get("DEMO_TIMEOUT_SECONDS", "120"))
AWS_MODE = os.environ.get("DEMO_BACKEND", "embedded") == "aws"
ENV = dict(os.environ)


def manage(*args: str) -> str:
    done = subprocess.run(  # noqa: S603 - fixed arguments
        [PYTHON, "manage.py", *args], cwd=ROOT, env=ENV, check=True, capture_output=True, text=True
    )
    return done.stdout.strip()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def call(method: str, url: str, token: str | None, body: Any = None) -> tuple[int, dict, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)  # noqa: S310 - loopback
    if token:
        # Not sent on to where a redirect points (the result's presigned S3 URL).
        request.add_unredirected_header("Authorization", f"Token {token}")
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, dict(response.headers), json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read() or b"{}")


def start(stack: ExitStack, *args: str, log: Path) -> subprocess.Popen:
    handle = stack.enter_context(log.open("w"))
    if args[0].endswith("moto_server"):
        command = list(args)
    elif args[0] == "-m":  # a module: uvicorn
        command = [PYTHON, *args]
    else:
        command = [PYTHON, "manage.py", *args]
    process = subprocess.Popen(  # noqa: S603 - fixed arguments
        command,
        cwd=ROOT,
        env=ENV,
        stdout=handle,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )

    def stop() -> None:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    stack.callback(stop)
    return process


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError as exc:
        return f"(cannot read {path}: {exc})"


def wait_healthy(url: str, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"demo: {url} did not answer in time")


def start_moto(stack: ExitStack, logs: Path, deadline: float) -> None:
    """A local SQS/S3 endpoint, and the queues and bucket the AWS mode needs."""
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    ENV.update(
        AWS_ENDPOINT_URL=endpoint,
        AWS_ACCESS_KEY_ID="demo",
        AWS_SECRET_ACCESS_KEY="demo",  # noqa: S106 - moto accepts any credentials
        AWS_REGION="us-east-1",
        QUEUE_BACKEND="sqs",
        RESULTS_STORAGE="s3",
        VPR_SQS_WAIT_SECONDS="1",
    )
    moto = str(Path(PYTHON).with_name("moto_server"))
    start(stack, moto, "-H", "127.0.0.1", "-p", str(port), log=logs / "moto.log")
    wait_healthy(f"{endpoint}/moto-api/", deadline)
    manage("setup_aws_resources")
    print(f"demo: moto server on {endpoint} (SQS queue + dead-letter queue, S3 bucket)")


def follow_events(url: str, deadline: float) -> dict:
    """Read the job's event stream (as a browser's EventSource would) until it closes."""
    job: dict = {}
    with urllib.request.urlopen(url, timeout=max(deadline - time.monotonic(), 1)) as stream:  # noqa: S310
        event = ""
        for raw in stream:
            line = raw.decode().rstrip("\n")
            if line.startswith("event: "):
                event = line.removeprefix("event: ")
            elif line.startswith("data: ") and event == "status":
                job = json.loads(line.removeprefix("data: "))
                eta = job.get("eta_seconds")
                detail = f" ({job['stage']}, eta {eta} s)" if job.get("stage") else ""
                print(f"demo: event  status {job['status']}{detail}", flush=True)
    return job


def main() -> int:
    deadline = time.monotonic() + TIMEOUT_SECONDS
    logs = ROOT / "var" / "demo"
    logs.mkdir(parents=True, exist_ok=True)
    print("demo: migrating the database …", flush=True)
    manage("migrate", "--noinput")
    # API tokens are stored hashed, so an earlier run's token cannot be shown again: each run
    # issues a new one (the earlier ones keep working until they expire).
    token = manage("create_api_user", "demo")
    print("demo: issued a new API token for user 'demo' (stored hashed, shown once)", flush=True)
    port, events_port = free_port(), free_port()
    base = f"http://127.0.0.1:{port}"
    # No nginx here to route /api/vpr/<id>/events: events_url names the events process.
    ENV["VPR_EVENTS_BASE_URL"] = f"http://127.0.0.1:{events_port}"

    with ExitStack() as stack:
        if AWS_MODE:
            start_moto(stack, logs, deadline)
        start(stack, "runserver", f"127.0.0.1:{port}", "--noreload", log=logs / "web.log")
        start(stack, "qcluster", log=logs / "worker.log")
        uvicorn = (
            "-m",
            "uvicorn",
            "careervp.asgi:application",
            "--lifespan",
            "off",
            "--no-access-log",
        )
        start(stack, *uvicorn, "--port", str(events_port), log=logs / "events.log")
        wait_healthy(f"{base}/healthz", deadline)
        wait_healthy(f"{ENV['VPR_EVENTS_BASE_URL']}/healthz", deadline)
        print(
            f"demo: web server on {base}, events on {ENV['VPR_EVENTS_BASE_URL']},"
            " one worker cluster running",
            flush=True,
        )

        cv = json.loads((FIXTURES / "cv_learning_development.json").read_text())
        status, _, _ = call("PUT", f"{base}/api/cv", token, cv)
        assert status == 200, f"PUT /api/cv answered {status}"
        request_body = json.loads((FIXTURES / "vpr_request_learning_development.json").read_text())
        # A new application each run: an earlier demo's job (in this clone's database) may
        # point at a result that went with that run's moto server.
        request_body["application_id"] = f"demo-{int(time.time())}"
        status, _, body = call("POST", f"{base}/api/vpr", token, request_body)
        if status not in (200, 202):
            print(f"demo: POST /api/vpr answered {status}: {body}", file=sys.stderr)
            return 1
        job_id = body["job_id"]
        print(f"demo: POST /api/vpr → {status} {body['message']} (job {job_id})", flush=True)

        if "events_url" in body:  # absent when the same request already completed
            follow_events(body["events_url"], deadline)
        _, _, job = call("GET", f"{base}/api/vpr/status/{job_id}", token)
        if job.get("status") not in {"COMPLETED", "FAILED", "CANCELLED"}:
            print(
                f"demo: job {job_id} still {job.get('status')} after {TIMEOUT_SECONDS:.0f} s;"
                f" the worker's log is {logs.relative_to(ROOT)}/worker.log:",
                file=sys.stderr,
            )
            print(_tail(logs / "worker.log"), file=sys.stderr)
            return 1

        if job["status"] != "COMPLETED":
            print(f"demo: job ended {job['status']}: {job.get('error')}", file=sys.stderr)
            return 1
        # The file itself (local storage) or a 302 to a presigned S3 URL, which urllib follows.
        status, _, document = call("GET", job["result_url"], token)
        assert status == 200, f"result download answered {status}"

    strong = sum(row["alignment"] == "STRONG" for row in document["evidence_matrix"])
    print()
    print(f"VPR v{document['version']} for {document['candidate_name']}: ", end="")
    print(f"{document['target_role']} at {document['target_company']}")
    print(f"  fit score       {document['fit_score']}/100")
    print(f"  evidence rows   {len(document['evidence_matrix'])} ({strong} strong)")
    print(f"  words           {document['word_count']}")
    print(f"  summary         {document['executive_summary'][:160]}…")
    for point in document["talking_points"][:3]:
        # A cited text ({text, evidence_ids}) since schema_version 2, a string before.
        print(f"  talking point   {point['text'] if isinstance(point, dict) else point}")
    if AWS_MODE:
        bucket = os.environ.get("VPR_RESULTS_BUCKET_NAME", "careervp-vpr-results-dev")
        print(f"  stored at       s3://{bucket}/results/{job_id}/ (moto)")
    else:
        results_dir = os.environ.get("VPR_LOCAL_RESULTS_DIR", "var/media")
        print(f"  stored at       {results_dir}/results/{job_id}/")
    print(f"  result URL      {job['result_url']}")
    print(f"  logs            {logs.relative_to(ROOT)}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
