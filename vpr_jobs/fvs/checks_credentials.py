# ruff: noqa: RUF003
"""Degrees and certifications: the exact credential the CV lists (CKA is not CKAD, an AWS
Associate is not a Professional), the field of study, the institution."""

from __future__ import annotations

import re

from vpr_jobs.fvs.claims import TextField
from vpr_jobs.fvs.names import (
    _clean_name,
    _degree_key,
    _degree_level,
    _degrees_in,
    _initials,
    _org_tokens,
    _similar,
    _title_tokens,
)
from vpr_jobs.fvs.result import _Collector
from vpr_jobs.fvs.sources import _Sources
from vpr_jobs.fvs.text import _LETTER_RUN_RE, _RUN, _fold, _squash, _Words
from vpr_jobs.fvs.vocabulary import _KNOWN_CERT_ACRONYMS

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
                or _squash(field_of_study) in _initials(_org_tokens(edu.field_of_study))
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
        r"(?<![A-Za-z0-9_-])(?<![A-Za-z0-9]-)(?P<name>(?:"
        + "|".join(map(re.escape, _KNOWN_CERT_ACRONYMS))
        + r")(?:[ \t]+(?:I{1,3}|IV)\b)?)(?![\w-])"
    ),
    # Cloud certifications by level: "AWS Solutions Architect – Professional".
    re.compile(
        r"(?P<name>(?:AWS|Azure|Google Cloud|GCP)(?:[ \t]+Certified)?(?:[ \t]+[A-Z][\w-]*){1,4}"
        r"(?:[ \t]*[\u2013\u2014-][ \t]*|[ \t]+)"
        r"(?:Associate|Professional|Specialty|Expert|Fundamentals|Practitioner))\b"
    ),
)
_CERT_GENERIC_RE = re.compile(rf"(?<![\w-]){_CERT_WORD}(?![\w-])")
# Whole runs in every match: a `_CERT_WORD` (first two patterns and the generic one) or the
# first run of a known acronym ("SHRM" of "SHRM-CP").
_CERT_WORD_KEYS = frozenset(
    {"certified", "certification", "certificate", "accredited", "accreditation"}
)
_CERT_ACRONYM_KEYS = frozenset(_LETTER_RUN_RE.findall(" ".join(_KNOWN_CERT_ACRONYMS)))
_CLOUD_KEYS = frozenset({"AWS", "Azure", "Google", "GCP"})
_CERT_FILLER = {"certified", "certification", "certificate", "accredited"}


def _cert_known(name: str, src: _Sources) -> bool:
    tokens = {t for t in _org_tokens(name) if t not in _CERT_FILLER}
    if not tokens:
        return True
    if any(tokens <= set(_org_tokens(text)) for text in src.cert_texts):
        return True
    return _squash(name) in src.cert_acronyms


def _check_certifications(tf: TextField, words: _Words, src: _Sources, out: _Collector) -> None:
    worded = words.any_folded(_CERT_WORD_KEYS)
    if not (worded or words.any_cased(_CERT_ACRONYM_KEYS | _CLOUD_KEYS)):
        return
    named = False
    for regex in _CERT_NAMED_RES if worded else _CERT_NAMED_RES[2:]:
        if regex is _CERT_NAMED_RES[3] and "A" not in tf.text and "G" not in tf.text:
            continue
        for m in regex.finditer(tf.text):
            for name in re.split(r"\s+and\s+|,\s*|\s*/\s*", _clean_name(m.group("name"))):
                name = _clean_name(name)
                if not name or _degree_key(name) in {"ba", "ma", "bsc", "msc", "mba", "phd"}:
                    continue
                named = True
                if not _cert_known(name, src):
                    out.violation(
                        "certification",
                        tf.path,
                        name,
                        f"certification {name!r} is not in the CV (the CV lists "
                        f"{', '.join(c.name for c in src.cv.certifications) or 'none'})",
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
