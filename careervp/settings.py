"""CareerVP settings: the environment is read here, once, and nowhere else.

Defaults are safe for a laptop (SQLite, django-q2's ORM broker, local result files, the offline
rules generator). `DJANGO_ENV=production` turns every unsafe default into a start-up error that
names the variable to set.
"""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from careervp.caches import local_caches, redis_caches

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

_DEFAULT_SECRET_KEY = "dev-insecure-careervp-secret-key-change-me"  # noqa: S105


def _env(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def _env_bool(name: str, default: bool) -> bool:
    value = _env(name)
    if not value:
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, got {value!r}")


def _env_int(name: str, default: int, *, minimum: int = 0) -> int:
    value = _env(name)
    if not value:
        return default
    try:
        number = int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from exc
    if number < minimum:
        raise ImproperlyConfigured(f"{name} must be >= {minimum}, got {number}")
    return number


def _env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = _env(name, default).lower()
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}; got {value!r}")
    return value


# --------------------------------------------------------------------------- core

DJANGO_ENV = _env_choice("DJANGO_ENV", "development", ("development", "production", "test"))
PRODUCTION = DJANGO_ENV == "production"

SECRET_KEY = _env("DJANGO_SECRET_KEY", _DEFAULT_SECRET_KEY)
DEBUG = _env_bool("DJANGO_DEBUG", not PRODUCTION)
ALLOWED_HOSTS = [h.strip() for h in _env("DJANGO_ALLOWED_HOSTS").split(",") if h.strip()] or (
    [] if PRODUCTION else ["localhost", "127.0.0.1", "[::1]", "testserver"]
)

QUEUE_BACKEND = _env_choice("QUEUE_BACKEND", "orm", ("orm", "sqs"))
RESULTS_STORAGE = _env_choice("RESULTS_STORAGE", "local", ("local", "s3"))
VPR_GENERATOR = _env_choice("VPR_GENERATOR", "rules", ("rules", "claude"))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "knox",  # API tokens, stored hashed (before vpr_jobs: its admin is replaced there)
    "axes",  # admin login lockout
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # Before django_q: its `qcluster` command is overridden (preloads the task's modules).
    "vpr_jobs",
    "django_q",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before CommonMiddleware, so preflights and error answers carry the CORS headers too.
    "corsheaders.middleware.CorsMiddleware",
    # Before anything resolves a URL or reads a parameter: no NUL/control/bidi input.
    "vpr_jobs.middleware.RejectUnprintableInputMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires: turns a locked-out login into its 429 answer.
    "axes.middleware.AxesMiddleware",
]

# django-axes first: it refuses a locked-out address before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "careervp.urls"
WSGI_APPLICATION = "careervp.wsgi.application"
APPEND_SLASH = False

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def _rds_database_url() -> str:
    """Elastic Beanstalk's own RDS instance (RDS_* properties), when DATABASE_URL is unset."""
    if not _env("RDS_HOSTNAME"):
        return ""
    from urllib.parse import quote

    user, password = quote(_env("RDS_USERNAME"), safe=""), quote(_env("RDS_PASSWORD"), safe="")
    host, port, name = _env("RDS_HOSTNAME"), _env("RDS_PORT", "5432"), _env("RDS_DB_NAME", "ebdb")
    return f"postgres://{user}:{password}@{host}:{port}/{quote(name, safe='')}"


