"""The unsubscribes stage (--unsubscribe): unsubscribe the people the file says left but Kit holds active.

Kit's upsert never changes an existing subscriber's state, so a row saying "unsubscribed" for
someone Kit holds as active changes nothing by itself. Only when the user asks does this stage
send Kit's unsubscribe, one request per subscriber (either credential); it needs
the upsert's answer first (the id and the state Kit holds). It only ever makes people inactive.
"""

from __future__ import annotations

from importer.errors import KitRequestError, KitUnavailableError
from importer.kit import KitClient, unsubscribe_subscriber
from importer.records import KitState, Outcome, STOPPED_BEFORE_SENDING
from importer.send.scheduler import Stage

NOT_UNSUBSCRIBED = "not unsubscribed"


def wants_unsubscribe(outcome: Outcome) -> bool:
    """Whether the file says this person left while Kit holds them active (and no earlier run unsubscribed them)."""
    said = outcome.contact.state
    return said is not None and said is not KitState.ACTIVE and outcome.kit_state is KitState.ACTIVE \
        and "left" not in outcome.contact.confirmed


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
            outcome.unsubscribed = True
            outcome.kit_state = KitState.CANCELLED

    def abandon(self, outcome: Outcome, why: str) -> None:
        outcome.problems.append((NOT_UNSUBSCRIBED, f"{STOPPED_BEFORE_SENDING}: {why}"))
