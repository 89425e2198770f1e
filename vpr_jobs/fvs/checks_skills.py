# ruff: noqa: RUF001
"""Tools and skills claimed as used (critical unless only *to learn*), style, identity."""

from __future__ import annotations

import re
from collections.abc import Iterator

from vpr_jobs.fvs import hebrew
from vpr_jobs.fvs.claims import TextField
from vpr_jobs.fvs.names import _names_match, org_matches, title_matches
from vpr_jobs.fvs.result import Tier, _Collector
from vpr_jobs.fvs.sources import _name_in_candidate, _Sources, phrase_initials
from vpr_jobs.fvs.text import _LETTER_RUN_RE, _by_longest_run, _fold, _squash, _Words
from vpr_jobs.fvs.vocabulary import (
    _ACRONYM_STOPLIST,
    _KNOWN_CERT_ACRONYMS,
    _SKILL_ALIASES,
    _SKILL_LEXICON,
    _STYLE_PHRASES,
    _STYLE_RE,
)
from vpr_jobs.schemas import VPRDocument

_SKILL_RES = [
    (term, re.compile(rf"(?<![A-Za-z0-9_.+#])(?<![A-Za-z0-9]-){re.escape(term)}(?![A-Za-z0-9_+#])"))
    for term in _SKILL_LEXICON
]
# A term's letter runs are whole runs of any text naming it (its look-arounds exclude
# letters), so only terms whose longest run is in the text are searched for.
_SKILLS_BY_RUN = _by_longest_run(_SKILL_LEXICON)
_SKILL_KEYS = frozenset(_SKILLS_BY_RUN)
_SKILL_SET = frozenset(_SKILL_LEXICON)
_KNOWN_CERT_SET = frozenset(_KNOWN_CERT_ACRONYMS)
_ACRONYM_RE = re.compile(r"(?<![A-Za-z0-9_&.])(?<![A-Za-z0-9]-)[A-Z][A-Z0-9]{1,5}(?![\w&-])")


def _skills_named(text: str, words: _Words) -> Iterator[tuple[str, int]]:
    """The lexicon terms `text` names (and where), in lexicon order."""
    candidates = sorted(i for run in words.cased & _SKILL_KEYS for i in _SKILLS_BY_RUN[run])
    for i in candidates:
        term, regex = _SKILL_RES[i]
        m = regex.search(text)
        if m:
            yield term, m.start()


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


# A sentence that speaks of learning or lacking a tool does not claim it was used.
_LEARNING_RE = re.compile(
    r"\b(?:learn\w*|ramp(?:ing|s)?\s+up|stud(?:y|ying|ies)|course\w*|upskill\w*|plans?\s+to"
    r"|will\s+\w+|would|eager|pick(?:ing|s)?\s+up|up\s+to\s+speed|familiari[sz]\w*|explor\w+"
    r"|no\s+(?:production\s+|hands-on\s+)?(?:experience|use)|not\s+(?:yet\s+)?(?:used|worked)"
    r"|has\s+not|hasn't|lacks?|without|gap|instead\s+of|rather\s+than|no\s+production)\b"
    r"|לומד|ללמוד|אלמד|תלמד|קורס|(?<![\u05d0-\u05ea])[וש]?(?:לא|אין|ללא|בלי)(?![\u05d0-\u05ea])"
    r"|מוגבל|במקום|חסר\w*",
    re.IGNORECASE,
)
_SENTENCE_RE = re.compile(r"[^.!?;\n]+(?:[.!?;]|$)")


def _tier(text: str, start: int, plan: bool = False) -> Tier:
    """A tool in a clause about learning or lacking it is a plan (warning), else a claim; in
    a plan (a mitigation) only a clause that says it was used is a claim."""
    for m in _CLAUSE_RE.finditer(text):
        if m.start() <= start < m.end():
            if _LEARNING_RE.search(m.group(0)):
                return "VERIFIABLE"
            return "IMMUTABLE" if not plan or _USED_RE.search(m.group(0)) else "VERIFIABLE"
    return "IMMUTABLE"


_CLAUSE_RE = re.compile(
    r"(?:[^.!?;:\n])+?(?=[.!?;:]|\sand\s(?=(?:what|how|why|where|when|which)\b)"
    r"|\sו(?=ל[\u05d0-\u05ea])|$)"
)
# Verbs of past use: a tool next to one in a plan ("mention he worked with X") is a claim.
_USED_RE = re.compile(
    r"\b(?:used|uses|worked\s+with|built|ran|runs|wrote|deployed|implemented|prospected"
    r"|developed|migrated)\b|עבד\w*\s+עם|השתמש\w*|בנה\w*|הטמיע\w*|פיתח\w*|כתב\w*",
    re.IGNORECASE,
)
# In Hebrew prose a Latin-script capitalised word is a name: a tool when not a source's.
_LATIN_NAME_RE = re.compile(r"(?<![A-Za-z0-9])[A-Z][A-Za-z0-9.+#-]{2,}(?![A-Za-z0-9])")


def _check_skills(tf: TextField, words: _Words, src: _Sources, out: _Collector) -> None:
    text = tf.text
    plan = tf.kind != "claim"
    for term, start in _skills_named(text, words):
        if not _skill_known(term, src) and not org_matches(term, src.posting.company_name):
            out.add(
                _tier(text, start, plan),
                "skill",
                tf.path,
                term,
                f"tool {term!r} is claimed as used but is not in the CV or the gap answers",
            )
    if hebrew.has_hebrew(text):
        for m in _LATIN_NAME_RE.finditer(text):
            word = m.group(0).rstrip(".")
            if word in _SKILL_SET or _fold(word) in src.org_acronyms or _skill_known(word, src):
                continue
            if any(org_matches(word, org) for org in src.orgs):
                continue
            if word.upper() in _ACRONYM_STOPLIST or _fold(word) in phrase_initials(src):
                continue
            out.add(
                _tier(text, m.start(), plan),
                "skill",
                tf.path,
                word,
                f"{word!r} is claimed as used but is not in the CV or the gap answers",
            )
    for m in _ACRONYM_RE.finditer(text):
        word = m.group(0)
        if word.upper() in _ACRONYM_STOPLIST or _fold(word) in src.org_acronyms:
            continue
        if _fold(word) in phrase_initials(src):
            continue
        if word in _SKILL_SET or _name_in_candidate(word, src):
            continue
        if word in _KNOWN_CERT_SET or _squash(word) in src.cert_acronyms:
            continue  # Certifications have their own check.
        if not _skill_known(word, src):
            tier = _tier(text, m.start(), plan)
            out.add(
                tier,
                "skill",
                tf.path,
                word,
                f"{word!r} is claimed as used but is not in the CV or the gap answers",
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
