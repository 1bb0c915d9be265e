"""Which contacts a run sends: all of them, what the run memory says Kit lacks, or the difference from Kit."""

from __future__ import annotations

from collections.abc import Iterator

from importer.decide.compare import Comparison
from importer.decide.difference import Differ
from importer.decide.run_memory import RunMemory
from importer.decide.tally import Tally
from importer.read.merge import ContactMerger
from importer.records import Contact
from importer.send.actions import Action, Count


class Work:
    """The contacts this run must send: all of them, or with a state store only what Kit lacks.

    Iterable more than once (it is rebuilt from the merged contacts and the state), so the
    brake can count it before anything is written and a stopped run can list what was not sent.
    Each action may amend a contact as it is handed out (--tag adds its tags), and counts what
    it may send for the contacts in the one pass that counts them (`counts`, by action name).
    """

    def __init__(self, contacts: ContactMerger, state: RunMemory | None, *, actions: list[Action] | None = None,
                 differ: Differ | None = None, plan: Tally | None = None) -> None:
        self.contacts = contacts
        self.state = state
        self.actions = actions or []
        self.differ, self.plan_for = differ, plan
        self.counts: dict[str, Count] = {action.name: action.counter() for action in self.actions}
        self.single_upserts = 0  # contacts that one-per-contact upserts send (an API key)
        if state is None and differ is None and not self.actions:
            # the merger knows the figures without a pass
            self.count = self.upserts = self.single_upserts = len(contacts)
            self.values = contacts.value_count()
            self.rows = contacts.rows
            return
        self.count = self.values = self.upserts = self.rows = 0
        for contact in self:
            self.count += 1
            self.values += len(contact.fields)
            self.upserts += contact.subscriber_id is None
            # Kit has it, and only later stages have work for it (its tags): no one-per-contact upsert.
            self.single_upserts += contact.subscriber_id is None or bool(contact.fields) \
                or contact.first_name is not None
            self.rows += len(contact.rows)
            for count in self.counts.values():
                count.add(contact)
        self.plan_for = None  # planned in the first pass only

    @property
    def include_tags(self) -> bool:
        """Whether a read of Kit for these contacts must include their tags (an action applies some)."""
        return any(count.include_tags for count in self.counts.values())

    def comparisons(self) -> Iterator[Comparison]:
        """Each contact compared with Kit (a Work with a differ only)."""
        assert self.differ is not None
        for contact in self._contacts():
            yield self.differ.compare(contact)[0]

    def _contacts(self) -> Iterator[Contact]:
        for contact in self.contacts.contacts():
            for action in self.actions:
                contact = action.amend(contact)
            yield contact

    def __iter__(self) -> Iterator[Contact]:
        for contact in self._contacts():
            if self.differ is not None:
                comparison, drift = self.differ.compare(contact)
                if self.plan_for is not None:
                    self.plan_for.add(comparison, drift)
                if comparison.difference is not None:
                    yield comparison.difference
            elif self.state is None:
                yield contact
            elif (change := self.state.changes(contact, self.actions)) is not None:
                yield change
