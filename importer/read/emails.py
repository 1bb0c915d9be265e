"""Email cells -> normalised addresses, or the reason each one is refused, said plainly.

email-validator is the verdict; a plain ASCII local part only needs its domain checked, once
per distinct domain, because email-validator alone costs about 28 µs a row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email


@dataclass(frozen=True, slots=True)
class EmailCheck:
    """The result of checking one email cell: a normalized address, or why it was refused."""

    email: str | None
    reason: str = ""
    detail: str = ""


_ANGLE = re.compile(r"<([^<>]*)>\s*$")


# The shape of nearly every real address: an ASCII dot-atom local part. For those, only the
# domain needs email-validator's full rules, and a file has few distinct domains.
_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*\Z")
_SPACE = re.compile(r"\s")
_DOMAINS: dict[str, tuple[str | None, str]] = {}


def check_email(raw: str) -> EmailCheck:
    """Trim and normalise what can be fixed, validate the rest with email-validator.

    Fixed: surrounding whitespace, a `mailto:` prefix, `Name <a@b.com>`, Google Contacts'
    `a@x.com ::: b@y.com` (the first), a unicode domain (sent in its ASCII form).
    Deliverability (DNS) is not checked: that would be a network request per row and is Kit's
    job. The verdict is email-validator's; it is only reached faster for plain addresses.
    """
    text = raw.strip()
    if not text:
        return EmailCheck(None, "missing email")
    if "<" in text and (m := _ANGLE.search(text)):
        text = m.group(1).strip()
    if " ::: " in text:  # Google Contacts joins a contact's several addresses this way: take the first
        text = text.split(" ::: ", 1)[0].strip()
    if text[:7].casefold() == "mailto:":
        text = text[7:].split("?", 1)[0].strip()
    if len(text) > 320:
        return EmailCheck(None, "invalid email", "longer than 320 characters")
    if "@" not in text:
        return EmailCheck(None, "invalid email", f"{raw.strip()!r} is missing an @")
    if _SPACE.search(text):
        return EmailCheck(None, "invalid email", f"{raw.strip()!r} contains spaces")
    if text.count("@") > 1 and not text.startswith('"'):
        return EmailCheck(None, "invalid email", f"{raw.strip()!r} has more than one @")
    local, _, domain = text.rpartition("@")
    if len(local) <= 64 and _LOCAL.match(local):
        ascii_domain, error = _check_domain(domain)
        if ascii_domain is None:
            return EmailCheck(None, "invalid email", f"{raw.strip()!r}: {_plain_reason(error)}")
        if len(local) + 1 + len(ascii_domain) <= 254:
            return EmailCheck(f"{local}@{ascii_domain}")
    return validated(text, raw)


def validated(text: str, raw: str) -> EmailCheck:
    """email-validator's full verdict on `text` (`raw` is what the user wrote, for the reason)."""
    try:
        result = validate_email(text, check_deliverability=False)
    except EmailNotValidError as e:
        return EmailCheck(None, "invalid email", f"{raw.strip()!r}: {_plain_reason(str(e))}")
    local, _, _ = result.normalized.rpartition("@")
    return EmailCheck(f"{local}@{result.ascii_domain}")


def _check_domain(domain: str) -> tuple[str | None, str]:
    """A domain's ASCII form, or email-validator's reason to refuse it; remembered per domain."""
    known = _DOMAINS.get(domain)
    if known is None:
        try:
            known = (validate_email("a@" + domain, check_deliverability=False).ascii_domain, "")
        except EmailNotValidError as e:
            known = (None, str(e))
        if len(_DOMAINS) >= 100_000:
            _DOMAINS.clear()
        _DOMAINS[domain] = known
    return known


# email-validator's wording for the commonest mistakes, said the way a person would say it.
_PLAIN_REASONS = {
    "It should have a period": "the domain has no dot",
    "two periods in a row": "it has two dots in a row",
    "special-use or reserved name": "the domain is a reserved name that cannot receive email",
    "There must be something before the @-sign": "nothing before the @",
    "There must be something after the @-sign": "nothing after the @",
    "cannot end with a period": "it ends with a dot",
    "cannot start with a period": "it starts with a dot",
}


def _plain_reason(message: str) -> str:
    return next((plain for fragment, plain in _PLAIN_REASONS.items() if fragment in message), message)