DATABASES = {
    "default": dj_database_url.parse(
        _env("DATABASE_URL") or _rds_database_url() or f"sqlite:///{VAR_DIR / 'careervp.sqlite3'}",
        conn_max_age=_env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded database lives in var/, which git ignores: a fresh clone has no such folder
    # yet, and SQLite would fail with "unable to open database file".
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # The web server and the worker share the file: wait for the lock instead of failing.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # A file, not :memory:, so worker processes started by tests see the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_ROOT = Path(_env("VPR_LOCAL_RESULTS_DIR") or VAR_DIR / "media")

# Request bodies above this are answered 413 (the API's own limit, also Django's).
VPR_MAX_BODY_BYTES = _env_int("VPR_MAX_BODY_BYTES", 256 * 1024, minimum=1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = VPR_MAX_BODY_BYTES

# --------------------------------------------------------------------------- VPR jobs

VPR_IDEMPOTENCY_WINDOW_SECONDS = _env_int("VPR_IDEMPOTENCY_WINDOW_SECONDS", 24 * 3600, minimum=1)
VPR_RESULT_URL_TTL_SECONDS = _env_int("VPR_RESULT_URL_TTL_SECONDS", 3600, minimum=1)
# API tokens (django-rest-knox) expire this many days after they are issued.
VPR_API_TOKEN_TTL_DAYS = _env_int("VPR_API_TOKEN_TTL_DAYS", 90, minimum=1)
VPR_RETRY_AFTER_SECONDS = _env_int("VPR_RETRY_AFTER_SECONDS", 5, minimum=1)
# Job event streams (GET /api/vpr/<id>/events, the ASGI `events` process).
VPR_EVENTS_HEARTBEAT_SECONDS = _env_int("VPR_EVENTS_HEARTBEAT_SECONDS", 15, minimum=1)
VPR_EVENTS_RETRY_MILLISECONDS = _env_int("VPR_EVENTS_RETRY_MILLISECONDS", 3000, minimum=100)
VPR_EVENTS_URL_TTL_SECONDS = _env_int("VPR_EVENTS_URL_TTL_SECONDS", 600, minimum=10)
# Without PostgreSQL's NOTIFY (SQLite), streams re-read their job this often.
VPR_EVENTS_POLL_SECONDS = _env_int("VPR_EVENTS_POLL_SECONDS", 1, minimum=1)
# Where events_url points when the events process has its own origin (`make serve`); empty:
# the request's own origin, with nginx routing /api/vpr/<id>/events to the events process.
VPR_EVENTS_BASE_URL = _env("VPR_EVENTS_BASE_URL").rstrip("/")
# Long-poll (`Prefer: wait=N` on the status endpoint): a waiting request holds a gunicorn thread,
# so at most this many wait at once per process; the others are answered at once.
VPR_LONG_POLL_MAX_WAIT_SECONDS = 25
VPR_LONG_POLL_MAX_WAITING = _env_int("VPR_LONG_POLL_MAX_WAITING", 2)
# eta_seconds: the median duration of this many recent completed jobs of the same generator.
VPR_ETA_SAMPLE_JOBS = _env_int("VPR_ETA_SAMPLE_JOBS", 50, minimum=1)
VPR_MAX_ATTEMPTS = _env_int("VPR_MAX_ATTEMPTS", 3, minimum=1)
VPR_WORKER_TIMEOUT_SECONDS = _env_int("VPR_WORKER_TIMEOUT_SECONDS", 300, minimum=5)
VPR_VISIBILITY_TIMEOUT_SECONDS = _env_int("VPR_VISIBILITY_TIMEOUT_SECONDS", 660, minimum=6)
VPR_WORKERS = _env_int("VPR_WORKERS", 2, minimum=1)
if VPR_VISIBILITY_TIMEOUT_SECONDS <= VPR_WORKER_TIMEOUT_SECONDS:
    raise ImproperlyConfigured(
        "VPR_VISIBILITY_TIMEOUT_SECONDS must exceed VPR_WORKER_TIMEOUT_SECONDS, or a message "
        "is redelivered while its first worker still runs"
    )

# --------------------------------------------------------------------------- AWS

# boto3 also reads credentials and AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE> itself.
AWS_REGION = _env("AWS_REGION") or _env("AWS_DEFAULT_REGION") or "us-east-1"
AWS_S3_ENDPOINT_URL = _env("AWS_ENDPOINT_URL_S3") or _env("AWS_ENDPOINT_URL") or None

# --------------------------------------------------------------------------- queue

# vpr_jobs/queue/topology.py turns these into the one description of the jobs queue and its
# DLQ (what setup_aws_resources creates and .ebextensions/10_resources.config must match).
VPR_JOBS_QUEUE_NAME = _env("VPR_JOBS_QUEUE_NAME", "careervp-vpr-jobs-queue-dev")
VPR_JOBS_DLQ_NAME = _env("VPR_JOBS_DLQ_NAME", "careervp-vpr-jobs-dlq-dev")
VPR_SQS_WAIT_SECONDS = _env_int("VPR_SQS_WAIT_SECONDS", 20)
VPR_SQS_MAX_RECEIVE_COUNT = _env_int("VPR_SQS_MAX_RECEIVE_COUNT", 3, minimum=1)
if VPR_SQS_WAIT_SECONDS > 20:
    raise ImproperlyConfigured("VPR_SQS_WAIT_SECONDS must be between 0 and 20 (SQS long polling)")
if VPR_MAX_ATTEMPTS > VPR_SQS_MAX_RECEIVE_COUNT:
    # Every attempt is one receive: SQS would dead-letter the message while the job still
    # had attempts left, and the job would wait for the sweeper instead of its retry.
    raise ImproperlyConfigured(
        f"VPR_MAX_ATTEMPTS ({VPR_MAX_ATTEMPTS}) must not exceed VPR_SQS_MAX_RECEIVE_COUNT "
        f"({VPR_SQS_MAX_RECEIVE_COUNT}): raise the receive count or lower the attempts"
    )
# The sweeper re-sends a PENDING job never sent this long after its creation, or sent longer
# ago than the visibility timeout plus this (the claim de-duplicates a second message).
VPR_SWEEP_RESEND_AFTER_SECONDS = _env_int("VPR_SWEEP_RESEND_AFTER_SECONDS", 60, minimum=1)

Q_CLUSTER: dict = {
    # The cluster name is also the SQS queue name and django-q2's signing salt.
    "name": VPR_JOBS_QUEUE_NAME,
    "workers": VPR_WORKERS,
    "timeout": VPR_WORKER_TIMEOUT_SECONDS,
    "retry": VPR_VISIBILITY_TIMEOUT_SECONDS,
    # The task records its own failures; a raised exception means "redeliver me", so
    # failures are not acknowledged and the broker redelivers after `retry`.
    "ack_failures": False,
    # Successes are not kept: the Job row is the record. (django-q2's pruning at any positive
    # limit locks and loads every kept success on each task: the largest per-job cost.)
    "save_limit": -1,
    "catch_up": False,
    "label": "Task queue",
}
if QUEUE_BACKEND == "sqs":
    # max_attempts 0: django-q2 never deletes a failing message itself, so SQS's redrive
    # policy moves it to the dead-letter queue after VPR_SQS_MAX_RECEIVE_COUNT receives.
    Q_CLUSTER |= {
        "sqs": {
            "aws_region": AWS_REGION,
            "receive_message_wait_time_seconds": VPR_SQS_WAIT_SECONDS,
        },
        "max_attempts": 0,
        "broker_class": "vpr_jobs.queue.DeadLetteringSqs",
    }
else:
    Q_CLUSTER |= {
        "orm": "default",
        "max_attempts": VPR_MAX_ATTEMPTS,
        "poll": 0.5,
        # django-q2's ORM broker, refusing any message that is not one of our tasks.
        "broker_class": "vpr_jobs.queue.GuardedOrm",
    }

# --------------------------------------------------------------------------- results

VPR_RESULTS_BUCKET_NAME = _env("VPR_RESULTS_BUCKET_NAME", "careervp-vpr-results-dev")

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}
    if PRODUCTION
    else {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "vpr_results": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT, "allow_overwrite": True},
    },
}
if RESULTS_STORAGE == "s3":
    STORAGES["vpr_results"] = {
        "BACKEND": "vpr_jobs.storage.ResultsS3Storage",
        "OPTIONS": {
            "bucket_name": VPR_RESULTS_BUCKET_NAME,
            "region_name": AWS_REGION,
            "endpoint_url": AWS_S3_ENDPOINT_URL,
            "addressing_style": _env("VPR_S3_ADDRESSING_STYLE") or None,
            "signature_version": "s3v4",
            "object_parameters": {"ServerSideEncryption": "AES256"},
            "file_overwrite": True,
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": VPR_RESULT_URL_TTL_SECONDS,
            # Results are small JSON documents: s3transfer's thread pool per upload only adds
            # thread start-ups and hand-offs (a job in-process on moto: 25.5 -> 21.4 ms wall).
            "use_threads": False,
        },
    }

