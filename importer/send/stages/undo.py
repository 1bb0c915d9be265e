"""The stages that take a run back from its undo lines, run by the scheduler as a run's stages are:
restored values and first names, removed tags, tags put back, and created subscribers unsubscribed.
With OAuth each bulk stage packs 100 lines a request; with an API key a subscriber's first name and
values go in one upsert, and each tag and unsubscribe is a request of its own. A request Kit refuses,
or that still fails after every retry, fails only its own lines. Every line settled, or started, is
noted in the `Ledger`, so that an undo that stops can say which lines were sent and not confirmed."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

from importer.errors import KitRequestError, KitUnavailableError
from importer.kit import (BULK_LIMIT, FieldValue, KitClient, Matched, NewSubscriber, Tag, Tagging,
                          bulk_set_values, bulk_tag_subscribers, bulk_untag_subscribers, bulk_upsert_subscribers,
                          find_subscriber, match, tag_subscriber, unsubscribe_subscriber, untag_subscriber,
                          upsert_subscriber)
from importer.outputs.undo import (CREATED, FIELD, FIRST_NAME, REMOVED_TAG, TAG, UndoLine, UndoReport,
                                   count_done)
from importer.records import CustomField, KitState, Outcome
from importer.send.stages.base import Stage

REFUSED = (KitRequestError, KitUnavailableError)
NOT_YET_LISTED = "not in Kit's subscriber list yet (it lags writes by up to minutes): run undo again later"


class Ledger:
    """The undo's report, and which lines were started (sent) and settled, by identity: the stages
    write it, settling in the main thread and noting a start from a worker thread (under a lock)."""

    def __init__(self, report: UndoReport) -> None:
        self.report = report
        self.started: set[int] = set()
        self.settled: set[int] = set()
        self._lock = threading.Lock()

    def start(self, lines: Iterable[UndoLine]) -> None:
        with self._lock:
            self.started.update(id(line) for line in lines)

    def done(self, line: UndoLine) -> None:
        self.settled.add(id(line))
        count_done(self.report, line)

    def fail(self, line: UndoLine, why: str) -> None:
        self.settled.add(id(line))
        self.report.failed.append((line, why))

    def settle(self, line: UndoLine, ok: bool, why: str) -> None:
        if ok:
            self.done(line)
        else:
            self.fail(line, why)


class UndoStage(Stage):
    """One kind of undo request over the lines of some kinds (`kinds`), grouped by subscriber: the
    scheduler's contacts are the undo file's emails, and `lines` holds each email's lines."""

    kinds: tuple[str, ...] = ()

    def __init__(self, client: KitClient, ledger: Ledger, lines: dict[str, list[UndoLine]]) -> None:
        self.client, self.ledger = client, ledger
        self.lines = {email: [line for line in mine if line.what in self.kinds] for email, mine in lines.items()}

    def items(self, outcome: Outcome) -> list[Any]:
        return list(self.lines.get(outcome.contact.email, ()))

    def send(self, batch: list[Any]) -> Any:
        self.ledger.start(_lines_of(batch))
        return self.request(batch)

    def request(self, batch: list[Any]) -> Any:
        raise NotImplementedError

    def settle(self, batch: list[Any], answer: Any) -> None:
        if isinstance(answer, REFUSED):
            for line in _lines_of(batch):
                self.ledger.fail(line, str(answer))
            return
        self.settle_answer(batch, answer)

    def settle_answer(self, batch: list[Any], answer: Any) -> None:
        for line in _lines_of(batch):
            self.ledger.done(line)


def _lines_of(batch: list[Any]) -> list[UndoLine]:
    """The lines of a batch: items are lines, or (one upsert per subscriber) tuples of lines."""
    return [line for item in batch for line in (item if isinstance(item, tuple) else (item,))]


class BulkValues(UndoStage):
    """Values put back, 100 a request (OAuth), matched by subscriber and field."""

    kinds, size = (FIELD,), BULK_LIMIT

    def __init__(self, client: KitClient, ledger: Ledger, lines: dict[str, list[UndoLine]],
                 fields: dict[str, CustomField]) -> None:
        super().__init__(client, ledger, lines)
        self.fields = fields

    def _sent(self, batch: list[UndoLine]) -> list[FieldValue]:
        return [FieldValue(line.subscriber_id, self.fields[line.key].id, line.kit_value or "") for line in batch]

    def request(self, batch: list[UndoLine]) -> Any:
        return bulk_set_values(self.client, self._sent(batch))

    def settle_answer(self, batch: list[UndoLine], answer: Any) -> None:
        sent = self._sent(batch)
        self._settle_matched(batch, answer.queued, match(
            [(v.subscriber_id, v.field_id) for v in sent], [((v.subscriber_id, v.field_id), v) for v in answer.items],
            [((f.item.subscriber_id, f.item.field_id), f.text) for f in answer.failures]))

    def _settle_matched(self, batch: list[UndoLine], queued: bool, matched: Matched[Any, str]) -> None:
        """Each line as Kit's answer says (Kit answers in any order); a queued request (Kit's 202) is
        taken as done, and a line Kit neither confirmed nor failed is not."""
        failed = dict(matched.failed)
        for index, line in enumerate(batch):
            self.ledger.settle(line, queued or (index not in failed and index not in matched.left),
                               failed.get(index, "Kit did not confirm it"))


