"""Sequences (--sequence): add each imported subscriber active in Kit and in the file to Kit sequences.

Each sequence is found by name or id with one read of the account's sequences before anything
is written; a name Kit lacks stops the run, naming the closest. Kit has no bulk sequence
endpoint: each addition is one request by email, with either credential, once the upsert has
said the subscriber is active in Kit.

Kit answers 200 for a subscriber already in the sequence, but a sequence set to repeat starts
that subscriber over, so nobody known to be in it is sent: the run memory remembers each
addition Kit confirmed, and the sequence's subscriber list is read first when it is a repeating
sequence or when reading it costs fewer requests than the additions it may save. Kit refuses
every addition to an inactive sequence (a 422): the list of sequences says so up front, or the
first refusal does, and the rest are not sent; the summary says it once.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from importer.errors import ConfigError, KitRequestError, KitUnavailableError
from importer.kit import Added, KitClient, Sequence, SequenceClosed, add_to_sequence, list_sequence_members, \
    list_sequences, sequence_member_emails
from importer.kit.sequences import MEMBERS_PAGE
from importer.outputs.words import plural
from importer.records import Contact, KitState, Outcome, STOPPED_BEFORE_SENDING
from importer.send.actions.base import Action, Count, Figures, MemberList, file_active, kit_active
from importer.send.stages.base import Stage

if TYPE_CHECKING:
    from importer.decide.tally import Tally
    from importer.read.columns import ColumnPlan
    from importer.settings.declaration import Settings

NOT_ADDED = "not added to sequence"
INACTIVE = "the sequence is inactive in Kit, which refuses every addition to it"
SEQUENCE_NOTE = ("--sequence: each subscriber added starts receiving the sequence's emails. Only subscribers active "
                 "in Kit and in the file are added, and nobody known to be in the sequence is sent again.")


def sequence_key(sequence_id: int) -> str:
    """The run memory's mark of an addition to this sequence that Kit confirmed."""
    return f"sequence:{sequence_id}"


class Target:
    """One sequence of the run: who is in it already (lowercased emails), and Kit's refusal of every
    addition once known (an inactive sequence)."""

    def __init__(self, sequence: Sequence) -> None:
        self.sequence = sequence
        self.key = sequence_key(sequence.id)
        self.label = f"{sequence.name} (id {sequence.id})"
        self.members: set[str] = set()
        self.closed: str | None = INACTIVE if sequence.active is False else None

    def wants(self, contact: Contact, kit_state: KitState | None, confirmed: frozenset[str]) -> bool:
        """Active in the file and in Kit (as far as known), and not added by an earlier run."""
        return file_active(contact) and kit_active(kit_state, confirmed) and self.key not in confirmed

    def member_list(self) -> MemberList:
        """Its subscribers, for verify: whom a run adds, without the run memory's word that it did."""
        sequence_id = self.sequence.id
        return MemberList("sequence", self.label, self.key,
                          lambda contact, state: self.wants(contact, state, frozenset()),
                          lambda client: sequence_member_emails(client, sequence_id), self.closed)


@dataclass
class SequenceFigures(Figures):
    """The report's sequence figures."""

    sequences: list[str] = field(default_factory=list)  # each --sequence as "name (id N)"
    sequence_additions: int = 0  # subscribers Kit added to a sequence (new to it)
    sequence_members: int = 0  # in the sequence already (its list, or Kit's 200): never added again on purpose
    planned_sequence_additions: int = 0  # a dry run's upper bound: Kit's answers decide who is active
    sequence_refused: dict[str, str] = field(default_factory=dict)  # sequence -> why Kit refuses every addition

    with_states = True

    def plan_lines(self) -> list[tuple[str, str]]:
        if not self.sequences:
            return []
        return [("Sequences", f"up to {plural(self.planned_sequence_additions, 'addition')} "
                              f"(to {', '.join(self.sequences)}; active subscribers only)"), *self._refused()]

    def result_lines(self) -> list[tuple[str, str]]:
        if not self.sequences:
            return []
        members = f" ({plural(self.sequence_members, 'subscriber')} in it already: not added again)" \
            if self.sequence_members else ""
        return [("Sequences", f"{plural(self.sequence_additions, 'addition')} to {', '.join(self.sequences)}{members}"),
                *self._refused()]

    def _refused(self) -> list[tuple[str, str]]:
        """Kit's refusal of every addition to a sequence, said once for it."""
        return [("Sequence refused", f"{label}: {why}; nobody was added to it: activate it in Kit, then run again")
                for label, why in self.sequence_refused.items()]


