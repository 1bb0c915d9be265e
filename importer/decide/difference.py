"""A file contact -> what the run sends it, against what Kit holds: a read, or the state's cache of one.

After a whole read, every contact is compared with Kit's subscriber (compare.py). After a
refresh (only the subscribers updated since the state's last read), those are compared the
same way and every other contact is compared with the state's digests of what Kit held, which
sends the same difference (`RunMemory.changes`) but cannot show Kit's earlier value.

The run's actions are applied on top of the comparison: an unsubscribe the consent policy sends
(decide/unsubscribes.py) goes with an upsert, whose answer says the state Kit holds now, and so
does a contact an action needs (a form addition, say), since the upsert's answer gives its stage
the state Kit holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from importer.decide.held import Account
from importer.decide.unsubscribes import Mode, opted_out
from importer.decide.compare import FIRST_NAME, SUBSCRIBER, TAG, Change, Comparison, Kind, compare
from importer.read.blanks import Verdict, blank, stored, verdict
from importer.records import HELD_ACTIVE, Contact, CustomField, KitState
from importer.decide.run_memory import Needs, RunMemory, digest

BLANK_DIGEST = digest("")  # the journal's digest of a value a run cleared


class Differ:
    """Compares each contact with what Kit holds; `refreshed` says the account is only the
    subscribers updated since the state's read (the state's cache stands for the rest)."""

    def __init__(self, account: Account, *, refreshed: bool = False, state: RunMemory | None = None,
                 actions: Sequence[Needs] = (), consent: Mode = Mode.HONOUR) -> None:
        self.account = account
        self.refreshed = refreshed and state is not None
        self.state = state
        self.actions, self.consent = actions, consent

    def is_new(self, email: str) -> bool:
        """Whether Kit held no subscriber with this email when the run read it."""
        if self.account.get(email) is not None:
            return False
        if not self.refreshed or self.state is None:
            return True
        known = self.state.known(email)
        return known is None or known.subscriber_id is None

    def compare(self, contact: Contact) -> tuple[Comparison, int]:
        """The contact against Kit, with the options applied; and how many of its changes are drift
        (the state said Kit held the file's value, Kit holds another)."""
        held = self.account.get(contact.email)
        if held is None and self.refreshed and not self.is_new(contact.email):
            return self._from_cache(contact), 0
        if held is not None and opted_out(contact.state) and self.state is not None:
            contact = replace(contact, confirmed=self._confirmed(contact.email))  # what earlier runs saw
        comparison = compare(contact, held, self.consent)
        drift = self._drift(comparison, self.state) if held is not None and self.state is not None else 0
        return self._with_options(comparison), drift

    def difference(self, contact: Contact) -> Contact | None:
        """What the run sends for this contact (None: nothing)."""
        return self.compare(contact)[0].difference

    def _with_options(self, comparison: Comparison) -> Comparison:
        held, difference = comparison.held, comparison.difference
        if held is None:
            return comparison
        contact = comparison.contact
        # What the run memory confirmed only ever takes a need away: read it only when an action may need the contact.
        maybe = [action for action in self.actions if action.needs(contact, held.state, frozenset())]
        unsubscribe = difference is not None and difference.state is not None  # the policy's verdict (compare)
        confirmed = self._confirmed(held.email) if maybe or unsubscribe else frozenset()
        if difference is not None and unsubscribe and held.state is KitState.ACTIVE:
            # An unsubscribe of someone the read saw active: it goes by id, with no upsert to learn the state.
            difference = replace(difference, confirmed=confirmed | {HELD_ACTIVE})
        elif unsubscribe or any(action.needs(contact, held.state, confirmed) for action in maybe):
            # The upsert's answer says Kit's state now, for the stage that needs it.
            base = difference or Contact(contact.email, None, {}, contact.rows, state=contact.state,
                                         unsubscribed_at=contact.unsubscribed_at)
            difference = replace(base, subscriber_id=None, confirmed=confirmed)
        if difference is comparison.difference:
            return comparison
        return Comparison(contact, held, comparison.changes, difference)

    def _confirmed(self, email: str) -> frozenset[str]:
        return self.state.confirmed(email) if self.state is not None else frozenset()

    def _drift(self, comparison: Comparison, state: RunMemory) -> int:
        """Changes whose file value the state says Kit held: Kit's value moved since (its web app, say)."""
        known = state.known(comparison.contact.email)
        if known is None:
            return 0
        drift = 0
        for change in comparison.changes:
            if change.kind not in (Kind.CHANGED, Kind.CLEARED):
                continue
            said = digest(change.file_value or "")
            if change.what == FIRST_NAME:
                drift += known.first_name == said
            elif change.field is not None:
                drift += known.fields.get(str(change.field.id)) == said
        return drift

    def _from_cache(self, contact: Contact) -> Comparison:
        """The contact against the state's digests of what Kit held: the same difference
        `RunMemory.changes` sends; Kit's earlier values are not kept, so they are None."""
        assert self.state is not None
        known = self.state.known(contact.email)
        assert known is not None
        email = contact.email
        changes = [Change(email, SUBSCRIBER, Kind.EQUAL, None, email)]
        if not blank(contact.first_name):
            name = digest(stored(contact.first_name))
            kind = Kind.NEW if known.first_name is None else Kind.EQUAL if known.first_name == name \
                else Kind.CHANGED
            changes.append(Change(email, FIRST_NAME, kind, None, stored(contact.first_name)))
        for kit_field, value in contact.fields.items():
            changes.extend(_cached_value(email, kit_field, value, known.fields.get(str(kit_field.id))))
        tagged = self.state.tagged(email)
        for tag in contact.tags:
            kind = Kind.EQUAL if digest(tag.casefold()) in tagged else Kind.NEW
            changes.append(Change(email, TAG, kind, tag if kind is Kind.EQUAL else None, tag))
        difference = self.state.changes(contact, self.actions)
        return Comparison(contact, None, tuple(changes), difference)


def _cached_value(email: str, kit_field: CustomField, value: str, held: str | None) -> list[Change]:
    """One value's change against the digest of Kit's (None or the blank digest: Kit holds none), as the
    blank policy decides it (read/blanks.py)."""
    said = verdict(blank(value), held is None or held == BLANK_DIGEST, held == digest(value))
    if said is Verdict.NOTHING:
        return []
    kind = Kind(said.value)
    return [Change(email, kit_field.label, kind, None, None if kind is Kind.CLEARED else stored(value), kit_field)]
