"""Where finished reports live: a Django storage named `vpr_results`.

Locally that is a folder under `var/`; in production it is S3 through django-storages, used as
documented. Clients never see a storage URL in a status body: they get the stable
`/api/vpr/<job_id>/result`, which answers with the file (local) or a 302 to a presigned GET
made at that moment (`result_download_url`).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages
from storages.backends.s3 import S3Storage

from vpr_jobs.schemas import VPRDocument

# A report is personal data: no shared cache (proxy, CDN) may keep it, and the browser must
# not write it to disk. Sent with every download, ours and S3's (stored on the object).
DOWNLOAD_CACHE_CONTROL = "private, no-store"


class ResultsS3Storage(S3Storage):
    """S3 storage that writes each result with its own metadata (job, user, application)."""

    def _get_write_parameters(self, name: str, content: Any = None) -> dict[str, Any]:
        params = super()._get_write_parameters(name, content)
        params["CacheControl"] = DOWNLOAD_CACHE_CONTROL  # S3 answers every GET with it
        if metadata := getattr(content, "metadata", None):
            params["Metadata"] = dict(metadata)
        return params


def _storage() -> Storage:
    return storages["vpr_results"]


def result_key(job_id: UUID | str, claim_token: UUID | str | None) -> str:
    """One key per claim: a worker that lost its claim can only touch its own object."""
    return f"results/{job_id}/{claim_token}.json"


def result_keys_of_job(job_id: UUID | str) -> list[str]:
    """Every object stored for a job (one per claim that wrote one, winners and losers alike,
    and one whose completion has not committed yet). `listdir` is django-storages' listing on S3
    and a directory listing on local storage."""
    prefix = f"results/{job_id}"
    try:
        _dirs, files = _storage().listdir(prefix)
    except FileNotFoundError:  # local storage: no folder until a result is written
        return []
    return [f"{prefix}/{name}" for name in files]


def result_save(*, key: str, document: VPRDocument, metadata: dict[str, str]) -> None:
    content = ContentFile(document.model_dump_json(indent=2).encode("utf-8"))
    content.content_type = "application/json"  # type: ignore[attr-defined]
    content.metadata = metadata  # type: ignore[attr-defined]
    _storage().save(key, content)


def result_exists(key: str) -> bool:
    return bool(key) and _storage().exists(key)


def result_read(key: str) -> bytes | None:
    """The stored document, or None when it is gone."""
    try:
        with _storage().open(key, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def result_delete(key: str) -> None:
    _storage().delete(key)


def results_are_remote() -> bool:
    """True when results are on S3 and a download is a redirect to a presigned URL."""
    return settings.RESULTS_STORAGE == "s3"


def result_download_url(key: str) -> str:
    """A presigned GET valid for `VPR_RESULT_URL_TTL_SECONDS` (S3 only), made per download."""
    return _storage().url(key, expire=settings.VPR_RESULT_URL_TTL_SECONDS)
