# ruff: noqa: RUF001, RUF002
"""Titles and seniority written without the English cues, and people management.

* Hebrew titles: the words right before an employer ("מהנדסת תשתיות בכירה בבנק לאומי") or after
  the prefix כ- ("משמש כחשב חטיבתי") must be words of a CV role at that employer; an added
  seniority word (בכיר, ראש צוות, סמנכ"ל, שותף) or another profession is a violation. Hebrew
  title words are mapped to English concepts so a Hebrew report on an English CV compares too.
  A ב-word after a title that names no employer of the sources is an invented employer.
* English seniority without "at <Org>": "head of clinical product", "a lead data scientist".
* People management: "manages a team of 4", "ניהול ישיר של צוות של 8" needs a candidate source
  that manages people (not "mentored", not "no direct reports"), with the same head count.
"""

from __future__ import annotations

import re
from functools import lru_cache

from vpr_jobs.fvs import hebrew
from vpr_jobs.fvs.claims import TextField
from vpr_jobs.fvs.names import title_matches
from vpr_jobs.fvs.quantities import extract_numbers
from vpr_jobs.fvs.result import _Collector
from vpr_jobs.fvs.sources import _Sources
from vpr_jobs.fvs.vocabulary import _SENIORITY, _TITLE_ABBREVIATIONS

# Hebrew title stems -> English concept.
_HE_TITLES = {
    "מהנדס": "engineer", "מפתח": "engineer", "מתכנת": "engineer", "ארכיטקט": "architect",
    "יועץ": "consultant", "כלכלן": "economist", "רוא": "accountant", "רואה": "accountant",
    "חשב": "controller", "קונטרולר": "controller", "מנהל": "manager", "אנליסט": "analyst",
    "מדען": "scientist", "חוקר": "researcher", "מעצב": "designer", "בודק": "tester",
    "מתמח": "intern", "מתמחה": "intern", "אחו": "nurse", "אחות": "nurse", "רופא": "physician",
    "מור": "teacher", "מורה": "teacher", "רכז": "coordinator", "טכנאי": "technician",
    "נציג": "representative", "מבקר": "auditor", "ראש": "head", "סמנכ\"ל": "vp",
    "מנכ\"ל": "ceo", "שותף": "partner", "בכיר": "senior", "ראשי": "principal",
    "מוביל": "lead", "ר\"צ": "head",
}  # fmt: skip
_HE_SENIORITY = {"head", "vp", "ceo", "partner", "senior", "principal", "lead", "manager"}
_HE_ROLE_CONTEXT = re.compile(r"לתפקיד|מועמד|להצטרף|תצטרף|המשרה|התפקיד|תוכל|יוכל|תביא|יביא")
# Words that may follow a title with ב- without naming an employer.
_HE_NOT_ORG = {
    "תחום", "צוות", "חברה", "פרויקט", "מחלקה", "חטיבה", "ארגון", "קבוצה", "יחידה", "מסגרת",
    "משך", "היקף", "שנים", "שנת", "תקופה", "מהלך", "עבר", "עבודה", "סביבת", "סביבה", "ענן",
    "ניהול", "הובלת", "פועל", "פיתוח", "תשתיות", "מערכות", "ראיית", "ביקורת", "כספים", "מימון",
    "רמה", "רמת", "אופן", "עולם", "שוק", "דרך", "זמן", "שנה", "חודש", "צורה", "כיוון", "מקביל",
    "ייצור", "פרודקשן", "הצלחה", "פירמה", "פירמת", "משרה", "תפקיד", "תחומי", "ישיר", "ישירות",
}  # fmt: skip
_TOKEN_RE = re.compile(r"[A-Za-z][\w+#./-]*|[\u05d0-\u05ea][\u05d0-\u05ea\"'״׳]*|[^\s]")


def _concepts(words: list[str]) -> list[str]:
    """Each word as a comparable concept: Hebrew title stems in English, Latin lower-cased
    with title abbreviations expanded ("developer" -> engineer)."""
    out = []
    for word in words:
        if hebrew.has_hebrew(word):
            concept = None
            for reading in _plausible_readings(hebrew.normalise(word)):
                if reading.endswith(("ים", "ות")) and reading not in _HE_TITLES:
                    continue  # "אנליסטים": people, not a title
                concept = _HE_TITLES.get(hebrew.stem(reading)) or _HE_TITLES.get(reading)
                if concept:
                    break
            out.append(concept or hebrew.stem(hebrew.normalise(word)))
        else:
            low = word.casefold().strip(".,()")
            out.extend(_TITLE_ABBREVIATIONS.get(low, low).split())
    return out


