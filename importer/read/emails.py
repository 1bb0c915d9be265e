"""Email cells -> normalised addresses, or the reason each one is refused, said plainly.

email-validator is the verdict; a plain ASCII local part only needs its domain checked, once
per distinct domain, because email-validator alone costs about 28 µs a row.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import NamedTuple

from email_validator import EmailNotValidError, validate_email

from importer.read.typos import suggested_domain


class EmailCheck(NamedTuple):
    """The result of checking one email cell: a normalized address, or why it was refused.

    A named tuple, not a frozen dataclass: it is made once per row, and a tuple is made fastest.
    """

    email: str | None
    reason: str = ""
    detail: str = ""
    typo: str = ""  # the provider's domain the address's domain is likely a typo of (imported as written)


_ANGLE = re.compile(r"<([^<>]*)>\s*$")


# The shape of nearly every real address: an ASCII dot-atom local part. For those, only the
# domain needs email-validator's full rules, and a file has few distinct domains.
_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*\Z")
# Characters that do not show: zero-width ones, the soft hyphen, direction marks and isolates, the
# byte order mark. Pasted from web pages and spreadsheets, they are trimmed from either end of a
# cell with the whitespace (no-break spaces included); inside an address they refuse it.
INVISIBLE = "\u00ad\u034f\u061c\u180e\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e" \
            "\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\ufeff"
WHITESPACE = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006" \
             "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"  # what str.strip() trims
_TRIM = WHITESPACE + INVISIBLE
_SPACE = re.compile(f"[\\s{INVISIBLE}]")
_DOMAINS: dict[str, tuple[str | None, str, str]] = {}


def check_email(raw: str) -> EmailCheck:
    """Trim and normalise what can be fixed, validate the rest with email-validator.

    Fixed: surrounding whitespace and invisible characters (`INVISIBLE`), a `mailto:` prefix,
    `Name <a@b.com>`, Google Contacts' `a@x.com ::: b@y.com` (the first), a unicode domain
    (sent in its ASCII form).
    Deliverability (DNS) is not checked: that would be a network request per row and is Kit's
    job. The verdict is email-validator's; it is only reached faster for plain addresses. A
    domain that is a likely typo of a big provider's is kept, and named in `typo`.
    """
    text = raw.strip()
    if not text.isascii():  # O(1): only a cell with a non-ASCII character can hold an invisible one
        text = text.strip(_TRIM)
    if not text:
        return EmailCheck(None, "missing email")
    if "<" in text and (m := _ANGLE.search(text)):
        text = m.group(1).strip(_TRIM)
    if " ::: " in text:  # Google Contacts joins a contact's several addresses this way: take the first
        text = text.split(" ::: ", 1)[0].strip(_TRIM)
    if text[:7].casefold() == "mailto:":
        text = text[7:].split("?", 1)[0].strip(_TRIM)
    if len(text) > 320:
        return EmailCheck(None, "invalid email", "longer than 320 characters")
    if "@" not in text:
        return EmailCheck(None, "invalid email", f"{raw.strip(_TRIM)!r} is missing an @")
    if space := _SPACE.search(text):
        return EmailCheck(None, "invalid email", f"{raw.strip(_TRIM)!r} {_unseen(space.group())}")
    if text.count("@") > 1 and not text.startswith('"'):
        return EmailCheck(None, "invalid email", f"{raw.strip(_TRIM)!r} has more than one @")
    local, _, domain = text.rpartition("@")
    if len(local) <= 64 and _LOCAL.match(local):
        ascii_domain, error, typo = _check_domain(domain)
        if ascii_domain is None:
            return EmailCheck(None, "invalid email", f"{raw.strip(_TRIM)!r}: {_plain_reason(error)}")
        if len(local) + 1 + len(ascii_domain) <= 254:
            return EmailCheck(f"{local}@{ascii_domain}", "", "", typo)
    return validated(text, raw)


def second_email(cell: str) -> EmailCheck:
    """The first good address in a second email column's cell: HubSpot lists several, `;`-separated."""
    check = check_email(cell)
    if check.email is None and (";" in cell or "," in cell):
        return next((c for c in map(check_email, _LIST.split(cell)) if c.email is not None), check)
    return check


_LIST = re.compile(r"[;,]")


@dataclass
class EmailNotes:
    """Addresses imported with a word for the user: from a second email column, or with a likely typo.

    Counted in full; the first `LISTED` of each kind are kept (row, address, and why or the
    domain meant) for the report, so that a file of typos cannot fill the memory.
    """

    seconds: list[tuple[int, str, str]] = field(default_factory=list)
    typos: list[tuple[int, str, str]] = field(default_factory=list)
    second_count: int = 0
    typo_count: int = 0
    LISTED = 10_000

    def second(self, row: int, email: str, why: str) -> None:
        self.second_count += 1
        if len(self.seconds) < self.LISTED:
            self.seconds.append((row, email, why))

    def typo(self, row: int, email: str, suggested: str) -> None:
        self.typo_count += 1
        if len(self.typos) < self.LISTED:
            self.typos.append((row, email, suggested))


def validated(text: str, raw: str) -> EmailCheck:
    """email-validator's full verdict on `text` (`raw` is what the user wrote, for the reason)."""
    try:
        result = validate_email(text, check_deliverability=False)
    except EmailNotValidError as e:
        return EmailCheck(None, "invalid email", f"{raw.strip(_TRIM)!r}: {_plain_reason(str(e))}")
    local, _, _ = result.normalized.rpartition("@")
    return EmailCheck(f"{local}@{result.ascii_domain}", "", "", suggested_domain(result.ascii_domain))


def _check_domain(domain: str) -> tuple[str | None, str, str]:
    """A domain's ASCII form, or email-validator's reason to refuse it, and the provider's domain it
    is likely a typo of; remembered per domain."""
    known = _DOMAINS.get(domain)
    if known is None:
        try:
            ascii_domain = validate_email("a@" + domain, check_deliverability=False).ascii_domain
            known = (ascii_domain, "", suggested_domain(ascii_domain))
        except EmailNotValidError as e:
            known = (None, str(e), "")
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


def _unseen(char: str) -> str:
    """What an address holds that it must not: `contains spaces`, or the invisible character, named."""
    if char.isspace() and char not in INVISIBLE:
        return "contains spaces"
    name = unicodedata.name(char, "").lower() or "an invisible character"
    return f"contains an invisible character inside it (U+{ord(char):04X} {name}): retype the address"


def _plain_reason(message: str) -> str:
    return next((plain for fragment, plain in _PLAIN_REASONS.items() if fragment in message), message)
