"""Finding an export's consent columns: by header or by cells, per channel, and failing safe.

A column about another channel (SMS, phone, WhatsApp, post, push) is never email consent; a
column plainly not consent (Gold/Silver, Customer/Lead) is set aside with its reason; a column
that looks like consent (its header, or cells that look like status words) but holds words no
table reads is `unreadable`: the run stops before anything is written (see consent.plan_guard).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from importer.read.columns import METADATA_HEADERS, find_column
from importer.read.consent_vocab import (FALSE, IN_PARTS, TRUE, WORDS, channel_of, consent_header, is_code, out_part,
                                         status_like)
from importer.read.consent_signs import (ADDRESS_STATES, BILLING_WORDS, BUSINESS_PARTS, address_file, billing_headers,
                                         generic_status, membership, names_status, not_a_state, plainly_not_consent,
                                         says_no)
from importer.read.names import normalize
from importer.read.times import parse_time
from importer.read.status_column import NOT_CONSENT, Kind, StatusColumn, UnknownStatus, column_kind
from importer.records import KitState, Row

ACTIVE, INACTIVE = KitState.ACTIVE, KitState.INACTIVE
UNKNOWN_SHARE = 50  # at most one cell in this many sampled may be no status word
STATUS_SHARE = 0.8  # a column no header names looks like consent when this share of its cells look like status
_MAX_DISTINCT = 64  # a status column holds few distinct words; one with more is no status column
_MAX_CODES = 12     # a column of status codes holds few distinct numbers; more are counts or ids
SAMPLE_ROWS = 1000


@dataclass
class Detection:
    """What the detector made of a file's columns: the status columns, the columns it set aside
    (index -> why), and the consent-looking columns it cannot read (index -> header, cells -> rows, and
    the cells no rule reads, which are what --state-word must say)."""

    columns: list[StatusColumn] = field(default_factory=list)
    set_aside: dict[int, tuple[str, str]] = field(default_factory=dict)  # index -> (header, why)
    unreadable: dict[int, tuple[str, Counter, list[str]]] = field(default_factory=dict)
    billing: dict[int, list[str]] = field(default_factory=dict)  # unreadable index -> the headers showing billing


def find_status_columns(headers: Sequence[str], rows: Iterable[Sequence[str]], *,
                        exclude: Iterable[int] = (), claimed: Iterable[int | None] = ()) -> list[StatusColumn]:
    """The status columns among `headers`, checked against some of their values (`rows`): see `detect`."""
    return detect(headers, rows, exclude=exclude, claimed=claimed).columns


def detect(headers: Sequence[str], rows: Iterable[Sequence[str]], *, exclude: Iterable[int] = (),
           claimed: Iterable[int | None] = (), own: Mapping[str, KitState] | None = None) -> Detection:
    """The consent columns among `headers`, judged on some of their rows.

    A column qualifies by its header, and then by its values: a word column needs at least one
    cell that is a status word; a flag column needs its cells to read as true/false or dates;
    all blank qualifies on the header alone. A column no header rule takes, and not `claimed`
    by another part of the run (first name, tags, a mapped field), qualifies by its cells alone
    (see `_by_cells`). `exclude` columns (the email) are never status columns. `own` words
    (--state-word) are read first.
    """
    own = dict(own or {})
    skip = set(exclude)
    candidates = {i: StatusColumn(i, h, *kind, own=own) for i, h in enumerate(headers)
                  if i not in skip and (kind := column_kind(h)) is not None}
    taken = skip | set(claimed)
    said: dict[int, Counter] = {i: Counter() for i, h in enumerate(headers)
                                if i in candidates or (i not in taken and _may_hold_status(h))
                                or (i not in skip and _leaving(h) is not None)}
    found = Detection()
    if not said:
        return found
    seen = 0  # rows sampled: a tick box's blanks are the rows its counter lacks
    for cells in rows:
        seen += 1
        for index, counter in said.items():
            if index < len(cells) and (cell := cells[index].strip()) and len(counter) <= _MAX_DISTINCT:
                counter[cell] += 1
    address = address_file(headers)
    billing = billing_headers(headers)
    for index, counter in said.items():
        header = headers[index]
        where = address and normalize(header) in ADDRESS_STATES  # Patreon's State beside City and Zip: CA, NY
        if where and not counter:
            continue  # an address's blank state says nothing of consent
        if index not in candidates and _leaving(header) is None and counter and _speaks_of_consent(header) and \
                not all(parse_time(cell) is not None for cell in counter) and \
                (why := not_a_state(header, list(counter.elements()))):
            found.set_aside[index] = (header, why)  # Subscriber Key, Subscribe Method, Subscriber of ids
            continue
        named = index in candidates or (_leaving(header) is None and (consent_header(header) or names_status(header)))
        named = named and not where
        column = _tick_box(index, header, counter, seen, own) if index in candidates or index not in taken else None
        if column is False:  # one value that reads as a NO ("No, thanks"): which way is ticked?
            found.unreadable[index] = (header, counter, list(counter))
            continue
        column = column or _by_header(candidates.get(index), counter)
        if column is None and index not in taken:
            column = _by_cells(index, header, counter, own=own)
        if column is None:
            column = _left_at(index, header, counter)
        if column is not None and column.by_cells and membership(header) and \
                all(normalize(cell) in BILLING_WORDS for cell in counter):
            found.set_aside[index] = (header, "a membership, not email consent")  # Membership: Active, Cancelled
            continue
        asked = _billing_words(candidates.get(index), counter, own) if billing and generic_status(header) else []
        if asked and not where:
            found.unreadable[index] = (header, counter, asked)
            found.billing[index] = billing  # Stripe's Status of active and canceled: a customer's, not consent
            continue
        strong = named or _status_cells(counter)
        looks = strong or column is not None or _speaks_of_consent(header) or \
            _by_cells(index, header, counter, needs_out=False, own=own) is not None
        if looks and (channel := channel_of(header)) is not None:
            found.set_aside[index] = (header, f"another channel ({channel})")
        elif column is not None:
            found.columns.append(column)
        elif looks and index not in taken:
            _judge(index, header, counter, candidates.get(index), own, found, strong, named)
    found.columns.sort(key=lambda c: c.index)
    return found


def _by_header(column: StatusColumn | None, counter: Counter) -> StatusColumn | None:
    """The column its header names, if its cells bear the header out (one status word read, or all blank).

    More unknown words than the odd typo are not taken on trust when they are opt-outs (an order's
    Cancelled beside its Shipped and Refunded: they would unsubscribe people) or when they are not plainly
    something else (aktywny, wypisany: a language no table reads): the run stops to ask (`_judge`). A
    CRM's Prospect beside Subscribed is plainly no state: its rows are rejected, naming the word."""
    if column is None:
        return None
    if column.kind is Kind.SET_WHEN_OUT or not counter:
        return column
    states = [column.read(cell) for cell in counter if column.readable(cell)]
    unread = [cell for cell in counter if not column.readable(cell)]
    if sum(counter[cell] for cell in unread) * UNKNOWN_SHARE > sum(counter.values()) and (
            any(s not in (None, ACTIVE) for s in states) or not all(plainly_not_consent(c) for c in unread)):
        return None
    return column if states or not unread else None


