"""FVS, the Fact Verification System: no invented company, date, title or number reaches a user.

A VPR document is written by an LLM or a rules generator from three sources: the CV, the job
posting and the candidate's answers to gap questions. `verify()` walks every text field of the
document (with its path, e.g. ``evidence_matrix[2].evidence``) and checks it against them:

* IMMUTABLE (a violation; ``passed`` is False): organisations attributed to the candidate, years,
  job titles, degrees, certifications and numbers must be traceable to the sources; the
  structured fields ``candidate_name``, ``target_company`` and ``target_role`` must match.
* VERIFIABLE (a warning): skills and tools the CV and gap answers never mention.
* FLEXIBLE (a warning): machine-sounding phrases and empty superlatives.

Everything here is a pure function of its arguments (no Django, no I/O), so the worker can run
it after any generator and tests can feed it hand-written hallucinations.

Which checks read which field: ``evidence_matrix[i].requirement`` quotes the posting, so only
its numbers are checked; ``gap_strategies[i].gap`` names what the candidate lacks, so skills
and titles in it are not claims; ``mitigation`` is a plan, so its skills are not claims either.
Quotations copied verbatim from a source ("Python or Go") are blanked before checking.

Known limits (by design, the checks are patterns, not language understanding):

* Organisation, title, degree and certification detection relies on capitalised Latin-script
  names after cue words: "at X", "joined X", "former X", "ex-X", "graduate of X", names ending
  in Inc/University/Bank/..., and "with/for/from/by X" only after an affiliation word ("worked
  with X", "a B.A. from X") because those prepositions precede every kind of capitalised phrase.
  Hebrew prose gets the number and year checks, plus the glued prefixes "ב-X" (at) and
  "כ-<Title>" (as) in front of Latin-script names; names written in Hebrew are not checked.
* Missed: organisations without a cue ("a former Googler", "Google's onboarding"), a target
  company presented as a past employer without a cue ("worked at", "years at"), plural or
  lower-case titles outside "served/worked/hired as", "promoted to". A name that stands alone
  in the CV, gap answers or posting is accepted wherever the report puts it. Places that are
  not in the sources ("at London") are reported as organisations.
* Numbers are accepted when any source states the same value, wherever it appears: a true
  number attached to the wrong achievement passes. Derived values are accepted too: the
  difference, ratio and percentage change of a "from A to B" in a source, tenures in whole
  years (floor or rounded) and months from the CV dates, the number of roles, the report's own
  fit score. Spelled-out numbers ("two") are checked except before discourse nouns ("three
  reasons"); "one", ordinals, numbers glued to letters ("p99", "B2B") and plans ("first 90
  days") are not. The current year counts as a CV year when the CV has a current role.
* Skills: a built-in lexicon of named tools plus unknown all-caps acronyms; soft skills are not
  checked. Style: a fixed English phrase list.

Public API: `verify()` -> `FVSResult` (`passed`, `violations`, `warnings`, `to_dict()`); each
`Finding` has `tier`, `check` (which rule), `field`, `value` and `message`. The helpers
`iter_text_fields`, `extract_numbers`, `org_matches` and `title_matches` are public for reuse
and tests.
"""

from __future__ import annotations

import bisect
import itertools
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from difflib import SequenceMatcher
from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from vpr_jobs.schemas import CV, Education, GapResponse, JobPosting, VPRDocument

__all__ = [
    "FVSResult",
    "Finding",
    "TextField",
    "extract_numbers",
    "iter_text_fields",
    "org_matches",
    "title_matches",
    "verify",
]

Tier = Literal["IMMUTABLE", "VERIFIABLE", "FLEXIBLE"]
Check = Literal[
    "identity",
    "organisation",
    "year",
    "number",
    "title",
    "degree",
    "certification",
    "skill",
    "style",
]
FieldKind = Literal["claim", "posting_quote", "gap", "mitigation"]


# --------------------------------------------------------------------------- result


class Finding(BaseModel):
    """One problem: `field` is a path into the document, `value` the offending fragment."""

    model_config = ConfigDict(frozen=True)

    tier: Tier
    check: Check
    field: str
    value: str
    message: str


class FVSResult(BaseModel):
    """What is stored on the job and in the result: JSON-ready via `to_dict()`."""

    passed: bool
    violations: list[Finding] = []
    warnings: list[Finding] = []

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


# --------------------------------------------------------------------------- vocabulary

# fmt: off

_MONTHS = {
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep",
    "sept", "oct", "nov", "dec",
}
_LANGUAGES = {
    "english", "hebrew", "arabic", "russian", "french", "spanish", "german", "italian",
    "portuguese", "chinese", "mandarin", "japanese", "korean", "hindi", "amharic", "yiddish",
}
# Capitalised words that follow "for"/"with" without naming an organisation.
_GENERIC_NAME_WORDS = {
    "i", "she", "he", "they", "we", "her", "his", "their", "our", "you", "your", "it", "this",
    "engineering", "product", "products", "sales", "marketing", "finance", "operations", "hr",
    "data", "design", "research", "support", "leadership", "management", "learning",
    "development", "onboarding", "training", "compliance", "security", "qa", "devops",
    "platform", "backend", "frontend", "people", "talent", "recruiting", "customer", "success",
    "analytics", "team", "teams", "r&d", "l&d", "ai", "ml", "executive", "summary", "role",
    "company", "organisation", "organization", "business", "technology", "tech", "staff",
    "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",  # not Monday(.com)
    "q1", "q2", "q3", "q4", "h1", "h2", "star", "hiring", "new", "hire", "hires", "day", "one",
    "all", "hands",
}
_ORG_SUFFIXES = {
    "university", "college", "institute", "academy", "school", "bank", "inc", "ltd", "llc",
    "corp", "corporation", "technologies", "labs", "systems", "software", "group",
    "foundation", "association", "agency", "ministry", "hospital", "consulting", "partners",
    "capital", "ventures", "solutions", "studios", "plc", "gmbh",
}
_ORG_PREFIXES = {"university", "bank", "institute", "college", "ministry", "academy"}
_LEGAL_SUFFIXES = {"inc", "ltd", "llc", "corp", "corporation", "co", "plc", "gmbh", "limited"}
_NAME_STOPWORDS = {"the", "of", "for", "and", "a", "an", "at", "de", "in"}

_TITLE_HEADS = {
    "engineer", "engineers", "developer", "manager", "specialist", "coordinator", "director",
    "head", "lead", "designer", "analyst", "consultant", "officer", "architect", "scientist",
    "administrator", "president", "vp", "founder", "cofounder", "co-founder", "owner", "intern",
    "advisor", "adviser", "strategist", "recruiter", "trainer", "instructor", "facilitator",
    "lecturer", "researcher", "programmer", "supervisor", "executive", "ceo", "cto", "cfo",
    "coo", "cpo", "chief", "partner", "teacher",
}
# Words that make a title more senior: never accepted as a "small wording change".
_SENIORITY = {
    "senior", "lead", "principal", "staff", "head", "chief", "director", "vp", "vice",
    "president", "manager", "executive", "founder", "cofounder", "partner", "architect",
    "supervisor", "ceo", "cto", "cfo", "coo", "cpo", "distinguished", "fellow",
}
_TITLE_ABBREVIATIONS = {
    "sr": "senior", "snr": "senior", "jr": "junior", "mgr": "manager", "eng": "engineer",
    "engr": "engineer", "dev": "developer", "swe": "software engineer",
    "l&d": "learning development", "r&d": "research development", "hr": "human resources",
    "co-founder": "cofounder", "vice-president": "vp", "vice president": "vp",
}
_PAST_TITLE_CUES = {
    "served as", "worked as", "working as", "hired as", "promoted to", "appointed",
    "appointed as", "became",
}
# A word right before "at"/"for" that turns the target company into a claimed past employer.
_PAST_EMPLOYER_CUES = {
    "worked", "served", "employed", "spent", "previously", "formerly", "tenure", "stint", "was",
    "years", "months", "career",
}

