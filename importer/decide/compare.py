"""One file contact against what Kit holds: every difference, and the contact reduced to it.

Pure: no request is sent. A `Change` per compared item (the subscriber itself, its first
name, each custom field value, each tag, its state) carries Kit's value before the run and
the file's, so one comparison feeds sending only the difference, the dry-run plan's counts,
a diff CSV, an undo record and a verification. The rules:
- values compare as Kit stores them, and what a blank does is the blank policy's (read/blanks.py:
  a blank the merge kept clears Kit's value, and is nothing when Kit holds none);
- a blank first name is never sent; tags are only ever added, matched ignoring case;
- a state difference is reported; only leaving (Kit active, the file an opt-out) is ever sent,
  as an unsubscribe, when decide/unsubscribes.py says so (else it is kept, with why): nobody is
  re-activated.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from importer.decide.unsubscribes import Mode, decide
from importer.kit.reads import HeldSubscriber
from importer.read.blanks import Blanks, Verdict, blank, stored
from importer.records import Contact, CustomField, KitState

SUBSCRIBER, FIRST_NAME, TAG, STATE = "subscriber", "first name", "tag", "state"


class Kind(StrEnum):
    """What a change does to Kit."""

    NEW = "new"          # Kit has nothing there: a subscriber to create, a value it lacks, a tag to add
    CHANGED = "changed"  # Kit holds another value
    CLEARED = "cleared"  # a blank cell clears Kit's value (blanks=clear)
    EQUAL = "equal"      # Kit holds it already: nothing to send
    DIFFERS = "differs"  # a difference reported but never sent (a state that would re-activate)
    KEPT = "kept"        # Kit holds them active, the file says otherwise, and they stay active (`why`)


@dataclass(frozen=True, slots=True)
class Change:
    """One compared item: `what` is "subscriber", "first name", "tag", "state" or a custom
    field's label (`field` is then that field); `kit_value` is Kit's value before the run
    (None: Kit has none), `file_value` the file's (None for a cleared value)."""

    email: str
    what: str
    kind: Kind
    kit_value: str | None
    file_value: str | None
    field: CustomField | None = None
    why: str | None = None  # why a state is kept active (decide/unsubscribes.Kept, or no opt-out)

    @property
    def sent(self) -> bool:
        """Whether a run that sends only differences sends it (a state change only as an unsubscribe)."""
        return self.kind not in (Kind.EQUAL, Kind.DIFFERS, Kind.KEPT)


@dataclass(frozen=True, slots=True)
class Comparison:
    """A contact from the file, what Kit holds for its email, every change, and the difference
    to send (None when Kit holds everything the file says)."""

    contact: Contact
    held: HeldSubscriber | None
    changes: tuple[Change, ...]
    difference: Contact | None

    @property
    def differs(self) -> bool:
        return self.difference is not None


