"""The unsubscribes stage: unsubscribe the people the file says opted out whom Kit holds active.

Kit's upsert never changes an existing subscriber's state, so a row saying "unsubscribed" for
someone Kit holds as active changes nothing by itself. This stage sends Kit's unsubscribe, one
request per subscriber (either credential), to each contact `decide/unsubscribes.py` says to
unsubscribe, judged on the upsert's answer (the state and creation time Kit holds now). It runs
in every run but --keep-kit-state's, and only ever makes people inactive.
"""

from __future__ import annotations

from importer.decide.unsubscribes import Mode, decide
from importer.errors import KitRequestError, KitUnavailableError
from importer.kit import KitClient, unsubscribe_subscriber
from importer.records import KitState, Outcome, STOPPED_BEFORE_SENDING
from importer.send.scheduler import Stage

NOT_UNSUBSCRIBED = "not unsubscribed"


def wants_unsubscribe(outcome: Outcome, mode: Mode = Mode.HONOUR) -> bool:
    """Whether the policy unsubscribes this person, given the state and creation time Kit answered."""
    return decide(outcome.contact, outcome.kit_state, outcome.kit_created_at, mode).unsubscribe


class Unsubscribes(Stage):
    """One unsubscribe a request, by subscriber id."""

    needs_id = True

    def __init__(self, client: KitClient, mode: Mode = Mode.HONOUR) -> None:
        self.client = client
        self.mode = mode

    def items(self, outcome: Outcome) -> list[Outcome]:
        return [outcome] if wants_unsubscribe(outcome, self.mode) else []

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
            outcome.unsubscribed = True
            outcome.kit_state = KitState.CANCELLED

    def abandon(self, outcome: Outcome, why: str) -> None:
        outcome.problems.append((NOT_UNSUBSCRIBED, f"{STOPPED_BEFORE_SENDING}: {why}"))
