"""The consent vocabulary of every language at once, folded for matching, and the judgements made
from words alone: which channel a header is about, whether a cell looks like a status.

Built once from the tables in consent_words.py; the detector (consent.py) reads only these.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping

from importer.read.consent_words import LANGUAGES, Language
from importer.read.names import normalize
from importer.records import KitState


def _fold(words: Iterable[str]) -> frozenset[str]:
    return frozenset(normalize(w) for w in words)


def _by_state(tables: Iterable[Mapping[KitState, tuple[str, ...]]]) -> dict[str, KitState]:
    """word -> state over every language; the first language to name a word decides."""
    out: dict[str, KitState] = {}
    for table in tables:
        for state, words in table.items():
            for word in words:
                out.setdefault(normalize(word), state)
    return out


def _all(languages: Iterable[Language], name: str) -> frozenset[str]:
    return _fold(w for lang in languages for w in getattr(lang, name))


# Status words -> Kit state (only `active` is consent; see consent_words.py).
WORDS: dict[str, KitState] = _by_state(lang.states for lang in LANGUAGES)
TRUE = _all(LANGUAGES, "yes")
FALSE = _all(LANGUAGES, "no")
WORD_HEADERS = _all(LANGUAGES, "word_headers")
EITHER_HEADERS = _all(LANGUAGES, "either_headers")
IN_WHEN_TRUE = _all(LANGUAGES, "in_headers")
OUT_WHEN_TRUE: dict[str, KitState] = _by_state(lang.out_headers for lang in LANGUAGES)
SET_WHEN_OUT: dict[str, KitState] = _by_state(lang.time_headers for lang in LANGUAGES)
OUT_PARTS: dict[str, KitState] = {normalize(p): s for lang in LANGUAGES for s, parts in lang.out_parts.items()
                                  for p in parts}
# Out parts that say only "do not": they speak of leaving only when what is not to be done follows, an email,
# a mailing or a contact (Do Not Email, DoNotContact, Do not allow Bulk Emails; Do Not Call is the phone's),
# never Do Not Modify, Dynamics' mark on its system columns ("(Do Not Modify) Modified On").
NEEDS_OBJECT: dict[str, re.Pattern[str]] = {
    "donot": re.compile(r"donot(?:allow|send|want)?(?:bulk)?"
                        r"(?:e?mails?|emailing|contact|call|phone|texts?|sms|fax|post)"),
}
IN_PARTS: tuple[str, ...] = tuple(dict.fromkeys(normalize(p) for lang in LANGUAGES for p in lang.in_parts))
# Headers speaking of consent strongly enough that a column of them holding words the tool cannot read
# stops the run (fail safe): every header above, and these parts ("member" or "marketing" alone are not).
CONSENT_PARTS = tuple(p for p in IN_PARTS if p not in ("member", "marketing", "permission", "emailable",
                                                       "contactable", "accepta", "accepte", "aceita", "accett"))
# Parts of cells that say a status, in any language: a column of such cells that no table reads looks
# like consent written in words the tool does not know (optin-1, opt-out-2).
STATUS_STEMS = tuple(sorted({w for w in WORDS if len(w) >= 5} | {"optin", "optout", "unsub", "subscri",
                                                                 "bounce", "consent"}))
# The English words an unknown-state rejection lists, one or two per Kit state (the README has them all).
ACCEPTED_WORDS = ("subscribed or active; unsubscribed or cancelled; cleaned or bounced; complained; "
                  "pending, transactional or inactive")

# Short email words are read as words, never inside one: "mail" (Voicemail), "e-post" (Werbepost, reklamepost).
_EMAIL = tuple(sorted(_all(LANGUAGES, "email") - {"mail", "epost", "eposta"}, key=len, reverse=True))
_CHANNELS: dict[str, str] = {normalize(w): name for lang in LANGUAGES for name, words in lang.channels.items()
                             for w in words}
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")


def tokens(header: str) -> list[str]:
    """A header's words, accents folded: "acceptsSmsMarketing" and "SMS_BLACKLISTED" both give "sms"."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", header) if not unicodedata.combining(c))
    return [t for t in re.split(r"[\W_]+", _CAMEL.sub(" ", plain).casefold()) if t]


def channel_of(header: str) -> str | None:
    """The channel other than email that a header is about (SMS, phone, WhatsApp, postal mail, push),
    or None: a header naming email (or no channel at all) is about email."""
    name = normalize(header).replace("voicemail", "")  # the one channel word holding "email"
    words = tokens(header)
    if any(word in name for word in _EMAIL) or _e_post(words) or ("mail" in words and not _phrase_channel(words)):
        return None
    if found := _phrase_channel(words):
        return found
    for token in words:
        for word, channel in _CHANNELS.items():
            if len(word) >= 3 and (token.startswith(word) or token.endswith(word)) and token not in _NOT_CHANNEL:
                return channel
    return None


def _e_post(tokens: list[str]) -> bool:
    """Whether a header says "e-post" (Nordic) or "e-posta" (Turkish) where a word starts: E-postsamtycke,
    E-posta İzni, Samtycke via e-post; Werbepost and reklamepost are postal mail."""
    return any(token.startswith("epost") or (token == "e" and after.startswith("post"))
               for token, after in zip(tokens, [*tokens[1:], ""]))


# Words that start or end like a channel's but are not about one.
_NOT_CHANNEL = frozenset(("status", "state", "context", "posted", "postcode", "recall", "newsletter", "letters"))


def _phrase_channel(tokens: list[str]) -> str | None:
    """A channel named by one word or a run of them ("direct mail", "text message")."""
    for size in (3, 2, 1):
        for i in range(len(tokens) - size + 1):
            if (found := _CHANNELS.get("".join(tokens[i:i + size]))) is not None:
                return found
    return None


def is_code(cell: str) -> bool:
    """A short number standing for something (0, 1, 4, -1): a status code the tool cannot read."""
    return bool(re.fullmatch(r"-?\d{1,3}", cell.strip()))


def status_like(cell: str) -> bool:
    """Whether a cell holds a status word, perhaps with a little more around it (optin-1, Abgemeldet
    (manuell)); a sentence (an error message, a note) or an email address is no status."""
    if len(cell) > 32 or len(cell.split()) > 3 or "@" in cell:  # an address holding "ativo" is no status
        return False
    name = normalize(cell)
    return name in WORDS or any(stem in name for stem in STATUS_STEMS)


def consent_header(header: str) -> bool:
    """Whether a header speaks of consent in a supported language (Status, Newsletter, Einwilligung...)."""
    name = normalize(header)
    return (name in WORD_HEADERS or name in EITHER_HEADERS or name in IN_WHEN_TRUE or name in OUT_WHEN_TRUE
            or name in SET_WHEN_OUT or any(part in name for part in CONSENT_PARTS)
            or out_part(name) is not None)


def out_part(name: str) -> KitState | None:
    """The opt-out a folded header speaks of by one of its parts (unsubscribed_at, DoNotEmail, Hard Bounce
    Date: cancelled, cancelled, bounced), or None; a bare "do not" needs its object (NEEDS_OBJECT)."""
    for part, state in OUT_PARTS.items():
        if part in name and ((pattern := NEEDS_OBJECT.get(part)) is None or pattern.search(name)):
            return state
    return None
