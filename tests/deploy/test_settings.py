"""Production mode refuses unsafe defaults, naming the variable to set."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAFE = {
    "DJANGO_ENV": "production",
    "DJANGO_SECRET_KEY": "x" * 50,
    "DJANGO_DEBUG": "false",
    "DJANGO_ALLOWED_HOSTS": "api.careervp.example",
    "VPR_GENERATOR": "claude",
    "RESULTS_STORAGE": "s3",
    "ANTHROPIC_API_KEY_PARAM": "/careervp/prod/anthropic-api-key",
    "DATABASE_URL": "postgres://u:p@db.invalid:5432/careervp",
}


def load_settings(**env: str) -> subprocess.CompletedProcess:
    prefixes = (
        "DJANGO_",
        "VPR_",
        "ANTHROPIC_",
        "RESULTS_STORAGE",
        "QUEUE_BACKEND",
        "DATABASE_",
        "OIDC_",
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    return subprocess.run(
        [sys.executable, "-c", "import careervp.settings"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_development_defaults_load():
    assert load_settings().returncode == 0


def test_safe_production_settings_load():
    result = load_settings(**SAFE)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("override", "variable"),
    [
        ({"DJANGO_SECRET_KEY": ""}, "DJANGO_SECRET_KEY"),
        ({"DJANGO_SECRET_KEY": "x" * 49}, "DJANGO_SECRET_KEY"),
        ({"DJANGO_ALLOWED_HOSTS": "*"}, "DJANGO_ALLOWED_HOSTS"),
        ({"DJANGO_ALLOWED_HOSTS": "api.careervp.example,*"}, "DJANGO_ALLOWED_HOSTS"),
        ({"DJANGO_ALLOWED_HOSTS": "localhost,127.0.0.1"}, "DJANGO_ALLOWED_HOSTS"),
        ({"DJANGO_DEBUG": "true"}, "DJANGO_DEBUG"),
        ({"DJANGO_ALLOWED_HOSTS": ""}, "DJANGO_ALLOWED_HOSTS"),
        ({"VPR_GENERATOR": "rules"}, "VPR_GENERATOR"),
        ({"RESULTS_STORAGE": "local"}, "RESULTS_STORAGE"),
        ({"ANTHROPIC_API_KEY_PARAM": ""}, "ANTHROPIC_API_KEY_PARAM"),
        ({"DATABASE_URL": ""}, "DATABASE_URL"),
        (
            {"DJANGO_CORS_ALLOWED_ORIGINS": "*", "DJANGO_CORS_ALLOW_CREDENTIALS": "true"},
            "DJANGO_CORS_ALLOWED_ORIGINS",
        ),
    ],
)
def test_production_refuses_each_unsafe_setting(override: dict, variable: str):
    result = load_settings(**{**SAFE, **override})

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert variable in result.stderr


def test_production_sends_hsts_for_subdomains_too():
    assert settings_values(
        "print(s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_SECONDS > 0)", **SAFE
    ) == ["True", "True"]


def test_visibility_must_exceed_worker_timeout():
    result = load_settings(VPR_WORKER_TIMEOUT_SECONDS="700", VPR_VISIBILITY_TIMEOUT_SECONDS="660")

    assert result.returncode != 0
    assert "VPR_VISIBILITY_TIMEOUT_SECONDS" in result.stderr


def settings_values(code: str, **env: str) -> list[str]:
    """What `code` prints with `s` = the settings loaded from only `env` (and PATH)."""
    result = subprocess.run(
        [sys.executable, "-c", f"from careervp import settings as s; {code}"],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.split()


def test_elastic_beanstalk_rds_variables_configure_postgresql():
    values = settings_values(
        "d = s.DATABASES['default'];"
        "print(d['ENGINE'], d['HOST'], d['PORT'], d['NAME'], d['USER'], d['PASSWORD'])",
        RDS_HOSTNAME="db.example.internal",
        RDS_PORT="5433",
        RDS_DB_NAME="ebdb",
        RDS_USERNAME="careervp",
        RDS_PASSWORD="p@ss/w:rd",
    )

    assert values == [
        "django.db.backends.postgresql",
        "db.example.internal",
        "5433",
        "ebdb",
        "careervp",
        "p@ss/w:rd",
    ]


def test_cache_url_selects_the_shared_redis_cache():
    values = settings_values(
        "c = s.CACHES['default']; print(c['BACKEND'], c['LOCATION'], c['OPTIONS'])",
        DJANGO_CACHE_URL="redis://cache.internal:6379/2",
    )

    assert values[:2] == ["django_redis.cache.RedisCache", "redis://cache.internal:6379/2"]
    assert "'IGNORE_EXCEPTIONS': True" in " ".join(values)


def test_without_a_cache_url_each_process_has_its_own_cache():
    assert settings_values("print(s.CACHES['default']['BACKEND'])") == [
        "django.core.cache.backends.locmem.LocMemCache"
    ]


def test_cache_url_must_be_redis():
    result = load_settings(DJANGO_CACHE_URL="memcached://cache.internal:11211")

    assert result.returncode != 0
    assert "DJANGO_CACHE_URL" in result.stderr


# --------------------------------------------------------------------------- job timing


@pytest.mark.parametrize(("worker_timeout", "deadline"), [("300", "270"), ("20", "16"), ("5", "4")])
def test_job_deadline_defaults_to_a_fraction_of_the_worker_timeout(worker_timeout, deadline):
    values = settings_values(
        "print(s.VPR_JOB_DEADLINE_SECONDS)",
        VPR_WORKER_TIMEOUT_SECONDS=worker_timeout,
        VPR_VISIBILITY_TIMEOUT_SECONDS="660",
    )

    assert values == [deadline]


@pytest.mark.parametrize("deadline", ["1", "9", "20", "25"])
def test_job_deadline_outside_half_to_all_of_the_worker_timeout_is_refused(deadline):
    result = load_settings(VPR_WORKER_TIMEOUT_SECONDS="20", VPR_JOB_DEADLINE_SECONDS=deadline)

    assert result.returncode != 0
    assert "VPR_JOB_DEADLINE_SECONDS" in result.stderr


def test_an_explicit_sane_job_deadline_is_kept():
    values = settings_values(
        "print(s.VPR_JOB_DEADLINE_SECONDS)",
        VPR_WORKER_TIMEOUT_SECONDS="20",
        VPR_JOB_DEADLINE_SECONDS="12",
    )

    assert values == ["12"]


def test_more_attempts_than_sqs_receives_is_refused():
    """Each attempt is a receive: SQS would dead-letter a job that still had attempts."""
    result = load_settings(VPR_MAX_ATTEMPTS="4", VPR_SQS_MAX_RECEIVE_COUNT="3")

    assert result.returncode != 0
    assert "VPR_MAX_ATTEMPTS (4) must not exceed VPR_SQS_MAX_RECEIVE_COUNT (3)" in result.stderr
    assert load_settings(VPR_MAX_ATTEMPTS="3", VPR_SQS_MAX_RECEIVE_COUNT="5").returncode == 0


def test_sweep_resend_grace_is_a_setting():
    values = settings_values(
        "print(s.VPR_SWEEP_RESEND_AFTER_SECONDS)", VPR_SWEEP_RESEND_AFTER_SECONDS="90"
    )

    assert values == ["90"]
    assert settings_values("print(s.VPR_SWEEP_RESEND_AFTER_SECONDS)") == ["60"]


def test_cors_origins_are_read_from_the_environment():
    values = settings_values(
        "print(s.CORS_ALLOWED_ORIGINS, s.CORS_ALLOW_ALL_ORIGINS)",
        DJANGO_CORS_ALLOWED_ORIGINS="https://app.example, http://localhost:3000/",
    )

    assert values == ["['https://app.example',", "'http://localhost:3000']", "False"]


def test_production_accepts_any_origin_without_credentials():
    assert load_settings(**SAFE, DJANGO_CORS_ALLOWED_ORIGINS="*").returncode == 0


@pytest.mark.parametrize(
    "env",
    [{"OIDC_ISSUER": "https://cognito-idp.eu-west-1.amazonaws.com/pool"}, {"OIDC_AUDIENCE": "c"}],
)
def test_oidc_issuer_and_audience_go_together(env: dict):
    result = load_settings(**env)

    assert result.returncode != 0
    assert "OIDC_ISSUER and OIDC_AUDIENCE" in result.stderr


def test_oidc_key_set_defaults_to_the_issuers_well_known_jwks():
    values = settings_values(
        "print(s.OIDC_JWKS_URL, s.OIDC_TOKEN_USE)",
        OIDC_ISSUER="https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Abc/",
        OIDC_AUDIENCE="client",
    )

    assert values == [
        "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Abc/.well-known/jwks.json",
        "['access',",
        "'id']",
    ]
