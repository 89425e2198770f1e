"""S3 result links: signed by botocore's SigV4 query signer on an endpoint resolved once.

The links must be exactly what boto3's `generate_presigned_url` would give for the same
instant, for every way the bucket can be addressed. Presigning makes no request, so most of
these need no S3 endpoint; the last one downloads through a link from moto's server.
"""

from __future__ import annotations

import datetime as dt
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from storages.backends.s3 import S3Storage

from vpr_jobs import storage

NOW = dt.datetime(2026, 11, 30, 12, 0, 7)


@pytest.fixture
def frozen_signing_clock(monkeypatch: pytest.MonkeyPatch) -> dt.datetime:
    """Both signers read botocore.auth's clock: stop it so their outputs are comparable."""
    monkeypatch.setattr("botocore.auth.get_current_datetime", lambda *a, **k: NOW)
    return NOW


@pytest.fixture
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")


def _storage(**options: Any) -> storage.ResultsS3Storage:
    return storage.ResultsS3Storage(
        bucket_name="careervp-vpr-results-prod",
        signature_version="s3v4",
        querystring_expire=3600,
        **options,
    )


BUCKET_ADDRESSING = {
    "aws us-east-1, virtual host": {"region_name": "us-east-1"},
    "aws eu-west-1, virtual host": {"region_name": "eu-west-1"},
    "aws eu-west-1, path style": {"region_name": "eu-west-1", "addressing_style": "path"},
    "aws eu-west-1, virtual style asked": {
        "region_name": "eu-west-1",
        "addressing_style": "virtual",
    },
    "s3-compatible endpoint": {"region_name": "us-east-1", "endpoint_url": "http://10.0.0.9:9000"},
}


@pytest.mark.usefixtures("credentials")
@pytest.mark.parametrize("options", BUCKET_ADDRESSING.values(), ids=BUCKET_ADDRESSING.keys())
@pytest.mark.parametrize(
    "key", ["results/7f9c2b1e-3d4a-4c8e-9b0f-1a2b3c4d5e6f.json", "results/a b+c~d%e/ü.json"]
)
def test_link_is_the_one_boto3_would_presign(
    options: dict, key: str, frozen_signing_clock: dt.datetime
):
    results = _storage(**options)

    ours = results.url(key)

    assert ours == S3Storage.url(results, key)
    assert results.url(key, expire=60) == S3Storage.url(results, key, expire=60)
    query = parse_qs(urlparse(ours).query)
    assert query["X-Amz-Date"] == ["20261130T120007Z"]
    assert query["X-Amz-Expires"] == ["3600"]


@pytest.mark.usefixtures("credentials")
def test_temporary_credentials_carry_their_session_token(
    monkeypatch: pytest.MonkeyPatch, frozen_signing_clock: dt.datetime
):
    """An instance role's credentials (Elastic Beanstalk) come with a session token."""
    monkeypatch.setenv("AWS_SESSION_TOKEN", "FQoGZXIvYXdzEXAMPLETOKEN")
    results = _storage(region_name="eu-west-1")

    ours = results.url("results/x.json")

    assert ours == S3Storage.url(results, "results/x.json")
    assert parse_qs(urlparse(ours).query)["X-Amz-Security-Token"] == ["FQoGZXIvYXdzEXAMPLETOKEN"]


@pytest.mark.usefixtures("credentials")
def test_other_link_kinds_go_through_django_storages(frozen_signing_clock: dt.datetime):
    results = _storage(region_name="eu-west-1")

    download = results.url("results/x.json", parameters={"ResponseContentDisposition": "a"})

    assert download == S3Storage.url(
        results, "results/x.json", parameters={"ResponseContentDisposition": "a"}
    )
    assert "response-content-disposition=a" in download


@pytest.mark.django_db
def test_a_link_downloads_the_object_from_an_s3_endpoint(s3_results: str):
    storages["vpr_results"].save("results/linked.json", ContentFile(b'{"ok": true}'))

    link = storage.result_link(key="results/linked.json", user_id=1)

    with urllib.request.urlopen(link.url) as response:
        assert response.read() == b'{"ok": true}'
        assert response.headers["Cache-Control"] == "private, no-store"


@pytest.mark.django_db
def test_polls_on_many_threads_share_one_client(s3_results: str, monkeypatch: pytest.MonkeyPatch):
    """gunicorn serves polls on several threads; none of them builds its own boto3 session
    and resource (django-storages' per-thread `connection`) to check, read or sign."""
    results = storages["vpr_results"]
    results.save("results/shared.json", ContentFile(b"{}"))
    results.url("results/shared.json")  # the process's client and credentials, made once
    sessions: list[object] = []
    original = results._create_session
    monkeypatch.setattr(results, "_create_session", lambda: sessions.append(1) or original())

    def poll(_: int) -> bool:
        return (
            results.exists("results/shared.json")
            and storage.result_read("results/shared.json") == b"{}"
            and "X-Amz-Signature" in results.url("results/shared.json")
            and not results.exists("results/missing.json")
        )

    with ThreadPoolExecutor(max_workers=4) as pool:
        assert all(pool.map(poll, range(8)))
    assert sessions == []