# Named tools a report may claim; matched case-sensitively (they have canonical spellings).
_SKILL_LEXICON = (
    "Python", "Java", "JavaScript", "TypeScript", "Kotlin", "Scala", "Go", "Golang", "Rust",
    "Ruby", "Rails", "PHP", "C++", "C#", ".NET", "Swift", "Node.js", "React", "Angular",
    "Vue", "Django", "Flask", "FastAPI", "Spring", "SQL", "NoSQL", "GraphQL", "gRPC",
    "PostgreSQL", "Postgres", "MySQL", "MongoDB", "Redis", "Elasticsearch", "Cassandra",
    "DynamoDB", "Kafka", "RabbitMQ", "Celery", "SQS", "SNS", "Lambda", "AWS", "GCP", "Azure",
    "Docker", "Kubernetes", "K8s", "Terraform", "Ansible", "Jenkins", "GitHub Actions",
    "GitLab", "CircleCI", "Airflow", "Spark", "Hadoop", "Snowflake", "BigQuery", "dbt",
    "TensorFlow", "PyTorch", "Tableau", "Power BI", "Looker", "Excel", "Salesforce",
    "Workday", "SAP", "SuccessFactors", "Cornerstone", "Docebo", "Moodle", "Articulate 360",
    "Articulate Storyline", "Storyline", "Captivate", "Camtasia", "Canva", "Figma", "Jira",
    "Confluence", "Notion", "Asana", "Google Analytics", "HubSpot", "Zendesk", "SCORM", "xAPI",
    "Degreed", "LinkedIn Learning", "Coursera", "Udemy", "Lattice", "BambooHR", "Greenhouse",
)
_SKILL_ALIASES = {
    "Postgres": ("PostgreSQL",), "PostgreSQL": ("Postgres",), "K8s": ("Kubernetes",),
    "Kubernetes": ("K8s",), "Golang": ("Go",), "Go": ("Golang",),
}
# All-caps words that are not skills a candidate could falsely claim.
_ACRONYM_STOPLIST = {
    "CV", "VPR", "HR", "KPI", "KPIS", "ROI", "OKR", "OKRS", "CEO", "CTO", "CFO", "COO", "CPO",
    "VP", "US", "USA", "UK", "EU", "IT", "QA", "UX", "UI", "API", "APIS", "SAAS", "AI", "ML",
    "PM", "PR", "TL", "NPS", "ID", "OK", "FAQ", "B2B", "B2C", "MBA", "EMBA", "PHD", "BA", "MA",
    "BSC", "MSC", "BS", "MS", "LLB", "LLM", "BFA", "MFA", "BBA", "BENG", "MENG", "BED", "MED",
    "ASAP", "TBD", "ETA", "SLA", "SLAS", "SQL", "STAR", "Q1", "Q2", "Q3", "Q4", "H1", "H2",
    "FY", "ATS", "LD",
}
_KNOWN_CERT_ACRONYMS = (
    "PMP", "CAPM", "CPTD", "APTD", "CPLP", "CIPD", "SHRM-CP", "SHRM-SCP", "PHR", "SPHR",
    "CISSP", "CISM", "CKA", "CKAD", "CSM", "PSM", "ITIL", "CPA", "CFA", "CCNA", "CCNP",
)

_STYLE_PHRASES = (
    # Machine-sounding phrasing.
    "delve", "delves", "delving", "tapestry", "testament to", "in today's fast-paced",
    "fast-paced world", "ever-evolving", "ever-changing landscape", "leverage synergies",
    "synergies", "navigate the complexities", "navigating the complexities", "game-changer",
    "game changer", "cutting-edge", "unlock the potential", "unleash", "embark on", "realm of",
    "paradigm shift", "seamlessly", "pivotal role", "plays a pivotal", "intricate",
    "meticulous", "showcasing", "underscores", "a myriad of", "spearheaded", "spearheading",
    "results-driven", "proven track record", "passionate about", "thought leader",
    "think outside the box", "at the end of the day", "in the realm of", "holistic approach",
    # Empty superlatives.
    "world-class", "world class", "best-in-class", "best in class", "unparalleled",
    "unmatched", "unrivaled", "unrivalled", "rockstar", "rock star", "ninja", "guru",
    "superstar", "second to none", "top-notch", "stellar", "extraordinary", "visionary",
    "exceptional", "outstanding", "phenomenal", "legendary",
)
# fmt: on
_STYLE_RE = re.compile(
    r"(?<![\w-])(?:" + "|".join(re.escape(p) for p in _STYLE_PHRASES) + r")(?![\w-])",
    re.IGNORECASE,
)


# --------------------------------------------------------------------------- text helpers

# Speed. Most checks are regex scans of every field; sre cannot skip ahead in patterns that
# open with a look-behind or a case-insensitive alternation, so each scan costs ~10 us.
# Before a scan, `_Words` (the field's letter runs) tells cheaply whether the scan can match
# at all; every key set below names, per pattern, letter runs that any match must contain
# as whole runs, so a skipped scan is one that would have found nothing (same verdicts).
# Pure string helpers are memoised (`_CACHED`, bounded) because the same names and titles
# are compared many times per report; `_clear_caches()` empties them (benchmarks, tests).

# Non-ASCII characters that re.IGNORECASE equates with an ASCII letter (dotted capital I,
# dotless i, long s, Kelvin sign): in a text holding one, lower-cased runs could miss a
# case-insensitive match, so no case-insensitive scan is skipped.
_CASE_TWINS = frozenset("\u0130\u0131\u017f\u212a")
_LETTER_RUN_RE = re.compile(r"[A-Za-z]+")
_DIGIT_RE = re.compile(r"\d")


