"""The one-per-contact stage (API key): one upsert per contact, its values in the `fields` object.

Kit's pages disagree on how `fields` is keyed: the OpenAPI document says by custom field key
(an unknown key is a 422, or a `warnings` entry in a later version); the older page shows
labels and silently ignores what it does not know. Keys are sent first; until a response
proves which reading this Kit follows, a contact whose values were refused or not kept is
retried once keyed by label, and the reading that worked is kept for the run (shared by the
worker threads, behind a lock).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import defaultdict
from dataclasses import dataclass

from importer.errors import KitRequestError, KitUnavailableError
from importer.kit import KitClient, NewSubscriber, Upserted, upsert_subscriber
from importer.mapping import normalize
from importer.records import Contact, CustomField, Outcome, Status
from importer.scheduler import Stage
from importer.stages.base import created_since, refuse, run_start

Values = dict[CustomField, str]


@dataclass(frozen=True)
class Sent:
    """What one contact's requests came to: Kit's answer to the request it accepted, the values
    in that request and which of them the echo shows kept or not."""

    upserted: Upserted
    values: Values
    kept: list[CustomField]
    missed: list[CustomField]


class _Reading:
    """How this Kit keys `fields` ("key" or "label") once a response has proved it; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._way: str | None = None

    def get(self) -> str | None:
        with self._lock:
            return self._way

    def set(self, way: str | None) -> None:
        with self._lock:
            self._way = way

    def prove(self, way: str) -> None:
        """The first proof wins; later ones agree or came from a request already in flight."""
        with self._lock:
            self._way = self._way or way


class SingleUpserts(Stage):
    """Upserts each contact with its values; gives each contact its id."""

    size = 1

    def __init__(self, client: KitClient, *, started: dt.datetime | None = None) -> None:
        self.client = client
        self.created_after = run_start(client, started)
        self._reading = _Reading()

    @property
    def keyed_by(self) -> str | None:
        """The reading of `fields` proved so far, or None."""
        return self._reading.get()

    @keyed_by.setter
    def keyed_by(self, way: str | None) -> None:
        self._reading.set(way)

    def items(self, outcome: Outcome) -> list[Outcome]:
        return [outcome]

    def send(self, batch: list[Outcome]) -> Sent:
        """Upsert the contact with its values."""
        return self._upsert(batch[0].contact, dict(batch[0].contact.fields))

    def settle(self, batch: list[Outcome], answer: Sent | KitRequestError | KitUnavailableError) -> None:
        outcome = batch[0]
        if isinstance(answer, KitUnavailableError):
            refuse([outcome], answer)
        elif isinstance(answer, KitRequestError):
            outcome.fail("Kit rejected the subscriber", "; ".join(answer.errors) or str(answer))
        else:
            _settle(outcome, answer, self.created_after)

    def upsert(self, contact: Contact) -> Outcome:
        """Send one contact now and settle it (for a caller outside the scheduler, and tests)."""
        outcome = Outcome(contact, Status.FAILED)
        try:
            answer: Sent | KitRequestError | KitUnavailableError = self.send([outcome])
        except (KitRequestError, KitUnavailableError) as e:
            answer = e
        self.settle([outcome], answer)
        return outcome

    def _upsert(self, contact: Contact, values: Values) -> Sent:
        """Send these values keyed the proven way (keys until proven); retry once the other way
        when that may be why they were refused or not kept."""
        used = self.keyed_by or "key"
        try:
            upserted = self._post(contact, values, used)
        except KitRequestError as e:
            other = self._other_reading(values, used, e)
            if other and (retried := self._send_as(contact, values, other)):
                return retried
            raise
        kept, missed = _kept(values, upserted)
        if values and not kept and not upserted.queued and upserted.subscriber.fields:
            other = self._other_reading(values, used)
            if other and (retried := self._send_as(contact, values, other)):
                return retried
        if kept:
            self._reading.prove(used)
        return Sent(upserted, values, kept, missed)

    def _other_reading(self, values: Values, used: str, error: KitRequestError | None = None) -> str | None:
        """The reading of `fields` to retry with, if any: labels while no reading is proven yet,
        or the reading another request proved while this one was in flight."""
        if not values or (error is not None and _about_email(error)):
            return None
        proven = self.keyed_by
        if proven is None:
            return "label" if used == "key" else None
        return proven if proven != used else None

    def _send_as(self, contact: Contact, values: Values, keyed_by: str) -> Sent | None:
        """Send again with `fields` keyed this way; what Kit answered if it kept the values, else None."""
        try:
            upserted = self._post(contact, values, keyed_by)
        except (KitRequestError, KitUnavailableError):
            return None
        kept, missed = _kept(values, upserted)
        if not kept:
            return None
        self._reading.prove(keyed_by)
        return Sent(upserted, values, kept, missed)

    def _post(self, contact: Contact, values: Values, keyed_by: str) -> Upserted:
        fields = {(f.key if keyed_by == "key" else f.label): v for f, v in values.items()}
        return upsert_subscriber(self.client, NewSubscriber(contact.email, contact.first_name), fields)


def _about_email(error: KitRequestError) -> bool:
    return "email" in " ".join(error.errors).casefold()


def _kept(sent: Values, upserted: Upserted) -> tuple[list[CustomField], list[CustomField]]:
    """Which sent values the response's `fields` echo shows as kept, and which not.

    An absent or empty echo proves nothing either way: both lists are then empty.
    """
    echo = upserted.subscriber.fields
    if not sent or not echo:
        return [], []
    loose = {normalize(str(k)): v for k, v in echo.items()}
    kept, missed = [], []
    for kit_field, value in sent.items():
        got = echo.get(kit_field.key, echo.get(kit_field.label, loose.get(normalize(kit_field.key),
                                                                             loose.get(normalize(kit_field.label)))))
        (kept if str(got if got is not None else "").strip() == value.strip() else missed).append(kit_field)
    return kept, missed


def _settle(outcome: Outcome, sent: Sent, created_after: dt.datetime) -> None:
    sub = sent.upserted.subscriber
    outcome.subscriber_id = sub.id
    new = sent.upserted.created or sent.upserted.queued or created_since(sub.created_at, created_after)
    outcome.status = Status.CREATED if new else Status.UPDATED
    warned = _warnings(sent.upserted.warnings, sent.values)
    for kit_field in sent.missed:
        if kit_field not in warned:
            outcome.problems.append(("field not written", f"{kit_field.label}: Kit did not keep the value"))
    for kit_field, text in warned.items():
        outcome.problems.append(("field not written", f"{kit_field.label}: {text}" if kit_field else text))
    outcome.unwritten.update(sent.missed, (f for f in warned if f is not None))
    if None in warned:  # a warning naming no field: no value of this contact can be trusted as kept
        outcome.unwritten.update(sent.values)
    confirmed = [f for f in sent.kept if f not in warned]
    outcome.values_written = len(confirmed)
    if not sent.kept and not sent.missed:
        outcome.values_unconfirmed = len([f for f in sent.values if f not in warned])


def _warnings(warnings: list[str], sent: Values) -> dict[CustomField | None, str]:
    """Kit's `warnings` (a later API version's answer to an unknown field key), by field."""
    grouped: dict[CustomField | None, list[str]] = defaultdict(list)
    for text in warnings:
        target = next((f for f in sent if f.key in text or f.label in text), None)
        grouped[target].append(text)
    return {target: "; ".join(texts) for target, texts in grouped.items()}
