"""One subscription-status column: how it says the status (words, a true/false flag, a time) and how
one of its cells reads as a Kit state, in any supported language or in the user's own words
(--state-word)."""

from __future__ import annotations

import re
from functools import lru_cache
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from importer.read.consent_vocab import (ACCEPTED_WORDS, FALSE, IN_WHEN_TRUE, OUT_WHEN_TRUE, SET_WHEN_OUT, TRUE,
                                         WORD_HEADERS, WORDS, out_part, tokens)
from importer.read.consent_signs import HEADER_STATES, LEAVING_HOW
from importer.read.names import normalize
from importer.records import KitState

ACTIVE, CANCELLED, INACTIVE = KitState.ACTIVE, KitState.CANCELLED, KitState.INACTIVE
# Per-list opt-outs, such as HubSpot's "Opted out of email: Newsletter".
_OUT_PREFIXES = ("optedoutofemail", "unsubscribedfrom")
# Columns that look like a status but are not consent: Substack's paid-subscription flag,
# HubSpot's billing designation, a CRM's sales stage. Never detected (--state-column can still name one).
NOT_CONSENT = frozenset(("activesubscription", "marketingcontactstatus", "leadstatus", "subscriptiontype",
                         "paymentstatus", "orderstatus", "accountstatus"))
_TIME = re.compile(r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}")  # a date: 2024-01-31, 31/01/2024, 1.31.24
_EPOCH = re.compile(r"\d{9,10}|\d{12,13}")  # Unix seconds or milliseconds (CleverReach's activated)


class Kind(StrEnum):
    """How a status column says the status."""

    WORDS = "words"          # subscribed / unsubscribed / cleaned / abgemeldet / ...
    OUT_WHEN_TRUE = "true means out"    # email_disabled, Unsubscribed from all email
    IN_WHEN_TRUE = "true means in"      # Accepts Email Marketing
    SET_WHEN_OUT = "a time means out"   # UNSUB_TIME, CLEAN_TIME
    TICKED = "a tick box: ticked means in"  # a form's checkbox: one value ticked, blank not (Google Forms, Airtable)


class UnknownStatus(ValueError):
    """A cell of a status column that names no status kit-import knows (`column`: where, once known)."""

    def __init__(self, word: str, column: StatusColumn | None = None) -> None:
        super().__init__(f"unknown status {word!r}")
        self.word = word
        self.column = column

    @property
    def detail(self) -> str:
        """The failures CSV's reason detail: the column, the word, and the words accepted there."""
        where = f"{self.column.header}: " if self.column else ""
        kind = self.column.kind if self.column else Kind.WORDS
        accepted = ACCEPTED_WORDS if kind is Kind.WORDS else "true or false (yes/no, 1/0, ja/nein...), or a date"
        return f"{where}{self.word!r} is not a state kit-import knows; accepted: {accepted}"


@dataclass(frozen=True, slots=True)
class StatusColumn:
    """A column that says whether each row's person is subscribed, and how to read it.

    `meaning` is the state a set flag or time stands for (the state of a false cell for
    IN_WHEN_TRUE columns); word columns name their state in each cell. `own` holds the
    user's words (--state-word, folded), read before any table.
    """

    index: int
    header: str
    kind: Kind
    meaning: KitState = CANCELLED
    by_cells: bool = False  # found by its cells, not its header
    own: Mapping[str, KitState] = field(default_factory=dict, compare=False)
    ticked: str = ""  # a tick box's one value, folded ("checked", "yessendmethenewsletter")

    @property
    def role(self) -> str:
        """What the column plan says the column feeds, and why when its header alone did not say."""
        if self.kind is Kind.TICKED:
            return f"subscription status ({self.kind.value})"
        if not self.by_cells:
            return "subscription status"
        why = "status words" if self.kind is Kind.WORDS else f"true/false, {self.kind.value}"
        return f"subscription status (its cells are {why})"

    def read(self, cell: str) -> KitState | None:
        """The Kit state this cell says; None when blank (no status given); UnknownStatus otherwise."""
        text = cell.strip()
        if self.kind is Kind.TICKED:  # blank is a box left empty: no consent (inactive), never an opt-out
            return self._tick(text)
        if not text:
            return None
        if self.kind is Kind.SET_WHEN_OUT:  # a time, or 0/false/0000-00-00 for none (CleverReach, Sendy)
            return None if normalize(text) in FALSE or not text.strip("0-:. T") else self.meaning
        word = normalize(text) or text
        if self.own and word in self.own:
            return self.own[word]
        if self.kind is Kind.WORDS:
            if (mine := _header_states(self.header)) and word in mine:
                return mine[word]
            if word in WORDS:
                return WORDS[word]
            raise UnknownStatus(text)
        if word in TRUE or (word not in FALSE and (_TIME.search(text) or _EPOCH.fullmatch(text))):  # a time: set
            return self.meaning if self.kind is Kind.OUT_WHEN_TRUE else ACTIVE
        if word in FALSE:
            return ACTIVE if self.kind is Kind.OUT_WHEN_TRUE else self.meaning
        raise UnknownStatus(text)

    def _tick(self, text: str) -> KitState:
        """A tick box's cell: its one value (or a yes) is ticked, blank is not; anything else is unknown."""
        word = normalize(text) or text
        if not text:
            return self.meaning
        if self.own and word in self.own:
            return self.own[word]
        if word == self.ticked or word in TRUE:
            return ACTIVE
        raise UnknownStatus(text)

    def readable(self, cell: str) -> bool:
        """Whether the cell reads as a state (blank says nothing, and counts as readable)."""
        try:
            self.read(cell)
        except UnknownStatus:
            return False
        return True


@lru_cache(maxsize=256)
def _header_states(header: str) -> dict[str, KitState]:
    """The words that are states under this header only (Dynamics' Allow and Do Not Allow), folded."""
    return HEADER_STATES.get(normalize(header), {})


def column_kind(header: str) -> tuple[Kind, KitState] | None:
    """How a column headed `header` states the status, or None if its header alone does not say."""
    name = normalize(header)
    if name in NOT_CONSENT:
        return None
    if name in WORD_HEADERS or name in HEADER_STATES:
        return Kind.WORDS, ACTIVE
    if name in SET_WHEN_OUT:
        return Kind.SET_WHEN_OUT, SET_WHEN_OUT[name]
    if name in OUT_WHEN_TRUE:
        return Kind.OUT_WHEN_TRUE, OUT_WHEN_TRUE[name]
    if name.startswith(_OUT_PREFIXES):
        return Kind.OUT_WHEN_TRUE, CANCELLED
    if name in IN_WHEN_TRUE:
        return Kind.IN_WHEN_TRUE, INACTIVE
    if out_part(name) is CANCELLED and any(word in LEAVING_HOW for word in tokens(header)):
        return Kind.SET_WHEN_OUT, CANCELLED  # Opt-out source, Unsubscribe reason: filled says how they left
    return None
