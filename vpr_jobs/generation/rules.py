"""The offline "rules" generator: a deterministic, extractive VPR built without any model.

It is free and instant, so it is the default generator and the grounding stage of the LLM
generator (`build_evidence_matrix`). Everything it writes is either a fixed sentence template
or text quoted verbatim from the CV, the candidate's gap answers or the job posting: it
never computes a number into the prose (no totals of years, no counts of matches), so the
Fact Verification System can trace every digit, organisation and title to a source.

Matching is deliberately simple and explainable: tokenise, lowercase, drop stop-words, strip
common suffixes (and Hebrew prefix letters), fold synonyms and Hebrew/English equivalents
into shared concepts, then score each piece of CV evidence by the share of a requirement's
terms it covers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

from vpr_jobs.generation.base import GenerationInput, GenerationResult
from vpr_jobs.schemas import (
    CV,
    Alignment,
    Certification,
    Education,
    EvidenceRow,
    EvidenceSource,
    Experience,
    GapResponse,
    GapStrategy,
    GeneratorInfo,
    JobPosting,
    Language,
    VPRDocument,
)

__all__ = ["RulesGenerator", "build_evidence_matrix"]

# --------------------------------------------------------------------------- thresholds

STRONG_AT = 0.7
MODERATE_AT = 0.45
DEVELOPING_AT = 0.2
# Two pieces of evidence that together cover a requirement count a little less than one.
COMBINED_DISCOUNT = 0.9
# Terms weighing less than this (generic verbs) cannot make a match on their own.
ANCHOR_WEIGHT = 0.7
# Share of the asked-for years that still counts as MODERATE.
YEARS_MODERATE_SHARE = 0.6
ALIGNMENT_CREDIT: dict[str, float] = {"STRONG": 1.0, "MODERATE": 0.6, "DEVELOPING": 0.2}
EVIDENCE_CLIP = 300
MAX_KEYWORDS = 20

# How much a kind of evidence is worth when it covers a requirement: a measured achievement
# is the best proof, a bare skill list or a self-reported answer less so.
KIND_WEIGHT: dict[str, float] = {
    "achievement": 1.0,
    "description": 0.9,
    "role": 0.9,
    "certification": 0.9,
    "skill": 0.85,
    "tool": 0.85,
    "language": 0.85,
    "summary": 0.85,
    "gap": 0.8,
    "education": 0.75,
}
NARRATIVE_KINDS = frozenset({"achievement", "description", "summary", "gap"})
# How concrete a kind of evidence is: a more concrete item may back up a less concrete one
# ("Skills: Python" is backed up by a sentence that shows Python in use).
CONCRETENESS: dict[str, int] = {"achievement": 0, "description": 1, "summary": 2, "gap": 4}
LIST_CONCRETENESS = 3
GROUPED_KINDS = frozenset({"skill", "tool"})

# --------------------------------------------------------------------------- vocabulary

_EN_STOP = frozenset(
    """a about above across after again against all also am an and any are as at be because
    been before being below between both but by can could did do does doing down during each
    either etc e.g i.e few for from further had has have having he her here hers him his how
    i if in into is it its itself just me more most my no nor not of off on once only or other
    our ours out over own per same she should so some such than that the their theirs them
    then there these they this those through to too under until up upon us very via was we
    were what when where which while who whom why will with within without would you your
    yours including like well using use""".split()
)
_HE_STOP = frozenset(
    """של עם את על או גם כל זה זו זאת אשר כי אם לא יש הוא היא הם הן בין עד אל מן כמו יותר
    פי כגון וכן תוך""".split()
)
# Boilerplate of requirement lists: they say how much, not what, so they do not score.
_FILLER_WORDS = (
    """strong excellent good great solid proven ability able skill skills knowledge
    understanding familiarity proficiency proficient year years yr yrs plus required
    requirement preferred advantage demonstrated hands high level background relevant work
    working basic deep must""".split()
    + """יכולת יכולות גבוהה גבוה טובה טוב מצוינת מצוין מצויינת ידע היכרות הכרות חובה יתרון
    שנות שנים שנה מוכח רבה רב רלוונטי תחום עבודה""".split()
)

# Concepts fold synonyms, products of a category and Hebrew/English equivalents together.
# A concept's weight says how telling a match on it is (generic verbs tell little).
_CONCEPT_TABLE = """
ld: l&d | learning and development | t&d | talent development | training | trainer | train |
    הדרכה | הדרכות | מדריך | מדריכה | מדריכים
learning: learning | learn | elearning | למידה | ללמוד
lms: lms | learning management system | moodle | docebo | cornerstone | מערכת לניהול למידה |
    מערכת ניהול למידה | מערכות למידה
manage: management | manage | manager | people management | mentor | mentorship | coach |
    lead | led | leadership | supervise | supervision | administer | administration | admin |
    ניהול | מנהל | מנהלת | ניהולי | ניהולית | הובלה | להוביל | חניכה | חונך | ניהול אנשים
analysis: analysis | analyze | analyse | analytical | analytics | analyst | ניתוח | ניתוחי |
    לנתח | אנליטית | אנליטי | אנליטיות | אנליזה
need: need | needs | צרכי | צרכים | צורך | צורכי
program: program | curriculum | תוכנית | תוכניות | תכנית | תכניות
create: develop | development | design | redesign | build | built | create | launch |
    implement | פיתוח | לפתח | תכנון | בניית | בנייה | עיצוב | הקמת | הקמה
onboarding: onboarding | onboard | קליטה | קליטת | אונבורדינג
employee: employee | hire | hired | staff | people | עובד | עובדים | עובדות
measure: measure | measurement | metric | kpi | evaluate | evaluation | survey | assessment |
    satisfaction | מדידה | למדוד | מדדים | הערכה | סקר
impact: impact | outcome | result | roi | השפעה | אימפקט | תוצאות
queue: message queue | queue | sqs | celery | rabbitmq | kafka | pubsub | תורים | תור הודעות
sql: sql | postgresql | postgres | mysql | sqlite | mariadb | sql server
backend: backend | back end | server side | בקאנד | צד שרת
k8s: kubernetes | k8s
english: english | אנגלית
hebrew: hebrew | עברית
experience: experience | experienced | ניסיון | נסיון
technology: technology | tech | high tech | hi tech | הייטק | טכנולוגיה | טכנולוגיות |
    טכנולוגית
company: company | organisation | organization | חברה | חברות | ארגון
stakeholder: stakeholder | בעלי עניין
automation: automation | automate | אוטומציה
degree: degree | bachelor | b.a | b.sc | bsc | m.a | m.sc | msc | master | mba | phd | תואר |
    תואר ראשון | תואר שני