class SequenceCount(Count):
    """Per sequence, the lowercased emails of the contacts it may take."""

    def __init__(self, action: Action) -> None:
        super().__init__(action)
        self.emails: dict[int, list[str]] = {}

    def add(self, contact: Contact) -> None:
        assert isinstance(self.action, Sequences)
        for target in self.action.targets:
            if target.wants(contact, None, contact.confirmed):
                self.emails.setdefault(target.sequence.id, []).append(contact.email.casefold())
                self.items += 1


class Sequences(Action):
    """Adds each imported subscriber active in Kit and in the file to every --sequence."""

    name = "sequences"
    figures_type = SequenceFigures
    verified = True  # who is in each sequence
    taken_back = False  # Kit's API cannot take a subscriber out of a sequence
    figures: SequenceFigures

    def __init__(self, wanted: list[str]) -> None:
        super().__init__()
        self.wanted_sequences = wanted
        self.targets: list[Target] = []
        self.pending = 0  # additions left to send once the members are known (a dry run's requests)

    @classmethod
    def wanted(cls, settings: Settings, columns: ColumnPlan) -> Sequences | None:
        return cls(list(settings.sequences)) if settings.sequences else None

    @staticmethod
    def notes(settings: Settings) -> list[str]:
        return [SEQUENCE_NOTE] if settings.sequences else []

    @property
    def key(self) -> str:
        return self.name

    def resolve(self, client: KitClient) -> None:
        found = resolve_sequences(client, self.wanted_sequences)
        self.targets = [Target(sequence) for sequence in found]
        self.figures.sequences = [target.label for target in self.targets]
        self.figures.sequence_refused = {t.label: t.closed for t in self.targets if t.closed}

    def needs(self, contact: Contact, kit_state: KitState | None, confirmed: frozenset[str]) -> bool:
        return any(target.wants(contact, kit_state, confirmed) for target in self.targets)

    def counter(self) -> SequenceCount:
        return SequenceCount(self)

    def prepare(self, client: KitClient, count: Count) -> None:
        """Learn who is in each sequence already, when that is worth its requests, before any addition."""
        emails = count.emails if isinstance(count, SequenceCount) else {}
        self.pending = 0
        for target in self.targets:
            wanted = emails.get(target.sequence.id, [])
            if target.closed is None:
                read_members(client, target, len(wanted))
            self.pending += sum(1 for email in wanted if email not in target.members) if not target.closed else 0

    def member_lists(self) -> list[MemberList]:
        """Each sequence's subscribers, for verify."""
        return [target.member_list() for target in self.targets]

    def stages(self, client: KitClient) -> list[Stage]:
        return [SequenceAdditions(client, target, self.figures) for target in self.targets]

    def requests(self, count: Count, bulk: bool) -> int:
        return self.pending  # one each, with either credential: Kit has no bulk sequence endpoint

    def plan(self, count: Count, tally: Tally | None = None) -> None:
        self.figures.planned_sequence_additions = self.pending


def resolve_sequences(client: KitClient, wanted: list[str]) -> list[Sequence]:
    """The account's sequences named in `wanted` (a name, ignoring case, or an id), read with one list
    before anything is written; a ConfigError naming the closest when Kit has no such sequence."""
    sequences = list_sequences(client)
    found: list[Sequence] = []
    for text in (w.strip() for w in wanted):
        match = next((s for s in sequences if text.isdigit() and s.id == int(text)), None)
        named = [s for s in sequences if s.name.strip().casefold() == text.casefold()]
        if match is None and len(named) > 1:
            ids = ", ".join(str(s.id) for s in named)
            raise ConfigError(f"Kit has {len(named)} sequences named {text!r} (ids {ids}).",
                              "Give the sequence's id in --sequence.")
        match = match or (named[0] if named else None)
        if match is None:
            raise ConfigError(*_missing(text, sequences))
        if match not in found:
            found.append(match)
    return found