# --------------------------------------------------------------------------- generation

ANTHROPIC_MODEL = _env("ANTHROPIC_MODEL", "claude-sonnet-5-5")
# Thinking tokens count against max_tokens on current models: leave room for them.
ANTHROPIC_MAX_TOKENS = _env_int("ANTHROPIC_MAX_TOKENS", 8192, minimum=256)
# Current models reject sampling parameters (temperature); effort is the dial they take.
ANTHROPIC_EFFORT = _env_choice("ANTHROPIC_EFFORT", "medium", ("low", "medium", "high", "none"))
ANTHROPIC_API_KEY = _env("ANTHROPIC_API_KEY")
ANTHROPIC_API_KEY_PARAM = _env("ANTHROPIC_API_KEY_PARAM")
ANTHROPIC_BASE_URL = _env("ANTHROPIC_BASE_URL") or None
ANTHROPIC_MAX_RETRIES = _env_int("ANTHROPIC_MAX_RETRIES", 2)
# Every model call of a job must end before the worker is killed, leaving time to store the
# report: by default the later of 80 % of the worker timeout and 30 s before it (270 s of 300,
# 16 s of 20).
VPR_JOB_DEADLINE_SECONDS = _env_int(
    "VPR_JOB_DEADLINE_SECONDS",
    VPR_WORKER_TIMEOUT_SECONDS - min(30, VPR_WORKER_TIMEOUT_SECONDS // 5),
    minimum=1,
)
if not VPR_WORKER_TIMEOUT_SECONDS / 2 <= VPR_JOB_DEADLINE_SECONDS < VPR_WORKER_TIMEOUT_SECONDS:
    raise ImproperlyConfigured(
        f"VPR_JOB_DEADLINE_SECONDS ({VPR_JOB_DEADLINE_SECONDS}) must be at least half of "
        f"VPR_WORKER_TIMEOUT_SECONDS ({VPR_WORKER_TIMEOUT_SECONDS}) and below it; leave it "
        "unset for the derived default"
    )
# USD per million tokens; JSON {"model": {"input":…, "output":…, "cache_read":…, "cache_write":…}}
VPR_MODEL_PRICES = json.loads(_env("VPR_MODEL_PRICES") or "{}")

# --------------------------------------------------------------------------- sign-in (OIDC)

# Bearer JWTs from the product's identity provider (a Cognito user pool in production:
# https://cognito-idp.<region>.amazonaws.com/<pool id>), off unless both are set.
OIDC_ISSUER = _env("OIDC_ISSUER").rstrip("/")
OIDC_AUDIENCE = _env("OIDC_AUDIENCE")  # the app client id
if bool(OIDC_ISSUER) != bool(OIDC_AUDIENCE):
    raise ImproperlyConfigured(
        "OIDC_ISSUER and OIDC_AUDIENCE go together: set both (Cognito: the user pool's issuer"
        " URL and the app client id) or neither"
    )
OIDC_JWKS_URL = _env("OIDC_JWKS_URL") or (
    f"{OIDC_ISSUER}/.well-known/jwks.json" if OIDC_ISSUER else ""
)
OIDC_TOKEN_USE = [u.strip() for u in _env("OIDC_TOKEN_USE", "access,id").split(",") if u.strip()]
OIDC_ALGORITHMS = ["RS256"]
OIDC_LEEWAY_SECONDS = _env_int("OIDC_LEEWAY_SECONDS", 30)
OIDC_JWKS_CACHE_SECONDS = _env_int("OIDC_JWKS_CACHE_SECONDS", 300, minimum=1)
OIDC_JWKS_COOLDOWN_SECONDS = _env_int("OIDC_JWKS_COOLDOWN_SECONDS", 30)

# --------------------------------------------------------------------------- API

REST_KNOX = {
    "TOKEN_TTL": timedelta(days=VPR_API_TOKEN_TTL_DAYS),
    "AUTH_HEADER_PREFIX": "Token",  # the header clients already send
}

# How many proxies append to X-Forwarded-For in front of the app: the client's address is the
# entry just before theirs (1 on Elastic Beanstalk: the ALB, whose address nginx appends).
# Unset: the header is ignored and REMOTE_ADDR is the client (vpr_jobs.throttling).
_proxy_count = _env("VPR_TRUSTED_PROXY_COUNT")
VPR_TRUSTED_PROXY_COUNT = _env_int("VPR_TRUSTED_PROXY_COUNT", 0) if _proxy_count else None

REST_FRAMEWORK = {
    # Pluggable: each class authenticates its own scheme. UnauthenticatedRequests stays last
    # (it throttles per address the requests that no class before it authenticated).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "vpr_jobs.authentication.ApiTokenAuthentication",
        "vpr_jobs.oidc.OIDCAuthentication",
        "rest_framework.authentication.SessionAuthentication",
        "vpr_jobs.authentication.UnauthenticatedRequests",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["vpr_jobs.api_errors.SafeJSONParser"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_SCHEMA_CLASS": "vpr_jobs.api_schema.VPRAutoSchema",
    "EXCEPTION_HANDLER": "vpr_jobs.api_errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["vpr_jobs.throttling.ScopedCounterThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "vpr_submit": _env("VPR_THROTTLE_SUBMIT", "30/min"),
        "vpr_read": _env("VPR_THROTTLE_READ", "600/min"),
        # Per client address: wrong tokens and requests without credentials.
        "unauthenticated": _env("VPR_THROTTLE_UNAUTHENTICATED", "60/min"),
    },
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "CareerVP VPR jobs API",
    "DESCRIPTION": "Submit Value Proposition Report jobs, poll their status, fetch results.",
    "VERSION": "1.0.0",
    # 3.1: the pydantic components say "may be null" as JSON Schema does (`type: 'null'`),
    # which 3.0 rejects; openapi-python-client and schemathesis read 3.1.
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "vpr_jobs.middleware.document_input_guard",
    ],
}