def _plausible_readings(word: str) -> list[str]:
    """Readings with one prefix removed, or two when the first is ו or ש ("וכמנהלת"): "המשותף"
    is ה + משותף (shared), never ה + מ + שותף (partner)."""
    readings = list(hebrew.readings(word))[:3]
    if len(readings) == 3 and word[0] not in "וש":
        readings = readings[:2]
    return readings


def _is_title_word(concept: str) -> bool:
    return concept in _HE_TITLES.values()


def check_hebrew_titles(tf: TextField, src: _Sources, out: _Collector) -> None:
    """Titles said in Hebrew before an employer, or after כ-."""
    if tf.text.isascii() or not hebrew.has_hebrew(tf.text) or src.facts is None:
        return
    text = hebrew.normalise(tf.text)
    roles = src.facts.roles
    for regex, company in src.employers:
        for m in regex.finditer(text):
            start = m.start()
            glued = _GLUED_PREFIX_RE.search(text[max(0, start - 3) : start])  # "ב-Lemonade"
            if glued:
                start -= len(glued.group(0))
            phrase = _words_before(text, start)
            held = [r.title for r in roles if r.company == company]
            _compare(phrase, held, f"at {company}", tf, out)
    # A ב-word after a title or a work word names an employer: it must be one of the CV's.
    for m in _WORK_CUE_RE.finditer(text):
        _check_employer_after(text, m.end(), src, tf, out)
    for m in _HE_ORG_CUE_RE.finditer(text):
        _check_org_name(text, m, src, tf, out)
    for m in re.finditer(r"(?<![\u05d0-\u05ea])ו?כ(?=[\u05d0-\u05ea])", text):
        words = _TOKEN_RE.findall(text[m.end() : m.end() + 40])[:3]
        words = [w for w in words if w.strip() and w not in ",.;:()"]
        concepts = _concepts(words[:1])
        if not concepts or not _is_title_word(concepts[0]):
            continue
        start, end = _sentence(text, m.start())
        if _HE_ROLE_CONTEXT.search(text, start, end):
            continue
        phrase = _title_run(words)
        _compare(phrase, [r.title for r in roles], "in the CV", tf, out)
        _check_employer_after(text, m.end(), src, tf, out)


_GLUED_PREFIX_RE = re.compile(r"(?<![\u05d0-\u05ea])[ובלמהשכ]{1,2}-?$")
_WORK_CUE_RE = re.compile(
    r"(?<![\u05d0-\u05ea])[וש]?(?:עבד\w*|עובד\w*|שירת\w*|הועסק\w*|העבודה|עבודת\w*|מתמחה"
    r"|מהנדס\w*|מפתח\w*|חשב|מנהל\w*|רואה\s+חשבון|אנליסט\w*)(?![\u05d0-\u05ea])"
)
_HE_ORG_CUE_RE = re.compile(
    r"(?<![\u05d0-\u05ea])[ובלמהשכ]{0,2}(?P<cue>בנק|חברת|קבוצת|רשת)\s+(?P<name>[\u05d0-\u05ea\"'״׳-]+)"
)


def _check_org_name(
    text: str, m: re.Match[str], src: _Sources, tf: TextField, out: _Collector
) -> None:
    """ "בנק הפועלים": a bank, company or group named in Hebrew must be one of the sources."""
    phrase = f"{m.group('cue')} {m.group('name')}"
    for source in src.all_segments:
        if phrase in hebrew.normalise(source):
            return
    out.violation(
        "organisation",
        tf.path,
        phrase,
        f"organisation {phrase!r} is not in the CV or the gap answers",
    )


def _sentence(text: str, pos: int) -> tuple[int, int]:
    start = max(text.rfind(c, 0, pos) for c in ".;!?") + 1
    ends = [i for i in (text.find(c, pos) for c in ".;!?") if i >= 0]
    return start, min(ends, default=len(text))


def _words_before(text: str, pos: int) -> list[str]:
    """Up to four words before `pos`, stopping at punctuation."""
    tokens = _TOKEN_RE.findall(text[max(0, pos - 80) : pos])
    words: list[str] = []
    for token in reversed(tokens):
        if not (token[0].isalpha() or hebrew.has_hebrew(token)):
            break
        words.insert(0, token)
        if len(words) == 4:
            break
    return _title_run(words, from_end=True)


def _title_run(words: list[str], from_end: bool = False) -> list[str]:
    """The title words of `words`: from the first title word on (or, from the end, the run
    that ends the list), Latin qualifiers ("DevOps") included."""
    concepts = _concepts(words) if all(hebrew.has_hebrew(w) or w.isascii() for w in words) else []
    if len(concepts) != len(words):
        return []
    heads = [i for i, c in enumerate(concepts) if _is_title_word(c)]
    if not heads:
        return []
    if from_end:
        return words[heads[0] :]
    run = [words[0]]
    for word, concept in zip(words[1:], concepts[1:], strict=True):
        if _is_title_word(concept) or word.isascii() or concept in {"חטיבת", "חשבונ"}:
            run.append(word)
        else:
            break
    return run


