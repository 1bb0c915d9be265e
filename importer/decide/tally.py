"""What a run that read Kit will change: counts per column, the changes to send, who is created.

One `Tally` per run, filled from every contact's `Comparison` (compare.py) before anything is
written. It feeds the dry-run plan (new, changed, equal and cleared values per column; new and
existing subscribers; tags to add), the brake (`changed_contacts`), the drift count and, through
`changes` and `created`, the undo record written before the first write.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from importer.decide.compare import FIRST_NAME, STATE, SUBSCRIBER, TAG, Change, Comparison, Kind
from importer.decide.unsubscribes import Kept
from importer.records import KitState


KEPT_REASONS = frozenset(k.value for k in Kept)


@dataclass
class Tally:
    """The difference between the file and what Kit holds, over every contact of the run.

    `changes` holds each change the run sends to a subscriber Kit already has, with Kit's value
    before the run (None when Kit held none, or when only a digest of it was kept: see
    `Change.kit_value`); `created` the emails of the subscribers it creates. Equal items are
    only counted, so the plan stays small when little changes.
    """

    tally: Counter = field(default_factory=Counter)  # (what, Kind) -> count, what as in Change.what
    changes: list[Change] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    existing: int = 0  # contacts Kit holds already
    changed_contacts: int = 0  # contacts with something to send
    changed_existing: int = 0  # contacts Kit holds with something to send: what --max-changes weighs
    changed_emails: list[str] = field(default_factory=list)  # their emails
    drift: int = 0  # values and first names the state said Kit had, that Kit no longer holds
    tags: Counter = field(default_factory=Counter)  # tag name -> subscribers it is added to
    unsubscribes: list[str] = field(default_factory=list)  # active in Kit, opted out in the file: to unsubscribe
    unsubscribes_as: Counter = field(default_factory=Counter)  # of `unsubscribes`: the file's state -> how many
    kept_active: list[tuple[str, str]] = field(default_factory=list)  # (email, why) opted out, yet left active
    kept_as: dict[str, str] = field(default_factory=dict)  # of `kept_active`: email -> the file's state
    not_opted_in: int = 0  # active in Kit, no opt-out in the file (pending, not opted in): never unsubscribed
    not_reactivated: Counter = field(default_factory=Counter)  # Kit's state -> subscribed in the file, not in Kit
    new_states: Counter = field(default_factory=Counter)  # the file's state (None: none) -> new subscribers
    states_seen: list[tuple[str, str]] = field(default_factory=list)  # (email, file's state) Kit needs nothing for
    consent_seen: list[tuple[str, KitState, KitState | None]] = field(default_factory=list)  # (email, file, Kit)

    def add(self, comparison: Comparison, drift: int = 0) -> None:
        """Count one contact's comparison, and keep what the run will send to it."""
        self.drift += drift
        self.changed_contacts += comparison.difference is not None
        new = comparison.held is None and comparison.changes[0].kind is Kind.NEW
        contact = comparison.contact
        if new:
            self.created.append(contact.email)
            self.new_states[contact.state] += 1
        else:
            self.existing += 1
            if comparison.difference is not None:
                self.changed_existing += 1
                self.changed_emails.append(contact.email)
            if comparison.difference is None and contact.state is not None:
                self.states_seen.append((contact.email, contact.state))
            if contact.state is not None and comparison.held is not None:
                self.consent_seen.append((contact.email, contact.state, comparison.held.state))
        for change in comparison.changes:
            if change.what == STATE and change.kind is Kind.CHANGED:
                self.unsubscribes.append(change.email)
                self.unsubscribes_as[change.file_value] += 1
            elif change.what == STATE and change.kind is Kind.KEPT and change.why in KEPT_REASONS:
                self.kept_active.append((change.email, change.why))
                self.kept_as[change.email] = change.file_value or "cancelled"
            elif change.what == STATE and change.kind is Kind.KEPT:
                self.not_opted_in += 1
            elif change.what == STATE and change.kind is Kind.DIFFERS and change.file_value == str(KitState.ACTIVE):
                self.not_reactivated[change.kit_value] += 1
            self.tally[(change.what, change.kind)] += 1
            if change.what == TAG and change.kind is Kind.NEW:
                self.tags[change.file_value] += 1
            if not new and change.what != SUBSCRIBER and change.sent:
                self.changes.append(change)

    def columns(self) -> dict[str, dict[str, int]]:
        """Per compared item (first name, each field label, tag, state): count by kind, in a steady order."""
        table: dict[str, dict[str, int]] = {}
        for (what, kind), n in self.tally.items():
            if what != SUBSCRIBER:
                table.setdefault(what, {})[str(kind)] = n
        order = {FIRST_NAME: 0, TAG: 2, STATE: 3}
        return dict(sorted(table.items(), key=lambda item: (order.get(item[0], 1), item[0].casefold())))
