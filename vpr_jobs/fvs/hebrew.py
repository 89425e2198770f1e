# ruff: noqa: RUF001, RUF002, RUF003
"""Hebrew as a first-class language: prefixes, number words, and the words that mark claims.

Hebrew glues one-letter prefixes to the next word (ו and, ב at/in, ל to, מ from, ה the, ש that,
כ as), sometimes with a hyphen before a Latin name or a digit ("ב-Kubernetes", "מ-45"), so a
word is compared in every reading with up to two prefixes removed. Titles and adjectives have a
feminine form (מהנדס/מהנדסת, בכיר/בכירה): `stem()` drops the ending so both forms compare
equal. Number words are a small table (no maintained parser reads Hebrew numerals).
"""

from __future__ import annotations

import re
from functools import lru_cache

HEBREW_RE = re.compile(r"[\u05d0-\u05ea]")
# A Hebrew word: letters with the gershayim/geresh of acronyms (צה״ל, מנכ"ל, צ'ק).
HE_WORD_RE = re.compile(r"[\u05d0-\u05ea](?:[\u05d0-\u05ea\u05f3\u05f4\"'\u2019]*[\u05d0-\u05ea])?")
PREFIX_LETTERS = "\u05d5\u05d1\u05dc\u05de\u05d4\u05e9\u05db"  # ו ב ל מ ה ש כ
_NIQQUD_RE = re.compile(r"[\u0591-\u05c7]")


def has_hebrew(text: str) -> bool:
    return HEBREW_RE.search(text) is not None


def normalise(text: str) -> str:
    """Without niqqud, with the Hebrew gershayim/geresh written as ASCII quotes."""
    text = _NIQQUD_RE.sub("", text)
    return text.replace("\u05f4", '"').replace("\u05f3", "'").replace("\u2019", "'")


@lru_cache(maxsize=8192)
def readings(word: str) -> tuple[str, ...]:
    """`word` and the words it may be with up to two prefix letters removed ("ובבנק" ->
    ובבנק, בבנק, בנק); a remainder is kept only if at least two letters long."""
    out = [word]
    current = word
    for _ in range(3):
        if len(current) > 2 and current[0] in PREFIX_LETTERS:
            current = current[1:].lstrip("-")
            out.append(current)
        else:
            break
    return tuple(out)


@lru_cache(maxsize=8192)
def stem(word: str) -> str:
    """The masculine/singular-ish form: מהנדסת -> מהנדס, בכירה -> בכיר, כלכלנית -> כלכלן."""
    for ending in ("יות", "ית", "ות", "ים", "ת", "ה"):
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            return word[: -len(ending)]
    return word


def words(text: str) -> list[str]:
    return HE_WORD_RE.findall(normalise(text))


def stems(text: str) -> set[str]:
    """Every stem of every reading of every Hebrew word of `text`."""
    return {stem(r) for w in words(text) for r in readings(w)}


# --------------------------------------------------------------------------- numbers

# fmt: off
UNITS = {
    "אחד": 1, "אחת": 1, "שניים": 2, "שתיים": 2, "שני": 2, "שתי": 2, "שנים": 2, "שתים": 2,
    "שלוש": 3, "שלושה": 3, "שלושת": 3, "ארבע": 4, "ארבעה": 4, "ארבעת": 4, "חמש": 5,
    "חמישה": 5, "חמשת": 5, "שש": 6, "שישה": 6, "ששת": 6, "שבע": 7, "שבעה": 7, "שבעת": 7,
    "שמונה": 8, "שמונת": 8, "תשע": 9, "תשעה": 9, "תשעת": 9, "עשר": 10, "עשרה": 10, "עשרת": 10,
}
TENS = {
    "עשרים": 20, "שלושים": 30, "ארבעים": 40, "חמישים": 50, "שישים": 60, "שבעים": 70,
    "שמונים": 80, "תשעים": 90, "מאה": 100, "מאתיים": 200, "אלף": 1000, "אלפיים": 2000,
}
SCALES = {"מאות": 100, "אלף": 1000, "אלפים": 1000, "מיליון": 1e6, "מיליארד": 1e9}
# fmt: on
# "שנים" is both "two" and "years": read as a number only before "עשר"/"עשרה" (twelve).
_AMBIGUOUS = {"שנים", "שני", "שתי"}
_NUMBER_WORDS = set(UNITS) | set(TENS) | set(SCALES)
# Every number word contains one of these (a cheap test before tokenising).
_STEMS = ("אחד", "אחת", "שנ", "שת", "שלוש", "ארבע", "חמש", "חמיש", "שש", "שיש", "שבע", "שמונ",
          "תשע", "עשר", "מאה", "מאת", "אלף", "אלפ")  # fmt: skip