class _Words:
    """The maximal ASCII letter runs of a text, to rule out regex scans that cannot match.

    A pattern whose matches always contain the run "certified" between non-letters cannot
    match a text without that run. `folded` (the runs lower-cased) is None when the text has
    a `_CASE_TWINS` character: then case-insensitive patterns are always scanned."""

    __slots__ = ("_names", "cased", "folded", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.cased = frozenset(_LETTER_RUN_RE.findall(text))
        twins = not text.isascii() and not _CASE_TWINS.isdisjoint(text)
        # Without twins, lower() maps ASCII letters among themselves and nothing onto them.
        self.folded = None if twins else frozenset(map(str.lower, self.cased))
        self._names: list[re.Match[str]] | None = None

    def names(self) -> list[re.Match[str]]:
        """The capitalised runs (`_RUN_RE`) of the text, found once for all checks."""
        if self._names is None:
            self._names = list(_RUN_RE.finditer(self.text))
        return self._names

    def any_cased(self, keys: frozenset[str]) -> bool:
        """Whether a case-sensitive pattern with these `keys` may match."""
        return not keys.isdisjoint(self.cased)

    def any_folded(self, keys: frozenset[str]) -> bool:
        """Whether a case-insensitive pattern with these lower-case `keys` may match."""
        folded = self.folded
        return folded is None or not keys.isdisjoint(folded)

    def has_phrase(self, index: dict[str, list[frozenset[str]]]) -> bool:
        """Whether a case-insensitive phrase of `index` (its runs, under its longest run)
        may occur: all its runs are in the text."""
        folded = self.folded
        if folded is None:
            return True
        return any(runs <= folded for key in folded & index.keys() for runs in index[key])


def _may_contain_folded(text: str, keys: frozenset[str]) -> bool:
    """`_Words(text).any_folded(keys)` without the rest of `_Words`."""
    if not text.isascii() and not _CASE_TWINS.isdisjoint(text):
        return True
    return not keys.isdisjoint(_LETTER_RUN_RE.findall(text.lower()))


def _matches_at(
    regex: re.Pattern[str], text: str, starts: Iterable[int]
) -> Iterator[re.Match[str]]:
    """What `regex.finditer(text)` yields when `starts` (ascending) holds every position a
    match can start at and no match is empty: one anchored attempt per start, no scan.
    (A look-behind still sees the text before the start.)"""
    end = 0
    for pos in starts:
        if pos >= end and (m := regex.match(text, pos)):
            yield m
            end = m.end()


def _by_longest_run(phrases: Sequence[str]) -> dict[str, list[int]]:
    """Indexes of `phrases` under the longest letter run of each."""
    index: dict[str, list[int]] = {}
    for i, phrase in enumerate(phrases):
        index.setdefault(max(_LETTER_RUN_RE.findall(phrase), key=len), []).append(i)
    return index


def _fold(text: str) -> str:
    """Unicode-normalised, lower-cased, with typographic quotes and dashes made plain."""
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u2013", "-")
    return text.replace("\u2014", "-").casefold()


def _squash(text: str) -> str:
    """Only letters and digits: "Check Point" == "Checkpoint", "Monday.com" ~ "mondaycom"."""
    return "".join(ch for ch in _fold(text) if ch.isalnum())


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
    """`SequenceMatcher(None, a, b).ratio() >= threshold`, without difflib when one of its
    cheap upper bounds (length, then shared characters: `real_quick_ratio`, `quick_ratio`,
    same formula) is already below `threshold`; most pairs of unrelated names stop there."""
    length = len(a) + len(b)
    if not length:
        return 1.0 >= threshold
    if 2.0 * min(len(a), len(b)) / length < threshold:
        return False
    if 2.0 * sum((Counter(a) & Counter(b)).values()) / length < threshold:
        return False
    return SequenceMatcher(None, a, b).ratio() >= threshold


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


# --------------------------------------------------------------------------- numbers


@dataclass(frozen=True)
class NumberMention:
    """A number in text; `values` holds every reading of it (e.g. "5m" is 5 or 5,000,000)."""

    text: str
    values: frozenset[float]
    is_year: bool
    is_word: bool
    start: int
    end: int


# fmt: off
_SCALES = {
    "thousand": 1e3, "k": 1e3, "million": 1e6, "m": 1e6, "mm": 1e6, "billion": 1e9,
    "bn": 1e9, "b": 1e9,
}
_NUMBER_RE = re.compile(
    r"(?<![A-Za-z0-9_./:,])(?<![A-Za-z]-)"
    r"(?P<cur>[$\u20ac\u00a3\u20aa]\s?)?"
    r"(?P<int>\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.(?P<frac>\d+))?"
    r"(?!\d)(?![.,]\d)(?!st\b|nd\b|rd\b|th\b)(?!/\d)(?!:\d)"
    r"\+?"
    r"(?:\s?(?P<pct>%|percent\b|per\s?cent\b)"
    r"|\s(?P<wscale>thousand|million|billion)\b"
    r"|(?P<scale>bn|mm|[kKmMbB])(?![A-Za-z]))?"
)
_YEAR_MONTH_RE = re.compile(r"\b(\d{4})-(?:0[1-9]|1[0-2])\b(?!-?\d)")
_UNITS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}
# fmt: on
_WORD_NUMBER_RE = re.compile(
    r"\b(?:(?P<tens>" + "|".join(_TENS) + r")(?:[-\s](?P<tu>" + "|".join(_UNITS) + r"))?"
    r"|(?P<unit>" + "|".join(_UNITS) + r"))"
    r"(?:\s(?P<wscale>thousand|million|billion))?\b",
    re.IGNORECASE,
)
# Every match of `_WORD_NUMBER_RE` starts with one of these words as a whole letter run.
_NUMBER_WORD_KEYS = frozenset(_UNITS) | frozenset(_TENS)
# "three reasons", "two key strengths": structure of the prose, not a claim about the candidate.
_DISCOURSE_NOUNS = {
    "reasons",
    "things",
    "ways",
    "areas",
    "points",
    "strengths",
    "pillars",
    "themes",
    "priorities",
    "steps",
    "questions",
    "examples",
    "qualities",
    "aspects",
    "factors",
    "ideas",
    "lessons",
    "takeaways",
    "key",
    "main",
    "core",
    "clear",
    "distinct",
    "of",
    "stand",
}


def _key(value: float) -> float:
    return round(value, 4)


def _number_word(word: str) -> str:
    """The table key of a spelled number the (case-insensitive) regex matched: it also
    matches the Turkish dotless and dotted I ("n\u0131ne"), which casefold() keeps apart."""
    return word.casefold().replace("i\u0307", "i").replace("\u0131", "i")


def extract_numbers(
    text: str, *, words: bool = True, include_one: bool = False
) -> list[NumberMention]:
    """Numeric claims in `text`: "1,200", "96%", "$2M", "2 million", "4.6", years, and (with
    `words`) spelled-out numbers "two".."ninety-nine" optionally scaled ("two million")."""
    return _extract_numbers(text, words=words, include_one=include_one, runs=None)


def _extract_numbers(
    text: str, *, words: bool, include_one: bool, runs: _Words | None
) -> list[NumberMention]:
    """`extract_numbers`, given the `_Words` of `text` when already known (`text` ASCII, so
    NFKC leaves it as it is; runs of a text `text` was made from by blanking spans will do)."""
    text = unicodedata.normalize("NFKC", text)
    found: list[NumberMention] = []
    has_digit = _DIGIT_RE.search(text) is not None  # Figures and "2021-03" need a digit.
    if has_digit:
        # "2021-03" is a year and a month, not the numbers 2021 and 3.
        text = _YEAR_MONTH_RE.sub(lambda m: m.group(1) + " " * (len(m.group(0)) - 4), text)
    for m in _NUMBER_RE.finditer(text) if has_digit else ():
        raw = m.group("int").replace(",", "")
        value = float(f"{raw}.{m.group('frac')}") if m.group("frac") else float(raw)
        scale_word = (m.group("wscale") or m.group("scale") or "").casefold()
        values = {value}
        if scale_word:
            scaled = value * _SCALES[scale_word]
            # "5m" may be minutes or metres; "5M", "5k", "5 million" are unambiguous.
            values = {value, scaled} if m.group("scale") == "m" else {scaled}
        plain = not (m.group("cur") or m.group("pct") or scale_word or m.group("frac"))
        is_year = plain and len(m.group("int")) == 4 and 1900 <= value <= 2100
        found.append(
            NumberMention(
                m.group(0).strip(),
                frozenset(map(_key, values)),
                is_year,
                False,
                m.start(),
                m.end(),
            )
        )
    if words and (
        runs.any_folded(_NUMBER_WORD_KEYS) if runs else _may_contain_folded(text, _NUMBER_WORD_KEYS)
    ):
        for m in _WORD_NUMBER_RE.finditer(text):
            if m.group("unit"):
                value = float(_UNITS[_number_word(m.group("unit"))])
            else:
                value = float(_TENS[_number_word(m.group("tens"))])
                if m.group("tu"):
                    value += _UNITS[_number_word(m.group("tu"))]
            if value == 1 and not include_one:
                continue
            if m.group("wscale"):
                value *= _SCALES[m.group("wscale").casefold()]
            found.append(
                NumberMention(m.group(0), frozenset({_key(value)}), False, True, m.start(), m.end())
            )
    return sorted(found, key=lambda n: n.start)


