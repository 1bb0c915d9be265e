"""The bulk values stage (OAuth): 100 custom field values a request, packed across subscribers; needs ids."""

from __future__ import annotations

from importer.errors import KitRequestError, KitUnavailableError
from importer.kit import BULK_LIMIT, BulkResult, FieldValue, KitClient, bulk_set_values, match
from importer.records import REASON_KIT_UNAVAILABLE, REASON_VALUES_REFUSED, STOPPED_BEFORE_SENDING, CustomField, Outcome
from importer.send.stages.base import Stage

ValueItem = tuple[Outcome, CustomField, str]
Answer = BulkResult[FieldValue] | KitRequestError | KitUnavailableError


class BulkValues(Stage):
    """Writes each contact's values once its subscriber id is known."""

    size = BULK_LIMIT  # Kit's bulk limit: requests are filled to it, never past it
    needs_id = True

    def __init__(self, client: KitClient) -> None:
        self.client = client

    def items(self, outcome: Outcome) -> list[ValueItem]:
        return [(outcome, f, v) for f, v in outcome.contact.fields.items()]

    def send(self, batch: list[ValueItem]) -> BulkResult[FieldValue]:
        return bulk_set_values(self.client, [FieldValue(o.subscriber_id, f.id, v) for o, f, v in batch])

    def settle(self, batch: list[ValueItem], answer: Answer) -> None:
        for (outcome, kit_field, _), (state, detail) in zip(batch, _results(batch, answer)):
            if state == "written":
                outcome.values_written += 1
            elif state == "unconfirmed":
                outcome.values_unconfirmed += 1
            else:
                outcome.problems.append(("field not written", f"{kit_field.label}: {detail}"))
                outcome.unwritten.add(kit_field)

    def abandon(self, outcome: Outcome, why: str) -> None:
        outcome.problems.append(("field not written", f"{STOPPED_BEFORE_SENDING}: {why}"))
        outcome.unwritten.update(outcome.contact.fields)


def _results(items: list[ValueItem], answer: Answer) -> list[tuple[str, str]]:
    """("written" | "unconfirmed" | "failed", detail) per item, matched by subscriber and field."""
    if isinstance(answer, (KitRequestError, KitUnavailableError)):
        reason = REASON_KIT_UNAVAILABLE if isinstance(answer, KitUnavailableError) else REASON_VALUES_REFUSED
        return [("failed", f"{reason}: {answer}")] * len(items)
    if answer.queued:
        return [("unconfirmed", "")] * len(items)
    results: list[tuple[str, str] | None] = [None] * len(items)
    matched = match([(o.subscriber_id, f.id) for o, f, _ in items],
                    [((v.subscriber_id, v.field_id), v) for v in answer.items],
                    [((f.item.subscriber_id, f.item.field_id), f) for f in answer.failures])
    for index, _ in matched.done:
        results[index] = ("written", "")
    for index, failure in matched.failed:
        results[index] = ("failed", failure.text)
    unnamed = matched.unnamed
    pending = {(items[i][0].subscriber_id, items[i][1].id): i for i in matched.left}
    # A failure whose subscriber_id is null is matched by field and value among the values
    # that neither succeeded nor failed by name; what is still unmatched was not confirmed.
    for failure in unnamed:
        field_id = failure.item.field_id
        candidates = [key for key, i in pending.items() if items[i][1].id == field_id
                      and items[i][2] == failure.item.value]
        if len(candidates) != 1:
            candidates = [key for key, i in pending.items() if items[i][1].id == field_id] or list(pending)
        if candidates:
            results[pending.pop(candidates[0])] = ("failed", failure.text)
    return [r or ("failed", "Kit did not confirm the value") for r in results]