def _billing_words(column: StatusColumn | None, counter: Counter, own: Mapping[str, KitState]) -> list[str]:
    """The words to ask about when a plain `Status` of a billing export holds only words billing shares with
    email (active, canceled, past_due), some not `active`: taken as consent they would unsubscribe paying
    customers. None when email words (unsubscribed, bounced) or the user's own words (--state-word) say it
    is consent after all."""
    probe = column or StatusColumn(-1, "", Kind.WORDS)
    if not counter or any(normalize(cell) in own for cell in counter):
        return []
    if any(probe.readable(cell) and normalize(cell) not in BILLING_WORDS for cell in counter):
        return []
    return [cell for cell, _ in counter.most_common()
            if (not probe.readable(cell) and not plainly_not_consent(cell))
            or (probe.readable(cell) and probe.read(cell) is not ACTIVE)]


def _tick_box(index: int, header: str, counter: Counter, rows: int,
              own: Mapping[str, KitState]) -> StatusColumn | Literal[False] | None:
    """A form's tick box (Google Forms, Typeform, Airtable): under a header asking for consent, one value
    ("Yes, send me the newsletter", checked, x, ✓) and blanks. Ticked is in; blank is no consent (inactive),
    which unsubscribes nobody Kit holds. False when the one value reads as a NO: the run must ask."""
    if len(counter) != 1 or sum(counter.values()) >= rows:
        return None
    kind = column_kind(header)
    if (kind is not None and kind[0] is not Kind.IN_WHEN_TRUE) or _leaving(header) is not None:
        return None  # a Status of "active" and blanks, an Unsubscribed of "x": read as they always were
    if not (consent_header(header) or names_status(header)) or generic_status(header) or membership(header):
        return None
    value = next(iter(counter))
    word = normalize(value) or value.strip()
    if word in own or word in WORDS or parse_time(value) is not None:
        return None  # the user's word, a status word (read as words), a time (when, not what)
    if says_no(value):
        return False
    return StatusColumn(index, header, Kind.TICKED, INACTIVE, own=own, ticked=word)


