"""Where finished reports live: a Django storage named `vpr_results`.

Locally that is a folder under `var/` and the download URL is a signed, expiring link served
by this app (owner only). On S3 (django-storages) it is a presigned GET URL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote
from uuid import UUID

from botocore.auth import S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

from vpr_jobs.schemas import VPRDocument

_SIGNING_SALT = "vpr_jobs.result-url"

# A report is personal data: no shared cache (proxy, CDN) may keep it, and the browser must
# not write it to disk. Sent with every download, ours and S3's (stored on the object).
DOWNLOAD_CACHE_CONTROL = "private, no-store"


@dataclass(frozen=True)
class ResultLink:
    url: str
    expires_at: datetime


class ResultsS3Storage(S3Storage):
    """S3 storage that writes each result with its own metadata (job, user, application) and
    presigns its download links without the client's per-call pipeline."""

    def _get_write_parameters(self, name: str, content: Any = None) -> dict[str, Any]:
        params = super()._get_write_parameters(name, content)
        params["CacheControl"] = DOWNLOAD_CACHE_CONTROL  # S3 answers every GET with it
        if metadata := getattr(content, "metadata", None):
            params["Metadata"] = dict(metadata)
        return params

    def url(
        self,
        name: str,
        parameters: dict[str, Any] | None = None,
        expire: int | None = None,
        http_method: str | None = None,
    ) -> str:
        """A presigned GET, signed by botocore's own SigV4 query signer.

        Every COMPLETED status poll signs a link. `generate_presigned_url` resolves the
        endpoint rules, builds and serialises a request and fires a dozen events each time:
        about 0.35 ms of a 1.6 ms poll. The object URL is resolved by that same pipeline once
        per process (`_presign_target`); what changes per call, the signature, is botocore's
        `S3SigV4QueryAuth`. The URL is the one the pipeline gives (tests compare them).
        """
        if parameters or http_method not in (None, "GET") or self.custom_domain:
            return super().url(name, parameters, expire, http_method)
        credentials = self._signing_credentials
        if credentials is None:  # let botocore raise its NoCredentialsError
            return super().url(name, parameters, expire, http_method)
        key = self._normalize_name(clean_name(name))
        prefix, region = self._presign_target
        request = AWSRequest(method="GET", url=prefix + quote(key, safe="/~"))
        S3SigV4QueryAuth(
            credentials.get_frozen_credentials(),
            "s3",
            region,
            expires=self.querystring_expire if expire is None else expire,
        ).add_auth(request)
        return request.prepare().url

    @cached_property
    def client(self) -> Any:
        """One S3 client for the process's reads. Clients are thread-safe; django-storages
        builds a boto3 resource per thread instead, 0.07-0.2 s of CPU the first time each
        gunicorn thread touches S3, which polls would otherwise pay at random."""
        return self.connection.meta.client

    def exists(self, name: str) -> bool:
        """django-storages' HEAD, on the shared client."""
        try:
            self.client.head_object(
                Bucket=self.bucket_name, Key=self._normalize_name(clean_name(name))
            )
        except ClientError as exc:
            if exc.response["ResponseMetadata"]["HTTPStatusCode"] == 404:
                return False
            raise
        return True

    @cached_property
    def _presign_target(self) -> tuple[str, str]:
        """Where this bucket's keys go in a URL (endpoint, addressing style, region), as the
        client's endpoint rules resolve it, and the region to sign for."""
        client = self.client
        probe = "k"
        url = client.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket_name, "Key": probe}, ExpiresIn=1
        )
        base = url.split("?", 1)[0]
        if not base.endswith("/" + probe):
            raise ImproperlyConfigured(f"Unexpected S3 object URL shape: {base}")
        return base[: -len(probe)], client.meta.region_name

    @cached_property
    def _signing_credentials(self) -> Credentials | None:
        # The session's credentials object refreshes itself (instance role) when frozen.
        return self._create_session().get_credentials()


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


def result_exists_recently(key: str) -> bool:
    """`result_exists`, reusing a positive answer for `VPR_RESULT_CHECK_CACHE_SECONDS`.

    Status polls repeat every few seconds while lifecycle expiry is counted in days, and a
    link handed out already outlives its object by up to its own TTL: a HEAD per poll bought
    nothing but S3 requests. "Gone" is never remembered.
    """
    ttl = settings.VPR_RESULT_CHECK_CACHE_SECONDS
    if not ttl:
        return result_exists(key)
    cache_key = _exists_cache_key(key)
    if cache.get(cache_key):
        return True
    exists = result_exists(key)
    if exists:
        cache.set(cache_key, True, ttl)
    return exists


def _exists_cache_key(key: str) -> str:
    return f"vpr:result-exists:{key}"


def result_read(key: str) -> bytes | None:
    """The stored document, or None when it is gone: one read, which is its own existence
    check. On S3 one GetObject (django-storages' open() makes a HEAD, then a managed
    download)."""
    storage = _storage()
    if isinstance(storage, ResultsS3Storage):
        try:
            return storage.client.get_object(Bucket=storage.bucket_name, Key=key)["Body"].read()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {"NoSuchKey", "404"}:
                return None
            raise
    try:
        with storage.open(key, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def result_delete(key: str) -> None:
    _storage().delete(key)
    cache.delete(_exists_cache_key(key))


def result_link(*, key: str, user_id: Any, base_url: str = "") -> ResultLink:
    ttl = settings.VPR_RESULT_URL_TTL_SECONDS
    expires_at = timezone.now() + timedelta(seconds=ttl)
    if settings.RESULTS_STORAGE == "s3":
        return ResultLink(_storage().url(key, expire=ttl), expires_at)
    token = signing.dumps({"k": key, "u": str(user_id)}, salt=_SIGNING_SALT, compress=True)
    return ResultLink(base_url + reverse("vpr-result-download", args=[token]), expires_at)


def result_key_from_token(token: str, *, user_id: Any) -> str | None:
    """The key a signed link points at, or None if it is tampered, expired or someone else's."""
    try:
        payload = signing.loads(
            token, salt=_SIGNING_SALT, max_age=settings.VPR_RESULT_URL_TTL_SECONDS
        )
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict) or payload.get("u") != str(user_id):
        return None
    return payload.get("k")