coding: programming | coding | תכנות
payment: payment | payout | billing | תשלום | תשלומים
reliability: reliability | reliable | availability | uptime | sre | אמינות
data: data | נתונים | דאטה
communication: communication | presentation | תקשורת | הצגה
"""


def _parse_concepts(table: str) -> dict[str, tuple[str, ...]]:
    """`name: surface | surface` lines (a line starting with spaces continues the previous)."""
    concepts: dict[str, list[str]] = {}
    name = ""
    for line in table.strip().splitlines():
        if not line.startswith(" "):
            name, line = line.split(":", 1)
            concepts["@" + name] = []
        concepts["@" + name] += [s.strip() for s in line.split("|") if s.strip()]
    return {key: tuple(surfaces) for key, surfaces in concepts.items()}


_CONCEPTS = _parse_concepts(_CONCEPT_TABLE)
_CONCEPT_WEIGHT: dict[str, float] = {
    "@create": 0.5,
    "@company": 0.5,
    "@manage": 0.7,
    "@employee": 0.7,
    "@experience": 0.0,
}

# Concepts that are not the same thing but where one is a fair stepping stone to the other;
# used only to pick transferable skills for a gap, never to score evidence.
_RELATED_PAIRS = [
    tuple("@" + side for side in pair.split("~"))
    for pair in """
    sql~data sql~analysis data~analysis analysis~measure ld~learning ld~manage
    coding~automation backend~coding queue~backend lms~ld impact~measure onboarding~ld
    stakeholder~communication
    """.split()
]
_RELATED: dict[str, frozenset[str]] = {
    key: frozenset(b if a == key else a for a, b in _RELATED_PAIRS if key in (a, b))
    for pair in _RELATED_PAIRS
    for key in pair
}

_TOKEN_RE = re.compile(r"[^\W_](?:[\w&+#.']*[\w+#])?")
_HEBREW_RE = re.compile(r"[\u0590-\u05FF]")
_LETTER_RE = re.compile(r"[^\W\d_]")
_HE_PREFIXES = "והבלמשכ"
_COMPOUND_TAILS = frozenset({"led", "based", "driven", "oriented", "focused", "related"})
# "suffix>replacement", tried in order (longest of a family first).
_EN_SUFFIXES: tuple[tuple[str, str], ...] = tuple(
    (rule.split(">")[0], rule.split(">")[1])
    for rule in """
    ysis>y yses>y ytical>y ytics>y ytic>y yzing>y ysing>y yzed>y ysed>y yzes>y yze>y yse>y
    ysts>y yst>y izations> ization> isations> isation> ations>ate ation>ate ments> ment>
    nesses> ness> ships> ship> ings> ing> ers> er> ied>y ies>y ed> ly> sses>ss xes>x
    ches>ch shes>sh s>
    """.split()
)
_COLLAPSIBLE_DOUBLES = ("nn", "pp", "tt", "gg", "dd", "rr", "bb")
_YEARS_EN_RE = re.compile(r"(\d+)(?:\s*[-\u2013]\s*\d+)?\s*\+?\s*(?:years?|yrs?)\b", re.IGNORECASE)
_YEARS_HE_RE = re.compile(r"(\d+)\s*\+?\s*(?:שנות|שנים|שנה)")
_OR_RE = re.compile(r"\s+(?:or|או)\s+", re.IGNORECASE)
_SENTENCE_RE = re.compile(r"(?<=[.!?])\s+")


def _en_stem(word: str) -> str:
    """Strip common English suffixes (twice, for "engineering" -> "engine") so word forms meet.

    Stems are only compared with each other and never shown, so over-stemming is harmless
    as long as both sides are stemmed the same way.
    """
    for _ in range(2):
        stripped = False
        for suffix, replacement in _EN_SUFFIXES:
            if not word.endswith(suffix):
                continue
            rest = word[: -len(suffix)]
            if len(rest) < 3 or (suffix == "ly" and len(rest) < 4):
                continue
            if suffix == "s" and word.endswith(("ss", "us", "is")):
                continue
            word = rest + replacement
            stripped = True
            break
        if not stripped:
            break
        if word.endswith(_COLLAPSIBLE_DOUBLES):
            word = word[:-1]
    if len(word) >= 5 and word.endswith("e"):
        word = word[:-1]
    return word


def _he_key(word: str) -> str:
    """Strip up to two Hebrew one-letter prefixes (`_HE_PREFIXES`) from long enough words.

    Only words of five letters or more lose a prefix, so short roots stay whole.
    """
    for _ in range(2):
        if len(word) >= 5 and word[0] in _HE_PREFIXES:
            word = word[1:]
    return word


def _key(word: str) -> str:
    return _he_key(word) if _HEBREW_RE.search(word) else _en_stem(word)


_STOP_KEYS = frozenset(_key(w) for w in _HE_STOP)


@dataclass(frozen=True)
class _Token:
    key: str
    start: int
    end: int


@dataclass(frozen=True)
class _Term:
    """A scored unit of text: a concept (key starts with "@") or a stem, with its span."""

    key: str
    weight: float
    start: int
    end: int


def _raw_tokens(text: str) -> list[_Token]:
    tokens = []
    for match in _TOKEN_RE.finditer(text):
        trimmed = match.group().rstrip(".'")
        low = trimmed.lower()
        if not _LETTER_RE.search(low) or low in _EN_STOP or low in _HE_STOP:
            continue
        if low in _COMPOUND_TAILS and text[max(0, match.start() - 1) : match.start()] == "-":
            continue  # "instructor-led" is a format, not leadership
        is_hebrew = bool(_HEBREW_RE.search(low))
        if is_hebrew and len(low) < 2:
            continue
        key = _key(low)
        if is_hebrew and key in _STOP_KEYS:
            continue
        tokens.append(_Token(key, match.start(), match.start() + len(trimmed)))
    return tokens


def _build_phrases() -> tuple[dict[tuple[str, ...], str], int]:
    phrases: dict[tuple[str, ...], str] = {}
    for concept, surfaces in _CONCEPTS.items():
        for surface in surfaces:
            keys = tuple(token.key for token in _raw_tokens(surface))
            if keys:
                phrases.setdefault(keys, concept)
    return phrases, max(len(keys) for keys in phrases)


_PHRASES, _MAX_PHRASE = _build_phrases()
_FILLER_KEYS = frozenset(
    _PHRASES.get((token.key,), token.key) for w in _FILLER_WORDS for token in _raw_tokens(w)
)


@lru_cache(maxsize=2048)
def _terms(text: str) -> tuple[_Term, ...]:
    """Tokens of `text` with concept phrases folded in (longest phrase first)."""
    tokens = _raw_tokens(text)
    terms: list[_Term] = []
    i = 0
    while i < len(tokens):
        for size in range(min(_MAX_PHRASE, len(tokens) - i), 0, -1):
            concept = _PHRASES.get(tuple(t.key for t in tokens[i : i + size]))
            if concept is not None:
                weight = 0.0 if concept in _FILLER_KEYS else _CONCEPT_WEIGHT.get(concept, 1.0)
                terms.append(_Term(concept, weight, tokens[i].start, tokens[i + size - 1].end))
                i += size
                break
        else:
            token = tokens[i]
            weight = 0.0 if token.key in _FILLER_KEYS else 1.0
            terms.append(_Term(token.key, weight, token.start, token.end))
            i += 1
    return tuple(terms)


def _keys(text: str) -> frozenset[str]:
    return frozenset(term.key for term in _terms(text))


def _requirement_keys(text: str) -> dict[str, float]:
    """What a requirement asks for, by weight; all-boilerplate text falls back to its words."""
    weights: dict[str, float] = {}
    for term in _terms(text):
        if term.weight > 0:
            weights[term.key] = max(weights.get(term.key, 0.0), term.weight)
    if not weights:
        weights = {term.key: 1.0 for term in _terms(text)}
    return weights


def _coverage(wanted: dict[str, float], keys: frozenset[str]) -> float:
    """Weighted share of `wanted` found in `keys`.

    A match on generic terms alone ("develop", "company") is no match when the requirement
    has telling terms: "Design payment services" is not answered by "Redesigned onboarding".
    """
    matched = wanted.keys() & keys
    total = sum(wanted.values())
    if total <= 0 or not matched:
        return 0.0
    if max(wanted.values()) >= ANCHOR_WEIGHT and max(wanted[k] for k in matched) < ANCHOR_WEIGHT:
        return 0.0
    return sum(wanted[key] for key in matched) / total


# --------------------------------------------------------------------------- templates

# Every sentence the generator writes itself. Placeholders are filled only with text taken
# from the CV, the gap answers or the posting, never with computed values.
TEMPLATES: dict[str, dict[str, str]] = {
    "en": {
        "where": "{role} at {company}",
        "dates_range": "{start} to {end}",
        "dates_since": "since {start}",
        "dates_from": "from {start}",
        "ev_quote": '"{text}" ({where})',
        "ev_role": "{where} ({dates})",
        "ev_skills": "Skills listed in the CV: {items}",
        "ev_tools": "Tools used in past roles: {items}",
        "ev_tool": "{tool} ({where})",
        "ev_cert": "Certification: {text}",
        "ev_education": "Education: {text}",
        "ev_summary": 'Professional summary: "{text}"',
        "ev_languages": "Languages: {items}",
        "ev_gap": 'Candidate\'s answer to "{question}": "{answer}"',
        "ev_none": "The CV shows no direct evidence for this requirement.",
        "cert_issuer": "{name}, {issuer}",
        "degree_field": "{degree} in {field}",
        "impact_strong": (
            'Directly covers "{req}": the CV shows this work already done, so the candidate '
            "can contribute from the start."
        ),
        "impact_strong_list": (
            'Covers "{req}" as stated in the CV; an example from a past role will make it concrete.'
        ),
        "impact_moderate": (
            'Related to "{req}": the experience overlaps with what the role needs, so the '
            "remaining distance is short."
        ),
        "impact_developing": (
            'Only partly related to "{req}": a development area worth addressing openly.'
        ),
        "impact_none": (
            'Nothing in the CV addresses "{req}" yet, so it is covered in the gap strategies.'
        ),
        "impact_gap": (
            "Supported by the candidate's own answer rather than the CV, so an interview "
            'example will make "{req}" credible.'
        ),
        "impact_years_strong": 'The dates of these roles in the CV meet the "{req}" requirement.',
        "impact_years_moderate": (
            'The dates of these roles in the CV come close to the "{req}" requirement.'
        ),
        "impact_years_developing": (
            'The dates of these roles in the CV cover part of the "{req}" requirement.'
        ),
        "sum_current": (
            "{name} is currently {role} at {company} and is applying for the {target_role} "
            "role at {target_company}."
        ),
        "sum_past": (
            "{name} most recently worked as {role} at {company} and is applying for the "
            "{target_role} role at {target_company}."
        ),
        "sum_no_experience": "{name} is applying for the {target_role} role at {target_company}.",
        "sum_all": "The CV gives strong evidence for every requirement and responsibility listed.",
        "sum_most": (
            "The CV gives strong evidence for most of the posting's requirements and "
            "responsibilities."
        ),
        "sum_half": (
            "The CV gives strong evidence for about half of the posting's requirements and "
            "responsibilities."
        ),
        "sum_some": (
            "The CV gives strong evidence for some of the posting's requirements and "
            "responsibilities."
        ),
        "sum_none": (
            "The CV does not yet give strong evidence for the posting's requirements, so this "
            "report focuses on related experience and a plan for the gaps."
        ),
        "sum_two": 'Highlights include "{first}" and "{second}".',
        "sum_one": 'A highlight: "{first}".',
        "sum_summary": 'In the candidate\'s own words: "{text}".',
        "diff_achievement": 'Proven result as {where}: "{text}".',
        "diff_cert": "Holds a certification: {text}.",
        "diff_education": "Education: {text}.",
        "diff_skills": "Brings skills the posting asks for: {items}.",
        "diff_skills_plain": "Skills include {items}.",
        "diff_languages": "Speaks {items}.",
        "diff_role": "Hands-on experience as {where}.",
        "diff_summary": 'In the candidate\'s own summary: "{text}".',
        "diff_gap": 'In the candidate\'s own words: "{text}".',
        "diff_neutral_1": (
            "Every claim in this report is traceable to the CV or to the candidate's own answers."
        ),
        "diff_neutral_2": "Open about development areas, with a plan to close each of them.",
        "diff_neutral_3": "Ready to back each requirement with a concrete example.",
        "mit_none_related": (
            'Acknowledge the gap openly, show how {skills} relate to "{req}", and present a '
            "concrete plan to build it (a course, a side project or ramp-up on the job)."
        ),
        "mit_none": (
            'Acknowledge the gap openly and present a concrete plan to build "{req}" (a course, '
            "a side project or ramp-up on the job), with an example of learning a new area fast."
        ),
        "mit_developing": (
            "Build on the partial evidence with a specific example, and explain the steps "
            'taken or planned to deepen "{req}".'
        ),
        "mit_nice": (
            'A nice-to-have: mention interest in "{req}" and any related exposure, without '
            "overstating it."
        ),
        "tp_story": (
            'For "{req}", tell the full story behind "{fact}": the situation, what you did and '
            "the result."
        ),
        "tp_example": 'For "{req}", prepare a concrete example that shows {fact} in practice.',
        "tp_summary": 'For "{req}", back up "{fact}" with a concrete example from a past role.',
        "tp_years": 'For "{req}", summarise how your roles as {fact} built this experience.',
        "tp_gap_related": (
            'Prepare an honest answer on "{gap}" and explain how {skills} transfer.'
        ),
        "tp_gap": 'Prepare an honest answer on "{gap}" and a concrete plan to build it.',
        "tp_answer": 'Expand on your answer to "{question}" with a concrete example.',
        "tp_fallback_1": (
            "Ask how success in the {target_role} role is measured during the first months."
        ),
        "tp_fallback_2": (
            "Explain why the {target_role} role at {target_company} is the right next step for you."
        ),
        "tp_fallback_3": (
            "Ask about the biggest challenges the team at {target_company} is facing right now."
        ),
        "tp_fallback_4": "Prepare a short example of learning a new tool or domain quickly.",
        "tp_fallback_5": "Ask who the role works with most closely and how decisions are made.",
        "list_sep": ", ",
        "list_and": " and ",
    },
    "he": {
        "where": "{role} ב-{company}",
        "dates_range": "{start} עד {end}",
        "dates_since": "מאז {start}",
        "dates_from": "החל מ-{start}",
        "ev_quote": '"{text}" ({where})',
        "ev_role": "{where} ({dates})",
        "ev_skills": "כישורים המופיעים בקורות החיים: {items}",
        "ev_tools": "כלים מתפקידים קודמים: {items}",
        "ev_tool": "{tool} ({where})",
        "ev_cert": "הסמכה: {text}",
        "ev_education": "השכלה: {text}",
        "ev_summary": 'מתוך התקציר המקצועי: "{text}"',
        "ev_languages": "שפות: {items}",
        "ev_gap": 'תשובת המועמד/ת לשאלה "{question}": "{answer}"',
        "ev_none": "קורות החיים אינם מציגים ראיה ישירה לדרישה זו.",
        "cert_issuer": "{name}, {issuer}",
        "degree_field": "{degree}, {field}",
        "impact_strong": (
            'עונה ישירות על "{req}": קורות החיים מראים שהעבודה הזו כבר נעשתה, ולכן המועמד/ת '
            "יכול/ה לתרום מההתחלה."
        ),
        "impact_strong_list": (
            'עונה על "{req}" כפי שמופיע בקורות החיים; דוגמה מתפקיד קודם תמחיש זאת.'
        ),
        "impact_moderate": (
            'קשור ל-"{req}": הניסיון חופף במידה רבה לצורכי התפקיד, והפער שנותר קטן.'
        ),
        "impact_developing": 'קשור רק באופן חלקי ל-"{req}": תחום פיתוח שכדאי להתייחס אליו בגלוי.',
        "impact_none": 'אין בקורות החיים מענה ל-"{req}", ולכן הנושא מטופל באסטרטגיות הפערים.',
        "impact_gap": ('נתמך בתשובת המועמד/ת ולא בקורות החיים, ולכן דוגמה בראיון תחזק את "{req}".'),
        "impact_years_strong": 'תאריכי התפקידים בקורות החיים עומדים בדרישה "{req}".',
        "impact_years_moderate": 'תאריכי התפקידים בקורות החיים מתקרבים לדרישה "{req}".',
        "impact_years_developing": 'תאריכי התפקידים בקורות החיים עונים על חלק מהדרישה "{req}".',
        "sum_current": (
            "{name} משמש/ת כיום כ-{role} ב-{company} ומגיש/ה מועמדות לתפקיד {target_role} "
            "ב-{target_company}."
        ),
        "sum_past": (
            "{name} עבד/ה לאחרונה כ-{role} ב-{company} ומגיש/ה מועמדות לתפקיד {target_role} "
            "ב-{target_company}."
        ),
        "sum_no_experience": "{name} מגיש/ה מועמדות לתפקיד {target_role} ב-{target_company}.",
        "sum_all": "קורות החיים מציגים ראיות חזקות לכל הדרישות ותחומי האחריות במשרה.",
        "sum_most": "קורות החיים מציגים ראיות חזקות לרוב הדרישות ותחומי האחריות במשרה.",
        "sum_half": "קורות החיים מציגים ראיות חזקות לכמחצית מהדרישות ותחומי האחריות במשרה.",
        "sum_some": "קורות החיים מציגים ראיות חזקות לחלק מהדרישות ותחומי האחריות במשרה.",
        "sum_none": (
            "קורות החיים עדיין אינם מציגים ראיות חזקות לדרישות המשרה, ולכן הדוח מתמקד בניסיון "
            "קרוב ובתוכנית לסגירת הפערים."
        ),
        "sum_two": 'הישגים בולטים מקורות החיים: "{first}" ו-"{second}".',  # noqa: RUF001
        "sum_one": 'הישג בולט מקורות החיים: "{first}".',
        "sum_summary": 'בלשון המועמד/ת: "{text}".',
        "diff_achievement": 'תוצאה מוכחת כ-{where}: "{text}".',
        "diff_cert": "בעל/ת הסמכה: {text}.",
        "diff_education": "השכלה: {text}.",
        "diff_skills": "מביא/ה כישורים שהמשרה מבקשת: {items}.",
        "diff_skills_plain": "בין הכישורים: {items}.",
        "diff_languages": "דובר/ת {items}.",
        "diff_role": "ניסיון מעשי כ-{where}.",
        "diff_summary": 'מתוך התקציר המקצועי: "{text}".',
        "diff_gap": 'בלשון המועמד/ת: "{text}".',
        "diff_neutral_1": "כל טענה בדוח זה ניתנת לאימות מול קורות החיים או תשובות המועמד/ת.",
        "diff_neutral_2": "פתיחות לגבי תחומי פיתוח, עם תוכנית לסגירת כל אחד מהם.",
        "diff_neutral_3": "מוכנות לגבות כל דרישה בדוגמה מוחשית.",
        "mit_none_related": (
            'להכיר בפער בגלוי, להראות כיצד {skills} קשורים ל-"{req}", ולהציג תוכנית מוחשית '
            "לבנייתו (קורס, פרויקט צד או למידה תוך כדי עבודה)."
        ),
        "mit_none": (
            'להכיר בפער בגלוי ולהציג תוכנית מוחשית לבניית "{req}" (קורס, פרויקט צד או למידה '
            "תוך כדי עבודה), עם דוגמה ללמידה מהירה של תחום חדש."
        ),
        "mit_developing": (
            "להתבסס על הראיות החלקיות בדוגמה ספציפית, ולהסביר אילו צעדים ננקטו או מתוכננים "
            'כדי להעמיק ב-"{req}".'
        ),
        "mit_nice": 'יתרון ולא חובה: להביע עניין ב-"{req}" ולציין חשיפה קשורה, בלי להגזים.',
        "tp_story": (
            'לגבי "{req}": הכינו את הסיפור המלא מאחורי "{fact}", כולל המצב, מה עשיתם והתוצאה.'
        ),
        "tp_example": 'לגבי "{req}": הכינו דוגמה מוחשית שממחישה את {fact} בפועל.',
        "tp_summary": 'לגבי "{req}": גבו את "{fact}" בדוגמה מוחשית מתפקיד קודם.',
        "tp_years": 'לגבי "{req}": סכמו כיצד התפקידים {fact} בנו את הניסיון הזה.',
        "tp_gap_related": 'הכינו תשובה כנה לגבי "{gap}" והסבירו כיצד {skills} רלוונטיים.',
        "tp_gap": 'הכינו תשובה כנה לגבי "{gap}" ותוכנית מוחשית לחיזוק התחום.',
        "tp_answer": 'הרחיבו את תשובתכם לשאלה "{question}" בדוגמה מוחשית.',
        "tp_fallback_1": "שאלו כיצד נמדדת הצלחה בתפקיד {target_role} בחודשים הראשונים.",
        "tp_fallback_2": (
            "הסבירו מדוע התפקיד {target_role} ב-{target_company} הוא הצעד הבא הנכון עבורכם."
        ),
        "tp_fallback_3": "שאלו מהם האתגרים הגדולים שעומדים כיום בפני הצוות ב-{target_company}.",
        "tp_fallback_4": "הכינו דוגמה קצרה ללמידה מהירה של כלי או תחום חדש.",
        "tp_fallback_5": "שאלו עם מי התפקיד עובד באופן הדוק ביותר וכיצד מתקבלות החלטות.",
        "list_sep": ", ",
        "list_and": " ו-",  # noqa: RUF001 (Hebrew "and")
    },
}


_HE_TEMPLATE_PREFIX_RE = re.compile(r"([בלכמו])-\{(\w+)\}")


class _Writer:
    """Fills the templates of one language."""

    def __init__(self, language: Language) -> None:
        self.language = language
        self._templates = TEMPLATES[language]

    def __call__(self, template: str, /, **values: str) -> str:
        text = self._templates[template]
        if self.language == "he":
            # "ב-Wix" but "בבנק הפועלים": the hyphen only separates a prefix from non-Hebrew.
            text = _HE_TEMPLATE_PREFIX_RE.sub(
                lambda m: (
                    m.group(1)
                    + ("" if _HEBREW_RE.match(values.get(m.group(2), "")) else "-")
                    + "{"
                    + m.group(2)
                    + "}"
                ),
                text,
            )
        return text.format(**values)

    def join(self, items: Sequence[str]) -> str:
        items = list(items)
        if len(items) <= 1:
            return "".join(items)
        return self("list_sep").join(items[:-1]) + self("list_and") + items[-1]


# --------------------------------------------------------------------------- CV evidence


def _fact(text: str) -> str:
    """Quote a source text as-is, minus trailing sentence punctuation the template adds back."""
    return " ".join(text.split()).rstrip(" .;:")


def _plain(text: str) -> str:
    """A name, title or skill as written, whitespace normalised ("B.A." keeps its dot)."""
    return " ".join(text.split())


def _clip(text: str, limit: int = EVIDENCE_CLIP) -> str:
    """Shorten at a word boundary so no number or name is ever cut in half."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    if not re.search(r"\s", head):
        return text
    return re.split(r"\s+(?=\S*$)", head)[0].rstrip(" ,;:") + "…"


