"""Name equality: organisations (case, punctuation, legal suffixes, ".com", acronyms, one extra
word, typos), job titles (abbreviations and synonyms, never an added seniority word), person
names, degrees. Memoised: the same names are compared many times per report."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from rapidfuzz import fuzz

from vpr_jobs.fvs.text import _fold, _squash
from vpr_jobs.fvs.vocabulary import (
    _LEGAL_SUFFIXES,
    _NAME_STOPWORDS,
    _SENIORITY,
    _TITLE_ABBREVIATIONS,
)


@lru_cache(maxsize=4096)
def _org_tokens(name: str) -> tuple[str, ...]:
    """Significant lower-case tokens of an organisation name ("Monday.com Ltd" -> (monday,))."""
    text = _fold(name).replace("&", " and ")
    text = re.sub(r"'s\b", "", text)
    text = re.sub(r"\.(?:com|io|ai|co|org|net)\b", "", text)
    tokens = [t for t in re.split(r"[^\w]+", text) if t]
    return tuple(t for t in tokens if t not in _NAME_STOPWORDS and t not in _LEGAL_SUFFIXES)


@lru_cache(maxsize=4096)
def _initials(tokens: tuple[str, ...]) -> frozenset[str]:
    """Acronyms of every run of two or more tokens: "Tel Aviv University" -> {"ta", "av", "tau"}."""
    out = set()
    for i in range(len(tokens)):
        for j in range(i + 2, len(tokens) + 1):
            out.add("".join(t[0] for t in tokens[i:j]))
    return frozenset(out)


@lru_cache(maxsize=4096)
def _joined_runs(tokens: tuple[str, ...]) -> frozenset[str]:
    """Every contiguous run of tokens written without spaces: [check, point] -> checkpoint."""
    n = len(tokens)
    return frozenset("".join(tokens[i:j]) for i in range(n) for j in range(i + 1, n + 1))


def _similar(a: str, b: str, threshold: float) -> bool:
    """Whether `a` and `b` are the same name with a small typo: rapidfuzz's normalised InDel
    similarity (difflib's ratio, computed in C++ with an early exit below the cutoff)."""
    if not a and not b:
        return True
    return fuzz.ratio(a, b, score_cutoff=threshold * 100) > 0


@lru_cache(maxsize=4096)
def org_matches(candidate: str, allowed: str) -> bool:
    """Whether `candidate` names the organisation `allowed`, tolerating case, punctuation,
    legal suffixes, ".com", acronyms, a missing or one extra word, and small typos."""
    a, b = _org_tokens(candidate), _org_tokens(allowed)
    if not a or not b:
        return False
    set_a, set_b = set(a), set(b)
    if set_a <= set_b or (set_b <= set_a and len(set_a - set_b) <= 1):
        return True
    squash_a, squash_b = "".join(a), "".join(b)
    if squash_a in _joined_runs(b) or squash_b in _joined_runs(a):
        return True  # "Checkpoint" is "Check Point (Software)".
    if len(a) == 1 and (squash_a in _initials(b) or squash_b in _initials(a)):
        return True
    return len(squash_a) >= 4 and _similar(squash_a, squash_b, 0.88)


@lru_cache(maxsize=4096)
def _title_tokens(title: str) -> tuple[str, ...]:
    """Lower-case title words with abbreviations expanded ("Sr. Eng" -> senior engineer)."""
    text = _fold(title)
    for short, long in (("vice president", "vp"), ("vice-president", "vp")):
        text = text.replace(short, long)
    text = re.sub(r"\b[lr]&d\b", lambda m: _TITLE_ABBREVIATIONS[m.group(0)], text)
    text = text.replace("&", " and ").replace("/", " ")
    words: list[str] = []
    for raw in re.split(r"[^\w-]+", text):
        word = raw.strip("-")
        if not word or word in {"a", "an", "the", "and", "of"}:
            continue
        words += _TITLE_ABBREVIATIONS.get(word, word).split()
    return tuple(words)


@lru_cache(maxsize=4096)
def title_matches(candidate: str, role: str) -> bool:
    """Whether `candidate` is `role` in other words: case, abbreviations, a dropped or one extra
    plain word and small typos are fine; an added seniority word ("Senior", "Head") is not."""
    c, r = set(_title_tokens(candidate)), set(_title_tokens(role))
    if not c or not r:
        return False
    if (c - r) & _SENIORITY:
        return False
    if c <= r or (r <= c and len(c - r) <= 1):
        return True
    return _similar(" ".join(sorted(c)), " ".join(sorted(r)), 0.85)


def _names_match(a: str, b: str) -> bool:
    """Loose person-name equality: same words in any order, one a subset, or a small typo."""
    ta, tb = set(_org_tokens(a)), set(_org_tokens(b))
    if not ta or not tb:
        return False
    return ta <= tb or tb <= ta or _similar(_squash(a), _squash(b), 0.85)


_CACHED = (_org_tokens, _initials, _joined_runs, org_matches, _title_tokens, title_matches)


def _clear_caches() -> None:
    """Forget every memoised string helper (benchmarks measure verify() from cold)."""
    for cached in _CACHED:
        cached.cache_clear()


def _clean_name(name: str) -> str:
    name = re.sub(r"['\u2019]s?$", "", name.strip())
    return name.strip(" .,-")


_DEGREE_OF = r"arts|science|engineering|education|business administration|fine arts|laws"
_DEGREE_RE = re.compile(
    r"(?<![A-Za-z.])(?P<deg>"
    r"Ph\.?[ \t]?D\.?|D\.Phil\.?|Ed\.D\.?|E?MBA"
    r"|[BM]\.[ \t]?(?:Sc|A|S|Ed|Eng|Arch|Des|Phil|Tech|F\.?A|B\.A|S\.N)\.?"
    r"|BSc|MSc|BA|MA|BEng|MEng|BEd|MEd|BFA|MFA|BBA|LLB|LLM|MPhil|BTech|MTech"
    r"|LL\.[ \t]?[BM]\.?"
    rf"|(?i:bachelor(?:'s|s)?(?:[ \t]+of[ \t]+(?P<bof>{_DEGREE_OF}))?)"
    rf"|(?i:master(?:'s|s)?(?=[ \t]+(?:of|in|degree)\b)(?:[ \t]+of[ \t]+(?P<mof>{_DEGREE_OF}))?)"
    r"|(?i:master's)|(?i:doctorate|doctoral[ \t]+degree|phd)"
    r")(?![A-Za-z])"
)
_DEGREE_FIELD_RE = re.compile(
    r"(?:[ \t]*\([^)]{1,12}\))?[ \t]+(?:degree[ \t]+)?(?i:in|of)[ \t]+(?P<field>[A-Z][\w&-]*"
    r"(?:[ \t]+(?:(?:and|&|of)[ \t]+)?[A-Z][\w&-]*)*)"
)
# fmt: off
_DEGREE_ALIASES = {
    "bs": "bsc", "ms": "msc", "ab": "ba", "emba": "mba", "dphil": "phd", "edd": "phd",
    "doctorate": "phd", "doctoraldegree": "phd", "bachelors": "bachelor", "masters": "master",
    "bachelorofarts": "ba", "bachelorofscience": "bsc", "bachelorofengineering": "beng",
    "bachelorofeducation": "bed", "bachelorofbusinessadministration": "bba",
    "bacheloroffinearts": "bfa", "bacheloroflaws": "llb", "masterofarts": "ma",
    "masterofscience": "msc", "masterofengineering": "meng", "masterofeducation": "med",
    "masterofbusinessadministration": "mba", "masteroffinearts": "mfa", "masteroflaws": "llm",
}
# fmt: on


def _degree_key(raw: str) -> str:
    key = re.sub(r"[^a-z]", "", _fold(raw).replace("'s", ""))
    return _DEGREE_ALIASES.get(key, key)


def _degree_level(key: str) -> str:
    if key in {"phd"}:
        return "doctorate"
    if key.startswith("b") or key == "llb":
        return "bachelor"
    if key.startswith("m") or key == "llm":
        return "master"
    return key


def _degrees_in(text: str) -> Iterator[tuple[str, str, str | None]]:
    """(text, key, field of study) of every degree named in `text`."""
    for m in _DEGREE_RE.finditer(text):
        follow = _DEGREE_FIELD_RE.match(text, m.end())
        yield m.group("deg"), _degree_key(m.group("deg")), follow.group("field") if follow else None
