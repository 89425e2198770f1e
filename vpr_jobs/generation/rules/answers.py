"""Gap answers: whether one denies or narrows what its question asked, and which posting
lines it may answer. A coach reads the answer's lead: "I have no direct reports yet" is a
gap, whatever the CV seems to say around it."""

from __future__ import annotations

import re
from collections.abc import Mapping

from vpr_jobs.generation.rules.evidence import Item
from vpr_jobs.generation.rules.retrieval import Candidate
from vpr_jobs.generation.rules.text import ANCHOR_WEIGHT, coverage, keys, terms

GAP_ANSWER_COVERAGE = 0.7  # how much of a line an answer to another question must cover

# An answer that says the candidate lacks (or barely has) what the line asks.
_DENIAL_RE = re.compile(
    r"\b(?:no|not|never|none|haven't|hasn't|don't|didn't|isn't|wasn't|without|only|limited|"
    r"little|yet|mostly|partly|partially|somewhat)\b"
    r"|(?:^|\s)(?:אין|לא|טרם|ללא|בלי|רק|עדיין|בעיקר|חלקית)(?:\s|$)",
    re.IGNORECASE,
)
_FIRST_SENTENCE_RE = re.compile(r"(?<=[.!?;])\s+|\s+[-\u2013\u2014]\s+")
# Asked about the first, answered with the second: a smaller scope, not the thing itself.
_ADJACENT_SCOPE = {"@manage": frozenset({"@mentor", "@lead"})}


def is_denial(answer: str) -> bool:
    """The answer's lead denies ("I have no direct reports yet", "לא עבדתי עם OpenShift",
    "only side projects"); a later "but I was not their direct manager" qualifies a detail
    of an answer that opened with the evidence."""
    lead = _FIRST_SENTENCE_RE.split(answer.strip(), maxsplit=1)[0]
    return bool(_DENIAL_RE.search(lead))


def qualifies(item: Item) -> bool:
    """A gap answer that denies what its question asks, or answers with something adjacent
    ("Have you managed people?" "I mentored two juniors")."""
    if is_denial(item.fact):
        return True
    answer = keys(item.fact)
    return any(
        key not in answer and bool(adjacent & answer)
        for key, adjacent in _ADJACENT_SCOPE.items()
        if key in item.topic
    )


def answers(candidate: Candidate, telling: set[str]) -> bool:
    """A gap answer is evidence for a line its question was about, or that it answers almost
    word for word; a few shared words ("care", "assessment") are no answer."""
    item = candidate.item
    if qualifies(item) and item.topic & telling:
        return False  # _apply_denial makes it the row's (developing) source instead
    return bool(item.topic & telling) or candidate.coverage >= GAP_ANSWER_COVERAGE


def is_about(topic: frozenset[str], requirement: str, wanted: Mapping[str, float]) -> bool:
    """Whether a gap question is about this line: most of the question's telling terms are
    the line's, and they include what the line is headed by or cover most of it."""
    telling = [t.key for t in terms(requirement) if t.weight >= ANCHOR_WEIGHT]
    asked = topic & set(telling)
    if not asked or len(asked) < len(topic) / 2:
        return False
    return telling[0] in asked or coverage(dict(wanted), topic) >= 0.5
