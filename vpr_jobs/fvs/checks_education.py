# ruff: noqa: RUF001
"""Institutions and fields of study, in English and in Hebrew.

An institution named in a claim ("from IIT Delhi", "King's College London", "מהטכניון") must be
one the CV lists: each of its words is a word of a CV institution or the acronym of a run of
them ("IIT" for "Indian Institute of Technology"). A Hebrew field of study after a degree
("תואר ראשון במדעי המחשב") must be the CV's field. A Hebrew report on an English CV compares
through a small table of Israeli institutions and common fields.
"""

from __future__ import annotations

import re

from vpr_jobs.fvs import hebrew
from vpr_jobs.fvs.claims import TextField
from vpr_jobs.fvs.names import _initials, _org_tokens
from vpr_jobs.fvs.result import _Collector
from vpr_jobs.fvs.sources import _Sources
from vpr_jobs.fvs.text import _RUN

_INSTITUTION_WORDS = r"University|College|Institute|School|Academy|Polytechnic|Technion|IIT|MIT"
_EN_INSTITUTION_RE = re.compile(
    rf"(?P<name>{_RUN})",
)
_EN_CUE_RE = re.compile(rf"\b(?:{_INSTITUTION_WORDS})\b")
_EN_FROM_RE = re.compile(
    r"\b(?:B\.?\s?Sc|M\.?\s?Sc|B\.?\s?A|M\.?\s?A|MBA|Ph\.?\s?D|B\.?\s?Tech|M\.?\s?Tech|B\.?B\.?A"
    r"|degree|graduated?|studied|alumn\w+)\b[^.;]{0,60}?\b(?:from|at)\s+(?:the\s+)?"
    rf"(?P<name>{_RUN})"
)
_EN_FROM_HINT_RE = re.compile(r"\b(?:from|at)\s")
# Hebrew institution words and their English names (for an English CV).
_HE_TO_EN = {
    "תל": "tel", "אביב": "aviv", "העברית": "hebrew", "עברית": "hebrew", "בן-גוריון": "ben-gurion",
    "גוריון": "gurion", "בר-אילן": "bar-ilan", "אילן": "ilan", "חיפה": "haifa",
    "טכניון": "technion", "הטכניון": "technion", "הפתוחה": "open", "פתוחה": "open",
    "רייכמן": "reichman", "אריאל": "ariel", "ויצמן": "weizmann", "אוניברסיטת": "university",
    "האוניברסיטה": "university", "אוניברסיטה": "university", "מכללת": "college",
    "המכללה": "college", "בירושלים": "jerusalem", "ירושלים": "jerusalem",
}  # fmt: skip
_HE_FIELDS = {
    "מדעי המחשב": "computer science", "הנדסת תוכנה": "software engineering",
    "הנדסת חשמל": "electrical engineering", "מימון": "finance", "שיווק": "marketing",
    "כלכלה": "economics", "חשבונאות": "accounting", "סיעוד": "nursing",
    "פסיכולוגיה": "psychology", "חינוך": "education", "מנהל עסקים": "business administration",
    "סטטיסטיקה": "statistics", "מתמטיקה": "mathematics", "פיזיקה": "physics",
    "משפטים": "law", "ביולוגיה": "biology",
}  # fmt: skip
_HE_INSTITUTION_RE = re.compile(
    r"(?<![\u05d0-\u05ea])[ומה]{0,3}(?P<name>(?:ה?אוניברסיט[הת]|ה?טכניון|ה?מכלל[הת]|המרכז)"
    r"(?:\s+(?![ולכ]|ב(?![ןר]-))[\u05d0-\u05ea][\u05d0-\u05ea\"'״׳-]*[\u05d0-\u05ea]){0,2})"
)
_HE_FIELD_RE = re.compile(
    r"(?:תואר\s+(?:ראשון|שני|שלישי)|MBA|B\.?A\.?|B\.?Sc\.?|M\.?A\.?|M\.?Sc\.?|דוקטורט)"
    r"(?:\s*\([^)]{1,12}\))?\s+ו?ב-?(?P<field>[\u05d0-\u05ea][\u05d0-\u05ea\"'״׳\s-]*?)"
    r"(?=\s+ו?מ(?:ה?אוניברסיט|ה?טכניון|ה?מכלל)|\s+ו-|[,.;(]|$)"
)