def _compare(
    phrase: list[str], held: list[str], where: str, tf: TextField, out: _Collector
) -> None:
    if not phrase or not held:
        return
    claimed = _concepts(phrase)
    if not any(_is_title_word(c) for c in claimed):
        return
    for title in held:
        have = set(_concepts(_TOKEN_RE.findall(hebrew.normalise(title))))
        extra = [c for c in claimed if c not in have and (_is_title_word(c) or c.isascii())]
        if not extra:
            return
    written = " ".join(phrase)
    seniority = any(c in _HE_SENIORITY or c in _SENIORITY for c in claimed)
    out.violation(
        "seniority" if seniority else "title",
        tf.path,
        written,
        f"job title {written!r} is not the CV's title {where} ({', '.join(held)})",
    )


def _check_employer_after(
    text: str, pos: int, src: _Sources, tf: TextField, out: _Collector
) -> None:
    """A ב-word after a title must name an employer of the sources."""
    for m in _B_WORD_RE.finditer(text, pos, min(len(text), pos + 60)):
        if _STOP_RE.search(text, pos, m.start()):
            return
        word = m.group(0).strip()
        if any(_is_title_word(c) for c in _concepts([word])) or (
            word.startswith("ב-") is False and (hebrew.stem(word) in _HE_NOT_ORG)
        ):
            continue
        _check_b_word(text, m, src, tf, out)
        return


_B_WORD_RE = re.compile(
    r"(?<![\u05d0-\u05ea\w])ו?ב-?[\u05d0-\u05ea\"'״׳]+(?=(?:\s+(?P<next>[\u05d0-\u05ea\"'״׳]+))?)"
)
_STOP_RE = re.compile(r"[,.;:()]")


def _check_b_word(
    text: str, m: re.Match[str], src: _Sources, tf: TextField, out: _Collector
) -> None:
    head = m.group(0).lstrip("ו")
    name = head[1:].lstrip("-")
    following = m.group("next") or ""
    at = m.start()
    if any(regex.match(text, at) for regex, _ in src.employers):
        return
    target = _target_pattern(src.posting.company_name)
    sounds = hebrew.skeleton(name)
    if _sounds_like(name, following, [r.company for r in src.facts.roles] if src.facts else []):
        return  # "בלמונייד": Lemonade written in Hebrew
    if target.match(text, at) or (
        len(sounds) >= 3 and _sounds_like(name, following, [src.posting.company_name])
    ):
        start, end = _sentence(text, at)
        if not _HE_ROLE_CONTEXT.search(text, start, end):
            out.violation(
                "organisation",
                tf.path,
                src.posting.company_name,
                f"{src.posting.company_name!r} is the target company, but the text presents it "
                "as an employer",
            )
        return
    stems = {hebrew.stem(r) for r in hebrew.readings(name)} | {name}
    if stems & _HE_NOT_ORG or any(_is_title_word(c) for c in _concepts([name])):
        return
    for company in {r.company for r in src.facts.roles} if src.facts else ():
        words = hebrew.words(company)
        if name in words:  # "בנק" of "בנק לאומי": the next word must be the employer's too
            if len(words) == 1 or following in words:
                return
            break
    else:
        if any(hebrew.stem(r) in src.hebrew_words for r in hebrew.readings("ב" + name)):
            return
    out.violation(
        "organisation",
        tf.path,
        name,
        f"organisation {name!r} is not an employer in the CV",
    )


def _sounds_like(name: str, following: str, companies: list[str]) -> bool:
    """Whether a Hebrew name (one or two words) transliterates one of `companies`."""
    mine = {hebrew.skeleton(name), hebrew.skeleton(f"{name} {following}")}
    for company in companies:
        words = company.split()
        theirs = {hebrew.skeleton(words[0]), hebrew.skeleton(" ".join(words[:2]))}
        if any(len(s) >= 3 for s in mine & theirs):
            return True
    return False


@lru_cache(maxsize=256)
def _target_pattern(company: str) -> re.Pattern[str]:
    words = hebrew.words(company) or [company]
    body = r"[\s-]*".join(re.escape(w) for w in words[:2])
    return re.compile(rf"(?:[ובלמהשכ]{{1,2}}-?)?{body}(?![\w])", re.IGNORECASE)