def compare(contact: Contact, held: HeldSubscriber | None, consent: Mode = Mode.HONOUR) -> Comparison:
    """Compare one contact with Kit's subscriber for its email (None: Kit has none); `consent` is what
    the run does with the file's opt-outs (decide/unsubscribes.py)."""
    email = contact.email
    if held is not None and held.email.casefold() != email.strip().casefold():
        raise ValueError(f"compare() was given Kit's {held.email} for {email}")
    changes: list[Change] = [Change(email, SUBSCRIBER, Kind.NEW if held is None else Kind.EQUAL,
                                    None if held is None else held.email, email)]
    name_changed = False
    if not blank(contact.first_name):
        kit_name = held.first_name if held is not None else None
        kind = _kind(kit_name, contact.first_name)
        name_changed = kind is not Kind.EQUAL
        changes.append(Change(email, FIRST_NAME, kind, _or_none(kit_name), stored(contact.first_name)))
    values: dict[CustomField, str] = {}
    for kit_field, value in contact.fields.items():
        kit_value = held.fields.get(kit_field.key) if held is not None else None
        verdict = Blanks.against(value, kit_value)
        if verdict is Verdict.NOTHING:
            continue  # nothing to clear: not an item at all
        kind = Kind(verdict.value)
        changes.append(Change(email, kit_field.label, kind, _or_none(kit_value),
                              None if kind is Kind.CLEARED else stored(value), kit_field))
        if kind is not Kind.EQUAL:
            values[kit_field] = "" if kind is Kind.CLEARED else value
    # Tags not read (held.tags None) are all taken as new: tagging twice does no harm.
    held_tags = {t.name.casefold(): t.name for t in held.tags} if held is not None and held.tags is not None else {}
    tags = []
    for tag in contact.tags:
        kit_tag = held_tags.get(tag.strip().casefold())
        changes.append(Change(email, TAG, Kind.NEW if kit_tag is None else Kind.EQUAL, kit_tag, tag))
        if kit_tag is None:
            tags.append(tag)
    state = _state(contact, held, changes, consent)
    if held is None:
        difference = Contact(email, contact.first_name, {f: v for f, v in values.items() if v}, contact.rows,
                             tags=tuple(tags), state=contact.state, unsubscribed_at=contact.unsubscribed_at)
    elif name_changed or values or tags or state is not None:
        # Like RunMemory.changes(): an unchanged first name needs no upsert, so the id goes along.
        difference = Contact(email, contact.first_name if name_changed else None, values, contact.rows,
                             subscriber_id=None if name_changed else held.id, tags=tuple(tags), state=state,
                             confirmed=contact.confirmed, unsubscribed_at=contact.unsubscribed_at)
    else:
        difference = None
    return Comparison(contact, held, tuple(changes), difference)


def tally(changes: Iterable[Change]) -> Counter[tuple[str, Kind]]:
    """How many changes of each kind per item ("subscriber", "first name", a field label, "tag",
    "state"): the dry-run plan's table."""
    return Counter((c.what, c.kind) for c in changes)


def _kind(kit_value: str | None, file_value: str | None) -> Kind:
    return Kind(Blanks.against(file_value, kit_value).value)


def _or_none(value: str | None) -> str | None:
    return None if blank(value) else value


NO_OPT_OUT = "no opt-out in the file: absence of consent never unsubscribes"
# Why a state Kit holds as not active is left so (a `differs` line): the file says active, or says
# another state that is not active either.
NOT_REACTIVATED = "not active in Kit: kit-import never re-activates anyone, and Kit's API cannot"
ALREADY_NOT_ACTIVE = "not active in Kit already: no unsubscribe to send, and kit-import sends no other state"


def state_changes(contact: Contact, held: HeldSubscriber | None, consent: Mode) -> list[Change]:
    """The state line of the diff for one person Kit holds (an unsubscribe, kept, or differs), if any."""
    changes: list[Change] = []
    _state(contact, held, changes, consent)
    return changes


def _state(contact: Contact, held: HeldSubscriber | None, changes: list[Change], consent: Mode) -> KitState | None:
    """Record a state difference for a subscriber Kit has; the state to send (an unsubscribe), or None.

    A new subscriber's state is part of its creation (the subscriber change), not a change here.
    Kit's state unknown (None) is never taken as a difference.
    """
    wanted = contact.state
    if held is None or wanted is None or held.state is None or held.state == wanted:
        return None
    if held.state is not KitState.ACTIVE:
        left = NOT_REACTIVATED if wanted is KitState.ACTIVE else ALREADY_NOT_ACTIVE
        changes.append(Change(contact.email, STATE, Kind.DIFFERS, str(held.state), str(wanted), why=left))
        return None
    verdict = decide(contact, held.state, held.created_at, consent)
    kind = Kind.CHANGED if verdict.unsubscribe else Kind.KEPT
    why = None if verdict.unsubscribe else verdict.kept.value if verdict.kept else NO_OPT_OUT
    changes.append(Change(contact.email, STATE, kind, str(held.state), str(wanted), why=why))
    return wanted if verdict.unsubscribe else None