_CHANGE_RE = re.compile(
    r"\s*(?:[A-Za-z]{1,8}\s*)?(?:to|down to|up to|->|\u2192)\s*[$\u20ac\u00a3\u20aa]?"
)


def _derived_numbers(text: str, mentions: Sequence[NumberMention]) -> set[float]:
    """Values a writer may fairly compute from a change "from A to B" in a source: "from 900 ms
    to 180 ms" supports "720 ms faster", "5x" and "80%"; "70% to 96%" supports "26 points"."""
    out: set[float] = set()
    for first, second in itertools.pairwise(mentions):
        if first.is_year or second.is_year:
            continue
        if not _CHANGE_RE.fullmatch(text[first.end : second.start]):
            continue
        a, b = min(first.values), min(second.values)
        if a <= 0 or b <= 0:
            continue
        diff = abs(a - b)
        out.add(_key(diff))
        ratio = max(a, b) / min(a, b)
        out |= {_key(round(ratio)), _key(round(ratio, 1))}
        for base in (a, max(a, b)):
            pct = diff / base * 100
            out |= {_key(math.floor(pct)), _key(round(pct))}
    return out


def _months(year_month: str) -> int:
    year, month = year_month.split("-")
    return int(year) * 12 + int(month) - 1


def _durations(cv: CV, today: date) -> set[float]:
    """Tenures in whole years (floor and rounded: 3.8 years may be "3" or "4", 5.1 years is
    never "6") and in months, per role and for the whole career."""
    now = today.year * 12 + today.month - 1
    spans: list[tuple[int, int]] = []
    for exp in cv.experience:
        end = _months(exp.end_date) if exp.end_date else now
        spans.append((_months(exp.start_date), max(end, _months(exp.start_date))))
    if spans:
        spans.append((min(s for s, _ in spans), max(e for _, e in spans)))
    out: set[float] = set()
    for start, end in spans:
        months = end - start + 1
        years = months / 12
        out |= {_key(months), _key(math.floor(years)), _key(round(years))}
    return out


# --------------------------------------------------------------------------- sources


@dataclass
class _Sources:
    """Everything the report may state, pre-digested once per verification."""

    cv: CV
    posting: JobPosting
    cv_segments: list[str]
    gap_segments: list[str]
    posting_segments: list[str]
    numbers: set[float] = field(default_factory=set)
    years: set[int] = field(default_factory=set)
    orgs: list[str] = field(default_factory=list)
    cv_employers: list[str] = field(default_factory=list)
    cert_texts: list[str] = field(default_factory=list)
    cert_acronyms: set[str] = field(default_factory=set)
    generic_words: set[str] = field(default_factory=set)

    all_segments: list[str] = field(default_factory=list)
    folded_text: str = ""
    folded_segments: set[str] = field(default_factory=set)
    skill_text: str = ""
    org_acronyms: frozenset[str] = frozenset()
    cv_degrees: list[tuple[str, Education]] = field(default_factory=list)
    # Answers already computed for this verification (the same names recur across fields).
    name_occurs: dict[str, bool] = field(default_factory=dict)
    skill_known: dict[str, bool] = field(default_factory=dict)


_CAP_RUN_ABBR = "|".join(f"(?<={a})" for a in ("Sr", "Jr", "Inc", "Ltd", "Co", "Corp", "St"))
_WORD = (
    r"[A-Z][A-Za-z0-9&'\u2019+]*"
    r"(?:\.[A-Za-z0-9]+|-[A-Z0-9][A-Za-z0-9&'\u2019+]*)*"
    rf"(?:(?:{_CAP_RUN_ABBR})\.)?"
)
_RUN = rf"{_WORD}(?:[ \t]+(?:(?:of|for|and|&|de)[ \t]+)?{_WORD})*"
_RUN_RE = re.compile(_RUN)


_GENERIC_WORDS = frozenset(
    _MONTHS
    | _LANGUAGES
    | _GENERIC_NAME_WORDS
    | {_fold(term) for term in _SKILL_LEXICON}
    | _TITLE_HEADS
    | {f"{head}s" for head in _TITLE_HEADS}
)


def _build_sources(
    cv: CV, posting: JobPosting, gap_responses: Sequence[GapResponse], today: date
) -> _Sources:
    cv_segments = [cv.full_name, cv.professional_summary, *cv.skills, *cv.languages]
    if cv.contact.location:
        cv_segments.append(cv.contact.location)
    for exp in cv.experience:
        cv_segments += [exp.company, exp.role, exp.description, *exp.achievements]
        cv_segments += exp.technologies
    for edu in cv.education:
        cv_segments += [edu.institution, edu.degree, edu.field_of_study]
    for cert in cv.certifications:
        cv_segments += [cert.name, cert.issuer]
    posting_segments = [
        posting.company_name,
        posting.role_title,
        *posting.responsibilities,
        *posting.requirements,
        *posting.nice_to_have,
        posting.description,
        posting.employment_type,
    ]
    if posting.location:
        posting_segments += [posting.location.city, posting.location.country]
    gap_segments = [g.answer for g in gap_responses]
    src = _Sources(
        cv=cv,
        posting=posting,
        cv_segments=[s for s in cv_segments if s],
        gap_segments=[s for s in gap_segments if s],
        posting_segments=[s for s in posting_segments if s],
    )
    src.all_segments = src.cv_segments + src.gap_segments + src.posting_segments
    src.folded_text = _fold("\n".join(src.all_segments))
    src.folded_segments = {_fold(segment).strip(" .") for segment in src.all_segments}
    src.skill_text = _fold("\n".join(src.cv_segments + src.gap_segments))

    normalised = [unicodedata.normalize("NFKC", segment) for segment in src.all_segments]
    # One look for spelled-out numbers in all the sources instead of one per segment.
    spelled = _may_contain_folded("\n".join(normalised), _NUMBER_WORD_KEYS)
    for segment in normalised:
        mentions = extract_numbers(segment, words=spelled, include_one=True)
        for n in mentions:
            src.numbers |= n.values
            if n.is_year:
                src.years.add(int(min(n.values)))
        src.numbers |= _derived_numbers(segment, mentions)
    for exp in cv.experience:
        src.years.add(int(exp.start_date[:4]))
        if exp.end_date:
            src.years.add(int(exp.end_date[:4]))
    if any(exp.current for exp in cv.experience):
        src.years.add(today.year)  # "2021-present" may be written as "since 2021 ... 2025".
    src.years |= {e.graduation_year for e in cv.education if e.graduation_year}
    src.years |= {c.year for c in cv.certifications if c.year}
    src.numbers |= _durations(cv, today)
    companies = {_squash(e.company) for e in cv.experience}
    src.numbers |= {_key(len(cv.experience)), _key(len(companies))}
    src.numbers |= {_key(y) for y in src.years}

    src.cv_employers = [e.company for e in cv.experience]
    src.orgs = [*src.cv_employers, *(e.institution for e in cv.education)]
    src.orgs += [c.issuer for c in cv.certifications if c.issuer]
    src.orgs.append(posting.company_name)
    for answer in src.gap_segments:
        src.orgs += [m.group(0) for m in _RUN_RE.finditer(answer)]
    for cert in cv.certifications:
        text = f"{cert.name} {cert.issuer}".strip()
        src.cert_texts.append(text)
        for part in (cert.name, cert.issuer):
            tokens = _org_tokens(part)
            src.cert_acronyms |= _initials(tokens)
            src.cert_acronyms |= {_fold(w) for w in re.findall(r"\b[A-Z]{2,}\b", part)}
    src.generic_words = (
        _GENERIC_WORDS | {_fold(lang) for lang in cv.languages} | set(_org_tokens(cv.full_name))
    )
    src.org_acronyms = frozenset().union(*(_initials(_org_tokens(org)) for org in src.orgs))
    for edu in cv.education:
        keys = {key for _, key, _ in _degrees_in(edu.degree)} or {_degree_key(edu.degree)}
        src.cv_degrees += [(key, edu) for key in keys if key]
    return src


