"""Which characters no text input may contain: one rule for bodies, paths, queries, headers.

Refused, with the reason named:
- control characters (Unicode category Cc: U+0000-U+001F, DEL, U+0080-U+009F such as
  U+0085), except tab, line feed and carriage return in free text. NUL cannot even be stored
  in PostgreSQL text or JSON (psycopg raises, which was a 500);
- bidirectional formatting characters (U+061C, U+200E/F, U+202A-U+202E, U+2066-U+2069): they
  reorder what a reader sees (U+202E "right-to-left override" disguises text) and carry no
  content; Hebrew and Arabic letters are of course fine;
- surrogates (category Cs; lone ones arrive through JSON "\\ud800" escapes and cannot be
  encoded as UTF-8, another 500);
- noncharacters (U+FDD0-U+FDEF and the last two code points of every plane, e.g. U+FFFF).
Other format characters (zero-width joiner in emoji, soft hyphen) are content and stay.
"""

from __future__ import annotations

import re

_WHITESPACE_CONTROLS = "\t\n\r"

_PLANE_ENDS = "".join(
    f"{chr(plane << 16 | 0xFFFE)}-{chr(plane << 16 | 0xFFFF)}" for plane in range(17)
)
_KINDS: list[tuple[str, str]] = [
    ("control character", "\x00-\x1f\x7f-\x9f"),
    ("bidirectional control character", "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"),
    ("surrogate", "\ud800-\udfff"),
    ("noncharacter", "\ufdd0-\ufdef" + _PLANE_ENDS),
]
_FORBIDDEN = re.compile("[" + "".join(chars for _, chars in _KINDS) + "]")
_KIND_OF = [(re.compile(f"[{chars}]"), kind) for kind, chars in _KINDS]


def unprintable_reason(value: str, *, allow_whitespace: bool = True) -> str | None:
    """Why `value` may not be accepted as text, or None when it may.

    `allow_whitespace`: tab, line feed and carriage return are fine in free text (and in
    query values, where a search may carry them), never in a URL path.
    """
    for match in _FORBIDDEN.finditer(value):
        char = match.group()
        if allow_whitespace and char in _WHITESPACE_CONTROLS:
            continue
        kind = next(kind for pattern, kind in _KIND_OF if pattern.match(char))
        return f"must not contain a {kind} (U+{ord(char):04X} at position {match.start()})"
    return None


def _escaped(ranges: str) -> str:
    """A character-class body with every code point as a regex escape: the pattern stays
    ASCII, so it survives JSON and UTF-8 (a lone surrogate cannot be encoded)."""
    return "".join(
        "-"
        if char == "-"
        else (f"\\u{ord(char):04x}" if ord(char) <= 0xFFFF else f"\\U{ord(char):08x}")
        for char in ranges
    )


# The same rule for a schema reader (OpenAPI `pattern`s): what no text may hold, with and
# without the whitespace controls free text keeps.
# Surrogates are left out: a regex over Unicode scalar values (Rust's, which schema tools
# use) cannot name them. The server still refuses one (a JSON "\\ud800" escape can carry it).
FORBIDDEN_IN_TEXT = _escaped(
    "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
    + "".join(chars for kind, chars in _KINDS[1:] if kind != "surrogate")
)
FORBIDDEN_IN_TOKENS = FORBIDDEN_IN_TEXT + _escaped(_WHITESPACE_CONTROLS)
TEXT_PATTERN = f"^[^{FORBIDDEN_IN_TEXT}]*$"  # free text, query values
TOKEN_PATTERN = f"^[^{FORBIDDEN_IN_TOKENS}]*$"  # path segments, header values