_HEAD_OF_RE = re.compile(
    r"\b(?P<t>(?:head|director|vp|vice president|chief)\s+of\s+(?:[\w&-]+\s?){1,4}?)"
    r"(?=\s+(?:at|with|in|for|and|who|since|from|to)\b|[,.;:)]|$)",
    re.IGNORECASE,
)
_SENIOR_TITLE_RE = re.compile(
    r"\b(?P<t>(?:senior|sr\.?|lead|principal|chief)\s+(?:[a-z][\w-]*\s+){0,3}?"
    r"(?:engineer|developer|scientist|analyst|manager|designer|nurse|accountant|consultant"
    r"|architect|executive|specialist|coordinator|researcher|recruiter|teacher|controller))\b"
    r"(?!s\b)",
    re.IGNORECASE,
)


_SENIOR_HINT_RE = re.compile(r"head|director|vp|vice|chief|senior|sr\.?|lead|principal", re.I)
_BEING_RE = re.compile(
    r"\b(?:is|was|been|as|became|becomes|serves|served|works|worked|working|promoted\s+to"
    r"|appointed)\s+(?:a|an|the)?\s*$",
    re.IGNORECASE,
)


def check_seniority(tf: TextField, src: _Sources, out: _Collector) -> None:
    """Senior titles said without an employer: each must be a CV role or the target role."""
    text = tf.text
    if _SENIOR_HINT_RE.search(text) is None:
        return
    for regex in (_HEAD_OF_RE, _SENIOR_TITLE_RE):
        for m in regex.finditer(text):
            if not _BEING_RE.search(text[max(0, m.start() - 30) : m.start()]):
                continue  # "align with the Head of People": someone else, not a claim
            title = m.group("t").strip()
            if " ".join(title.casefold().split()[:3]) in src.folded_text:
                continue  # "the Head of People" of the posting: a person, not a claim
            if title_matches(title, src.posting.role_title) or any(
                title_matches(title, e.role) for e in src.cv.experience
            ):
                continue
            if regex is _SENIOR_TITLE_RE and title.split()[0][0].islower() is False:
                # A capitalised run is the title check's job (it knows the employer).
                continue
            out.violation(
                "seniority",
                tf.path,
                title,
                f"title {title!r} is neither a CV role nor the target role",
            )


_MANAGES_RE = re.compile(
    r"\b(?:manag(?:e|es|ed|ing)|supervis(?:e|es|ed|ing)|line[- ]manag\w*|oversaw|oversees)\s+"
    r"(?:a\s+team\s+of\s+|teams?\s+of\s+|a\s+staff\s+of\s+)?"
    r"(?:\d+|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|a\s+dozen|people"
    r"|staff|direct\s+reports|(?:[a-z]+\s+){0,2}(?:engineers|scientists|analysts|coordinators"
    r"|nurses|designers|reps|representatives|accountants))"
    r"|\b(?:manag\w+|led|leads|leading|heads?|headed)\s+(?:a\s+)?team\s+of\s+\w+"
    r"|\b(?:\d+|two|three|four|five|six|seven|eight|nine|ten)\s+direct\s+reports\b"
    r"|(?:ניהל\w*|מנהל\w*|ניהול)\s+(?:ישיר\s+)?(?:של\s+)?(?:צוות|עובדים|אנליסטים|מהנדסים|אנשי|"
    r"שני|שתי|שלוש|ארבע|חמיש|\d)",
    re.IGNORECASE,
)
_NEGATED_RE = re.compile(r"\b(?:no|not|never|without|yet\s+to)\b|לא|אין|ללא", re.IGNORECASE)


_MANAGES_HINT_RE = re.compile(
    r"manag|supervis|overs|\bled\b|lead|head|direct|ניהל|מנהל|ניהול", re.I
)


def _managing(text: str) -> list[re.Match[str]]:
    if _MANAGES_HINT_RE.search(text) is None:
        return []
    found = []
    for m in _MANAGES_RE.finditer(text):
        before = text[max(0, m.start() - 25) : m.start()]
        if not _NEGATED_RE.search(before):
            found.append(m)
    return found


def check_management(tf: TextField, src: _Sources, out: _Collector) -> None:
    claims = _managing(tf.text)
    if not claims:
        return
    held = src.memo.get("management")
    if held is None:
        values: set[float] = set()
        for text in src.cv_segments + src.gap_segments:
            for m in _managing(text):
                window = text[m.start() : m.end() + 40]
                for n in extract_numbers(window, include_one=True):
                    values |= n.values
                values.add(-1.0)  # someone is managed
        held = src.memo["management"] = frozenset(values)
    for m in claims:
        numbers = extract_numbers(tf.text[m.start() : m.end() + 30], include_one=True)
        count = {v for n in numbers[:1] for v in n.values}
        if -1.0 in held and (not count or count & held):
            continue
        why = (
            "the CV and gap answers show no people management"
            if -1.0 not in held
            else "the sources manage a different number of people"
        )
        out.violation("seniority", tf.path, m.group(0), f"{m.group(0)!r}: {why}")
