"""Text analysis shared by retrieval and sections: tokens, stems, concepts, coverage.

Tokenise, lowercase, drop stop-words, strip common suffixes (and Hebrew prefix letters), fold
synonyms and Hebrew/English equivalents into shared concepts ("@name" keys). Stems are only
compared with each other and never shown, so over-stemming is harmless.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

# Terms weighing less than this (generic verbs) cannot make a match on their own.
ANCHOR_WEIGHT = 0.7

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
    working basic deep must previous prior comfort comfortable similar equivalent etc record
    track hands-on""".split()
    + """יכולת יכולות גבוהה גבוה טובה טוב מצוינת מצוין מצויינת ידע היכרות הכרות חובה יתרון
    שנות שנים שנה מוכח רבה רב רלוונטי תחום עבודה מעשי מעשית שליטה לפחות מלאה הבנה
    מעמיקה מעמיק רמה ברמה consistent consistently exceed exceeding exceeded""".split()
)
# Words that say little about what is asked: they count, but cannot make a match alone.
_LOW_WORDS = """improve improving improved new several various across ensure help support daily
    key closely partner partners run runs running own set target targets grow growth make
    take get traffic high-traffic team teams שיפור חדש חדשים צוות צוותים תהליכי תהליכים
    סביבת סביבה שוטפת מול turn turning turned bring brings keep kept""".split()
LOW_WEIGHT = 0.3

# Concepts fold synonyms, products of a category and Hebrew/English equivalents together.
# A concept's weight says how telling a match on it is (generic verbs tell little).
_CONCEPT_TABLE = """
ld: l&d | learning and development | t&d | talent development | training | trainer | train |
    הדרכה | הדרכות | מדריך | מדריכה | מדריכים
learning: learning | learn | elearning | למידה | ללמוד
lms: lms | learning management system | moodle | docebo | cornerstone | מערכת לניהול למידה |
    מערכת ניהול למידה | מערכות למידה
manage: management | manage | manager | people management | line management |
    direct reports | supervise | supervision | head of | ניהול | מנהל | מנהלת | ניהולי |
    ניהולית | ניהול אנשים | ניהול צוות | כפיפים
lead: lead | led | leadership | drive | drove | spearhead | הובלה | להוביל | הובלתי | הוביל |
    הובילה
mentor: mentor | mentorship | mentoring | coach | coaching | חניכה | חונך | חונכת | ליווי |
    ליווי מקצועי
config: configuration management | ansible | puppet | chef | saltstack | ניהול תצורה |
    ניהול התצורה
admin: administer | administration | admin | system administrator | sysadmin | ניהול מערכת |
    ניהול מערכות | מנהל מערכות | מנהלת מערכות
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
reliability: reliability | reliable | availability | uptime | sre | on-call | incident |
    incidents | אמינות | זמינות
production: production | prod | ייצור | פרודקשן
iac: infrastructure as code | iac | terraform | pulumi | cloudformation | תשתית כקוד
monitoring: monitoring | observability | prometheus | grafana | datadog | alerting | ניטור
deploy: deployment | deploy | release | פריסה | פריסות
testing: testing | tests | test | qa | בדיקות
cloud: cloud | aws | azure | gcp | ענן
frontend: frontend | front end | front-end | פרונטאנד | צד לקוח
accessibility: accessibility | a11y | wcag | נגישות
close: month-end close | closing | סגירה | סגירת | סגירות
budget: budget | budgeting | תקציב | תקציבי | תקציבית
audit: audit | auditor | auditors | ביקורת | מבקרים
quota: quota | מכסה
growth: grow | grew | growth | expansion | expand | expanded | upsell | net revenue retention |
    צמיחה | הגדלה | הגדלתי
deal: deal | deals | contract | contracts | עסקה | עסקאות
research: discovery | user research | user interviews | interviews | מחקר משתמשים
agile: agile | scrum | kanban | sprint | sprints | אג'ייל
developer: developer | developers | software engineer | software engineers | מפתח | מפתחים |
    מפתחת | מפתחות
junior: junior | juniors | צעיר | צעירים | צעירה | ג'וניור
web: web | web app | web apps | website | ווב | אתר | אתרים
checkout: checkout | purchase | purchasing | quote flow | conversion | רכישה | המרה | המרות
performance: largest contentful paint | lcp | web vitals | core web vitals | load time |
    bundle size | performance | latency |
    p99 | p95 | throughput | response time | speed | faster |
    ביצועים | זמן תגובה
data: data | נתונים | דאטה
communication: communication | presentation | תקשורת | הצגה
"""


# Concepts whose members are different products ("AWS" is not "Azure"): a match shows the
# category, never that the candidate used the other member.
CATEGORY_CONCEPTS = frozenset({"@cloud", "@sql", "@queue", "@iac", "@monitoring", "@lms", "@agile"})


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