def _leaving(header: str) -> KitState | None:
    """The opt-out a header speaks of (Date Unsubscribed: cancelled; Hard Bounce Date: bounced), or None."""
    return out_part(normalize(header))


def _left_at(index: int, header: str, counter: Counter) -> StatusColumn | None:
    """A column whose header speaks of leaving and whose cells are times (Date Unsubscribed, Email Opt Out
    Date, Unsubscribe Timestamp): a time there says when the person left, so it means out, never "not consent"."""
    state = _leaving(header)
    if state is None or not counter:
        return None
    column = StatusColumn(index, header, Kind.SET_WHEN_OUT, state, by_cells=True)
    times = [cell for cell in counter if parse_time(cell) is not None]
    if times and all(cell in times or column.read(cell) is None for cell in counter):  # 0 or false: none
        return column
    return None


def _judge(index: int, header: str, counter: Counter, candidate: StatusColumn | None,
           own: Mapping[str, KitState], found: Detection, strong: bool, named: bool) -> None:
    """A consent-looking column no rule reads: set aside when its cells are plainly not consent (Gold,
    Silver; Customer, Lead), else unreadable (0/1/4, optin-1): the run must stop and ask. Under a
    header that names a status or consent (`named`: Status, Durum, Newsletter), any word no table reads
    stops the run unless it is plainly not consent (consent_signs.NOT_CONSENT_CELLS): aktywny and wypisany
    may well be a language without a table. Under a header that only touches on consent (`strong` false:
    Member level), codes are no reason to stop."""
    if not counter or _by_cells(index, header, counter, needs_out=False, own=own) is not None:
        return  # every cell reads, and none says anyone left: nothing to say
    probe = candidate or StatusColumn(index, header, Kind.WORDS, own=own)
    unread = [cell for cell in counter if not probe.readable(cell)]
    codes = all(is_code(c) for c in unread) and len(counter) <= _MAX_CODES
    if codes and not strong:
        return
    if all(parse_time(c) is not None for c in unread):  # Email Marketing Consent Timestamp: when, not what
        found.set_aside[index] = (header, "a time, not a subscription state")
        return
    if membership(header) and all(normalize(c) in TRUE | FALSE or is_code(c) for c in unread):
        found.set_aside[index] = (header, "a membership, not email consent")  # Patreon's Free Member: No
        return
    if named and not all(plainly_not_consent(c) for c in unread):
        found.unreadable[index] = (header, counter, unread)
        return
    yes_no = any(normalize(c) in TRUE | FALSE for c in unread)  # yes under "Status": which way is yes?
    out = any(probe.readable(c) and probe.read(c) not in (None, ACTIVE) for c in counter)  # some say they left
    if codes or yes_no or out or any(status_like(c) for c in unread):
        found.unreadable[index] = (header, counter, unread)
    else:
        shown = ", ".join(repr(c) for c, _ in counter.most_common(3)) + (", ..." if len(counter) > 3 else "")
        found.set_aside[index] = (header, f"not consent: its cells ({shown}) are no subscription states")


