"""Consent: find an export's subscription-status column and read each cell as one of Kit's states.

An export that holds unsubscribed, cleaned or bounced people must never turn them into
active subscribers. The detector finds the column (a word column such as Mailchimp's or
Kit's `Status`/`state`, a true/false column such as Substack's `email_disabled`, or a
timestamp column such as Mailchimp's `UNSUB_TIME` whose non-blank cell is the status) by its
header, or by its cells when no header rule takes it (a `Subscribed` column of subscribed and
unsubscribed); the classifier reads one cell as a Kit state; `ConsentGuard` gives each row of
a run its state (people who left are created in Kit as cancelled, bounced...), or leaves them out.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from importer.errors import ConfigError
from importer.read.emails import check_email
from importer.read.columns import METADATA_HEADERS, find_column
from importer.read.names import normalize
from importer.settings.origins import Origins
from importer.read.times import parse_time
from importer.records import KitState, Row

ACTIVE, CANCELLED, BOUNCED = KitState.ACTIVE, KitState.CANCELLED, KitState.BOUNCED
COMPLAINED, INACTIVE = KitState.COMPLAINED, KitState.INACTIVE

# The words exports use for a subscriber's standing, normalised (see names.normalize: no case,
# spaces or punctuation), and the Kit state each means. Only `active` is consent: pending
# (double opt-in not confirmed yet), transactional and non-subscribed people never agreed to
# marketing email, so they read as Kit's `inactive` and never as `active`.
WORDS: dict[str, KitState] = {
    **dict.fromkeys(("subscribed", "active", "confirmed", "optedin", "optin", "resubscribed"), ACTIVE),
    **dict.fromkeys(("unsubscribed", "unsubscribe", "unsub", "cancelled", "canceled", "optedout", "optout",
                     "removed", "donotemail", "globallyunsubscribed", "suppressed"), CANCELLED),
    **dict.fromkeys(("cleaned", "bounced", "bounce", "hardbounce", "hardbounced", "softbounced", "undeliverable",
                     "invalid", "blocked"), BOUNCED),
    **dict.fromkeys(("complained", "complaint", "spam", "spamcomplaint", "markedasspam", "reportedspam",
                     "abuse"), COMPLAINED),
    **dict.fromkeys(("inactive", "pending", "unconfirmed", "awaitingconfirmation", "transactional",
                     "nonsubscribed", "notsubscribed", "neversubscribed", "archived", "disabled"), INACTIVE),
}
# The words an unknown-state rejection lists, one or two per Kit state (the README has them all).
ACCEPTED_WORDS = ("subscribed or active; unsubscribed or cancelled; cleaned or bounced; complained; "
                  "pending, transactional or inactive")
TRUE = frozenset(("true", "yes", "y", "t", "1", "x"))
FALSE = frozenset(("false", "no", "n", "f", "0"))

# Headers (normalised) of columns holding a status word.
WORD_HEADERS = frozenset((
    "status", "state", "memberstatus", "subscriptionstatus", "subscriberstatus", "subscriberstate",
    "subscriptionstate", "emailstatus", "emailmarketing", "emailmarketingstatus", "emailsubscriptionstatus",
    "contactstatus", "liststatus", "marketingstatus", "newsletterstatus", "optinstatus", "consentstatus",
))
# Headers of true/false columns whose "true" means the person is out, and the state it means.
OUT_WHEN_TRUE: dict[str, KitState] = {
    **dict.fromkeys(("unsubscribed", "unsubscribedfromallemail", "unsubscribedfromemail", "isunsubscribed",
                     "emailunsubscribed", "globalunsubscribe", "emaildisabled", "emailoptout", "optedout",
                     "optout", "optedoutofallemail", "hasoptedoutofemail", "donotemail", "donotcontact",
                     "donotmail", "suppressed"), CANCELLED),
    **dict.fromkeys(("bounced", "emailbounced", "hardbounced", "emailhardbounced"), BOUNCED),
    **dict.fromkeys(("complained", "markedasspam", "spamcomplaint"), COMPLAINED),
}
# Headers of true/false columns whose "false" means the person never agreed (Shopify's
# "Accepts Email Marketing", a sign-up form's opt-in box).
IN_WHEN_TRUE = frozenset((
    "subscribed", "issubscribed", "emailsubscribed", "acceptsemailmarketing", "acceptsmarketing", "emailoptin",
    "optedin", "optin", "marketingoptin", "newsletteroptin", "emailconsent", "marketingconsent",
    "subscribedtonewsletter",
))
# Headers of columns whose non-blank cell (a time) says the person left, and how.
SET_WHEN_OUT: dict[str, KitState] = {
    **dict.fromkeys(("unsubtime", "unsubscribedat", "unsubscribetime", "unsubscribedate", "unsubscribedon",
                     "unsubscribedtime", "optouttime", "optoutdate", "optedoutat"), CANCELLED),
    **dict.fromkeys(("cleantime", "cleanedat", "bouncedat", "bouncetime", "bouncedate"), BOUNCED),
    **dict.fromkeys(("complainedat", "complainttime", "spamcomplaintat"), COMPLAINED),
}
# Per-list opt-outs, such as HubSpot's "Opted out of email: Newsletter".
_OUT_PREFIXES = ("optedoutofemail", "unsubscribedfrom")
# Columns that look like a status but are not consent: Substack's paid-subscription flag,
# HubSpot's billing designation, a CRM's sales stage. Never detected (--status-column can still name one).
NOT_CONSENT = frozenset(("activesubscription", "marketingcontactstatus", "leadstatus", "subscriptiontype",
                         "paymentstatus", "orderstatus", "accountstatus"))
# A column no header rule knows is a status column by its cells: (nearly) all of them status
# words, or true/false under a header with one of these parts (the state "true" means), and
# at least one cell saying the person is not subscribed.
OUT_PARTS: dict[str, KitState] = {
    **dict.fromkeys(("unsub", "optout", "optedout", "donot", "suppress", "blocklist", "blacklist"), CANCELLED),
    **dict.fromkeys(("bounce", "undeliverable"), BOUNCED),
    **dict.fromkeys(("complain", "spam"), COMPLAINED),
}
IN_PARTS = ("subscri", "consent", "newsletter", "optin", "optedin", "member", "marketing", "mailinglist",
            "permission", "emailable", "contactable")
# Header parts of a business's own statuses (an order's, a plan's, an account's): their words
# (active, cancelled, confirmed) are not consent, so such columns are never taken by their cells.
BUSINESS_PARTS = ("order", "payment", "billing", "invoice", "plan", "lead", "deal", "account", "booking",
                  "ticket", "shipping", "delivery", "trial", "paid", "premium", "product", "source", "customer")
UNKNOWN_SHARE = 50  # at most one cell in this many sampled may be no status word
_MAX_DISTINCT = 64  # a status column holds few distinct words; one with more is no status column
_TIME = re.compile(r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}")  # a date: 2024-01-31, 31/01/2024, 1.31.24
SAMPLE_ROWS = 1000


class Kind(StrEnum):
    """How a status column says the status."""

    WORDS = "words"          # subscribed / unsubscribed / cleaned / ...
    OUT_WHEN_TRUE = "true means out"    # email_disabled, Unsubscribed from all email
    IN_WHEN_TRUE = "true means in"      # Accepts Email Marketing
    SET_WHEN_OUT = "a time means out"   # UNSUB_TIME, CLEAN_TIME


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
        accepted = ACCEPTED_WORDS if kind is Kind.WORDS else "true or false (yes/no, 1/0), or a date"
        return f"{where}{self.word!r} is not a state kit-import knows; accepted: {accepted}"


@dataclass(frozen=True, slots=True)
class StatusColumn:
    """A column that says whether each row's person is subscribed, and how to read it.

    `meaning` is the state a set flag or time stands for (the state of a false cell for
    IN_WHEN_TRUE columns); word columns name their state in each cell.
    """

    index: int
    header: str
    kind: Kind
    meaning: KitState = CANCELLED
    by_cells: bool = False  # found by its cells, not its header

    @property
    def role(self) -> str:
        """What the column plan says the column feeds, and why when its header alone did not say."""
        if not self.by_cells:
            return "subscription status"
        why = "status words" if self.kind is Kind.WORDS else f"true/false, {self.kind.value}"
        return f"subscription status (its cells are {why})"

    def read(self, cell: str) -> KitState | None:
        """The Kit state this cell says; None when blank (no status given); UnknownStatus otherwise."""
        text = cell.strip()
        if not text:
            return None
        if self.kind is Kind.SET_WHEN_OUT:
            return self.meaning
        word = normalize(text)
        if self.kind is Kind.WORDS:
            if word in WORDS:
                return WORDS[word]
            raise UnknownStatus(text)
        if word in TRUE or (word not in FALSE and _TIME.search(text)):  # a date in a flag column: set
            return self.meaning if self.kind is Kind.OUT_WHEN_TRUE else ACTIVE
        if word in FALSE:
            return ACTIVE if self.kind is Kind.OUT_WHEN_TRUE else self.meaning
        raise UnknownStatus(text)


def column_kind(header: str) -> tuple[Kind, KitState] | None:
    """How a column headed `header` states the status, or None if it is not a status column."""
    name = normalize(header)
    if name in NOT_CONSENT:
        return None
    if name in WORD_HEADERS:
        return Kind.WORDS, ACTIVE
    if name in SET_WHEN_OUT:
        return Kind.SET_WHEN_OUT, SET_WHEN_OUT[name]
    if name in OUT_WHEN_TRUE:
        return Kind.OUT_WHEN_TRUE, OUT_WHEN_TRUE[name]
    if name.startswith(_OUT_PREFIXES):
        return Kind.OUT_WHEN_TRUE, CANCELLED
    if name in IN_WHEN_TRUE:
        return Kind.IN_WHEN_TRUE, INACTIVE
    return None


def find_status_columns(headers: Sequence[str], rows: Iterable[Sequence[str]], *,
                        exclude: Iterable[int] = (), claimed: Iterable[int | None] = ()) -> list[StatusColumn]:
    """The status columns among `headers`, checked against some of their values (`rows`).

    A column qualifies by its header, and then by its values: a word column needs at least
    one cell that is a status word (a "Status" holding "Customer" and "Lead" is a CRM's, not
    consent); a flag column needs its cells to read as true/false or dates. A column whose
    sampled cells are all blank qualifies on its header alone. A column no header rule takes
    (an unknown header, or a `Subscribed` of words where true/false was expected), and not
    `claimed` by another part of the run (first name, tags, a mapped field), qualifies by its
    cells alone (see `_by_cells`). `exclude` columns (the email) are never status columns.
    """
    skip = set(exclude)
    candidates = [StatusColumn(i, h, *kind) for i, h in enumerate(headers)
                  if i not in skip and (kind := column_kind(h)) is not None]
    taken = skip | set(claimed)
    others: dict[int, Counter] = {i: Counter() for i, h in enumerate(headers)
                                  if i not in taken and _may_hold_status(h)}
    if not candidates and not others:
        return []
    seen: dict[int, Counter] = {c.index: Counter() for c in candidates}
    for cells in rows:
        for column in candidates:
            cell = cells[column.index] if column.index < len(cells) else ""
            try:
                seen[column.index][column.read(cell) is not None] += 1
            except UnknownStatus:
                seen[column.index]["unknown"] += 1
        for index, said in list(others.items()):
            if index < len(cells) and (cell := cells[index].strip()):
                said[cell] += 1
                if len(said) > _MAX_DISTINCT:
                    del others[index]
    found = [c for c in candidates if seen[c.index][True] or not seen[c.index]["unknown"]]
    by_header = {c.index for c in found}
    found += [c for i, said in others.items()
              if i not in by_header and (c := _by_cells(i, headers[i], said)) is not None]
    return sorted(found, key=lambda c: c.index)


def _may_hold_status(header: str) -> bool:
    """Whether a column may be a status column by its cells: not a business's status, nor an exporter's
    own record keeping (Mailchimp's MEMBER_RATING of 1 to 5 is no true/false)."""
    name = normalize(header)
    return (name not in NOT_CONSENT and name not in METADATA_HEADERS
            and not any(part in name for part in BUSINESS_PARTS))


def _by_cells(index: int, header: str, said: Counter, *, needs_out: bool = True) -> StatusColumn | None:
    """The status column its sampled cells (`said`: cell -> rows) make of a column, or None.

    Its non-blank cells must be (nearly) all status words, or true/false under a header that
    speaks of subscribing, consent or opting out, and (`needs_out`) at least one of them must
    say the person is not subscribed: a column of only "active" says nothing a default would not.
    """
    total = sum(said.values())
    if not total:
        return None
    for kind, meaning in _kinds_by_header(header):
        column = StatusColumn(index, header, kind, meaning, by_cells=True)
        states: Counter = Counter()
        for cell, n in said.items():
            states[_read_plainly(column, cell)] += n
        if states["unknown"] * UNKNOWN_SHARE <= total and (
                not needs_out or any(s not in ("unknown", ACTIVE) for s in states)):
            return column
    return None


def _kinds_by_header(header: str) -> list[tuple[Kind, KitState]]:
    """How a column under this header may state a status: words always, true/false if the header speaks of consent."""
    name = normalize(header)
    kinds = [(Kind.WORDS, ACTIVE)]
    if out := next((state for part, state in OUT_PARTS.items() if part in name), None):
        kinds.append((Kind.OUT_WHEN_TRUE, out))
    elif any(part in name for part in IN_PARTS):
        kinds.append((Kind.IN_WHEN_TRUE, INACTIVE))
    return kinds


def _read_plainly(column: StatusColumn, cell: str) -> KitState | str:
    """A cell as the column reads it, or "unknown"; a date is no true/false when judging a column by its cells."""
    if column.kind is not Kind.WORDS and normalize(cell) not in TRUE | FALSE:
        return "unknown"
    try:
        return column.read(cell) or "unknown"
    except UnknownStatus:
        return "unknown"


def named_status_column(headers: Sequence[str], wanted: str, option: str = "state_column",
                        rows: Iterable[Sequence[str]] = ()) -> StatusColumn:
    """The column the state_column setting (or its earlier name, status_column) names, read by its header's
    kind, else as its sampled cells (`rows`) read best (a `Newsletter` of yes and no), else as status words."""
    index = find_column(headers, wanted, option)
    if kind := column_kind(headers[index]):
        return StatusColumn(index, headers[index], *kind)
    said = Counter(cell for cells in rows if index < len(cells) and (cell := cells[index].strip()))
    by_cells = _by_cells(index, headers[index], said, needs_out=False)
    return by_cells or StatusColumn(index, headers[index], Kind.WORDS, ACTIVE)


def sample(rows: Iterable[Row], size: int = SAMPLE_ROWS) -> Iterator[tuple[str, ...]]:
    """The cells of the first `size` sound rows (a ragged row's cells may be shifted)."""
    taken = 0
    for row in rows:
        if taken >= size:
            return
        if not row.problem:
            taken += 1
            yield row.cells


@dataclass
class ConsentGuard:
    """Reads each row's state from the status columns, tallies who is not subscribed and, when
    asked, leaves them out.

    A row's state is the first state its columns give that is not `active`, else `active`,
    else None (the file says nothing): nobody becomes active unless every column agrees. A
    word no column knows raises UnknownStatus (the mapper rejects that row). With `skip`, the
    rows not subscribed are dropped before mapping (never rejected) and their emails
    remembered, so that another row of the same person cannot bring them in.
    """

    columns: list[StatusColumn]
    email: int
    skip: bool = False
    origins: Origins = field(default_factory=Origins, repr=False)  # for the words of the verdict
    not_subscribed: Counter = field(default_factory=Counter)  # (header, what the cell said) -> rows
    said: dict[KitState, Counter] = field(default_factory=dict)  # state -> what the cells said -> rows
    skipped_rows: int = 0
    left_out: set[str] = field(default_factory=set)           # casefolded emails of skipped rows
    times: tuple[int, ...] = ()  # columns giving when a person opted out (UNSUB_TIME, CLEAN_TIME...)
    _memo: dict[tuple[int, str], KitState | UnknownStatus | None] = field(default_factory=dict, repr=False)

    def screen(self, rows: Iterable[Row]) -> Iterator[Row]:
        """Pass the rows on; with `skip`, drop the ones not subscribed (a row with an unknown word
        goes on, for the mapper to reject with its reason)."""
        for row in rows:
            if not self.skip or row.problem:
                yield row
                continue
            try:
                out = self.state(row.cells) not in (None, ACTIVE)
            except UnknownStatus:
                out = False
            if not out:
                yield row
                continue
            self.skipped_rows += 1
            cell = row.cells[self.email] if self.email < len(row.cells) else ""
            if (email := check_email(cell).email) is not None:
                self.left_out.add(email.casefold())

    def state(self, cells: Sequence[str]) -> KitState | None:
        """This row's state, tallied once by the first column saying it is not active;
        UnknownStatus (naming its column) for a cell no column can read."""
        found = None
        for column in self.columns:
            cell = cells[column.index] if column.index < len(cells) else ""
            key = (column.index, cell)
            state = self._memo[key] if key in self._memo else self._read(column, cell)
            if isinstance(state, UnknownStatus):
                raise UnknownStatus(state.word, column)
            if state is not None and state is not ACTIVE:
                self.not_subscribed[(column.header, _said(column, cell))] += 1
                word = cell.strip().casefold() if column.kind is Kind.WORDS else \
                    f"{column.header} set" if column.kind is Kind.SET_WHEN_OUT else f"{column.header} {cell.strip()}"
                self.said.setdefault(state, Counter())[word] += 1
                return state
            found = found or state
        return found

    def opted_out_at(self, cells: Sequence[str]) -> dt.datetime | None:
        """When the row's person opted out, if a time column says (the latest, should several)."""
        found = [when for i in self.times if i < len(cells) and (when := parse_time(cells[i])) is not None]
        return max(found) if found else None

    def _read(self, column: StatusColumn, cell: str) -> KitState | UnknownStatus | None:
        """Read a cell, remembering the answer: a status column holds few distinct words (times excepted)."""
        try:
            state: KitState | UnknownStatus | None = column.read(cell)
        except UnknownStatus as e:
            state = e
        if column.kind is not Kind.SET_WHEN_OUT and len(self._memo) < 10_000:
            self._memo[(column.index, cell)] = state
        return state

    def tally(self) -> str:
        """What the status columns said, e.g. "'Status': unsubscribed 2, cleaned 1"."""
        parts = []
        for header in dict.fromkeys(h for h, _ in self.not_subscribed):
            said = [f"{what} {n:,}" for (h, what), n in self.not_subscribed.most_common() if h == header]
            parts.append(f"{header!r}: {', '.join(said)}")
        return "; ".join(parts)

    def words(self, state: KitState) -> str:
        """What the file said for the rows of this state, most common first: "unsubscribed, opted out"."""
        return ", ".join(word for word, _ in self.said.get(state, Counter()).most_common())


def _said(column: StatusColumn, cell: str) -> str:
    """What a cell said, for the summary: the word, or the flag or time column that was set."""
    if column.kind is Kind.SET_WHEN_OUT:
        return "has a time"
    return cell.strip().casefold()


def plan_guard(headers: Sequence[str], rows: Callable[[], Iterable[Row]], email: int, *,
               status_column: str | None = None, ignore: bool = False, skip: bool = False,
               origins: Origins = Origins(), claimed: Iterable[int | None] = (),
               setting: str = "state_column") -> ConsentGuard | None:
    """The guard for a file, or None when it has no status column (or the user said to ignore it).

    `status_column` is the value of the setting named `setting` (state_column, or its earlier
    name status_column), which errors name as the user gave it. `claimed` columns feed
    something else (first name, tags, mapped fields): never taken by their cells.
    """
    if ignore:
        return None
    if status_column:
        named = origins.named(setting)
        columns = [named_status_column(headers, status_column, named, sample(rows()))]
        if columns[0].index == email:
            raise ConfigError(f"{named} names the email column.", "Name the column holding the status.")
    else:
        columns = find_status_columns(headers, sample(rows()), exclude={email}, claimed=claimed)
    times = tuple(i for i, h in enumerate(headers) if i != email and (kind := column_kind(h)) is not None
                  and kind[0] is Kind.SET_WHEN_OUT)
    return ConsentGuard(columns, email, skip=skip, origins=origins, times=times) if columns else None
