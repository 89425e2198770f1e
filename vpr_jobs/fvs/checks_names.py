"""Organisations and job titles in English prose (and Latin names after Hebrew prefixes).

Organisations are capitalised names after cue words ("at X", "joined X", "ex-X", "graduate of
X", names ending in Inc/University/Bank, possessives a sentence ties the candidate to); the
target company said as an employer outside any talk of the role is a violation. Titles after
"served as/worked as/as", before "at <Org>" (also lower-case, any profession) and possessive
titles must match a CV role, at that employer, without an added seniority word.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator

from vpr_jobs.fvs.claims import TextField
from vpr_jobs.fvs.names import _clean_name, _org_tokens, org_matches, title_matches
from vpr_jobs.fvs.result import _Collector
from vpr_jobs.fvs.sources import _name_in_sources, _Sources
from vpr_jobs.fvs.text import _RUN, _fold, _matches_at, _Words
from vpr_jobs.fvs.vocabulary import (
    _ORG_PREFIXES,
    _ORG_SUFFIXES,
    _PAST_EMPLOYER_CUES,
    _PAST_TITLE_CUES,
    _TITLE_HEADS,
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
_POSSESSIVE_ORG_RE = re.compile(
    r"(?P<org>[A-Z][\w&.+-]*[A-Za-z0-9](?:[ \t]+[A-Z][\w&.+-]*[A-Za-z0-9]){0,2})"
    r"['\u2019]s\s+(?=[a-z])"
)
_FUTURE_RE = re.compile(
    r"\b(?:role|position|job|opening|posting|would|will|could|join|joining|apply|applying"
    r"|interview\w*|hiring|asks?|requires?|seeks?|needs?|roadmap)\b",
    re.IGNORECASE,
)
# A verb of working before "<Org>'s team": the sentence places the candidate there.
_WORKED_IN_RE = re.compile(
    r"\b(?:has\s+been|is|was|worked|works|working|joined|spent|served|moved|ran|led|built)\b",
    re.IGNORECASE,
)


def _possessive_orgs(text: str, spans: list[tuple[int, int]]) -> list[tuple[str, str, int]]:
    """ "Moved CyberArk's compliance training", "in Cera's product team": the name before 's
    is an organisation the sentence ties the candidate to (unless it speaks of the role)."""
    out = []
    for m in _POSSESSIVE_ORG_RE.finditer(text):
        if any(s <= m.start() < e for s, e in spans):
            continue
        start = max(text.rfind(c, 0, m.start()) for c in ".;:") + 1
        ends = [i for i in (text.find(c, m.end()) for c in ".;") if i >= 0]
        clause = text[start : min(ends, default=len(text))]
        words = m.group("org").split()
        verb_first = len(words) > 1 and _WORKED_IN_RE.fullmatch(words[0]) is not None
        if verb_first:
            words = words[1:]  # "Moved CyberArk's": the first word is the verb
        worked = verb_first or _WORKED_IN_RE.search(text, start, m.start()) is not None
        if _FUTURE_RE.search(clause) or not worked:
            continue
        out.append((" ".join(words), "at", m.start()))
    return out


# Words before "at <target company>" that speak of the role, not of a past employer.
_ROLE_CONTEXT_RE = re.compile(
    r"\b(?:role|position|job|opening|opportunity|team|join|joining|would|will|could|can|apply"
    r"|applying|interview\w*|posting|asks?|requires?|seeks?|needs?|ready|fit|bring\w*|hiring"
    r"|as\s+(?:a|an|the)|target|next|future|plan\w*|goal|aim)\b",
    re.IGNORECASE,
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
        if (
            trigger == "at"
            and tf.kind == "claim"
            and not _ROLE_CONTEXT_RE.search(tf.text[max(0, m.start() - 60) : m.start()])
        ):
            before = "at"  # "a fraud model at <target>": said as a past or current employer
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
    if tf.kind == "claim" and ("'s " in tf.text or "\u2019s " in tf.text):
        candidates += _possessive_orgs(tf.text, spans)
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


_NOT_TITLE_WORDS = (
    r"is|was|a|an|the|as|and|her|his|their|who|now|has|had|been|became|of|for|to|with|by|in"
    r"|on|from|that|she|he|they|worked|joined|also|then|later|most|recently|currently"
)
_LOWER_AT_RE = re.compile(
    rf"(?<![\w-])(?P<title>(?:(?!(?i:{_NOT_TITLE_WORDS})\b)[A-Za-z][a-z&/-]*[ \t]+){{0,3}}"
    r"(?P<head>" + "|".join(sorted(_TITLE_HEADS, key=len, reverse=True)) + r"))"
    rf"[ \t]+(?:at|with)[ \t]+(?:the[ \t]+)?(?P<org>{_RUN}|[a-z][\w.&-]+)"
)


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
        if at and _fold(at.group(0)).strip().startswith("with"):
            continue  # "Lead with the ARR growth": an imperative, not a title at an employer
        if at and m.start() not in seen and _has_title_head(m.group(0)):
            seen.add(m.start())
            yield m.group(0), "", at.group("org")
    for m in _LOWER_AT_RE.finditer(text) if at_cue else ():  # "lead backend engineer at X"
        first = m.group("title").split()[0]
        plural = m.group("head").endswith("s") and m.group("head")[:-1] in _TITLE_HEADS
        if plural or first.endswith(("ed", "ing")):
            continue  # "mentored four engineers at X": people, not a title
        if m.start("title") not in seen:
            seen.add(m.start("title"))
            yield m.group("title"), "", m.group("org")
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
