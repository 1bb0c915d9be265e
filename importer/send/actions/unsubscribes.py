"""Unsubscribes: unsubscribe the people the file says opted out whom Kit holds active.

Kit's upsert never changes an existing subscriber's state, so a row saying "unsubscribed" for
someone Kit holds as active changes nothing by itself. This action sends Kit's unsubscribe, one
request per subscriber (either credential), to each contact the consent policy
(decide/unsubscribes.py) says to unsubscribe, judged on the upsert's answer (the state and
creation time Kit holds now). It runs in every run but --keep-kit-state's, and only ever makes
people inactive.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from importer.decide.compare import STATE, Comparison
from importer.decide.unsubscribes import Mode, decide, may_unsubscribe, owed
from importer.errors import KitRequestError, KitUnavailableError
from importer.kit import KitClient, unsubscribe_subscriber
from importer.kit.reads import HeldSubscriber, find_subscriber, get_subscriber
from importer.outputs.undo import UndoLine
from importer.outputs.words import in_the_file, plural, says_not_to_email
from importer.records import Contact, KitState, Outcome, STOPPED_BEFORE_SENDING
from importer.send.actions.base import Action, Count, Figures
from importer.send.stages.base import Stage

if TYPE_CHECKING:
    from importer.decide.tally import Tally
    from importer.send.left_out import LeftOut
    from importer.read.columns import ColumnPlan
    from importer.settings.declaration import Settings

NOT_UNSUBSCRIBED = "not unsubscribed"
UNSUBSCRIBED = "unsubscribe"  # the run memory's and the outcome's mark of an unsubscribe Kit confirmed
QUEUED = "Kit queued the upsert; run again to unsubscribe"  # a 202 with no state, and no subscriber to read yet


def wants_unsubscribe(outcome: Outcome, mode: Mode = Mode.HONOUR) -> bool:
    """Whether the policy unsubscribes this person, given the state and creation time Kit answered."""
    return decide(outcome.contact, outcome.kit_state, outcome.kit_created_at, mode).unsubscribe


def unknown_after_queue(outcome: Outcome, mode: Mode = Mode.HONOUR) -> bool:
    """Kit queued the upsert (202) and its echo named no state, so the policy cannot judge yet: an opt-out
    the run may owe is looked up rather than skipped without a word."""
    return outcome.queued and outcome.kit_state is None and may_unsubscribe(outcome.contact, mode)


@dataclass(frozen=True)
class LookedUp:
    """The subscriber as Kit holds it, read because a queued upsert named no state; whether it was unsubscribed."""

    held: HeldSubscriber
    unsubscribed: bool


class Unsubscribes(Stage):
    """One unsubscribe a request, by subscriber id; after a queued upsert that named no state, one read
    of the subscriber first (by id, else by email), and the unsubscribe only if the policy says so."""

    needs_id = True

    def __init__(self, client: KitClient, mode: Mode = Mode.HONOUR) -> None:
        self.client = client
        self.mode = mode

    def items(self, outcome: Outcome) -> list[Outcome]:
        return [outcome] if wants_unsubscribe(outcome, self.mode) or unknown_after_queue(outcome, self.mode) else []

    def send(self, batch: list[Outcome]) -> LookedUp | None:
        outcome = batch[0]
        if outcome.kit_state is None:
            return self._look_up(outcome)
        if outcome.subscriber_id is None:  # Kit's answer to the upsert named no id: nothing to address
            raise KitRequestError("Kit gave no subscriber id to unsubscribe")
        unsubscribe_subscriber(self.client, outcome.subscriber_id)
        return None

    def _look_up(self, outcome: Outcome) -> LookedUp:
        """Read the subscriber a queued upsert left unknown, and unsubscribe it if the policy says so."""
        held = get_subscriber(self.client, outcome.subscriber_id) if outcome.subscriber_id is not None \
            else find_subscriber(self.client, outcome.contact.email)
        if held is None:
            raise KitRequestError(QUEUED)
        leaves = decide(outcome.contact, held.state, held.created_at, self.mode).unsubscribe
        if leaves:
            unsubscribe_subscriber(self.client, held.id)
        return LookedUp(held, leaves)

    def settle(self, batch: list[Outcome], answer: LookedUp | KitRequestError | KitUnavailableError | None) -> None:
        outcome = batch[0]
        if isinstance(answer, (KitRequestError, KitUnavailableError)):
            detail = "; ".join(answer.errors) if isinstance(answer, KitRequestError) and answer.errors else str(answer)
            outcome.problems.append((NOT_UNSUBSCRIBED, detail))
            return
        if isinstance(answer, LookedUp):
            outcome.subscriber_id = outcome.subscriber_id or answer.held.id
            outcome.kit_state, outcome.kit_created_at = answer.held.state, answer.held.created_at
            if not answer.unsubscribed:
                return
        outcome.done.append(UNSUBSCRIBED)
        outcome.kit_state = KitState.CANCELLED

    def abandon(self, outcome: Outcome, why: str) -> None:
        outcome.problems.append((NOT_UNSUBSCRIBED, f"{STOPPED_BEFORE_SENDING}: {why}"))


@dataclass
class UnsubscribeFigures(Figures):
    """The report's unsubscribe figures."""

    unsubscribed: int = 0  # existing subscribers active in Kit this run unsubscribed, as the file's opt-out says
    unsubscribed_as: Counter = field(default_factory=Counter)  # the file's state (cancelled, bounced) -> unsubscribed
    planned_unsubscribes: int = 0  # a dry run's: exact after a read of Kit, else at most this many
    planned_exact: bool = False  # a dry run's planned_unsubscribes come from a read of Kit (not in the JSON)
    planned_as: Counter = field(default_factory=Counter)  # of planned_unsubscribes: the file's state (not in the JSON)
    skipped: int = 0  # of `unsubscribed` (or planned), people --skip-unsubscribed left out (send/left_out.py)

    with_states = True

    def tally(self, outcome: Outcome) -> None:
        if UNSUBSCRIBED in outcome.done:
            self.unsubscribed += 1
            self.unsubscribed_as[str(outcome.contact.state)] += 1

    def left_out(self, done: LeftOut, exact: bool) -> None:
        """Count the skipped opt-outs this run unsubscribed (or a dry run would), apart as well as in the total."""
        for contact in done.unsubscribed:
            self.unsubscribed += 1
            self.unsubscribed_as[str(contact.state)] += 1
        self.skipped += len(done.unsubscribed) + done.planned
        self.planned_unsubscribes += done.planned
        self.planned_as.update(done.planned_as)
        self.planned_exact = self.planned_exact and exact

    def _of_skipped(self) -> str:
        return f"; {self.skipped:,} of them in rows --skip-unsubscribed left out" if self.skipped else ""

    def plan_lines(self) -> list[tuple[str, str]]:
        if not self.planned_unsubscribes:
            return []
        return [("Unsubscribes", f"{self.planned_unsubscribes:,} (active in Kit, {in_the_file(self.planned_as)} in "
                 f"the file{self._of_skipped()})" if self.planned_exact
                 else f"up to {self.planned_unsubscribes:,} (those Kit holds active{self._of_skipped()})")]

    def result_lines(self) -> list[tuple[str, str]]:
        if not self.unsubscribed:
            return []
        return [("Unsubscribed", f"{plural(self.unsubscribed, 'subscriber')} active in Kit whom the file says "
                                 f"{says_not_to_email(self.unsubscribed_as)}{_unsubscribed_as(self.unsubscribed_as)}"
                                 f"{self._of_skipped()}")]

    def closing(self) -> str:
        return f"{plural(self.unsubscribed, 'subscriber')} unsubscribed" if self.unsubscribed else ""

    def to_dict(self) -> dict[str, Any]:
        return {"unsubscribed": self.unsubscribed, "unsubscribed_as": dict(_ranked(self.unsubscribed_as)),
                "planned_unsubscribes": self.planned_unsubscribes, "unsubscribed_skipped": self.skipped}