class BulkNames(BulkValues):
    """First names put back (or cleared), 100 subscribers a bulk upsert (OAuth), matched by email."""

    kinds = (FIRST_NAME,)

    def __init__(self, client: KitClient, ledger: Ledger, lines: dict[str, list[UndoLine]]) -> None:
        super().__init__(client, ledger, lines, {})

    def request(self, batch: list[UndoLine]) -> Any:
        return bulk_upsert_subscribers(self.client, [NewSubscriber(line.email, line.kit_value,
                                                                   clear_first_name=line.kit_value is None)
                                                     for line in batch])

    def settle_answer(self, batch: list[UndoLine], answer: Any) -> None:
        self._settle_matched(batch, answer.queued, match(
            [line.email.casefold() for line in batch], [((s.email or "").casefold(), s) for s in answer.items],
            [((f.item.email or "").casefold(), f.text) for f in answer.failures]))


class Upserts(UndoStage):
    """With an API key: one upsert per subscriber carries its first name and values (by field key)."""

    kinds = (FIRST_NAME, FIELD)

    def items(self, outcome: Outcome) -> list[Any]:
        mine = self.lines.get(outcome.contact.email)
        return [tuple(mine)] if mine else []

    def request(self, batch: list[tuple[UndoLine, ...]]) -> Any:
        (mine,) = batch
        name = next((line for line in mine if line.what == FIRST_NAME), None)
        subscriber = NewSubscriber(mine[0].email, name.kit_value if name else None,
                                   clear_first_name=name is not None and name.kit_value is None)
        return upsert_subscriber(self.client, subscriber,
                                 {line.key: line.kit_value or "" for line in mine if line.what == FIELD})


class BulkUntags(UndoStage):
    """The tags the run added, removed 100 a request (OAuth)."""

    kinds, size = (TAG,), BULK_LIMIT

    def __init__(self, client: KitClient, ledger: Ledger, lines: dict[str, list[UndoLine]],
                 tags: dict[str, Tag]) -> None:
        super().__init__(client, ledger, lines)
        self.tags = tags

    def _sent(self, batch: list[UndoLine]) -> list[Tagging]:
        return [Tagging(self.tags[line.key.casefold()].id, line.subscriber_id) for line in batch]

    def request(self, batch: list[UndoLine]) -> Any:
        return bulk_untag_subscribers(self.client, self._sent(batch))

    def settle_answer(self, batch: list[UndoLine], answer: Any) -> None:
        sent = self._sent(batch)
        matched = match(sent, [(t, t) for t in answer.items], [(f.item, f) for f in answer.failures])
        for index, failure in matched.failed:
            self.ledger.settle(batch[index], answer.queued, failure.text)
        for index, _ in matched.done:
            self.ledger.done(batch[index])
        for index in matched.left:  # Kit names a refused untagging with the side it does not know as null
            tagging = sent[index]
            reason = next((f.text for f in matched.unnamed if f.item.tag_id in (None, tagging.tag_id)
                           and f.item.subscriber_id in (None, tagging.subscriber_id)), "Kit did not confirm it")
            self.ledger.settle(batch[index], answer.queued, reason)


class BulkPutBack(BulkUntags):
    """Tags --when-removed took off, put back 100 a request (OAuth): Kit lists the subscribers it tagged."""

    kinds = (REMOVED_TAG,)

    def request(self, batch: list[UndoLine]) -> Any:
        return bulk_tag_subscribers(self.client, self._sent(batch))

    def settle_answer(self, batch: list[UndoLine], answer: Any) -> None:
        tagged = {item.subscriber_id for item in answer.items}
        for line, tagging in zip(batch, self._sent(batch)):
            self.ledger.settle(line, answer.queued or tagging.subscriber_id in tagged, "Kit did not confirm it")


class Untag(BulkUntags):
    """With an API key: one tag removed a request."""

    size = 1

    def request(self, batch: list[UndoLine]) -> Any:
        (line,) = batch
        assert line.subscriber_id is not None  # a line without one failed before the undo sent anything
        return untag_subscriber(self.client, self.tags[line.key.casefold()].id, line.subscriber_id)

    settle_answer = UndoStage.settle_answer


class PutBack(BulkUntags):
    """With an API key: one tag put back a request, by email."""

    kinds, size = (REMOVED_TAG,), 1

    def request(self, batch: list[UndoLine]) -> Any:
        (line,) = batch
        return tag_subscriber(self.client, self.tags[line.key.casefold()].id, line.email)

    settle_answer = UndoStage.settle_answer


class Unsubscribes(UndoStage):
    """--unsubscribe-created: each created subscriber found by email (the undo file has no id for it),
    then unsubscribed if it is active."""

    kinds = (CREATED,)

    def request(self, batch: list[UndoLine]) -> Any:
        (line,) = batch
        held = find_subscriber(self.client, line.email)
        if held is None:
            return None
        if held.state is KitState.ACTIVE:
            unsubscribe_subscriber(self.client, held.id)
            return True
        return False  # already not active (the run created them cancelled or bounced): nothing to send

    def settle_answer(self, batch: list[UndoLine], answer: Any) -> None:
        (line,) = batch
        if answer is None:
            self.ledger.fail(line, NOT_YET_LISTED)
            return
        self.ledger.settled.add(id(line))
        if answer:
            self.ledger.report.unsubscribed += 1
        else:
            self.ledger.report.already_inactive += 1


