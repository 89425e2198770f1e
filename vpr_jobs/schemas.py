"""Pydantic shapes of everything that crosses a boundary: CV, VPR request, VPR document.

They are the single source of validation (the API, the worker and the generators all parse
with them) and of the OpenAPI components (drf-spectacular reads pydantic models).
Every string and list is bounded so no client can make us store or process unbounded data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    field_validator,
    model_validator,
)

from vpr_jobs.text import FORBIDDEN_IN_TEXT, TEXT_PATTERN, unprintable_reason

Language = Literal["en", "he"]
Alignment = Literal["STRONG", "MODERATE", "DEVELOPING"]
EvidenceSource = Literal["cv", "gap_response", "none"]

APPLICATION_ID_PATTERN = r"^[A-Za-z0-9._:-]{1,64}$"
YEAR_MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"
# Any id of the source catalogue (vpr_jobs/catalogue.py): what a report's citations may name.
SOURCE_ID_PATTERN = (
    r"^(cv\.summary|cv\.exp\.\d{1,2}(\.ach\.\d{1,2})?|cv\.(edu|cert|skill|lang)\.\d{1,3}"
    r"|gap\.\d{1,2}|post\.(role|desc)|post\.(resp|req|nice)\.\d{1,2})$"
)
# The document shape written today; documents stored before citations read as version 1.
SCHEMA_VERSION = 2


def _printable(value: str) -> str:
    # No control, bidirectional, surrogate or noncharacter code point (`text`): NUL cannot
    # even be stored in PostgreSQL; the others are never content. \t \n \r are.
    if reason := unprintable_reason(value):
        raise ValueError(reason)
    return value


# The same rules for a schema reader: no control character but tab/newline/CR, and (when
# required) one character that strip() keeps: neither a control character nor whitespace.
_ALLOWED = f"[^{FORBIDDEN_IN_TEXT}]"
_VISIBLE = (
    f"[^{FORBIDDEN_IN_TEXT}"
    r"\t\n\r\x20\x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]"
)
PRINTABLE_PATTERN = TEXT_PATTERN
NON_BLANK_PATTERN = f"^{_ALLOWED}*{_VISIBLE}{_ALLOWED}*$"
# `JobPosting._http_url`'s rule; empty means none.
HTTP_URL_PATTERN = (
    "^(|[Hh][Tt][Tt][Pp][Ss]?://" + _VISIBLE.replace("[^", "[^/$.?#") + _VISIBLE + "*)$"
)


@dataclass(frozen=True)
class _DocumentedPattern:
    """Adds `pattern` to the JSON schema only: validation stays with `_printable`, whose
    message names the problem."""

    pattern: str

    def __get_pydantic_json_schema__(self, core_schema: Any, handler: Any) -> dict[str, Any]:
        return {**handler(core_schema), "pattern": self.pattern}


def _text(max_length: int, *, min_length: int = 0) -> type[str]:
    return Annotated[  # type: ignore[return-value]
        str,
        StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length),
        AfterValidator(_printable),
        _DocumentedPattern(NON_BLANK_PATTERN if min_length else PRINTABLE_PATTERN),
    ]


ShortText = _text(200)
RequiredShortText = _text(200, min_length=1)
Sentence = _text(1000)
LongText = _text(10_000)
Year = Annotated[int, Field(ge=1900, le=2100)]


class _Strict(BaseModel):
    """Unknown fields are errors, not silently dropped: a typo must reach the client."""

    model_config = ConfigDict(extra="forbid")


# --------------------------------------------------------------------------- CV


class Contact(_Strict):
    email: ShortText | None = None
    phone: ShortText | None = None
    location: ShortText | None = None
    linkedin: ShortText | None = None
    website: ShortText | None = None


class Experience(_Strict):
    """One position. `end_date` is not before `start_date`; a `current` one has none."""

    company: RequiredShortText
    role: RequiredShortText
    start_date: Annotated[str, Field(pattern=YEAR_MONTH_PATTERN)]
    end_date: Annotated[str, Field(pattern=YEAR_MONTH_PATTERN)] | None = None
    current: StrictBool = False
    description: _text(5000) = ""
    achievements: Annotated[list[Sentence], Field(max_length=30)] = []
    technologies: Annotated[list[ShortText], Field(max_length=50)] = []

    @model_validator(mode="after")
    def _dates_in_order(self) -> Experience:
        if self.end_date is not None and self.end_date < self.start_date:
            raise ValueError("end_date is before start_date")
        if self.current and self.end_date is not None:
            raise ValueError("a current position has no end_date")
        return self


class Education(_Strict):
    institution: RequiredShortText
    degree: ShortText = ""
    field_of_study: ShortText = ""
    graduation_year: Year | None = None


class Certification(_Strict):
    name: RequiredShortText
    issuer: ShortText = ""
    year: Year | None = None


class CV(_Strict):
    full_name: RequiredShortText
    language: Language = "en"
    professional_summary: _text(5000) = ""
    contact: Contact = Contact()
    experience: Annotated[list[Experience], Field(max_length=30)] = []
    education: Annotated[list[Education], Field(max_length=20)] = []
    certifications: Annotated[list[Certification], Field(max_length=30)] = []
    skills: Annotated[list[ShortText], Field(max_length=100)] = []
    languages: Annotated[list[ShortText], Field(max_length=20)] = []


# --------------------------------------------------------------------------- request


class Location(_Strict):
    city: ShortText = ""
    country: ShortText = ""


class JobPosting(_Strict):
    company_name: RequiredShortText
    role_title: RequiredShortText
    responsibilities: Annotated[list[Sentence], Field(max_length=40)] = []
    requirements: Annotated[list[Sentence], Field(max_length=40)] = []
    nice_to_have: Annotated[list[Sentence], Field(max_length=40)] = []
    description: LongText = ""
    location: Location | None = None
    employment_type: ShortText = ""
    language: Language = "en"
    source_url: Annotated[_text(2000), _DocumentedPattern(HTTP_URL_PATTERN)] | None = None

    @field_validator("source_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value and not re.match(r"^https?://[^\s/$.?#][^\s]*$", value, re.IGNORECASE):
            raise ValueError("must be an http(s) URL")
        return value or None


class GapResponse(_Strict):
    question_id: _text(64) | None = None
    question: _text(1000, min_length=1)
    answer: _text(5000, min_length=1)


class VPRRequest(_Strict):
    application_id: Annotated[str, Field(pattern=APPLICATION_ID_PATTERN)]
    job_posting: JobPosting
    gap_responses: Annotated[list[GapResponse], Field(max_length=30)] = []
    force: StrictBool = False
    user_id: int | Annotated[str, StringConstraints(max_length=64)] | None = None

    def fingerprint_payload(self) -> dict:
        """What was asked, without the transport-level switches (`force`, `user_id`)."""
        return self.model_dump(mode="json", exclude={"force", "user_id"})


# --------------------------------------------------------------------------- result


class GeneratorInfo(BaseModel):
    name: str
    model: str | None = None


SourceId = Annotated[str, StringConstraints(pattern=SOURCE_ID_PATTERN)]
Citations = Annotated[list[SourceId], Field(max_length=12)]


class EvidenceRow(BaseModel):
    requirement: str
    evidence: str
    alignment: Alignment
    source: EvidenceSource
    impact: str
    # The posting line this row answers (e.g. post.req.4) and the items its evidence comes from.
    requirement_id: SourceId | None = None
    evidence_ids: Citations = []


class CitedText(BaseModel):
    """A sentence of the report and the catalogue items it rests on.

    Documents stored before citations (schema_version 1) hold plain strings here; they read as
    a sentence with no citations.
    """

    text: str
    evidence_ids: Citations = []

    @model_validator(mode="before")
    @classmethod
    def _from_plain_string(cls, value: Any) -> Any:
        return {"text": value} if isinstance(value, str) else value

    def __str__(self) -> str:
        return self.text


class GapStrategy(BaseModel):
    gap: str
    mitigation: str
    transferable_skills: list[str] = []
    gap_id: SourceId | None = None  # the posting line the gap is about
    evidence_ids: Citations = []  # the transferable evidence the mitigation rests on


class VPRDocument(BaseModel):
    """The Value Proposition Report as stored and served.

    `schema_version` 2 added citations: every evidence row, differentiator, gap strategy and
    talking point names the catalogue items (vpr_jobs/catalogue.py) it rests on.
    """

    schema_version: int = Field(default=1, ge=1, le=SCHEMA_VERSION)
    job_id: str
    application_id: str
    version: int = Field(ge=0)
    language: Language
    generated_at: datetime
    generator: GeneratorInfo
    candidate_name: str
    target_role: str
    target_company: str
    executive_summary: str
    fit_score: int = Field(ge=0, le=100)
    fit_rationale: str = ""  # one line: why this score (empty in version 1 documents)
    evidence_matrix: list[EvidenceRow]
    differentiators: Annotated[list[CitedText], Field(min_length=3, max_length=5)]
    gap_strategies: list[GapStrategy]
    talking_points: Annotated[list[CitedText], Field(min_length=5, max_length=7)]
    keywords: list[str]
    word_count: int = Field(ge=0)
    fvs: dict[str, Any] | None = None  # the Fact Verification System's verdict, when run

    def prose(self) -> list[str]:
        """Every human-readable text of the report, in reading order."""
        texts = [self.executive_summary]
        for row in self.evidence_matrix:
            texts += [row.requirement, row.evidence, row.impact]
        texts += [item.text for item in self.differentiators]
        for gap in self.gap_strategies:
            texts += [gap.gap, gap.mitigation, *gap.transferable_skills]
        texts += [item.text for item in self.talking_points]
        return texts

    def count_words(self) -> int:
        return sum(len(text.split()) for text in self.prose())