def _ranked(said: Counter) -> list[tuple[str, int]]:
    """Most first, ties in Kit's order of states: the same line whichever answer Kit gave first."""
    order = [str(state) for state in KitState]
    return sorted(said.items(), key=lambda item: (-item[1], order.index(item[0]) if item[0] in order else len(order)))


def _unsubscribed_as(said: Counter) -> str:
    """` (2 unsubscribed, 1 bounced: Kit's API cannot set bounced or complained, so they were unsubscribed)`."""
    if set(said) <= {"cancelled"}:
        return ""
    parts = ", ".join(f"{n:,} {'unsubscribed' if state == 'cancelled' else state}" for state, n in _ranked(said))
    return f" ({parts}: Kit's API cannot set bounced or complained, so they were unsubscribed)"


class Unsubscribing(Action):
    """Unsubscribes the subscribers Kit holds active whom the file says opted out, as the consent policy says;
    the only action that sends a state. Every run has it but --keep-kit-state's."""

    name = UNSUBSCRIBED
    figures_type = UnsubscribeFigures
    figures: UnsubscribeFigures

    def __init__(self, mode: Mode = Mode.HONOUR) -> None:
        super().__init__()
        self.mode = mode

    @classmethod
    def wanted(cls, settings: Settings, columns: ColumnPlan) -> Unsubscribing | None:
        return cls(settings.consent) if settings.consent is not Mode.KEEP else None

    def needs(self, contact: Contact, kit_state: KitState | None, confirmed: frozenset[str]) -> bool:
        """Before Kit's state is known, an opt-out the run may send; after a read of Kit, the comparison's
        verdict has already put the state to send in the contact's difference (decide/unsubscribes.py)."""
        if kit_state is not None:
            return False
        return owed(replace(contact, confirmed=confirmed), self.mode)

    def stages(self, client: KitClient) -> list[Stage]:
        return [Unsubscribes(client, self.mode)]

    def requests(self, count: Count, bulk: bool) -> int:
        """One request each, with either credential: as many as a dry run plans (exact after a read)."""
        return self.figures.planned_unsubscribes if self.figures.planned_exact else count.items

    def plan(self, count: Count, tally: Tally | None = None) -> None:
        """Exact after a read of Kit (the comparison decided each), else at most the candidates."""
        self.figures.planned_exact = tally is not None
        self.figures.planned_unsubscribes = len(tally.unsubscribes) if tally is not None else count.items
        self.figures.planned_as = Counter(tally.unsubscribes_as) if tally is not None else Counter()

    def undo_lines(self, comparison: Comparison) -> Iterable[UndoLine]:
        """The state line: listed, never reversed (kit-import makes nobody active)."""
        held = comparison.held
        for change in comparison.changes:
            if held is not None and change.sent and change.what == STATE:
                yield UndoLine(comparison.contact.email, held.id, STATE, kit_value=change.kit_value)