# Throttle counters, known API tokens and recent S3 existence checks live in the cache. Per
# process by default; with DJANGO_CACHE_URL (a Redis) shared by every process and instance, so
# throttles are exact and a revoked token is refused everywhere at once. A Redis outage
# degrades to no cache (IGNORE_EXCEPTIONS, logged): tokens and results are looked up again
# and throttles let requests through, rather than every request failing.
DJANGO_CACHE_URL = _env("DJANGO_CACHE_URL")
if DJANGO_CACHE_URL and not DJANGO_CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured(
        f"DJANGO_CACHE_URL must be a redis://, rediss:// or unix:// URL, got {DJANGO_CACHE_URL!r}"
    )
CACHES = redis_caches(DJANGO_CACHE_URL) if DJANGO_CACHE_URL else local_caches()
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True

# --------------------------------------------------------------------------- CORS

# The browser frontend lives on another origin. Only the listed origins may call the API from
# a page (none by default); "*" allows any origin, which production refuses together with
# credentials. Clients authenticate with the Authorization header, not cookies.
CORS_ALLOWED_ORIGINS = [
    o.strip().rstrip("/") for o in _env("DJANGO_CORS_ALLOWED_ORIGINS").split(",") if o.strip()
]
CORS_ALLOW_ALL_ORIGINS = CORS_ALLOWED_ORIGINS == ["*"]
if CORS_ALLOW_ALL_ORIGINS:
    CORS_ALLOWED_ORIGINS = []