def _speaks_of_consent(header: str) -> bool:
    """Whether a header touches on consent at all (Member level, Marketing): its plain words are set aside
    with their reason, never called export metadata."""
    name = normalize(header)
    return any(part in name for part in IN_PARTS) or out_part(name) is not None


def _status_cells(counter: Counter) -> bool:
    """Whether (nearly) all of a column's cells look like status words, some of them unknown (optin-1)."""
    total = sum(counter.values())
    like = sum(n for cell, n in counter.items() if status_like(cell))
    return bool(total) and like >= STATUS_SHARE * total and len(counter) <= _MAX_DISTINCT


def _may_hold_status(header: str) -> bool:
    """Whether a column may be a status column by its cells: not a business's status, nor an exporter's
    own record keeping (Mailchimp's MEMBER_RATING of 1 to 5 is no true/false)."""
    name = normalize(header)
    return (name not in NOT_CONSENT and name not in METADATA_HEADERS
            and not any(part in name for part in BUSINESS_PARTS))


def _by_cells(index: int, header: str, said: Counter, *, needs_out: bool = True,
              own: Mapping[str, KitState] | None = None) -> StatusColumn | None:
    """The status column its sampled cells (`said`: cell -> rows) make of a column, or None.

    Its non-blank cells must be (nearly) all status words, or true/false under a header that
    speaks of subscribing, consent or opting out, and (`needs_out`) at least one of them must
    say the person is not subscribed: a column of only "active" says nothing a default would not.
    The user's own words count only under a header that speaks of consent, or when they are words:
    a `0=cancelled` must not turn every column of counts into consent.
    """
    total = sum(said.values())
    if not total or len(said) > _MAX_DISTINCT:
        return None
    own = dict(own or {})
    if own and not consent_header(header):
        own = {word: state for word, state in own.items() if not is_code(word)}
    for kind, meaning in _kinds_by_header(header):
        column = StatusColumn(index, header, kind, meaning, by_cells=True, own=own)
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
    if out := out_part(name):
        kinds.append((Kind.OUT_WHEN_TRUE, out))
    elif any(part in name for part in IN_PARTS) and not membership(header):  # Free Member: true is no consent
        kinds.append((Kind.IN_WHEN_TRUE, INACTIVE))
    return kinds


def _read_plainly(column: StatusColumn, cell: str) -> KitState | str:
    """A cell as the column reads it, or "unknown"; a date is no true/false when judging a column by its cells."""
    word = normalize(cell) or cell.strip()
    if column.kind is not Kind.WORDS and word not in TRUE | FALSE and word not in column.own:
        return "unknown"
    try:
        return column.read(cell) or "unknown"
    except UnknownStatus:
        return "unknown"


def named_status_column(headers: Sequence[str], wanted: str, option: str = "state_column",
                        rows: Iterable[Sequence[str]] = (), own: Mapping[str, KitState] | None = None) -> StatusColumn:
    """The column the state_column setting (or its earlier name, status_column) names, read by its header's
    kind, else as its sampled cells (`rows`) read best (a `Newsletter` of yes and no), else as status words."""
    index = find_column(headers, wanted, option)
    own = dict(own or {})
    said: Counter = Counter()
    seen = 0
    for cells in rows:
        seen += 1
        if index < len(cells) and (cell := cells[index].strip()):
            said[cell] += 1
    if tick := _tick_box(index, headers[index], said, seen, own):
        return tick
    if kind := column_kind(headers[index]):
        return StatusColumn(index, headers[index], *kind, own=own)
    by_cells = _by_cells(index, headers[index], said, needs_out=False, own=own)
    return by_cells or StatusColumn(index, headers[index], Kind.WORDS, ACTIVE, own=own)


def sample(rows: Iterable[Row], size: int = SAMPLE_ROWS) -> Iterator[tuple[str, ...]]:
    """The cells of the first `size` sound rows (a ragged row's cells may be shifted)."""
    taken = 0
    for row in rows:
        if taken >= size:
            return
        if not row.problem:
            taken += 1
            yield row.cells