CONCEPTS = _parse_concepts(_CONCEPT_TABLE)
_CONCEPT_WEIGHT: dict[str, float] = {
    "@create": 0.5,
    "@company": 0.5,
    "@manage": 0.8,
    "@lead": 0.6,
    "@admin": 0.7,
    "@growth": 0.7,
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
    mentor~manage lead~manage mentor~lead performance~reliability
    stakeholder~communication
    """.split()
]
RELATED: dict[str, frozenset[str]] = {
    key: frozenset(b if a == key else a for a, b in _RELATED_PAIRS if key in (a, b))
    for pair in _RELATED_PAIRS
    for key in pair
}

_TOKEN_RE = re.compile(r"[^\W_](?:[\w&+#.']*[\w+#])?")
HEBREW_RE = re.compile(r"[\u0590-\u05FF]")
LETTER_RE = re.compile(r"[^\W\d_]")
HE_PREFIXES = "והבלמשכ"
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
YEARS_EN_RE = re.compile(r"(\d+)(?:\s*[-\u2013]\s*\d+)?\s*\+?\s*(?:years?|yrs?)\b", re.IGNORECASE)
YEARS_HE_RE = re.compile(r"(\d+)\s*\+?\s*(?:שנות|שנים|שנה)")
OR_RE = re.compile(r"\s+(?:or|או)\s+", re.IGNORECASE)
SENTENCE_RE = re.compile(r"(?<=[.!?])\s+")


def en_stem(word: str) -> str:
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
    """Strip up to two Hebrew one-letter prefixes (`HE_PREFIXES`) from long enough words.

    Only words of five letters or more lose a prefix, so short roots stay whole. A final
    feminine ת goes too ("מהנדסת" meets "מהנדס"): keys are compared, never shown.
    """
    word = word.split("/")[0]  # "מהנדס/ת" is the word "מהנדס"
    if len(word) >= 5 and word.endswith("ת"):
        word = word[:-1]
    for _ in range(2):
        if len(word) >= 5 and word[0] in HE_PREFIXES:
            word = word[1:]
    return word


def _key(word: str) -> str:
    return _he_key(word) if HEBREW_RE.search(word) else en_stem(word)


_STOP_KEYS = frozenset(_key(w) for w in _HE_STOP)


@dataclass(frozen=True)
class _Token:
    key: str
    start: int
    end: int


@dataclass(frozen=True)
class Term:
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
        if not LETTER_RE.search(low) or low in _EN_STOP or low in _HE_STOP:
            continue
        if low in _COMPOUND_TAILS and text[max(0, match.start() - 1) : match.start()] == "-":
            continue  # "instructor-led" is a format, not leadership
        is_hebrew = bool(HEBREW_RE.search(low))
        if is_hebrew and len(low) < 2:
            continue
        key = _key(low)
        if is_hebrew and key in _STOP_KEYS:
            continue
        tokens.append(_Token(key, match.start(), match.start() + len(trimmed)))
    return tokens


def _build_phrases() -> tuple[dict[tuple[str, ...], str], int]:
    phrases: dict[tuple[str, ...], str] = {}
    for concept, surfaces in CONCEPTS.items():
        for surface in surfaces:
            keys = tuple(token.key for token in _raw_tokens(surface))
            if keys:
                phrases.setdefault(keys, concept)
    return phrases, max(len(keys) for keys in phrases)


_PHRASES, _MAX_PHRASE = _build_phrases()
_FILLER_KEYS = frozenset(
    _PHRASES.get((token.key,), token.key) for w in _FILLER_WORDS for token in _raw_tokens(w)
)
_LOW_KEYS = frozenset(token.key for w in _LOW_WORDS for token in _raw_tokens(w))


@lru_cache(maxsize=2048)
def terms(text: str) -> tuple[Term, ...]:
    """Tokens of `text` with concept phrases folded in (longest phrase first)."""
    tokens = _raw_tokens(text)
    terms: list[Term] = []
    i = 0
    while i < len(tokens):
        for size in range(min(_MAX_PHRASE, len(tokens) - i), 0, -1):
            concept = _PHRASES.get(tuple(t.key for t in tokens[i : i + size]))
            if concept is not None:
                weight = 0.0 if concept in _FILLER_KEYS else _CONCEPT_WEIGHT.get(concept, 1.0)
                terms.append(Term(concept, weight, tokens[i].start, tokens[i + size - 1].end))
                i += size
                break
        else:
            token = tokens[i]
            weight = 0.0 if token.key in _FILLER_KEYS else 1.0
            if token.key in _LOW_KEYS:
                weight = LOW_WEIGHT
            terms.append(Term(token.key, weight, token.start, token.end))
            i += 1
    return tuple(terms)


def keys(text: str) -> frozenset[str]:
    return frozenset(term.key for term in terms(text))


def requirement_keys(text: str) -> dict[str, float]:
    """What a requirement asks for, by weight; all-boilerplate text falls back to its words."""
    weights: dict[str, float] = {}
    for term in terms(text):
        if term.weight > 0:
            weights[term.key] = max(weights.get(term.key, 0.0), term.weight)
    if not weights:
        weights = {term.key: 1.0 for term in terms(text)}
    return weights


def coverage(wanted: dict[str, float], keys: frozenset[str]) -> float:
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
    # Past two telling terms each further term of a long line counts half: a line of six
    # terms is well answered by evidence of its three or four central ones.
    effective = total if total <= 2 else 2 + (total - 2) / 2
    return min(1.0, sum(wanted[key] for key in matched) / effective)