def _name_in_sources(phrase: str, src: _Sources) -> bool:
    """`_occurs_as_name(phrase, src.all_segments)`, computed once per phrase and source."""
    known = src.name_occurs.get(phrase)
    if known is None:
        known = src.name_occurs[phrase] = _occurs_as_name(phrase, src.all_segments)
    return known


def _occurs_as_name(phrase: str, segments: Iterable[str]) -> bool:
    """Whether `phrase` stands on its own in a source, not as part of a longer name ("Google"
    inside the tool "Google Analytics" does not make Google a former employer)."""
    pattern = re.compile(rf"(?<!\w){re.escape(phrase)}(?!\w)", re.IGNORECASE)
    for segment in segments:
        for m in pattern.finditer(segment):
            if re.match(r"[ \t]+(?:(?:of|for|&)[ \t]+)?[A-Z]", segment[m.end() :]):
                continue
            before = segment[: m.start()]
            prev = re.search(r"([A-Za-z][\w.&'-]*)[ \t]+$", before)
            if prev and prev.group(1)[0].isupper():
                head = before[: prev.start()].rstrip()
                if head and head[-1] not in ".!?:;(\"'":
                    continue
            return True
    return False


_QUOTE_RE = re.compile(
    r'"([^"\n]+)"|\u201c([^\u201d\n]+)\u201d|\u201e([^\u201c\u201d\n]+)[\u201c\u201d]'
)


def _mask_source_quotes(text: str, src: _Sources) -> str:
    """Blank out quotations copied verbatim from a source: "Python or Go" quoted from the
    posting is not a claim that the candidate knows Go. Offsets are kept."""

    def blank(m: re.Match[str]) -> str:
        quoted = _fold(next(g for g in m.groups() if g is not None)).strip(" .")
        # A whole source item, or a passage long enough not to be a bare name ("Google").
        verbatim = quoted in src.folded_segments or (
            len(quoted.split()) >= 3 and quoted in src.folded_text
        )
        return " " * len(m.group(0)) if quoted and verbatim else m.group(0)

    if '"' not in text and "\u201c" not in text and "\u201e" not in text:
        return text  # Every quotation opens with one of these.
    return _QUOTE_RE.sub(blank, text)


# --------------------------------------------------------------------------- document walk


@dataclass(frozen=True)
class TextField:
    """One text of the document and how to read it: a `claim` about the candidate, a quote of
    the posting (`posting_quote`), a `gap` (what the candidate lacks) or a `mitigation` plan."""

    path: str
    text: str
    kind: FieldKind


_CHECKS_BY_KIND: dict[FieldKind, frozenset[str]] = {
    "claim": frozenset(
        {"number", "organisation", "title", "degree", "certification", "skill", "style"}
    ),
    "posting_quote": frozenset({"number"}),
    "gap": frozenset({"number", "organisation", "style"}),
    "mitigation": frozenset(
        {"number", "organisation", "title", "degree", "certification", "style"}
    ),
}


def iter_text_fields(document: VPRDocument) -> Iterator[TextField]:
    """Every prose field with its path, in reading order (mirrors `VPRDocument.prose()`)."""
    yield TextField("executive_summary", document.executive_summary, "claim")
    for i, row in enumerate(document.evidence_matrix):
        yield TextField(f"evidence_matrix[{i}].requirement", row.requirement, "posting_quote")
        yield TextField(f"evidence_matrix[{i}].evidence", row.evidence, "claim")
        yield TextField(f"evidence_matrix[{i}].impact", row.impact, "claim")
    for i, item in enumerate(document.differentiators):
        yield TextField(f"differentiators[{i}]", item.text, "claim")
    for i, gap in enumerate(document.gap_strategies):
        yield TextField(f"gap_strategies[{i}].gap", gap.gap, "gap")
        yield TextField(f"gap_strategies[{i}].mitigation", gap.mitigation, "mitigation")
        for j, skill in enumerate(gap.transferable_skills):
            yield TextField(f"gap_strategies[{i}].transferable_skills[{j}]", skill, "claim")
    for i, item in enumerate(document.talking_points):
        yield TextField(f"talking_points[{i}]", item.text, "claim")


class _Collector:
    """Accumulates findings once each (same tier, check, field and value)."""

    def __init__(self) -> None:
        self.findings: list[Finding] = []
        self._seen: set[tuple[str, str, str, str]] = set()

    def add(self, tier: Tier, check: Check, path: str, value: str, message: str) -> None:
        key = (tier, check, path, _fold(value))
        if key not in self._seen:
            self._seen.add(key)
            self.findings.append(
                Finding(tier=tier, check=check, field=path, value=value, message=message)
            )


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


# Hebrew prefixes glued to a Latin-script name: "ב-Wix" (at Wix), "כ-Training Coordinator" (as).
_HE_AT = r"(?<![\u0590-\u05ff])\u05d5?\u05d1-?(?=[A-Z])"
_HE_AS = r"(?<![\u0590-\u05ff])\u05d5?\u05db-?(?=[A-Z])"
# Every `_HE_AT` / `_HE_AS` match contains one of these (a literal first: a fast search).
_HE_AT_HINT_RE = re.compile("\u05d1-?[A-Z]")
_HE_AS_HINT_RE = re.compile("\u05db-?[A-Z]")
_ORG_TRIGGER_RE = re.compile(
    r"(?<![\w-])(?:(?i:ex)-|(?P<trigger>(?i:at|with|for|from|by|joined|joining|join"
    r"|joins|former|graduate of|graduated from|alumna of|alumnus of|studied at))[ \t]+"
    rf"|{_HE_AT})(?:(?i:the)[ \t]+)?[\"\u201c]?(?P<org>{_RUN})"
)
# "with", "for", "from" and "by" precede capitalised phrases of every kind ("with Engineering
# Managers", "from Day One"); they introduce an organisation only after one of these words.
_WEAK_TRIGGERS = {"with", "for", "from", "by"}
# fmt: off
_AFFILIATION_WORDS = {
    "worked", "work", "works", "working", "partnered", "partnering", "partner", "collaborated",
    "collaborating", "consulted", "consulting", "consultant", "interned", "employed", "hired",
    "contracted", "freelanced", "volunteered", "recognised", "recognized", "awarded", "honored",
    "honoured", "acquired", "sponsored", "degree", "diploma", "graduated", "graduate", "ba", "bsc",
    "bs", "ma", "msc", "ms", "mba", "phd", "bed", "med", "beng", "meng",
}
# fmt: on


def _clean_name(name: str) -> str:
    name = re.sub(r"['\u2019]s?$", "", name.strip())
    return name.strip(" .,-")


def _org_known(name: str, src: _Sources) -> bool:
    """Known organisation, a stand-alone name from the sources, or not an organisation at all."""
    name = _clean_name(name)
    tokens = _org_tokens(name)
    if not tokens or all(t in src.generic_words for t in tokens):
        return True
    if any(org_matches(name, allowed) for allowed in src.orgs):
        return True
    return _name_in_sources(name, src)


