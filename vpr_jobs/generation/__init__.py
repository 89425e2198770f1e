"""VPR generators, chosen by the `VPR_GENERATOR` setting, built once per worker process."""

from __future__ import annotations

from functools import cache

from django.conf import settings

from vpr_jobs.generation.base import GenerationError, GenerationInput, GenerationResult, Generator

__all__ = ["GenerationError", "GenerationInput", "GenerationResult", "Generator", "get_generator"]


def get_generator() -> Generator:
    return build_generator(settings.VPR_GENERATOR)


@cache
def build_generator(name: str) -> Generator:
    """Cached: the Claude client (and its SSM-fetched key) is made once per process."""
    if name == "rules":
        from vpr_jobs.generation.rules import RulesGenerator

        return RulesGenerator()
    if name == "claude":
        from vpr_jobs.generation.claude import DEFAULT_PRICES, ClaudeGenerator

        return ClaudeGenerator(
            api_key=anthropic_api_key(),
            model=settings.ANTHROPIC_MODEL,
            max_tokens=settings.ANTHROPIC_MAX_TOKENS,
            effort=None if settings.ANTHROPIC_EFFORT == "none" else settings.ANTHROPIC_EFFORT,
            base_url=settings.ANTHROPIC_BASE_URL,
            max_retries=settings.ANTHROPIC_MAX_RETRIES,
            timeout_seconds=float(settings.VPR_JOB_DEADLINE_SECONDS),
            prices={**DEFAULT_PRICES, **settings.VPR_MODEL_PRICES},
        )
    raise ValueError(f"unknown VPR_GENERATOR {name!r}")


def anthropic_api_key() -> str:
    if settings.ANTHROPIC_API_KEY:
        return settings.ANTHROPIC_API_KEY
    if settings.ANTHROPIC_API_KEY_PARAM:
        from vpr_jobs.integrations import aws

        return aws.ssm_get_secret(settings.ANTHROPIC_API_KEY_PARAM)
    raise GenerationError(
        "No Anthropic API key: set ANTHROPIC_API_KEY or ANTHROPIC_API_KEY_PARAM.",
        code="ANTHROPIC_NOT_CONFIGURED",
        permanent=False,
    )