def _en_matches(name: str, institution: str) -> bool:
    """Each word of `name` is a word of `institution` or the acronym of a run of its words."""
    cand, have = _org_tokens(name), _org_tokens(institution)
    if not cand or not have:
        return False
    acronyms = _initials(have)
    return all(t in have or t in acronyms for t in cand)


def _he_words(text: str) -> set[str]:
    out = set()
    for word in hebrew.words(text):
        for reading in hebrew.readings(word):
            out.add(reading)
            out.add(_HE_TO_EN.get(reading, reading))
    return out


def check_institutions(tf: TextField, src: _Sources, out: _Collector) -> None:
    institutions = [e.institution for e in src.cv.education]
    text = tf.text
    if _EN_CUE_RE.search(text) or (_EN_FROM_HINT_RE.search(text) and _EN_FROM_RE.search(text)):
        names = [m.group("name") for m in _EN_FROM_RE.finditer(text)]
        names += [m.group("name") for m in _EN_INSTITUTION_RE.finditer(text)
                  if _EN_CUE_RE.search(m.group("name"))]  # fmt: skip
        for name in dict.fromkeys(n.strip(" .,") for n in names):
            if any(_en_matches(name, i) for i in institutions):
                continue
            if any(_en_matches(name, e.company) for e in src.cv.experience):
                continue
            if not _EN_CUE_RE.search(name) and not institutions:
                continue
            out.violation(
                "degree",
                tf.path,
                name,
                f"institution {name!r} is not in the CV's education "
                f"({', '.join(institutions) or 'none'})",
            )
    if not hebrew.has_hebrew(text):
        return
    for m in _HE_INSTITUTION_RE.finditer(hebrew.normalise(text)):
        words = [w for w in m.group("name").split() if w]
        wanted = {_HE_TO_EN.get(w, w) for w in words[1:]} | _translate_head(words[0])
        wanted = {w.replace("-", " ") for w in wanted}
        if not any(_covers(_he_words(i) | _en_words(i), wanted) for i in institutions):
            out.violation(
                "degree",
                tf.path,
                m.group("name"),
                f"institution {m.group('name')!r} is not in the CV's education "
                f"({', '.join(institutions) or 'none'})",
            )
    _check_hebrew_fields(tf, src, out)


def _translate_head(word: str) -> set[str]:
    base = word[1:] if word.startswith("ה") and word[1:] in _HE_TO_EN else word
    english = _HE_TO_EN.get(word) or _HE_TO_EN.get(base)
    return {english} if english and english not in {"university", "college"} else set()


def _en_words(text: str) -> set[str]:
    return {w.casefold().replace("-", " ") for w in re.findall(r"[A-Za-z][A-Za-z-]+", text)}


def _covers(have: set[str], wanted: set[str]) -> bool:
    have = have | {w.replace("-", " ") for w in have}
    parts = {p for w in have for p in w.split()}
    return all(w in have or w in parts or all(p in parts for p in w.split()) for w in wanted)


def _check_hebrew_fields(tf: TextField, src: _Sources, out: _Collector) -> None:
    fields = [e.field_of_study for e in src.cv.education if e.field_of_study]
    if not fields:
        return
    for m in _HE_FIELD_RE.finditer(hebrew.normalise(tf.text)):
        claimed = m.group("field").strip()
        if any(_field_matches(claimed, f) for f in fields):
            continue
        out.violation(
            "degree",
            tf.path,
            claimed,
            f"field of study {claimed!r} is not the CV's ({', '.join(fields)})",
        )


def _field_matches(claimed: str, field: str) -> bool:
    words = [w for w in re.split(r"\s+|(?<![\u05d0-\u05ea])ו(?=[\u05d0-\u05ea])", claimed) if w]
    if hebrew.has_hebrew(field):
        have = {hebrew.stem(r) for w in hebrew.words(field) for r in hebrew.readings(w)}
        return all(
            any(hebrew.stem(r) in have for r in hebrew.readings(w)) for w in words if len(w) > 1
        )
    english = _HE_FIELDS.get(" ".join(words)) or _HE_FIELDS.get(claimed)
    if english is None:
        return True  # a Hebrew field FVS cannot translate is not judged against English
    return set(english.split()) <= _en_words(field)
