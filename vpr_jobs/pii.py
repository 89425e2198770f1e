"""Personal data: what the admin masks and what the model is never sent, in one place.

A CV's contact block (e-mail, phone, LinkedIn, home town) is personal and never needed for a
report: the Claude prompt leaves it out (`cv_for_model`), and staff pages show it masked
(`mask_personal_data`), enough for support to recognise a person, not to contact them.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from vpr_jobs.schemas import CV

# The parts of a CV the model is not sent.
CV_FIELDS_NOT_SENT_TO_MODEL = frozenset({"contact"})


def cv_for_model(cv: CV) -> dict[str, Any]:
    """The CV as the prompt's JSON, without its contact details."""
    return cv.model_dump(mode="json", exclude=set(CV_FIELDS_NOT_SENT_TO_MODEL))


def mask_text(value: str) -> str:
    return f"{value[:1]}***" if value else value


def mask_email(value: str) -> str:
    """`noa.bar@example.com` → `n***@example.com`: the domain helps support, the name not."""
    local, at, domain = value.partition("@")
    return f"{local[:1]}***@{domain}" if at else mask_text(value)


def mask_phone(value: str) -> str:
    """`+972-50-000-0000` → `+972-5*-***-**00`: country/operator prefix and last two digits."""
    digits = sum(ch.isdigit() for ch in value)
    head = 4 if digits >= 10 else min(2, digits // 3)
    tail = 2 if digits >= 6 else 0
    seen, out = 0, []
    for ch in value:
        if ch.isdigit():
            seen += 1
            out.append(ch if seen <= head or seen > digits - tail else "*")
        else:
            out.append(ch)
    return "".join(out)


def mask_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme and parts.netloc:
        return f"{parts.scheme}://{parts.netloc}/***"
    return mask_text(value)


def mask_contact_value(key: str, value: Any) -> Any:
    if value is None or value == "":
        return value
    if not isinstance(value, str):
        return "***"
    if key == "email" or "@" in value:
        return mask_email(value)
    if key == "phone":
        return mask_phone(value)
    if value.startswith(("http://", "https://")):
        return mask_url(value)
    return mask_text(value)


def mask_personal_data(data: Any) -> Any:
    """A copy of `data` with every `contact` value, and any `email`/`phone`, masked."""
    if isinstance(data, list):
        return [mask_personal_data(item) for item in data]
    if not isinstance(data, dict):
        return data
    masked: dict[str, Any] = {}
    for key, value in data.items():
        if key == "contact" and isinstance(value, dict):
            masked[key] = {k: mask_contact_value(k, v) for k, v in value.items()}
        elif key in {"email", "phone"}:
            masked[key] = mask_contact_value(key, value)
        else:
            masked[key] = mask_personal_data(value)
    return masked