def _sentences(text: str) -> list[str]:
    return [s for s in (_fact(part) for part in _SENTENCE_RE.split(text or "")) if s]


@dataclass(frozen=True)
class _Item:
    """One piece of evidence: the verbatim `fact`, how it is shown, and its match keys."""

    kind: str
    source: EvidenceSource
    fact: str
    display: str
    keys: frozenset[str]
    order: int
    where: str = ""  # "role at company" for facts that belong to one experience

    @property
    def weight(self) -> float:
        return KIND_WEIGHT[self.kind]


def _where(exp: Experience, write: _Writer) -> str:
    return write("where", role=_plain(exp.role), company=_plain(exp.company))


def _dates(exp: Experience, write: _Writer) -> str:
    if exp.end_date:
        return write("dates_range", start=exp.start_date, end=exp.end_date)
    if exp.current:
        return write("dates_since", start=exp.start_date)
    return write("dates_from", start=exp.start_date)


def _certification_text(cert: Certification, write: _Writer) -> str:
    name, issuer = _plain(cert.name), _plain(cert.issuer)
    text = write("cert_issuer", name=name, issuer=issuer) if issuer else name
    return f"{text} ({cert.year})" if cert.year else text


def _education_text(edu: Education, write: _Writer) -> str:
    degree, field_ = _plain(edu.degree), _plain(edu.field_of_study)
    if degree and field_:
        head = write("degree_field", degree=degree, field=field_)
    else:
        head = degree or field_
    text = ", ".join(p for p in (head, _plain(edu.institution)) if p)
    return f"{text} ({edu.graduation_year})" if edu.graduation_year else text


