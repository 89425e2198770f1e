"""Spoken languages and their level: a report may not add a language or raise its level.

`cv.languages` holds entries such as "Spanish (C1)", "English (native)", "עברית (שפת אם)".
Each level word, CEFR code or Hebrew level phrase is ranked (A1 = 1 ... native = 6); a claimed
level may equal or understate the CV's ("fluent" for C1), never exceed it ("native" for C1).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from vpr_jobs.fvs import hebrew
from vpr_jobs.fvs.claims import TextField
from vpr_jobs.fvs.result import _Collector

# English name -> Hebrew name.
_NAMES = {
    "english": "אנגלית", "hebrew": "עברית", "arabic": "ערבית", "russian": "רוסית",
    "french": "צרפתית", "spanish": "ספרדית", "german": "גרמנית", "italian": "איטלקית",
    "portuguese": "פורטוגזית", "chinese": "סינית", "mandarin": "מנדרינית", "cantonese": "קנטונזית",
    "japanese": "יפנית", "korean": "קוריאנית", "hindi": "הינדי", "marathi": "מראטהי",
    "tamil": "טמילית", "bengali": "בנגלית", "urdu": "אורדו", "punjabi": "פנג'אבי",
    "amharic": "אמהרית", "yiddish": "יידיש", "polish": "פולנית", "ukrainian": "אוקראינית",
    "romanian": "רומנית", "dutch": "הולנדית", "turkish": "טורקית", "greek": "יוונית",
    "persian": "פרסית", "farsi": "פרסית", "hungarian": "הונגרית", "swedish": "שוודית",
    "norwegian": "נורווגית", "danish": "דנית", "finnish": "פינית", "czech": "צ'כית",
    "vietnamese": "וייטנאמית", "thai": "תאית", "indonesian": "אינדונזית", "tagalog": "טגלוג",
    "swahili": "סווהילי", "catalan": "קטלאנית", "georgian": "גאורגית", "gujarati": "גוג'ראטי",
    "telugu": "טלוגו", "malay": "מלאית", "serbian": "סרבית", "croatian": "קרואטית",
}  # fmt: skip
_BY_HEBREW = {he: en for en, he in _NAMES.items()}
# Most fields name no language: a set test on the words (and a substring test for Hebrew names)
# before the full pattern.
_ENGLISH_NAMES = frozenset(_NAMES)
_LATIN_WORDS_RE = re.compile(r"[a-z]+")
_LEVELS = (
    (6.0, r"native|mother[\s-]tongue|first language|bilingual|שפת\s+אם|דוברת?\s+ילידית?"),
    (5.5, r"C2|near[\s-]native|full professional|mastery|רמה\s+גבוהה\s+מאוד|ברמת\s+שפת\s+אם"),
    (5.0, r"C1|fluent|fluently|fluency|advanced|proficient|שוטפת|רהוטה|רמה\s+גבוהה|גבוהה"),
    (4.0, r"B2|upper[\s-]intermediate|professional working|good|very good|טובה(?:\s+מאוד)?"),
    (3.0, r"B1|intermediate|conversational|working knowledge|בינונית|שיחה"),
    (2.0, r"A2|elementary|basic|בסיסית|בסיסי"),
    (1.0, r"A1|beginner|some|מתחילה?"),
)  # fmt: skip
_LEVEL_RE = re.compile(
    "|".join(
        f"(?P<l{i}>(?<![A-Za-z0-9\u05d0-\u05ea])(?:[ובלמהשכ]{{1,2}})?(?:{words})(?![\\w]))"
        for i, (_, words) in enumerate(_LEVELS)
    ),
    re.IGNORECASE,
)
_NAME_RE = re.compile(
    r"(?<![\w])(?:" + "|".join(sorted(_NAMES, key=len, reverse=True)) + r")(?![\w])"
    r"|(?<![\u05d0-\u05ea])[ובלמהשכ]{0,2}(?:"
    + "|".join(sorted(set(_NAMES.values()), key=len, reverse=True))
    + r")(?![\u05d0-\u05ea])",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Spoken:
    language: str  # English name, lower case
    level: float  # rank; 0 when no level is written


def _rank(m: re.Match[str]) -> float:
    index = int(next(k for k, v in m.groupdict().items() if v)[1:])
    return _LEVELS[index][0]


def _canonical(name: str) -> str:
    low = name.casefold()
    if low in _NAMES:
        return low
    for reading in hebrew.readings(name):
        if reading in _BY_HEBREW:
            return _BY_HEBREW[reading]
    return low


def parse_cv_languages(entries: list[str]) -> dict[str, float]:
    """{language: level rank} of `cv.languages` (an entry without a level counts as fluent)."""
    out: dict[str, float] = {}
    for entry in entries:
        names = list(_NAME_RE.finditer(entry))
        if not names:
            continue
        levels = [_rank(m) for m in _LEVEL_RE.finditer(entry)]
        out[_canonical(names[0].group(0))] = max(levels) if levels else 5.0
    return out


def claimed_languages(text: str) -> list[tuple[str, float, str]]:
    """(language, claimed rank or 0, text) for each language the text names; each level
    word is given to the language named nearest to it."""
    english = not _ENGLISH_NAMES.isdisjoint(_LATIN_WORDS_RE.findall(text.casefold()))
    if not english and (text.isascii() or not any(name in text for name in _BY_HEBREW)):
        return []
    names = list(_NAME_RE.finditer(text))
    if not names:
        return []
    ranks = [0.0] * len(names)
    for level in _LEVEL_RE.finditer(text):
        if level.group(0).casefold() in {"some", "good"} and not _adjacent(text, level, names):
            continue
        owner = _owner(text, level, names)
        if owner is not None:
            ranks[owner] = max(ranks[owner], _rank(level))
    return [(_canonical(m.group(0)), ranks[i], m.group(0)) for i, m in enumerate(names)]


def _owner(text: str, level: re.Match[str], names: list[re.Match[str]]) -> int | None:
    """The language a level word qualifies: the one right after it ("fluent French"), else
    the nearest one before it ("Spanish (C1)", "אנגלית ברמה גבוהה"), within 30 characters."""
    word = level.group(0)
    following = [
        i
        for i, n in enumerate(names)
        if n.start() >= level.end() and _LINK_AFTER_RE.fullmatch(text[level.end() : n.start()])
    ]
    if following and not hebrew.has_hebrew(word) and not _CEFR_RE.fullmatch(word):
        return following[0]
    preceding = [
        i
        for i, n in enumerate(names)
        if 0 <= level.start() - n.end() <= 30
        and (
            not _BREAK_RE.search(text[n.end() : level.start()])
            or _APPOSITIVE_RE.fullmatch(text[n.end() : level.start()]) is not None
        )
    ]
    return preceding[-1] if preceding else (following[0] if following else None)


# "fluent French", "native speaker of Hindi"; a comma or "and" ends a language's phrase.
_LINK_AFTER_RE = re.compile(r"\s{0,2}|-level\s+|\s+speakers?\s+(?:of\s+)?|\s+in\s+", re.IGNORECASE)
# "Spanish, his native language": the level describes the language before the comma.
_APPOSITIVE_RE = re.compile(r"\s*,\s+(?:his|her|their|a|an|the)\s+", re.IGNORECASE)
_CEFR_RE = re.compile(r"[ABC][12]", re.IGNORECASE)
_BREAK_RE = re.compile(r",|;|\band\b|\s\u05d5", re.IGNORECASE)


def _adjacent(text: str, level: re.Match[str], names: list[re.Match[str]]) -> bool:
    return any(0 <= n.start() - level.end() <= 2 for n in names)


def check_languages(tf: TextField, cv_levels: dict[str, float], out: _Collector) -> None:
    for language, rank, written in claimed_languages(tf.text):
        held = cv_levels.get(language)
        if held is None:
            out.violation(
                "language",
                tf.path,
                written,
                f"{written!r} is not among the CV's languages",
            )
        elif rank > held + 0.25:
            out.violation(
                "language",
                tf.path,
                written,
                f"the text raises the level of {written!r} above what the CV states",
            )