def number_words(text: str) -> list[tuple[float, int, int, str]]:
    """(value, start, end, text) of the Hebrew number words of `text`: "שבע" 7, "עשרים וחמש"
    25, "שתים עשרה" 12, "שלוש מאות" 300, "מאתיים" 200. Offsets index `text`."""
    found: list[tuple[float, int, int, str]] = []
    if not any(word in text for word in _STEMS):
        return found
    tokens = [
        (m.start(), m.end(), m.group(0)) for m in HE_WORD_RE.finditer(text.replace("\u05f4", '"'))
    ]
    i = 0
    while i < len(tokens):
        start, end, word = tokens[i]
        base = word
        if word not in _NUMBER_WORDS and word[0] in "ומבלכה" and word[1:] in _NUMBER_WORDS:
            base, start = word[1:], start + 1  # "מעשר" (than ten), "ועשרים" (and twenty)
        if base not in UNITS and base not in TENS:
            i += 1
            continue
        nxt = tokens[i + 1][2] if i + 1 < len(tokens) else ""
        if base in _AMBIGUOUS and nxt not in {"עשר", "עשרה"} and nxt not in SCALES:
            i += 1
            continue
        value = float(UNITS.get(base) or TENS[base])
        j = i + 1
        while j < len(tokens):
            word_j = tokens[j][2]
            plain = word_j[1:] if word_j[0] == "\u05d5" else word_j
            if word_j in {"עשר", "עשרה"} and value < 10:
                value += 10
            elif word_j in SCALES and value < 1000:
                value *= SCALES[word_j]
            elif word_j[0] == "\u05d5" and (plain in UNITS or plain in TENS):
                value += UNITS.get(plain) or TENS[plain]
            else:
                break
            end = tokens[j][1]
            j += 1
        found.append((value, start, end, text[start:end]))
        i = j
    return found


# Vague quantities: (min, max) the sources must hold a value in.
VAGUE = {"מאות": (200, 999), "אלפי": (2000, 999_999), "אלפים": (2000, 999_999)}
VAGUE_TENS = {"עשרות": (20, 99)}
DECADE = ("עשור", "עשורים")
YEAR_WORDS = {"שנים", "שנות", "שנה", "שנתיים"}
MONTH_WORDS = {"חודשים", "חודש"}


# --------------------------------------------------------------------------- transliteration

_HE_CONSONANTS = {
    "ב": "b", "ג": "g", "ד": "d", "ז": "z", "ט": "t", "כ": "k", "ך": "k", "ל": "l", "מ": "m",
    "ם": "m", "נ": "n", "ן": "n", "ס": "s", "פ": "p", "ף": "p", "צ": "s", "ץ": "s", "ק": "k",
    "ר": "r", "ש": "s", "ת": "t",
}  # fmt: skip
_LATIN_DIGRAPHS = (("ph", "p"), ("sh", "s"), ("ch", "k"), ("th", "t"), ("ck", "k"), ("x", "ks"))
_LATIN_CONSONANTS = {"c": "k", "q": "k", "f": "p", "v": "b", "j": "g"}


def skeleton(name: str) -> str:
    """The consonants of a name, in either script, for matching a transliteration:
    "למונייד" and "Lemonade" are both "lmnd", "פייבר" and "Fiverr" both "pbr"."""
    out: list[str] = []
    if has_hebrew(name):
        # צ' and ג' are "ch" and "j": as the Latin side reads them.
        letters = [_HE_CONSONANTS.get(ch, "") for ch in normalise(name).replace("צ'", "כ")]
    else:
        low = name.casefold()
        for digraph, plain in _LATIN_DIGRAPHS:
            low = low.replace(digraph, plain)
        letters = [
            _LATIN_CONSONANTS.get(ch, ch) if ch.isalpha() and ch not in "aeiouyhw" else ""
            for ch in low
        ]
    for letter in letters:
        if letter and (not out or out[-1] != letter):
            out.append(letter)
    return "".join(out)