CORS_ALLOW_CREDENTIALS = _env_bool("DJANGO_CORS_ALLOW_CREDENTIALS", False)
CORS_URLS_REGEX = r"^/(api/|healthz$)"
CORS_ALLOW_HEADERS = (
    "authorization",
    "content-type",
    "idempotency-key",
    "last-event-id",
    "prefer",
)
CORS_EXPOSE_HEADERS = (
    "Location",
    "Retry-After",
    "Preference-Applied",
    "RateLimit",
    "RateLimit-Policy",
    "RateLimit-Limit",
    "RateLimit-Remaining",
    "RateLimit-Reset",
    "X-RateLimit-Limit",
    "X-RateLimit-Remaining",
    "X-RateLimit-Reset",
)
CORS_PREFLIGHT_MAX_AGE = _env_int("DJANGO_CORS_PREFLIGHT_MAX_AGE", 600)

# --------------------------------------------------------------------------- security

# Admin (session) logins: django-axes locks an address out after this many failures in a row,
# for this many minutes. Attempts are rows in the database, so the count is exact across
# processes and instances.
AXES_FAILURE_LIMIT = _env_int("VPR_ADMIN_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=_env_int("VPR_ADMIN_LOGIN_COOLOFF_MINUTES", 30, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["ip_address"]
AXES_CLIENT_IP_CALLABLE = "vpr_jobs.throttling.client_address"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = _env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = _env_int("DJANGO_HSTS_SECONDS", 3600)
    # Every subdomain of the API's host must be HTTPS-only too: a plain-HTTP sibling could
    # otherwise set cookies for the parent domain or be used to strip TLS.
    SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_CONTENT_TYPE_NOSNIFF = True

# --------------------------------------------------------------------------- logging

LOG_LEVEL = _env("LOG_LEVEL", "INFO").upper()
LOG_FORMAT = _env_choice("LOG_FORMAT", "json" if PRODUCTION else "text", ("json", "text"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "job_context": {"()": "vpr_jobs.logs.JobContextFilter"},
        "expected_retry": {"()": "vpr_jobs.logs.ExpectedRetryFilter"},
    },
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(job_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [job=%(job_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["job_context"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Its "Failed" line for an expected retry is a WARNING (vpr_jobs.logs).
        "django-q": {
            "level": _env("DJANGO_Q_LOG_LEVEL", "WARNING").upper(),
            "filters": ["expected_retry"],
        },
    },
}

# --------------------------------------------------------------------------- production guard

_LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "[::1]"}
MIN_SECRET_KEY_LENGTH = 50  # what Django's own check --deploy (security.W009) asks for

if PRODUCTION:
    _unsafe = [
        (
            SECRET_KEY == _DEFAULT_SECRET_KEY or len(SECRET_KEY) < MIN_SECRET_KEY_LENGTH,
            f"DJANGO_SECRET_KEY: set a random secret of at least {MIN_SECRET_KEY_LENGTH}"
            " characters",
        ),
        (DEBUG, "DJANGO_DEBUG: must be false in production"),
        (
            DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3",
            "DATABASE_URL: point at PostgreSQL (SQLite on an instance loses every job on"
            " replacement)",
        ),
        (
            "*" in ALLOWED_HOSTS or not set(ALLOWED_HOSTS) - _LOOPBACK_HOSTS,
            "DJANGO_ALLOWED_HOSTS: list the public host names this service answers (not '*';"
            " localhost alone is only the health check's name)",
        ),
        (
            CORS_ALLOW_ALL_ORIGINS and CORS_ALLOW_CREDENTIALS,
            "DJANGO_CORS_ALLOWED_ORIGINS: list the frontend's origins ('*' with"
            " DJANGO_CORS_ALLOW_CREDENTIALS lets any site act as its visitors)",
        ),
        (VPR_GENERATOR == "rules", "VPR_GENERATOR: set to 'claude' (rules is the offline preview)"),
        (
            RESULTS_STORAGE == "local",
            "RESULTS_STORAGE: set to 's3' (local files do not survive an instance replacement)",
        ),
        (
            VPR_GENERATOR == "claude" and not (ANTHROPIC_API_KEY or ANTHROPIC_API_KEY_PARAM),
            "ANTHROPIC_API_KEY_PARAM: name the SSM parameter holding the Anthropic API key"
            " (or set ANTHROPIC_API_KEY)",
        ),
    ]
    _problems = [message for failed, message in _unsafe if failed]
    if _problems:
        raise ImproperlyConfigured(
            "DJANGO_ENV=production refuses unsafe settings:\n  " + "\n  ".join(_problems)
        )
