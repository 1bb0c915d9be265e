"""The records that flow through the pipeline, defined once: a row, a contact, a rejection, an outcome."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class Row:
    """One data row of the source: its spreadsheet row number and its cells as the user sees them.

    `cells` may be shorter than the header: a CSV exporter dropped the row's trailing empty
    cells. Those missing cells are absent, which is not blank: nothing is sent for them, even
    when blanks clear values. `problem` is set by the loader when the row cannot be trusted as
    read (a row longer than its header, say); the mapper then rejects it with that reason
    instead of guessing. `absent` lists cells inside the row that the source does not have (a
    dict without that key): like a short row's missing cells, they are not blank.
    """

    number: int
    cells: tuple[str, ...]
    problem: str | None = None
    absent: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class CustomField:
    """A Kit custom field: the bulk values endpoint wants `id`, the one-subscriber upsert wants `key`."""

    id: int
    key: str
    label: str

    def __hash__(self) -> int:  # hashed once per value per row: the id alone is unique and cheap
        return self.id


class KitState(StrEnum):
    """A subscriber's state in Kit; only `active` subscribers receive broadcasts."""

    ACTIVE = "active"
    CANCELLED = "cancelled"
    BOUNCED = "bounced"
    COMPLAINED = "complained"
    INACTIVE = "inactive"

    @property
    def opted_out(self) -> bool:
        """An explicit opt-out (unsubscribed, cleaned or bounced, complained), as against `inactive`,
        which is only the absence of consent (pending, never opted in, `no` under an opt-in header)."""
        return self in (KitState.CANCELLED, KitState.BOUNCED, KitState.COMPLAINED)


@dataclass(slots=True)
class Contact:
    """One subscriber to upsert, merged from one or more rows that share an email.

    From the mapper, `fields` holds every mapped cell the row has, blank ones as "" (a cell
    absent from a short row is not in it); from `ContactMerger`, which decides what a blank
    means, only the values to send. `rows` lists every spreadsheet row merged into this
    contact, in file order.
    """

    email: str
    first_name: str | None
    fields: dict[CustomField, str]
    rows: list[int]
    subscriber_id: int | None = None  # set when Kit has the subscriber already and only values change
    tags: tuple[str, ...] = ()  # tag names to add, trimmed, one per name ignoring case, in file order
    state: KitState | None = None  # the state the file gives (None: the file says nothing)
    # When the file says the person opted out (UNSUB_TIME, unsubscribed_at, CLEAN_TIME...), as an aware
    # time; a time without a zone is read as the latest instant it can mean (see read/times.py).
    unsubscribed_at: dt.datetime | None = None
    # What earlier runs learnt (the run memory): each action Kit confirmed (its key, e.g. "form:12"), "left"
    # when Kit holds them not active, and "honoured" when Kit held them not active while the file said they
    # opted out (see decide/unsubscribes.py); and HELD_ACTIVE when this run's read saw Kit hold them active
    # (an unsubscribe then needs no upsert to learn it).
    confirmed: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Rejection:
    """A row that was not (fully) imported: `reason` is the short category counted in the report."""

    row: int
    reason: str
    detail: str = ""

    @property
    def message(self) -> str:
        """The text of the failures CSV's `error` column."""
        return f"{self.reason}: {self.detail}" if self.detail else self.reason


class Status(StrEnum):
    """What Kit did with a contact."""

    CREATED = "created"
    UPDATED = "updated"
    FAILED = "failed"
    NOT_SENT = "not sent"
    NOT_CONFIRMED = "not confirmed"  # sent, but the run stopped before Kit's answer came


# The reasons of rows a stopped run did not finish: counted apart from rejected rows.
REASON_NOT_SENT = "not sent"
# How a stage words a part it never sent because the run stopped (its row counts as not sent).
STOPPED_BEFORE_SENDING = "not sent: the run stopped"
HELD_ACTIVE = "active"  # in Contact.confirmed: the run's read of Kit saw the subscriber active
REASON_NOT_CONFIRMED = "not confirmed (may have been applied)"  # sent; no answer before the run stopped
# A whole request failed: Kit kept failing through every retry, or refused the request itself.
REASON_KIT_UNAVAILABLE = "Kit unavailable"
REASON_KIT_REFUSED = "Kit refused the request"
REASON_VALUES_REFUSED = "Kit refused the values"


@dataclass(slots=True)
class Outcome:
    """What became of one contact: its status, its Kit id, its values, and every problem met.

    A problem is a (reason, detail) pair; it rejects every row merged into the contact, since
    each of them needs to be fed back in for the contact to be whole in Kit.
    """

    contact: Contact
    status: Status
    subscriber_id: int | None = None
    values_written: int = 0
    values_unconfirmed: int = 0
    problems: list[tuple[str, str]] = field(default_factory=list)
    unwritten: set[CustomField] = field(default_factory=set)
    tagged: list[str] = field(default_factory=list)  # tag names Kit confirmed on the subscriber (new or had it)
    kit_state: KitState | None = None  # the state Kit answered for the subscriber (None: not known)
    done: list[str] = field(default_factory=list)  # the keys of the actions Kit confirmed (e.g. "form:12")
    kit_created_at: dt.datetime | None = None  # when Kit created the subscriber, as its answer said
    queued: bool = False  # Kit answered the upsert 202 (queued): its echo may not say the state
    values_in_flight: int = 0  # values sent in a request the run stopped before Kit answered

    @property
    def state_conflict(self) -> bool:
        """The file says the person opted out and Kit holds them active: this run did not unsubscribe them
        (an unsubscribe Kit confirmed leaves `kit_state` cancelled)."""
        return self.contact.state is not None and self.contact.state.opted_out \
            and self.kit_state is KitState.ACTIVE

    def fail(self, reason: str, detail: str = "") -> None:
        """Record a problem that stopped the contact itself."""
        self.status = Status.FAILED if self.status is not Status.NOT_SENT else self.status
        self.problems.append((reason, detail))

    def rejections(self) -> list[Rejection]:
        """One rejection per problem for each row merged into the contact."""
        return [Rejection(row, reason, detail) for row in self.contact.rows for reason, detail in self.problems]
