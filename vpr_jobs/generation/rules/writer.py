"""Fills the templates of one language, in the candidate's grammatical gender when known."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

from vpr_jobs.generation.rules.templates_en import EN
from vpr_jobs.generation.rules.templates_he import HE
from vpr_jobs.generation.rules.text import HEBREW_RE
from vpr_jobs.schemas import GapResponse, Language

Gender = Literal["f", "m"] | None

TEMPLATES: dict[str, dict[str, str]] = {"en": EN, "he": HE}

_HE_TEMPLATE_PREFIX_RE = re.compile(r"([בלכמו])-\{(\w+)\}")
# "אני עובדת" / "אני עובד": the word after "אני" (adverbs skipped) carries the speaker's gender.
_HE_SELF_RE = re.compile(
    r"(?:^|[\s,.;:(\"'])אני\s+(?:(?:לא|גם|עדיין|כבר|מאוד|כיום|היום|עכשיו|רק|תמיד)\s+)*"
    r"([\u05D0-\u05EA]{3,})"
)
# Present-tense forms that end like a feminine form but are not one (a masculine root ending).
_HE_NOT_FEMININE = frozenset({"מבינה", "רוצה", "קונה", "בונה", "שונה", "רואה", "עושה", "מנסה"})
_HE_NOT_A_VERB = frozenset({"חושב", "יודע"})  # never decisive on their own


def infer_gender(gap_responses: Sequence[GapResponse]) -> Gender:
    """The candidate's grammatical gender from Hebrew self-reference in the gap answers.

    Present-tense Hebrew marks gender ("אני עובדת", "אני מנהל"); a word ending in ת or ה is
    read as feminine, anything else as masculine, and a tie or no evidence gives None
    (neutral wording). The CV schema has no gender field, so this is the only source.
    """
    votes = {"f": 0, "m": 0}
    for gap in gap_responses:
        for match in _HE_SELF_RE.finditer(gap.answer):
            word = match.group(1)
            if word in _HE_NOT_A_VERB:
                continue
            feminine = word.endswith(("ת", "ה")) and word not in _HE_NOT_FEMININE
            votes["f" if feminine else "m"] += 1
    if votes["f"] > votes["m"]:
        return "f"
    if votes["m"] > votes["f"]:
        return "m"
    return None


class Writer:
    """Fills the templates of one language; `variant` rotates a row's wording."""

    def __init__(self, language: Language, gender: Gender = None) -> None:
        self.language = language
        self.gender = gender
        self._templates = TEMPLATES[language]

    def has(self, template: str) -> bool:
        return template in self._templates

    def __call__(self, template: str, /, variant: int = 0, **values: str) -> str:
        key = template
        if variant:
            rotated = f"{template}.{variant % self._variants(template) + 1}"
            key = rotated if rotated in self._templates else template
            if rotated.endswith(".1"):
                key = template
        if self.gender and f"{key}@{self.gender}" in self._templates:
            key = f"{key}@{self.gender}"
        text = self._templates[key]
        if self.language == "he":
            # "ב-Wix" but "בבנק הפועלים": the hyphen only separates a prefix from non-Hebrew.
            text = _HE_TEMPLATE_PREFIX_RE.sub(
                lambda m: (
                    m.group(1)
                    + ("" if HEBREW_RE.match(values.get(m.group(2), "")) else "-")
                    + "{"
                    + m.group(2)
                    + "}"
                ),
                text,
            )
        return text.format(**values)

    def _variants(self, template: str) -> int:
        count = 1
        while f"{template}.{count + 1}" in self._templates:
            count += 1
        return count

    def join(self, items: Sequence[str]) -> str:
        items = list(items)
        if len(items) <= 1:
            return "".join(items)
        return self("list_sep").join(items[:-1]) + self("list_and") + items[-1]
