"""TODO."""

from __future__ import annotations

import re

from vpr_jobs.fvs.claims import TextField
from vpr_jobs.fvs.quantities import _DISCOURSE_NOUNS, _extract_numbers
from vpr_jobs.fvs.result import _Collector
from vpr_jobs.fvs.sources import _Sources
from vpr_jobs.fvs.text import _DIGIT_RE, _Words

# --------------------------------------------------------------------------- checks


# "In the first 90 days", "a 30-60-90 day plan": the candidate's plan, not a past achievement.
_PLAN_RE = re.compile(
    r"\b(?:(?:first|next|within(?:\s+the\s+first)?|over\s+the\s+next)\s+"
    r"(?:\d{1,3}|[a-z]+(?:-[a-z]+)?)\s*-?\s*(?:days?|weeks?|months?)"
    r"|\d{2}-\d{2}-\d{2,3}(?:[ -]days?)?)\b",
    re.IGNORECASE,
)


# A plan starts with one of these words, or is "30-60-90" (digits).
_PLAN_KEYS = frozenset({"first", "next", "within", "over"})


def _check_numbers(tf: TextField, words: _Words, src: _Sources, out: _Collector) -> None:
    text = tf.text
    if words.any_folded(_PLAN_KEYS) or _DIGIT_RE.search(text):
        text = _PLAN_RE.sub(lambda m: " " * len(m.group(0)), text)
    for n in _extract_numbers(
        text, words=True, include_one=False, runs=words if text.isascii() else None
    ):
        if n.is_year:
            if int(min(n.values)) not in src.years:
                out.add(
                    "IMMUTABLE",
                    "year",
                    tf.path,
                    n.text,
                    f"year {n.text} is not in the CV dates, the gap answers or the posting",
                )
            continue
        if n.values & src.numbers:
            continue
        if n.is_word:
            following = re.findall(r"[A-Za-z']+", text[n.end :])[:2]
            if any(w.casefold() in _DISCOURSE_NOUNS for w in following):
                continue
        out.add(
            "IMMUTABLE",
            "number",
            tf.path,
            n.text,
            f"number {n.text!r} cannot be traced to the CV, the gap answers or the posting",
        )