def _collect_items(cv: CV, gap_responses: Sequence[GapResponse], write: _Writer) -> list[_Item]:
    """Every piece of CV and gap-answer evidence, best-kind first so ties favour results."""
    items: list[_Item] = []

    def add(
        kind: str,
        fact: str,
        display: str,
        match_text: str,
        source: EvidenceSource,
        where: str = "",
    ) -> None:
        keys = _keys(match_text)
        if fact and keys:
            items.append(_Item(kind, source, fact, display, keys, len(items), where))

    for exp in cv.experience:
        where = _where(exp, write)
        for achievement in exp.achievements:
            fact = _fact(achievement)
            display = write("ev_quote", text=_clip(fact), where=where)
            add("achievement", fact, display, fact, "cv", where)
    for exp in cv.experience:
        where = _where(exp, write)
        for sentence in _sentences(exp.description):
            display = write("ev_quote", text=_clip(sentence), where=where)
            add("description", sentence, display, sentence, "cv", where)
    for exp in cv.experience:
        where = _where(exp, write)
        display = write("ev_role", where=where, dates=_dates(exp, write))
        add("role", where, display, exp.role, "cv")
    for cert in cv.certifications:
        text = _certification_text(cert, write)
        add("certification", text, write("ev_cert", text=text), f"{cert.name} {cert.issuer}", "cv")
    for edu in cv.education:
        text = _education_text(edu, write)
        add(
            "education",
            text,
            write("ev_education", text=text),
            f"{edu.degree} {edu.field_of_study}",
            "cv",
        )
    for skill in _distinct(cv.skills):
        add("skill", skill, skill, skill, "cv")
    for exp in cv.experience:
        where = _where(exp, write)
        for tool in _distinct(exp.technologies):
            add("tool", tool, write("ev_tool", tool=tool, where=where), tool, "cv", where)
    languages = _distinct(cv.languages)
    if languages:
        listed = write("list_sep").join(languages)
        add("language", listed, write("ev_languages", items=listed), " ".join(languages), "cv")
    for sentence in _sentences(cv.professional_summary):
        add("summary", sentence, write("ev_summary", text=_clip(sentence)), sentence, "cv")
    for gap in gap_responses:
        answer = _fact(gap.answer)
        display = write("ev_gap", question=_clip(_fact(gap.question)), answer=_clip(answer))
        add("gap", answer, display, answer, "gap_response")
    return items