def _unknown_org_parts(name: str, src: _Sources) -> list[str]:
    """The parts of a capitalised run that name no known organisation ([] when all is well).

    "Wix and Check Point" is two names; "Wix Noa" is a name followed by the candidate's name."""
    if _org_known(name, src):
        return []
    parts = [p for p in re.split(r"\s*(?:,|\band\b|&|\bfor\b)\s*", name) if p]
    if len(parts) > 1:
        return [p for p in parts if not _org_known(p, src)]
    words = name.split()
    for cut in range(len(words) - 1, 0, -1):
        head, tail = " ".join(words[:cut]), " ".join(words[cut:])
        tail_tokens = _org_tokens(tail)
        if all(t in src.generic_words for t in tail_tokens) and _org_known(head, src):
            return []
    return [_clean_name(name)]


def _is_target(name: str, src: _Sources) -> bool:
    return org_matches(name, src.posting.company_name) and not any(
        org_matches(name, employer) for employer in src.cv_employers
    )


# Every `_ORG_TRIGGER_RE` match starts with one of these words, or has a Hebrew bet prefix.
_ORG_TRIGGER_KEYS = frozenset(
    {"ex", "at", "with", "for", "from", "by", "joined", "joining", "join", "joins", "former"}
    | {"graduate", "graduated", "alumna", "alumnus", "studied"}
)
_PRIOR_WORD_RE = re.compile(r"[A-Za-z][A-Za-z.']*")


def _word_before(text: str, starts: list[int], ends: list[int], pos: int) -> str:
    """The last `_PRIOR_WORD_RE` word of `text[:pos]`, from the matches of the whole text
    (`starts`, `ends`): the last one starting before `pos`, cut at `pos`."""
    i = bisect.bisect_left(starts, pos) - 1
    return text[starts[i] : min(ends[i], pos)] if i >= 0 else ""


def _cue_matches(
    regex: re.Pattern[str],
    text: str,
    words: _Words,
    cues: frozenset[str],
    hebrew: re.Pattern[str],
) -> Iterable[re.Match[str]]:
    """`regex.finditer(text)` for a pattern whose matches start with a word of `cues` (as a
    whole letter run: the pattern's look-behind excludes a letter before it) or contain the
    `hebrew` prefix: a match is tried only where a cue occurs, unless the prefix does."""
    if hebrew.search(text) or words.folded is None:
        return regex.finditer(text)
    present = cues & words.folded
    if not present:
        return ()
    # Without `_CASE_TWINS`, lower() keeps every character in place (one for one).
    low = text.lower()
    starts = sorted(i for cue in present for i in _occurrences(low, cue))
    return _matches_at(regex, text, starts)


def _occurrences(text: str, sub: str) -> Iterator[int]:
    i = text.find(sub)
    while i >= 0:
        yield i
        i = text.find(sub, i + 1)


def _check_organisations(tf: TextField, words: _Words, src: _Sources, out: _Collector) -> None:
    spans: list[tuple[int, int]] = []
    candidates: list[tuple[str, str, int]] = []  # (name, word before the trigger, start)
    triggers = _cue_matches(_ORG_TRIGGER_RE, tf.text, words, _ORG_TRIGGER_KEYS, _HE_AT_HINT_RE)
    word_starts: list[int] = []
    word_ends: list[int] = []
    for m in triggers:
        if not word_starts:
            for w in _PRIOR_WORD_RE.finditer(tf.text):
                word_starts.append(w.start())
                word_ends.append(w.end())
        word = _word_before(tf.text, word_starts, word_ends, m.start())
        before = re.sub(r"[.']|'s$", "", _fold(word)) if word else ""
        trigger = _fold(m.group("trigger") or "")
        if trigger in _WEAK_TRIGGERS and before not in _AFFILIATION_WORDS:
            continue
        candidates.append((m.group("org"), before, m.start()))
        spans.append(m.span("org"))
    for m in words.names():
        parts = m.group(0).split()
        is_org = _fold(parts[-1]).strip(".") in _ORG_SUFFIXES or (
            len(parts) > 2
            and _fold(parts[0]).strip(".") in _ORG_PREFIXES
            and _fold(parts[1]).strip(".") == "of"
        )
        if is_org and not any(s <= m.start() < e for s, e in spans):
            candidates.append((m.group(0), "", m.start()))
    for name, before, _ in sorted(candidates, key=lambda c: c[2]):
        name = _clean_name(name)
        if _is_target(name, src):
            if before in _PAST_EMPLOYER_CUES:
                out.add(
                    "IMMUTABLE",
                    "organisation",
                    tf.path,
                    name,
                    f"{name!r} is the target company, but the text presents it as a past employer",
                )
            continue
        for part in _unknown_org_parts(name, src):
            out.add(
                "IMMUTABLE",
                "organisation",
                tf.path,
                part,
                f"organisation {part!r} is not in the CV or the gap answers",
            )


_TITLE_CUE_RE = re.compile(
    r"(?:(?<![\w-])(?P<cue>(?i:served as|worked as|working as|hired as|promoted to|appointed as"
    r"|appointed|became|as))[ \t]+(?:(?i:an?|the|her|his|their|our)[ \t]+)?"
    rf"|{_HE_AS})(?P<title>{_RUN})"
)
_LOWER_TITLE_RE = re.compile(
    r"(?<![\w-])(?P<cue>(?i:served as|worked as|working as|hired as|promoted to|appointed as))"
    r"[ \t]+(?:(?:an?|the)[ \t]+)?"
    r"(?P<title>(?:[a-z][a-z&/-]*[ \t]+){0,4}?(?:" + "|".join(sorted(_TITLE_HEADS)) + r")\b"
    r"(?:[ \t]+of[ \t]+[a-z][a-z&-]*(?:[ \t]+(?:and|&)[ \t]+[a-z][a-z&-]*)?)?)"
)
_POSSESSIVE_TITLE_RE = re.compile(
    rf"(?P<org>{_RUN})['\u2019]s[ \t]+(?:(?i:former|current|new|then)[ \t]+)?(?P<title>{_RUN})"
)
_AT_ORG_RE = re.compile(rf"[ \t]+(?:(?i:at|with)[ \t]+(?:(?i:the)[ \t]+)?|{_HE_AT})(?P<org>{_RUN})")


def _has_title_head(title: str) -> bool:
    return any(w in _TITLE_HEADS for w in re.split(r"[^\w-]+", _fold(title)))


# Every match of `_TITLE_CUE_RE` and `_LOWER_TITLE_RE` starts with one of these words (or
# with the Hebrew kaf prefix of `_HE_AS`).
_TITLE_CUE_KEYS = frozenset(
    {"served", "worked", "working", "hired", "promoted", "appointed", "became", "as"}
)
_AT_KEYS = frozenset({"at", "with"})