def _missing(text: str, sequences: list[Sequence]) -> tuple[str, str]:
    """The message and hint for a sequence Kit does not have: the closest names, or some of them."""
    if not sequences:
        return (f"Kit has no sequence {text!r}: the account has no sequences.",
                "Create the sequence in Kit first, or leave out --sequence.")
    names = {s.name.casefold(): s for s in sequences}
    near = [names[n] for n in difflib.get_close_matches(text.casefold(), list(names), n=3, cutoff=0.4)]
    which = "closest" if near else "some of the account's sequences"
    listed = ", ".join(f"{s.name!r} (id {s.id})" for s in (near or sequences[:5]))
    return f"Kit has no sequence {text!r} ({which}: {listed}).", "Fix the name in --sequence, or give its id."


def read_members(client: KitClient, target: Target, candidates: int) -> None:
    """Read who is in the sequence when it pays: always for a repeating sequence (a subscriber added again
    starts it over), else when its pages cost fewer requests than the `candidates` additions."""
    repeat = target.sequence.repeat
    if not candidates or (not repeat and candidates <= 1):
        return  # one addition at most: a read cannot save it, and Kit's 200 for a member is harmless
    page = list_sequence_members(client, target.sequence.id, total_count=True)
    pages = math.ceil(page.total_count / MEMBERS_PAGE) if page.total_count is not None else None
    while True:
        target.members.update(email.casefold() for email in page.emails)
        if page.next_cursor is None or not (repeat or (pages is not None and pages < candidates)):
            return
        page = list_sequence_members(client, target.sequence.id, after=page.next_cursor)


class SequenceAdditions(Stage):
    """One addition a request, by email, for one sequence; needs the upsert's answer (Kit's state) first."""

    needs_id = True

    def __init__(self, client: KitClient, target: Target, figures: SequenceFigures) -> None:
        self.client, self.target, self.figures = client, target, figures

    def items(self, outcome: Outcome) -> list[Outcome]:
        contact = outcome.contact
        if outcome.kit_state is not KitState.ACTIVE or not self.target.wants(contact, None, contact.confirmed):
            return []
        if contact.email.casefold() in self.target.members:
            outcome.done.append(self.target.key)  # in it already: remembered, never sent
            self.figures.sequence_members += 1
            return []
        if self.target.closed:
            self._refused(outcome, self.target.closed)
            return []
        return [outcome]

    def send(self, batch: list[Outcome]) -> Added:
        if self.target.closed:  # refused since this was queued: Kit would refuse it too
            raise SequenceClosed(self.target.closed)
        return add_to_sequence(self.client, self.target.sequence.id, batch[0].contact.email)

    def settle(self, batch: list[Outcome], answer: Added | KitRequestError | KitUnavailableError) -> None:
        outcome = batch[0]
        if isinstance(answer, SequenceClosed):
            if self.target.closed is None:
                self.target.closed = "; ".join(answer.errors) or INACTIVE
                self.figures.sequence_refused[self.target.label] = self.target.closed
            self._refused(outcome, self.target.closed)
        elif isinstance(answer, (KitRequestError, KitUnavailableError)):
            self._refused(outcome, "; ".join(answer.errors) if isinstance(answer, KitRequestError) and answer.errors
                          else str(answer))
        else:
            outcome.done.append(self.target.key)
            if answer.new:
                self.figures.sequence_additions += 1
            else:
                self.figures.sequence_members += 1

    def _refused(self, outcome: Outcome, why: str) -> None:
        outcome.problems.append((NOT_ADDED, f"{self.target.sequence.name}: {why}"))

    def abandon(self, outcome: Outcome, why: str) -> None:
        self._refused(outcome, f"{STOPPED_BEFORE_SENDING}: {why}")

