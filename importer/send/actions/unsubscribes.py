"""Unsubscribes (--unsubscribe): unsubscribe the people the file says left but Kit holds active.

Kit's upsert never changes an existing subscriber's state, so a row saying "unsubscribed" for
someone Kit holds as active changes nothing by itself. Only when the user asks does this stage
send Kit's unsubscribe, one request per subscriber (either credential); it needs
the upsert's answer first (the id and the state Kit holds). It only ever makes people inactive.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from importer.decide.compare import STATE, Comparison
from importer.errors import KitRequestError, KitUnavailableError
from importer.kit import KitClient, unsubscribe_subscriber
from importer.outputs.undo import UndoLine
from importer.outputs.words import plural
from importer.records import Contact, KitState, Outcome, STOPPED_BEFORE_SENDING
from importer.send.actions.base import LEFT, Action, Count, Figures, file_active, kit_active
from importer.send.scheduler import Stage

if TYPE_CHECKING:
    from importer.read.columns import ColumnPlan
    from importer.settings.declaration import Settings

NOT_UNSUBSCRIBED = "not unsubscribed"
UNSUBSCRIBED = "unsubscribe"  # the run memory's and the outcome's mark of an unsubscribe Kit confirmed


def wants_unsubscribe(outcome: Outcome) -> bool:
    """Whether the file says this person left while Kit holds them active (and no earlier run unsubscribed them)."""
    said = outcome.contact.state
    return said is not None and said is not KitState.ACTIVE and outcome.kit_state is KitState.ACTIVE \
        and LEFT not in outcome.contact.confirmed


class Unsubscribes(Stage):
    """One unsubscribe a request, by subscriber id."""

    needs_id = True

    def __init__(self, client: KitClient) -> None:
        self.client = client

    def items(self, outcome: Outcome) -> list[Outcome]:
        return [outcome] if wants_unsubscribe(outcome) else []

    def send(self, batch: list[Outcome]) -> None:
        subscriber_id = batch[0].subscriber_id
        if subscriber_id is None:  # Kit's answer to the upsert named no id: nothing to address
            raise KitRequestError("Kit gave no subscriber id to unsubscribe")
        unsubscribe_subscriber(self.client, subscriber_id)

    def settle(self, batch: list[Outcome], answer: KitRequestError | KitUnavailableError | None) -> None:
        outcome = batch[0]
        if isinstance(answer, (KitRequestError, KitUnavailableError)):
            detail = "; ".join(answer.errors) if isinstance(answer, KitRequestError) and answer.errors else str(answer)
            outcome.problems.append((NOT_UNSUBSCRIBED, detail))
        else:
            outcome.done.append(UNSUBSCRIBED)
            outcome.kit_state = KitState.CANCELLED

    def abandon(self, outcome: Outcome, why: str) -> None:
        outcome.problems.append((NOT_UNSUBSCRIBED, f"{STOPPED_BEFORE_SENDING}: {why}"))


@dataclass
class UnsubscribeFigures(Figures):
    """The report's unsubscribe figures."""

    unsubscribed: int = 0  # existing subscribers this run unsubscribed (--unsubscribe)
    planned_unsubscribes: int = 0  # a dry run's upper bound: those Kit holds active

    def tally(self, outcome: Outcome) -> None:
        self.unsubscribed += UNSUBSCRIBED in outcome.done

    def plan_lines(self) -> list[tuple[str, str]]:
        if not self.planned_unsubscribes:
            return []
        return [("Unsubscribes", f"up to {self.planned_unsubscribes:,} (those Kit holds active)")]

    def result_lines(self) -> list[tuple[str, str]]:
        if not self.unsubscribed:
            return []
        return [("Unsubscribed", f"{plural(self.unsubscribed, 'subscriber')} active in Kit, unsubscribed as the "
                                 "file says (--unsubscribe)")]


class Unsubscribing(Action):
    """Unsubscribes the subscribers Kit holds active whom the file says left; the only action that sends a state."""

    name = UNSUBSCRIBED
    figures_type = UnsubscribeFigures
    figures: UnsubscribeFigures

    @classmethod
    def wanted(cls, settings: Settings, columns: ColumnPlan) -> Unsubscribing | None:
        return cls() if settings.unsubscribe else None

    def needs(self, contact: Contact, kit_state: KitState | None, confirmed: frozenset[str]) -> bool:
        return not file_active(contact) and kit_active(kit_state, confirmed)

    def stages(self, client: KitClient) -> list[Stage]:
        return [Unsubscribes(client)]

    def requests(self, count: Count, bulk: bool) -> int:
        return count.items  # one request each, with either credential

    def plan(self, count: Count) -> None:
        self.figures.planned_unsubscribes = count.items

    def undo_lines(self, comparison: Comparison) -> Iterable[UndoLine]:
        """The state line: listed, never reversed (kit-import makes nobody active)."""
        held = comparison.held
        for change in comparison.changes:
            if held is not None and change.sent and change.what == STATE:
                yield UndoLine(comparison.contact.email, held.id, STATE, kit_value=change.kit_value)