def _title_candidates(text: str, words: _Words) -> Iterator[tuple[str, str, str | None]]:
    """(title, cue, organisation after "at") for every job title the text claims."""
    seen: set[int] = set()
    for regex in (_TITLE_CUE_RE, _LOWER_TITLE_RE):
        for m in _cue_matches(regex, text, words, _TITLE_CUE_KEYS, _HE_AS_HINT_RE):
            if m.start("title") in seen or not _has_title_head(m.group("title")):
                continue
            seen.add(m.start("title"))
            at = _AT_ORG_RE.match(text, m.end("title"))
            cue = _fold(m.group("cue") or "")
            yield m.group("title"), cue, at.group("org") if at else None
    # `_AT_ORG_RE` needs "at" or "with" as whole runs, or a Hebrew bet.
    at_cue = words.any_folded(_AT_KEYS) or _HE_AT_HINT_RE.search(text) is not None
    for m in words.names() if at_cue else ():
        at = _AT_ORG_RE.match(text, m.end())
        if at and m.start() not in seen and _has_title_head(m.group(0)):
            seen.add(m.start())
            yield m.group(0), "", at.group("org")
    possessive = "'s" in text or "\u2019s" in text
    for m in _POSSESSIVE_TITLE_RE.finditer(text) if possessive else ():  # "Wix's L&D Team Lead"
        if m.start("title") not in seen and _has_title_head(m.group("title")):
            seen.add(m.start("title"))
            yield m.group("title"), "", m.group("org")


def _check_titles(tf: TextField, words: _Words, src: _Sources, out: _Collector) -> None:
    for title, cue, org in _title_candidates(tf.text, words):
        # "Senior Backend Engineer at Monday.com and Software Engineer at Playtika": the
        # organisation is the first name of the list, the title the last one before "at".
        org = _clean_name(re.split(r"\s+and\s+|,\s*", org)[0]) if org else None
        whole = _clean_name(title)
        if not _title_known(whole, src):
            whole, org = _split_trailing_org(whole, org, src)
        parts = [whole]
        if not _title_known(whole, src):
            parts = [_clean_name(p) for p in re.split(r"\s+and\s+|,\s*", whole)]
            parts = [p for p in parts if _has_title_head(p)]
            if not any(_title_known(p, src) for p in parts):
                parts = [whole]  # One title with "and" in it, not a list of titles.
        for part in parts:
            _check_title(part, cue, org, tf, src, out)


def _split_trailing_org(title: str, org: str | None, src: _Sources) -> tuple[str, str | None]:
    """ "L&D Manager Natural Intelligence" is a title followed by a known organisation."""
    words = title.split()
    for cut in range(1, len(words)):
        head, tail = " ".join(words[:cut]), " ".join(words[cut:])
        if not _has_title_head(head) or _has_title_head(tail):
            continue
        if _is_target(tail, src) or any(org_matches(tail, e) for e in src.cv_employers):
            return head, org or tail
    return title, org


def _title_known(title: str, src: _Sources) -> bool:
    return title_matches(title, src.posting.role_title) or any(
        title_matches(title, e.role) for e in src.cv.experience
    )


def _check_title(
    title: str, cue: str, org: str | None, tf: TextField, src: _Sources, out: _Collector
) -> None:
    past = cue in _PAST_TITLE_CUES
    org_is_target = bool(org) and _is_target(org or "", src)
    if title_matches(title, src.posting.role_title) and not past and (org is None or org_is_target):
        return  # The role the candidate is applying for.
    roles = [e for e in src.cv.experience if title_matches(title, e.role)]
    if not roles:
        out.add(
            "IMMUTABLE",
            "title",
            tf.path,
            title,
            f"job title {title!r} does not match any role in the CV",
        )
    elif org and org_is_target:
        out.add(
            "IMMUTABLE",
            "title",
            tf.path,
            f"{title} at {org}",
            f"{title!r} is a CV role, but the text places it at the target company",
        )
    elif org and any(org_matches(org, e) for e in src.cv_employers):
        if not any(org_matches(org, e.company) for e in roles):
            out.add(
                "IMMUTABLE",
                "title",
                tf.path,
                f"{title} at {org}",
                f"the CV has no {title!r} role at {org!r}",
            )