def _distinct(values: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for value in values:
        fact = _plain(value)
        if fact and fact.casefold() not in seen:
            seen.add(fact.casefold())
            out.append(fact)
    return out


# --------------------------------------------------------------------------- matching


@dataclass
class _Match:
    """How one posting line is answered; `alignment` None means nothing in the sources."""

    requirement: str
    wanted: dict[str, float]
    score: float
    alignment: Alignment | None
    source: EvidenceSource
    evidence: str
    impact: str
    items: tuple[_Item, ...] = ()
    roles: tuple[Experience, ...] = ()
    lead_fact: str = ""  # the verbatim fact a talking point can cite

    def row(self) -> EvidenceRow:
        return EvidenceRow(
            requirement=self.requirement,
            evidence=self.evidence,
            alignment=self.alignment or "DEVELOPING",
            source=self.source,
            impact=self.impact,
        )


def _alignment_for(score: float) -> Alignment | None:
    if score >= STRONG_AT:
        return "STRONG"
    if score >= MODERATE_AT:
        return "MODERATE"
    if score >= DEVELOPING_AT:
        return "DEVELOPING"
    return None


def _no_match(requirement: str, wanted: dict[str, float], write: _Writer) -> _Match:
    return _Match(
        requirement,
        wanted,
        0.0,
        None,
        "none",
        write("ev_none"),
        write("impact_none", req=requirement),
    )


def _text_match(
    requirement: str, wanted: dict[str, float], items: Sequence[_Item], write: _Writer
) -> _Match:
    """Best single piece of evidence, plus a second one that covers what the first misses."""
    scored = [(_coverage(wanted, item.keys), item) for item in items]
    scored = [(cov, item) for cov, item in scored if cov > 0]
    if not scored:
        return _no_match(requirement, wanted, write)
    primary_cov, primary = max(scored, key=lambda s: (s[0] * s[1].weight, -s[1].order))
    score = primary_cov * primary.weight
    covered = primary.keys & wanted.keys()
    total = sum(wanted.values())
    covered_weight = sum(wanted[key] for key in covered)

    secondary: _Item | None = None
    best: tuple[float, float, int] | None = None
    for cov, item in scored:
        if item is primary or (item.kind == primary.kind and item.kind in GROUPED_KINDS):
            continue
        new = (item.keys & wanted.keys()) - covered
        union = (covered_weight + sum(wanted[key] for key in new)) / total
        adds = bool(new) and union > primary_cov
        supports = (
            item.source == "cv" and cov >= 0.5 and _concreteness(item) < _concreteness(primary)
        )
        if not (adds or supports):
            continue
        rank = (union if adds else 0.0, cov * item.weight, -item.order)
        if best is None or rank > best:
            best, secondary = rank, item
    if secondary is not None and best is not None and best[0] > 0:
        combined = best[0] * min(primary.weight, secondary.weight) * COMBINED_DISCOUNT
        score = max(score, combined)

    alignment = _alignment_for(score)
    if alignment is None:
        return _no_match(requirement, wanted, write)
    source: EvidenceSource = primary.source
    if source == "gap_response" and alignment == "STRONG":
        alignment = "MODERATE"  # self-reported, not in the CV: never the strongest proof
    used = (primary,) if secondary is None else (primary, secondary)
    evidence = "; ".join(_display(item, wanted, items, write) for item in used)
    lead_fact = primary.fact
    if primary.kind in GROUPED_KINDS:
        lead_fact = write.join(_distinct(i.fact for i in _siblings(primary, wanted, items)))
    if source == "gap_response":
        impact = write("impact_gap", req=requirement)
    elif alignment == "STRONG":
        list_kind = primary.kind not in NARRATIVE_KINDS and secondary is None
        impact = write("impact_strong_list" if list_kind else "impact_strong", req=requirement)
    elif alignment == "MODERATE":
        impact = write("impact_moderate", req=requirement)
    else:
        impact = write("impact_developing", req=requirement)
    return _Match(
        requirement,
        wanted,
        score,
        alignment,
        source,
        evidence,
        impact,
        used,
        lead_fact=lead_fact,
    )


def _concreteness(item: _Item) -> int:
    return CONCRETENESS.get(item.kind, LIST_CONCRETENESS)


def _siblings(item: _Item, wanted: dict[str, float], items: Sequence[_Item]) -> list[_Item]:
    """Skills (or tools) shown together with `item`: those that answer about as well."""
    bar = min(0.5, _coverage(wanted, item.keys))
    return [o for o in items if o.kind == item.kind and _coverage(wanted, o.keys) >= bar]


def _display(item: _Item, wanted: dict[str, float], items: Sequence[_Item], write: _Writer) -> str:
    """Show an item; skills and tools are shown with every sibling matching the requirement."""
    if item.kind not in GROUPED_KINDS:
        return item.display
    group = [other.display for other in _siblings(item, wanted, items)]
    if item.kind == "skill":
        return write("ev_skills", items=write("list_sep").join(group))
    return write("ev_tools", items="; ".join(group))


def _month_index(year_month: str) -> int:
    year, month = year_month.split("-")
    return int(year) * 12 + int(month) - 1


def _months_covered(roles: Sequence[Experience], today: date) -> int:
    """Months spanned by the roles, overlaps counted once (an open non-current role: 1)."""
    spans = []
    for exp in roles:
        start = _month_index(exp.start_date)
        if exp.end_date:
            end = _month_index(exp.end_date)
        elif exp.current:
            end = max(start, today.year * 12 + today.month - 1)
        else:
            end = start
        spans.append((start, end + 1))
    total, reach = 0, None
    for start, end in sorted(spans):
        if reach is None or start >= reach:
            total += end - start
            reach = end
        elif end > reach:
            total += end - reach
            reach = end
    return total


def _years_asked(text: str) -> tuple[int, str] | None:
    """("5+ years L&D experience") -> (5, " L&D experience"): the years and the domain."""
    match = _YEARS_EN_RE.search(text) or _YEARS_HE_RE.search(text)
    if match is None:
        return None
    return int(match.group(1)), text[: match.start()] + " " + text[match.end() :]


def _years_match(
    requirement: str, years: int, domain: str, cv: CV, today: date, write: _Writer
) -> _Match | None:
    """Years asked are answered by the CV's own role dates, never by a computed total."""
    # "5+ years of experience" names no domain: then every role counts.
    wanted = {term.key: term.weight for term in _terms(domain) if term.weight > 0}
    roles = []
    for exp in cv.experience:
        text = " ".join([exp.role, exp.description, *exp.achievements, *exp.technologies])
        if not wanted or _coverage(wanted, _keys(text)) >= 0.5:
            roles.append(exp)
    if not roles:
        return None
    months = _months_covered(roles, today)
    if months >= years * 12:
        alignment: Alignment = "STRONG"
    elif months >= years * 12 * YEARS_MODERATE_SHARE:
        alignment = "MODERATE"
    else:
        alignment = "DEVELOPING"
    evidence = "; ".join(
        write("ev_role", where=_where(exp, write), dates=_dates(exp, write)) for exp in roles
    )
    impact = write(f"impact_years_{alignment.lower()}", req=requirement)
    score = ALIGNMENT_CREDIT[alignment]
    return _Match(
        requirement,
        wanted or _requirement_keys(requirement),
        score,
        alignment,
        "cv",
        evidence,
        impact,
        roles=tuple(roles),
    )


def _match_line(
    requirement: str, cv: CV, items: Sequence[_Item], today: date, write: _Writer
) -> _Match:
    asked = _years_asked(requirement)
    if asked is not None:
        found = _years_match(requirement, asked[0], asked[1], cv, today, write)
        if found is not None:
            return found
        # No dated role of that domain: text evidence can show the domain, not the years.
        found = _match_parts(requirement, items, write)
        if found.alignment in ("STRONG", "MODERATE"):
            found.alignment = "DEVELOPING"
            if found.source == "cv":
                found.impact = write("impact_developing", req=requirement)
        return found
    return _match_parts(requirement, items, write)


def _match_parts(requirement: str, items: Sequence[_Item], write: _Writer) -> _Match:
    """Match free text; in "Python or Go" any one alternative answers the line."""
    parts = [p for p in _OR_RE.split(requirement) if p.strip()] or [requirement]
    best: _Match | None = None
    for part in parts if len(parts) > 1 else [requirement]:
        wanted = _requirement_keys(part)
        if not wanted:
            continue
        found = _text_match(requirement, wanted, items, write)
        if best is None or found.score > best.score:
            best = found
    return best or _no_match(requirement, _requirement_keys(requirement), write)


def _posting_lines(values: Iterable[str], seen: set[str]) -> list[str]:
    lines = []
    for value in values:
        text = " ".join(value.split())
        if text and text.casefold() not in seen:
            seen.add(text.casefold())
            lines.append(text)
    return lines


def _match_posting(
    cv: CV,
    posting: JobPosting,
    gap_responses: Sequence[GapResponse],
    today: date,
    write: _Writer,
) -> tuple[list[_Match], list[_Match], list[_Item]]:
    items = _collect_items(cv, gap_responses, write)
    seen: set[str] = set()
    lines = _posting_lines([*posting.requirements, *posting.responsibilities], seen)
    nice = _posting_lines(posting.nice_to_have, seen)
    rows = [_match_line(line, cv, items, today, write) for line in lines]
    extras = [_match_line(line, cv, items, today, write) for line in nice]
    return rows, extras, items


def build_evidence_matrix(
    cv: CV,
    posting: JobPosting,
    gap_responses: list[GapResponse],
    *,
    today: date | None = None,
) -> list[EvidenceRow]:
    """One row per distinct requirement then responsibility, each with its best evidence.

    Public because the LLM generator grounds its prose on these rows.
    """
    write = _Writer(posting.language)
    rows, _, _ = _match_posting(cv, posting, gap_responses, today or date.today(), write)
    return [match.row() for match in rows]


# --------------------------------------------------------------------------- sections


def _fit_score(rows: Sequence[_Match]) -> int:
    """Average alignment credit in percent; a line with no evidence at all earns nothing."""
    if not rows:
        return 0
    credit = sum(ALIGNMENT_CREDIT[m.alignment] if m.alignment else 0.0 for m in rows)
    return max(0, min(100, round(100 * credit / len(rows))))


def _latest_role(cv: CV) -> Experience | None:
    """The current role (latest start) or else the one that ended last."""
    if not cv.experience:
        return None
    current = [e for e in cv.experience if e.current]
    if current:
        return max(current, key=lambda e: e.start_date)
    return max(cv.experience, key=lambda e: (e.end_date or e.start_date, e.start_date))


def _ranked_achievements(items: Sequence[_Item], rows: Sequence[_Match]) -> list[_Item]:
    """Achievements most relevant to the posting, measured ones first on ties."""
    achievements = [item for item in items if item.kind == "achievement"]
    scored = []
    for item in achievements:
        relevance = sum(_coverage(row.wanted, item.keys) for row in rows)
        used = sum(1 for row in rows if item in row.items)
        if relevance > 0:
            measurable = bool(re.search(r"\d", item.fact))
            scored.append((-used, -relevance, not measurable, item.order, item))
    return [entry[-1] for entry in sorted(scored, key=lambda e: e[:-1])]


def _executive_summary(
    cv: CV, posting: JobPosting, rows: Sequence[_Match], top: Sequence[_Item], write: _Writer
) -> str:
    names = {
        "name": _plain(cv.full_name),
        "target_role": _plain(posting.role_title),
        "target_company": _plain(posting.company_name),
    }
    latest = _latest_role(cv)
    if latest is None:
        parts = [write("sum_no_experience", **names)]
    else:
        template = "sum_current" if latest.current else "sum_past"
        role, company = _plain(latest.role), _plain(latest.company)
        parts = [write(template, role=role, company=company, **names)]
    if rows:
        share = sum(1 for m in rows if m.alignment == "STRONG") / len(rows)
        if share == 1:
            parts.append(write("sum_all"))
        elif share >= 0.6:
            parts.append(write("sum_most"))
        elif share >= 0.4:
            parts.append(write("sum_half"))
        elif share > 0:
            parts.append(write("sum_some"))
        else:
            parts.append(write("sum_none"))
    if len(top) >= 2:
        parts.append(write("sum_two", first=_clip(top[0].fact), second=_clip(top[1].fact)))
    elif top:
        parts.append(write("sum_one", first=_clip(top[0].fact)))
    else:
        summary = _sentences(cv.professional_summary)
        if summary:
            parts.append(write("sum_summary", text=_clip(summary[0])))
    return " ".join(parts)


def _posting_relevance(posting: JobPosting, keys: frozenset[str]) -> float:
    """How much of the posting's lines some text answers, summed over the lines."""
    lines = [*posting.requirements, *posting.responsibilities, *posting.nice_to_have]
    return sum(_coverage(_requirement_keys(line), keys) for line in lines)


def _differentiators(
    cv: CV,
    posting: JobPosting,
    gap_responses: Sequence[GapResponse],
    items: Sequence[_Item],
    top: Sequence[_Item],
    write: _Writer,
) -> list[str]:
    """3-5 strengths from the strongest facts, falling back to plainer facts, then none."""
    out: list[str] = []
    for item in top[:2]:
        out.append(write("diff_achievement", where=item.where, text=_clip(item.fact)))
    certs = [i for i in items if i.kind == "certification"]
    if certs:
        best = max(certs, key=lambda i: (_posting_relevance(posting, i.keys), -i.order))
        out.append(write("diff_cert", text=best.fact))
    elif cv.certifications:
        out.append(write("diff_cert", text=_certification_text(cv.certifications[0], write)))
    if cv.education:
        out.append(write("diff_education", text=_education_text(cv.education[0], write)))
    skills = _distinct(cv.skills)
    matched = [s for s in skills if _posting_relevance(posting, _keys(s)) > 0]
    if matched:
        out.append(write("diff_skills", items=write.join(matched[:4])))
    elif skills:
        out.append(write("diff_skills_plain", items=write.join(skills[:3])))
    languages = _distinct(cv.languages)
    if len(languages) >= 2:
        out.append(write("diff_languages", items=write.join(languages)))
    latest = _latest_role(cv)
    if latest is not None:
        out.append(write("diff_role", where=_where(latest, write)))
    summary = _sentences(cv.professional_summary)
    if summary:
        out.append(write("diff_summary", text=_clip(summary[0])))
    for gap in gap_responses:
        out.append(write("diff_gap", text=_clip(_fact(gap.answer))))
    out += [write("diff_neutral_1"), write("diff_neutral_2"), write("diff_neutral_3")]
    return _unique(out)[:5]


def _transferable(wanted: dict[str, float], cv: CV, limit: int = 3) -> list[str]:
    """CV skills and technologies closest to a gap: same terms first, then related concepts.

    Nothing is listed when nothing relates: an unrelated skill is no mitigation.
    """
    candidates = _distinct([*cv.skills, *(t for e in cv.experience for t in e.technologies)])
    near = frozenset(k for key in wanted for k in _RELATED.get(key, ()))
    scored = []
    for index, skill in enumerate(candidates):
        keys = _keys(skill)
        direct = _coverage(wanted, keys)
        related = len(keys & near)
        if direct > 0 or related > 0:
            scored.append((-direct, -related, index, skill))
    return [entry[-1] for entry in sorted(scored)[:limit]]


def _gap_strategies(
    rows: Sequence[_Match], extras: Sequence[_Match], cv: CV, write: _Writer
) -> list[GapStrategy]:
    """One strategy per weak or unanswered line, and per nice-to-have with no evidence."""
    out = []
    for match in rows:
        if match.alignment not in (None, "DEVELOPING"):
            continue
        skills = _transferable(match.wanted, cv)
        if match.alignment == "DEVELOPING":
            mitigation = write("mit_developing", req=match.requirement)
        elif skills:
            mitigation = write("mit_none_related", req=match.requirement, skills=write.join(skills))
        else:
            mitigation = write("mit_none", req=match.requirement)
        out.append(
            GapStrategy(gap=match.requirement, mitigation=mitigation, transferable_skills=skills)
        )
    for match in extras:
        if match.alignment is None:
            skills = _transferable(match.wanted, cv)
            out.append(
                GapStrategy(
                    gap=match.requirement,
                    mitigation=write("mit_nice", req=match.requirement),
                    transferable_skills=skills,
                )
            )
    return out


def _talking_points(
    rows: Sequence[_Match],
    gaps: Sequence[GapStrategy],
    gap_responses: Sequence[GapResponse],
    posting: JobPosting,
    write: _Writer,
) -> list[str]:
    """5-7 points: stories for the strongest rows, answers for gaps, then questions to ask."""
    specific: list[str] = []
    # Stories (achievements, descriptions) make better talking points than lists or summaries.
    strong = [
        (min(_concreteness(i) for i in m.items) if m.items else LIST_CONCRETENESS, index, m)
        for index, m in enumerate(rows)
        if m.alignment == "STRONG" and not (m.items and m.items[0].kind == "language")
    ]
    for _, _, match in sorted(strong, key=lambda entry: entry[:2])[:3]:
        story = min(match.items, key=_concreteness) if match.items else None
        if match.roles:
            fact = write.join([_where(e, write) for e in match.roles])
            specific.append(write("tp_years", req=match.requirement, fact=fact))
        elif story is not None and story.kind in ("achievement", "description"):
            specific.append(write("tp_story", req=match.requirement, fact=_clip(story.fact)))
        elif story is not None and story.kind == "summary":
            specific.append(write("tp_summary", req=match.requirement, fact=_clip(story.fact)))
        elif match.items:
            fact = _clip(match.lead_fact)
            specific.append(write("tp_example", req=match.requirement, fact=fact))
    for gap in gaps[:2]:
        if gap.transferable_skills:
            skills = write.join(gap.transferable_skills)
            specific.append(write("tp_gap_related", gap=gap.gap, skills=skills))
        else:
            specific.append(write("tp_gap", gap=gap.gap))
    used = [i for m in rows for i in m.items if i.kind == "gap"]
    answered = [g for g in gap_responses if any(i.fact == _fact(g.answer) for i in used)]
    for gap in (answered or list(gap_responses))[:1]:
        specific.append(write("tp_answer", question=_clip(_fact(gap.question))))
    names = {
        "target_role": _plain(posting.role_title),
        "target_company": _plain(posting.company_name),
    }
    points = _unique(specific)[:5]
    fallbacks = [write(f"tp_fallback_{n}", **names) for n in range(1, 6)]
    for index, point in enumerate(fallbacks):
        if len(points) >= 7 or (len(points) >= 5 and index >= 2):
            break
        if point not in points:
            points.append(point)
    return points


def _keywords(posting: JobPosting, cv: CV) -> list[str]:
    """Posting terms the CV also has first, then the rest; shown as written in the posting."""
    cv_text = " ".join(
        [cv.professional_summary, *cv.skills, *cv.languages]
        + [f"{c.name} {c.issuer}" for c in cv.certifications]
        + [f"{e.degree} {e.field_of_study}" for e in cv.education]
        + [
            " ".join([x.role, x.description, *x.achievements, *x.technologies])
            for x in cv.experience
        ]
    )
    cv_keys = _keys(cv_text)
    seen: set[str] = set()
    shared: list[str] = []
    others: list[str] = []
    for line in [*posting.requirements, *posting.responsibilities, *posting.nice_to_have]:
        for term in _terms(line):
            if term.weight < ANCHOR_WEIGHT:
                continue  # boilerplate and generic verbs are no keywords
            surface = _keyword_surface(line[term.start : term.end])
            dedupe = surface.casefold() if term.key.startswith("@") else term.key
            if dedupe in seen or not _LETTER_RE.search(surface):
                continue
            seen.add(dedupe)
            (shared if term.key in cv_keys else others).append(surface)
    return (shared + others)[:MAX_KEYWORDS]


_HE_SURFACES = frozenset(
    surface for surfaces in _CONCEPTS.values() for surface in surfaces if _HEBREW_RE.search(surface)
)


def _keyword_surface(surface: str) -> str:
    """Drop Hebrew prefix letters ("בהדרכה" -> "הדרכה") when that leaves a known word."""
    for cut in (1, 2):
        if (
            len(surface) > cut + 2
            and all(ch in _HE_PREFIXES for ch in surface[:cut])
            and surface[cut:] in _HE_SURFACES
        ):
            return surface[cut:]
    return surface


def _unique(values: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for value in values:
        if value and value not in seen:
            seen.add(value)
            out.append(value)
    return out


# --------------------------------------------------------------------------- generator


class RulesGenerator:
    """Deterministic, extractive VPR generator: no model, no tokens, no network."""

    name = "rules"

    def __init__(self, today: date | None = None) -> None:
        # Only the length of a current role depends on the date; tests pin it.
        self._today = today

    def generate(
        self, data: GenerationInput, feedback: Sequence[Any] | None = None
    ) -> GenerationResult:
        """`feedback` is accepted for the Generator protocol and ignored: the output is a
        pure function of the sources, so a regeneration could not differ."""
        cv, request = data.cv, data.request
        posting = request.job_posting
        write = _Writer(posting.language)
        today = self._today or date.today()
        rows, extras, items = _match_posting(cv, posting, request.gap_responses, today, write)
        top = _ranked_achievements(items, rows)
        gaps = _gap_strategies(rows, extras, cv, write)
        document = VPRDocument(
            job_id=data.job_id,
            application_id=request.application_id,
            version=0,
            language=posting.language,
            generated_at=datetime.now(UTC),
            generator=GeneratorInfo(name=self.name, model=None),
            candidate_name=cv.full_name,
            target_role=posting.role_title,
            target_company=posting.company_name,
            executive_summary=_executive_summary(cv, posting, rows, top, write),
            fit_score=_fit_score(rows),
            evidence_matrix=[match.row() for match in rows],
            differentiators=_differentiators(cv, posting, request.gap_responses, items, top, write),
            gap_strategies=gaps,
            talking_points=_talking_points(rows, gaps, request.gap_responses, posting, write),
            keywords=_keywords(posting, cv),
            word_count=0,
        )
        document.word_count = document.count_words()
        return GenerationResult(document=document, token_usage={})
