"""The bulk upserts stage (OAuth): up to 100 subscribers a request; it gives each contact its id."""

from __future__ import annotations

import datetime as dt

from importer.errors import KitRequestError, KitUnavailableError
from importer.kit import BULK_LIMIT, BulkResult, KitClient, NewSubscriber, Subscriber, bulk_upsert_subscribers, match
from importer.records import KitState, Outcome, Status
from importer.send.stages.base import Stage
from importer.send.stages.base import created_since, refuse, run_start

Answer = BulkResult[Subscriber] | KitRequestError | KitUnavailableError


class BulkUpserts(Stage):
    """Creates or updates contacts Kit does not know yet, matching Kit's answer back by email.

    A new subscriber is created in the state its row gives, else in `new_state` (--subscriber-state);
    Kit leaves an existing subscriber's state alone, and answers it, for the stages after this one."""

    size = BULK_LIMIT  # Kit's bulk limit: requests are filled to it, never past it

    def __init__(self, client: KitClient, *, started: dt.datetime | None = None,
                 new_state: KitState | None = None) -> None:
        self.client = client
        self.created_after = run_start(client, started)
        self.new_state = new_state

    def items(self, outcome: Outcome) -> list[Outcome]:
        return [outcome] if outcome.contact.subscriber_id is None else []

    def send(self, batch: list[Outcome]) -> BulkResult[Subscriber]:
        return bulk_upsert_subscribers(self.client, [NewSubscriber(o.contact.email, o.contact.first_name,
                                                                   o.contact.state or self.new_state)
                                                     for o in batch])

    def settle(self, batch: list[Outcome], answer: Answer) -> None:
        """Ids by email (Kit answers in any order); failures by email, or by elimination when
        Kit left the email out; a contact Kit neither confirms nor fails is a failure."""
        if isinstance(answer, (KitRequestError, KitUnavailableError)):
            refuse(batch, answer)
            return
        if answer.queued:
            refuse(batch, KitUnavailableError("Kit queued the request instead of answering it; "
                                              "nothing was confirmed"))
            return
        matched = match([o.contact.email.casefold() for o in batch],
                        [((sub.email or "").casefold(), sub) for sub in answer.items if sub.id is not None],
                        [((f.item.email or "").casefold(), f) for f in answer.failures])
        for index, sub in matched.done:
            outcome = batch[index]
            outcome.subscriber_id = sub.id
            outcome.kit_state, outcome.kit_created_at = sub.state, sub.created_at
            outcome.status = Status.CREATED if created_since(sub.created_at, self.created_after) else Status.UPDATED
        for index, failure in matched.failed:
            batch[index].fail("Kit rejected the subscriber", failure.text)
        _match_by_elimination([batch[i] for i in matched.left], [(f.item.first_name, f.text) for f in matched.unnamed])


def _match_by_elimination(unmatched: list[Outcome], unnamed: list[tuple[str | None, str]]) -> None:
    """Give failures that Kit returned without an email to the contacts it did not name.

    A first name settles a match when it is unique; if every leftover failure says the same
    thing, who got which does not matter; otherwise each contact is told all the reasons.
    A contact that Kit neither confirmed nor failed is a failure too, never a success.
    """
    for first_name, errors in list(unnamed):
        same = [o for o in unmatched if first_name and o.contact.first_name == first_name]
        if len(same) == 1:
            same[0].fail("Kit rejected the subscriber", errors)
            unmatched.remove(same[0])
            unnamed.remove((first_name, errors))
    reasons = sorted({errors for _, errors in unnamed})
    for outcome in unmatched:
        if not unnamed:
            outcome.fail("Kit did not confirm the subscriber", "it is neither in the response's subscribers "
                                                                 "nor its failures")
        elif len(reasons) == 1:
            outcome.fail("Kit rejected the subscriber", reasons[0])
        else:
            outcome.fail("Kit rejected the subscriber",
                         f"one of {len(unnamed)} failures Kit returned without an email: " + " | ".join(reasons))
