"""Cost per VPR: tokens and USD per job from the real prompt, with and without prompt caching.

There is no tokenizer offline, so tokens are estimated from characters: ~4 characters per
token for ASCII text (English, JSON) and ~2 per token for other characters (Hebrew), i.e.
tokens = ascii_chars / 4 + other_chars / 2. Input = the structured-output schema
(`claude.output_format()`, sent as `output_config.format`), the system prompt
(`prompts.system_blocks()`) and the user message (`prompts.build_user_message(...)`: the source
catalogue and the draft's choices) for each fixture CV/posting; output = the rules generator's
cited report content as JSON (thinking tokens are not included). Priced with
`claude.DEFAULT_PRICES` / `estimate_cost` for the configured model. Caching: `system_blocks()`
marks the system block `cache_control: ephemeral`; the schema and the system prompt are
counted as the cached prefix (the schema is the same for every job; that the API counts it
with the cached prefix is an assumption), written once (cache_write price), then read
(cache_read price) by every job within the cache's 5-minute lifetime; the per-job user
message is never cached.
"""

from __future__ import annotations

import json
from typing import Any

from bench import context, figures

NAME = "cost"
MIN_CACHEABLE = 1024  # tokens: shorter prefixes are not cached by Sonnet models


def tokens(text: str) -> int:
    ascii_chars = sum(1 for ch in text if ord(ch) < 128)
    return round(ascii_chars / 4 + (len(text) - ascii_chars) / 2)


def cases() -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    ld_cv = context.load_fixture("cv_learning_development")
    ld_request = context.load_fixture("vpr_request_learning_development")
    ld_request["gap_responses"] = context.load_fixture("gap_responses_learning_development")
    backend = {
        "application_id": "app-be-0001",
        "job_posting": context.load_fixture("job_backend_engineer"),
        "gap_responses": [],
    }
    hebrew = {
        "application_id": "app-he-0001",
        "job_posting": context.load_fixture("job_hebrew"),
        "gap_responses": [],
    }
    return [
        ("L&D manager (en, 6 gap answers)", ld_cv, ld_request),
        ("backend engineer (en)", context.load_fixture("cv_backend_engineer"), backend),
        ("L&D CV, Hebrew posting (he)", ld_cv, hebrew),
    ]


def main() -> dict[str, Any]:
    context.django_setup(context.app_env())
    from django.conf import settings

    from vpr_jobs.catalogue import build_catalogue
    from vpr_jobs.generation.base import GenerationInput
    from vpr_jobs.generation.claude import (
        DEFAULT_PRICES,
        VPRContent,
        estimate_cost,
        output_format,
    )
    from vpr_jobs.generation.prompts import build_user_message, system_blocks
    from vpr_jobs.generation.rules import RulesGenerator
    from vpr_jobs.schemas import CV, VPRRequest

    model = settings.ANTHROPIC_MODEL
    prices = {**DEFAULT_PRICES, **settings.VPR_MODEL_PRICES}
    system_text = "".join(block["text"] for block in system_blocks())
    schema_text = json.dumps(output_format(), ensure_ascii=False)
    prefix_tokens = tokens(system_text) + tokens(schema_text)
    cacheable = prefix_tokens >= MIN_CACHEABLE
    rows, results = [], []
    for label, cv_data, request_data in cases():
        cv = CV.model_validate(cv_data)
        request = VPRRequest.model_validate(request_data)
        document = (
            RulesGenerator()
            .generate(GenerationInput(job_id="cost", cv=cv, request=request))
            .document
        )
        posting = request.job_posting
        user_text = build_user_message(
            build_catalogue(cv, posting, request.gap_responses),
            document,
            candidate_name=cv.full_name,
            language=posting.language,
        )
        answer = json.dumps(
            document.model_dump(mode="json", include=set(VPRContent.model_fields)),
            ensure_ascii=False,
        )
        user_tokens, output_tokens = tokens(user_text), tokens(answer)
        uncached = {
            "input_tokens": prefix_tokens + user_tokens,
            "output_tokens": output_tokens,
        }
        first = {
            "input_tokens": user_tokens,
            "cache_creation_input_tokens": prefix_tokens if cacheable else 0,
            "output_tokens": output_tokens,
        }
        warm = {
            "input_tokens": user_tokens + (0 if cacheable else prefix_tokens),
            "cache_read_input_tokens": prefix_tokens if cacheable else 0,
            "output_tokens": output_tokens,
        }
        if not cacheable:
            first["input_tokens"] += prefix_tokens
        cost_uncached = estimate_cost(uncached, model, prices)
        cost_first = estimate_cost(first, model, prices)
        cost_warm = estimate_cost(warm, model, prices)
        total_in = prefix_tokens + user_tokens
        entry = {
            "case": label,
            "chars": {
                "system": len(system_text),
                "output_schema": len(schema_text),
                "user": len(user_text),
                "answer": len(answer),
            },
            "tokens": {
                "cached_prefix": prefix_tokens,
                "user": user_tokens,
                "input_total": total_in,
                "output": output_tokens,
            },
            "cached_share_of_input": round(prefix_tokens / total_in, 3) if cacheable else 0.0,
            "usd": {
                "no_cache": cost_uncached,
                "cache_write_first_job": cost_first,
                "cache_read_warm": cost_warm,
            },
            "saving_warm_vs_no_cache": round(1 - cost_warm / cost_uncached, 3),
            "usd_per_1000_jobs_warm": round(cost_warm * 1000, 2),
        }
        results.append(entry)
        rows.append(
            [
                label,
                total_in,
                f"{entry['cached_share_of_input']:.0%}",
                output_tokens,
                f"{cost_uncached * 100:.3f}",
                f"{cost_first * 100:.3f}",
                f"{cost_warm * 100:.3f}",
                f"{entry['saving_warm_vs_no_cache']:.0%}",
            ]
        )
    headers = [
        "case",
        "input tok",
        "cached share",
        "output tok",
        "¢ no cache",
        "¢ 1st (write)",
        "¢ warm (read)",
        "saving",
    ]
    text = figures.table(headers, rows)
    print(f"\nCost per VPR, one model call, {model} (prices USD/MTok: {prices.get(model)})")
    print(text)
    print(
        f"\ncached prefix (output schema + system): {prefix_tokens} tokens estimated "
        f"({'>=' if cacheable else '<'} the {MIN_CACHEABLE}-token minimum, so caching "
        f"{'applies' if cacheable else 'does NOT apply'}); a FVS regeneration doubles a "
        "job's calls; thinking tokens (effort=medium) come on top of the output."
    )
    return {
        "name": NAME,
        "method": {
            "tokens": "estimated: ascii_chars/4 + other_chars/2 (no tokenizer offline)",
            "input": "output_config.format schema + system_blocks() + build_user_message()",
            "output": "rules generator cited report content as JSON; no thinking",
            "model": model,
            "prices": prices.get(model),
        },
        "cached_prefix_tokens": prefix_tokens,
        "cacheable": cacheable,
        "results": results,
        "table": text,
    }


if __name__ == "__main__":
    data = main()
    figures.write_result(NAME, {"environment": context.environment(), **data})
