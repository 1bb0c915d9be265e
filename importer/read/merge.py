"""Duplicate emails -> one contact each; what a blank cell sends is asked of the blank policy (blanks.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping, Sequence

from importer.records import Contact, CustomField, KitState
from importer.read.blanks import Blanks
from importer.read.tags import unique


# A mapped cell absent from a short row, as the merger stores it. No cell can hold it: the
# mapper strips every value, and stripping removes this control character.
ABSENT = "\x1e"
_AT = "@"  # between a packed state and its opt-out time (no state word holds it)


class ContactMerger:
    """Merges contacts that share an email (case-insensitively):
    - a blank cell never overwrites: in a merge, a later non-blank cell wins over an earlier
      one, a blank never does; whether a blank is sent (to clear Kit's value) is the blank
      policy's (`Blanks.keeps`, `--blanks clear`);
    - an absent cell (missing from a row shorter than its header) is not in the file at all:
      it is never sent, even with --blanks clear, and never overrides an earlier duplicate's
      value, blank or not;
    - a blank first name is never sent;
    - tags add up: a contact gets every tag any of its rows names (one per name, ignoring case);
    - a state the file gives is kept, and one that is not `active` wins over `active`: a person
      who unsubscribed in any row is never made active by another row; of the opt-out times the
      rows give, the latest is kept (the one that honours the opt-out).

    Holds one record per distinct email, packed into a single string (row, email, first
    name, state, tags, then one value per mapped field), because a 1,000,000-row file must fit in a few
    hundred MB: a dict of strings per contact would take several times that. Contacts are
    rebuilt on demand, in the order their emails first appeared.
    """

    _SEP = "\x1f"  # ASCII unit separator; a record whose cells contain it is kept as a tuple
    _TAG_SEP = "\x1d"  # between the tag names of one record (stripped names never hold it)
    _VALUES = 5  # where the values start in a record

    def __init__(self, fields: Sequence[CustomField] = (), *, clear_blanks: bool = False,
                 blanks: Blanks | None = None) -> None:
        self.fields: list[CustomField] = []
        self._known: dict[CustomField, int] = {}
        self._learn(fields)
        self.blanks = blanks or Blanks(clear=clear_blanks)
        self._records: dict[str, str | tuple[str, ...]] = {}
        self._more_rows: dict[str, list[int]] = {}
        self.merged = 0
        self.rows = 0

    def _learn(self, fields: Iterable[CustomField]) -> None:
        for kit_field in fields:
            if kit_field not in self._known:
                self._known[kit_field] = len(self.fields)
                self.fields.append(kit_field)

    def add(self, contact: Contact) -> None:
        """Add a contact, merging it into an earlier one with the same email."""
        values = contact.fields
        if not self._known.keys() >= values.keys():
            self._learn(values)
        self.rows += len(contact.rows)
        key = contact.email.casefold()
        get = values.get
        state = contact.state or ""
        if contact.unsubscribed_at is not None:
            state += _AT + contact.unsubscribed_at.isoformat()
        parts = [str(contact.rows[0]), contact.email, contact.first_name or "", state,
                 self._TAG_SEP.join(contact.tags), *[get(f, ABSENT) for f in self.fields]]
        earlier = self._records.get(key)
        if earlier is not None:
            self.merged += 1
            self._more_rows.setdefault(key, []).extend(contact.rows)
            old = self._unpack(earlier)
            old += [ABSENT] * (len(parts) - len(old))  # fields first met after the earlier row
            state = _stricter(old[3], parts[3])
            tags = self._TAG_SEP.join(unique([*old[4].split(self._TAG_SEP), *parts[4].split(self._TAG_SEP)]))
            parts = old[:2] + [parts[2] if parts[2].strip() else old[2], state, tags] + [
                new if new.strip() or (was == ABSENT and new != ABSENT) else was
                for was, new in zip(old[self._VALUES:], parts[self._VALUES:])]
        packed = self._SEP.join(parts)
        self._records[key] = packed if packed.count(self._SEP) == len(parts) - 1 else tuple(parts)

    def _unpack(self, record: str | tuple[str, ...]) -> list[str]:
        return list(record) if isinstance(record, tuple) else record.split(self._SEP)

    def _sent(self, value: str) -> bool:
        return value != ABSENT and self.blanks.keeps(value)

    def _contact(self, key: str, record: str | tuple[str, ...]) -> Contact:
        row, email, first_name, state, tags, *values = self._unpack(record)
        fields = {f: v if v.strip() else "" for f, v in zip(self.fields, values) if self._sent(v)}
        state, _, at = state.partition(_AT)
        return Contact(email, first_name.strip() or None, fields, [int(row), *self._more_rows.get(key, ())],
                       tags=tuple(tags.split(self._TAG_SEP)) if tags else (),
                       state=KitState(state) if state else None,
                       unsubscribed_at=dt.datetime.fromisoformat(at) if at else None)

    def contacts(self) -> Iterator[Contact]:
        """The merged contacts, in the order their emails first appeared (built lazily)."""
        for key, record in self._records.items():
            yield self._contact(key, record)

    def rebind(self, real: Mapping[CustomField, CustomField]) -> None:
        """Swap placeholder fields for the fields Kit created (values stay where they are)."""
        self.fields = [real.get(f, f) for f in self.fields]
        self._known = {f: i for i, f in enumerate(self.fields)}

    def discard(self, email: str) -> Contact | None:
        """Take a contact out (a person the run must leave out), returning it if it was there."""
        key = email.casefold()
        record = self._records.get(key)
        if record is None:
            return None
        contact = self._contact(key, record)
        del self._records[key]
        self._more_rows.pop(key, None)
        self.merged -= len(contact.rows) - 1
        self.rows -= len(contact.rows)
        return contact

    def without_state(self) -> int:
        """How many contacts no row gives a state (their status cells all blank)."""
        return sum(1 for record in self._records.values() if not self._unpack(record)[3])

    def value_count(self) -> int:
        """How many custom field values the contacts will send."""
        sent = self._sent
        return sum(sum(1 for v in self._unpack(record)[self._VALUES:] if sent(v)) for record in self._records.values())

    def __len__(self) -> int:
        return len(self._records)


def _stricter(was: str, new: str) -> str:
    """The state two rows of one person give together: a state that is not active wins over
    active (nobody who left is made active again), else the later row's; blank says nothing.
    The latest opt-out time either gives goes along."""
    was_state, _, was_at = was.partition(_AT)
    new_state, _, new_at = new.partition(_AT)
    if not new_state:
        state = was_state
    elif not was_state or new_state != KitState.ACTIVE:
        state = new_state
    else:
        state = was_state
    times = [dt.datetime.fromisoformat(t) for t in (was_at, new_at) if t]
    return state + (_AT + max(times).isoformat() if times else "")

