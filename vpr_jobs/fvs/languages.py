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
    "|".join(f"(?P<l{i}>(?<![\\w]){words}(?![\\w]))" for i, (_, words) in enumerate(_LEVELS)),
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
    names = list(_NAME_RE.finditer(text))
    if not names:
        return []
    ranks = [0.0] * len(names)
    for level in _LEVEL_RE.finditer(text):
        if level.group(0).casefold() in {"some", "good"} and not _adjacent(text, level, names):
            continue
        nearest = min(
            range(len(names)),
            key=lambda i: min(
                abs(names[i].start() - level.end()), abs(level.start() - names[i].end())
            ),
        )
        gap = min(
            abs(names[nearest].start() - level.end()), abs(level.start() - names[nearest].end())
        )
        if gap <= 30:
            ranks[nearest] = max(ranks[nearest], _rank(level))
    return [(_canonical(m.group(0)), ranks[i], m.group(0)) for i, m in enumerate(names)]


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