_DEGREE_OF = r"arts|science|engineering|education|business administration|fine arts|laws"
_DEGREE_RE = re.compile(
    r"(?<![A-Za-z.])(?P<deg>"
    r"Ph\.?[ \t]?D\.?|D\.Phil\.?|Ed\.D\.?|E?MBA"
    r"|[BM]\.[ \t]?(?:Sc|A|S|Ed|Eng|Arch|Des|Phil|Tech|F\.?A)\.?"
    r"|BSc|MSc|BA|MA|BEng|MEng|BEd|MEd|BFA|MFA|BBA|LLB|LLM|MPhil|BTech|MTech"
    r"|LL\.[ \t]?[BM]\.?"
    rf"|(?i:bachelor(?:'s|s)?(?:[ \t]+of[ \t]+(?P<bof>{_DEGREE_OF}))?)"
    rf"|(?i:master(?:'s|s)?(?=[ \t]+(?:of|in|degree)\b)(?:[ \t]+of[ \t]+(?P<mof>{_DEGREE_OF}))?)"
    r"|(?i:master's)|(?i:doctorate|doctoral[ \t]+degree|phd)"
    r")(?![A-Za-z])"
)
_DEGREE_FIELD_RE = re.compile(
    r"[ \t]+(?:degree[ \t]+)?(?i:in|of)[ \t]+(?P<field>[A-Z][\w&-]*"
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


# The first letter run of every `_DEGREE_RE` match, as written (case-sensitive branches) and
# lower-cased (case-insensitive branches).
_DEGREE_KEYS = frozenset(
    {"Ph", "PhD", "D", "Ed", "EMBA", "MBA", "B", "M", "LL", "BSc", "MSc", "BA", "MA", "BEng"}
    | {"MEng", "BEd", "MEd", "BFA", "MFA", "BBA", "LLB", "LLM", "MPhil", "BTech", "MTech"}
)
_DEGREE_FOLDED_KEYS = frozenset(
    {"bachelor", "bachelors", "master", "masters", "doctorate", "doctoral", "phd"}
)


def _check_degrees(tf: TextField, words: _Words, src: _Sources, out: _Collector) -> None:
    if not (words.any_cased(_DEGREE_KEYS) or words.any_folded(_DEGREE_FOLDED_KEYS)):
        return
    for text, key, field_of_study in _degrees_in(tf.text):
        generic = key in {"bachelor", "master", "phd"}
        matching = [
            edu
            for cv_key, edu in src.cv_degrees
            if cv_key == key or (generic and _degree_level(cv_key) == _degree_level(key))
        ]
        if not matching:
            out.add(
                "IMMUTABLE",
                "degree",
                tf.path,
                text,
                f"degree {text!r} is not in the CV's education",
            )
            continue
        if field_of_study:
            wanted = set(_title_tokens(field_of_study))
            if not any(
                wanted <= set(_title_tokens(f"{edu.field_of_study} {edu.degree}"))
                or _similar(_fold(field_of_study), _fold(edu.field_of_study), 0.85)
                for edu in matching
            ):
                out.add(
                    "IMMUTABLE",
                    "degree",
                    tf.path,
                    f"{text} in {field_of_study}",
                    f"the CV has no {text} in {field_of_study!r}",
                )


_CERT_WORD = r"(?i:certified|certification|certificate|accredited|accreditation)"
_CERT_NAMED_RES = (
    re.compile(rf"(?P<name>{_RUN})(?:-|[ \t]+){_CERT_WORD}\b"),
    re.compile(
        rf"(?<![\w-])(?i:certified|accredited)[ \t]+(?:(?i:in|as|by)[ \t]+)?"
        rf"(?:(?i:an?|the)[ \t]+)?(?P<name>{_RUN})"
    ),
    re.compile(
        r"(?<![\w-])(?P<name>" + "|".join(map(re.escape, _KNOWN_CERT_ACRONYMS)) + r")(?![\w-])"
    ),
)
_CERT_GENERIC_RE = re.compile(rf"(?<![\w-]){_CERT_WORD}(?![\w-])")
# Whole runs in every match: a `_CERT_WORD` (first two patterns and the generic one) or the
# first run of a known acronym ("SHRM" of "SHRM-CP").
_CERT_WORD_KEYS = frozenset(
    {"certified", "certification", "certificate", "accredited", "accreditation"}
)
_CERT_ACRONYM_KEYS = frozenset(_LETTER_RUN_RE.findall(" ".join(_KNOWN_CERT_ACRONYMS)))
_CERT_FILLER = {"certified", "certification", "certificate", "professional", "accredited"}


def _cert_known(name: str, src: _Sources) -> bool:
    tokens = {t for t in _org_tokens(name) if t not in _CERT_FILLER}
    if not tokens:
        return True
    if any(tokens <= set(_org_tokens(text)) for text in src.cert_texts):
        return True
    return _squash(name) in src.cert_acronyms


def _check_certifications(tf: TextField, words: _Words, src: _Sources, out: _Collector) -> None:
    worded = words.any_folded(_CERT_WORD_KEYS)
    if not (worded or words.any_cased(_CERT_ACRONYM_KEYS)):
        return
    named = False
    for regex in _CERT_NAMED_RES if worded else _CERT_NAMED_RES[2:]:
        for m in regex.finditer(tf.text):
            name = _clean_name(m.group("name"))
            if _degree_key(name) in {"ba", "ma", "bsc", "msc", "mba", "phd"}:
                continue
            named = True
            if not _cert_known(name, src):
                out.add(
                    "IMMUTABLE",
                    "certification",
                    tf.path,
                    name,
                    f"certification {name!r} is not in the CV",
                )
    generic = _CERT_GENERIC_RE.search(tf.text) if worded else None
    if generic and not named and not src.cv.certifications:
        out.add(
            "IMMUTABLE",
            "certification",
            tf.path,
            generic.group(0),
            "the text claims a certification but the CV lists none",
        )


_SKILL_RES = [
    (term, re.compile(rf"(?<![\w.+#-]){re.escape(term)}(?![\w+#])")) for term in _SKILL_LEXICON
]
# A term's letter runs are whole runs of any text naming it (its look-arounds exclude
# letters), so only terms whose longest run is in the text are searched for.
_SKILLS_BY_RUN = _by_longest_run(_SKILL_LEXICON)
_SKILL_KEYS = frozenset(_SKILLS_BY_RUN)
_SKILL_SET = frozenset(_SKILL_LEXICON)
_KNOWN_CERT_SET = frozenset(_KNOWN_CERT_ACRONYMS)
_ACRONYM_RE = re.compile(r"(?<![\w&.-])[A-Z][A-Z0-9]{1,5}(?![\w&-])")


def _skills_named(text: str, words: _Words) -> Iterator[str]:
    """The lexicon terms `text` names, in lexicon order."""
    candidates = sorted(i for run in words.cased & _SKILL_KEYS for i in _SKILLS_BY_RUN[run])
    for i in candidates:
        term, regex = _SKILL_RES[i]
        if regex.search(text):
            yield term


def _skill_known(term: str, src: _Sources) -> bool:
    known = src.skill_known.get(term)
    if known is None:
        known = src.skill_known[term] = _skill_in(term, src.skill_text)
    return known


def _skill_in(term: str, text: str) -> bool:
    for name in (term, *_SKILL_ALIASES.get(term, ())):
        folded = _fold(name)
        if len(folded) >= 3 and folded in text:
            return True
        if re.search(rf"(?<![a-z0-9]){re.escape(folded)}(?![a-z0-9])", text):
            return True
    return False


def _check_skills(tf: TextField, words: _Words, src: _Sources, out: _Collector) -> None:
    for term in _skills_named(tf.text, words):
        if not _skill_known(term, src):
            out.add(
                "VERIFIABLE",
                "skill",
                tf.path,
                term,
                f"skill {term!r} is not in the CV or the gap answers",
            )
    for m in _ACRONYM_RE.finditer(tf.text):
        word = m.group(0)
        if word.upper() in _ACRONYM_STOPLIST or _fold(word) in src.org_acronyms:
            continue
        if word in _SKILL_SET or _name_in_sources(word, src):
            continue
        if word in _KNOWN_CERT_SET or _squash(word) in src.cert_acronyms:
            continue  # Certifications have their own check.
        if not _skill_known(word, src):
            out.add(
                "VERIFIABLE",
                "skill",
                tf.path,
                word,
                f"{word!r} is not in the CV or the gap answers",
            )


# Each phrase's letter runs (whole runs of any text it occurs in), under its longest run.
_STYLE_RUNS = {
    run: [frozenset(_LETTER_RUN_RE.findall(_STYLE_PHRASES[i])) for i in indexes]
    for run, indexes in _by_longest_run(_STYLE_PHRASES).items()
}


def _check_style(tf: TextField, words: _Words, out: _Collector) -> None:
    if not words.has_phrase(_STYLE_RUNS):
        return
    for m in _STYLE_RE.finditer(tf.text):
        out.add(
            "FLEXIBLE",
            "style",
            tf.path,
            m.group(0),
            f"{m.group(0)!r} reads as machine-written or empty praise; state the fact instead",
        )


def _check_identity(document: VPRDocument, src: _Sources, out: _Collector) -> None:
    if not _names_match(document.candidate_name, src.cv.full_name):
        out.add(
            "IMMUTABLE",
            "identity",
            "candidate_name",
            document.candidate_name,
            f"candidate name differs from the CV ({src.cv.full_name!r})",
        )
    company = src.posting.company_name
    if not (
        org_matches(document.target_company, company)
        or org_matches(company, document.target_company)
    ):
        out.add(
            "IMMUTABLE",
            "identity",
            "target_company",
            document.target_company,
            f"target company differs from the posting ({company!r})",
        )
    role = src.posting.role_title
    if not (
        title_matches(document.target_role, role) and title_matches(role, document.target_role)
    ):
        out.add(
            "IMMUTABLE",
            "identity",
            "target_role",
            document.target_role,
            f"target role differs from the posting ({role!r})",
        )


# --------------------------------------------------------------------------- entry point


def verify(
    document: VPRDocument,
    *,
    cv: CV,
    posting: JobPosting,
    gap_responses: Sequence[GapResponse] = (),
) -> FVSResult:
    """Check `document` against the facts it was generated from.

    IMMUTABLE findings are violations and make `passed` False; VERIFIABLE and FLEXIBLE findings
    are warnings, reported but never blocking.
    """
    src = _build_sources(cv, posting, gap_responses, document.generated_at.date())
    src.numbers.add(_key(document.fit_score))  # The report may quote its own score.
    out = _Collector()
    _check_identity(document, src, out)
    for raw in iter_text_fields(document):
        tf = TextField(raw.path, _mask_source_quotes(raw.text, src), raw.kind)
        if not tf.text.strip():
            continue
        checks = _CHECKS_BY_KIND[tf.kind]
        words = _Words(tf.text)
        if "number" in checks:
            _check_numbers(tf, words, src, out)
        if "organisation" in checks:
            _check_organisations(tf, words, src, out)
        if "title" in checks:
            _check_titles(tf, words, src, out)
        if "degree" in checks:
            _check_degrees(tf, words, src, out)
        if "certification" in checks:
            _check_certifications(tf, words, src, out)
        if "skill" in checks:
            _check_skills(tf, words, src, out)
        if "style" in checks:
            _check_style(tf, words, out)
    violations = [f for f in out.findings if f.tier == "IMMUTABLE"]
    warnings = [f for f in out.findings if f.tier != "IMMUTABLE"]
    return FVSResult(passed=not violations, violations=violations, warnings=warnings)
