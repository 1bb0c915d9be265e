"""The form stages: add each imported subscriber who is active, in Kit and in the file, to the run's form.

With OAuth, 100 additions a request by subscriber id (Kit's bulk form addition); with
an API key, one request per subscriber by email. Both need the upsert's answer first: the
subscriber's id and the state Kit holds. Nobody Kit holds as cancelled, bounced, complained or
inactive, and nobody the file says left, is ever added: a form addition must never read as
consent. Kit's page warns that adding to a double opt-in form sends each new subscriber the
form's incentive email.
"""

from __future__ import annotations

from importer.errors import KitRequestError, KitUnavailableError
from importer.kit import BulkResult, Form, FormAddition, KitClient, Subscriber, add_to_form, bulk_add_to_form
from importer.records import KitState, Outcome, STOPPED_BEFORE_SENDING
from importer.send.scheduler import Stage
from importer.send.stages.base import CHUNK

NOT_ADDED = "not added to form"


def wants_form(outcome: Outcome) -> bool:
    """Whether this contact goes into the form: active in Kit and in the file, not added in an earlier run."""
    contact = outcome.contact
    return outcome.kit_state is KitState.ACTIVE and contact.state in (None, KitState.ACTIVE) \
        and "form" not in contact.confirmed and "left" not in contact.confirmed


class _FormStage(Stage):
    """What both form stages share: which contacts go, and how a refusal or a stopped run is told."""

    needs_id = True

    def __init__(self, client: KitClient, form: Form, referrer: str | None = None) -> None:
        self.client = client
        self.form = form
        self.referrer = referrer or None

    def items(self, outcome: Outcome) -> list[Outcome]:
        return [outcome] if wants_form(outcome) else []

    def _refused(self, outcome: Outcome, message: str) -> None:
        outcome.problems.append((NOT_ADDED, f"{self.form.name}: {message}"))

    def abandon(self, outcome: Outcome, why: str) -> None:
        self._refused(outcome, f"{STOPPED_BEFORE_SENDING}: {why}")


class BulkFormAdditions(_FormStage):
    """Up to 100 additions a request, packed across subscribers as soon as their ids are known (OAuth)."""

    size = CHUNK

    def send(self, batch: list[Outcome]) -> BulkResult[FormAddition]:
        return bulk_add_to_form(self.client, [FormAddition(self.form.id, o.subscriber_id, self.referrer)
                                              for o in batch])

    def settle(self, batch: list[Outcome], answer: BulkResult[FormAddition] | KitRequestError | KitUnavailableError
               ) -> None:
        """Confirmed by subscriber id; failures by subscriber id, or by elimination when Kit nulled it."""
        if isinstance(answer, (KitRequestError, KitUnavailableError)):
            for each in batch:
                self._refused(each, _reason(answer))
            return
        if answer.queued:
            return  # accepted, not confirmed: not journaled, so a later run sends it again (Kit ignores repeats)
        pending: dict[int | None, Outcome] = {o.subscriber_id: o for o in batch}
        for added in answer.items:
            if (outcome := pending.pop(added.subscriber_id, None)) is not None:
                outcome.added_to_form = self.form.id
        unnamed: list[str] = []
        for failure in answer.failures:
            outcome = pending.pop(failure.item.subscriber_id, None)
            if outcome is not None:
                self._refused(outcome, failure.text)
            else:
                unnamed.append(failure.text)
        reasons = "; ".join(sorted(set(unnamed))) or "Kit did not confirm the addition"
        for outcome in pending.values():
            self._refused(outcome, reasons)


class SingleFormAdditions(_FormStage):
    """One addition a request, by email (API key: no bulk access)."""

    def send(self, batch: list[Outcome]) -> Subscriber:
        return add_to_form(self.client, self.form.id, batch[0].contact.email, self.referrer)

    def settle(self, batch: list[Outcome], answer: Subscriber | KitRequestError | KitUnavailableError) -> None:
        outcome = batch[0]
        if isinstance(answer, (KitRequestError, KitUnavailableError)):
            self._refused(outcome, _reason(answer))
        else:
            outcome.added_to_form = self.form.id


def _reason(error: KitRequestError | KitUnavailableError) -> str:
    if isinstance(error, KitRequestError) and error.errors:
        return "; ".join(error.errors)
    return str(error)
