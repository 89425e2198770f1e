"""VPR generators, chosen by the `VPR_GENERATOR` setting."""

from __future__ import annotations

from functools import cache

from django.conf import settings

from vpr_jobs.generation.base import GenerationError, GenerationInput, GenerationResult, Generator

__all__ = ["GenerationError", "GenerationInput", "GenerationResult", "Generator", "get_generator"]


@cache
def get_generator(name: str | None = None) -> Generator:
    name = name or settings.VPR_GENERATOR
    if name == "rules":
        from vpr_jobs.generation.rules import RulesGenerator

        return RulesGenerator()
    raise ValueError(f"unknown VPR_GENERATOR {name!r}")
