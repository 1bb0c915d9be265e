"""The one-per-contact stage (API key): one upsert per contact, its values in the `fields` object.

Kit's pages disagree on how `fields` is keyed: the OpenAPI document says by custom field key
(an unknown key is a 422, or a `warnings` entry in a later version); the older page shows
labels and silently ignores what it does not know. Keys are sent first; until a response
proves which reading this Kit follows, a contact whose values were refused or not kept is
retried once keyed by label, and the reading that worked is kept for the run (shared by the
worker threads, behind a lock).

Kit refuses the whole request (422) when it refuses one value. The contact is then sent
again without the values the errors name (by key or label), or without any value when they
name none, so that only those values fail and the contact and its other values go in.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

from importer.errors import KitRequestError, KitUnavailableError
from importer.kit import KitClient, NewSubscriber, Upserted, upsert_subscriber
from importer.read.columns import normalize
from importer.records import Contact, CustomField, KitState, Outcome, Status
from importer.send.stages.base import Stage
from importer.send.stages.base import created_since, refuse, run_start

Values = dict[CustomField, str]


@dataclass(frozen=True)
class Sent:
    """What one contact's requests came to: Kit's answer to the request it accepted, the values
    in that request and which of them the echo shows kept or not, and the values Kit refused
    (with its message) that were left out of it."""

    upserted: Upserted
    values: Values
    kept: list[CustomField]
    missed: list[CustomField]
    refused: dict[CustomField, str] = field(default_factory=dict)


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

    def __init__(self, client: KitClient, *, started: dt.datetime | None = None,
                 new_state: KitState | None = None) -> None:
        self.client = client
        self.created_after = run_start(client, started)
        self.new_state = new_state  # the state a new subscriber is created in when its row gives none
        self._reading = _Reading()

    @property
    def keyed_by(self) -> str | None:
        """The reading of `fields` proved so far, or None."""
        return self._reading.get()

    @keyed_by.setter
    def keyed_by(self, way: str | None) -> None:
        self._reading.set(way)

    def items(self, outcome: Outcome) -> list[Outcome]:
        contact = outcome.contact
        if contact.subscriber_id is not None and not contact.fields and contact.first_name is None:
            return []  # Kit has it (the state says so) and only needs what later stages send: its tags
        return [outcome]

    def send(self, batch: list[Outcome]) -> Sent:
        """Upsert the contact; on a 422 that a value caused, again without that value."""
        contact = batch[0].contact
        values = dict(contact.fields)
        refused: dict[CustomField, str] = {}
        first: KitRequestError | None = None
        while True:
            try:
                sent = self._upsert(contact, values)
            except KitRequestError as e:
                first = first or e
                named = _named(values, e.errors) if values and not _about_email(e) else {}
                if values and not named and not _about_email(e):
                    named = dict.fromkeys(values, "; ".join(e.errors) or str(e))
                if not named:
                    # A contact Kit refuses even without the values: said in the words of the first
                    # refusal, unless the last one is about something else (its email, say).
                    raise first if refused and _names_any(refused, e) else e from None
                refused.update(named)
                values = {f: v for f, v in values.items() if f not in named}
                continue
            return Sent(sent.upserted, sent.values, sent.kept, sent.missed, refused)

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
        subscriber = NewSubscriber(contact.email, contact.first_name, contact.state or self.new_state)
        return upsert_subscriber(self.client, subscriber, fields)


def _about_email(error: KitRequestError) -> bool:
    return "email" in " ".join(error.errors).casefold()


def _mention(message: str, name: str) -> int:
    """How surely an error message names a field: 3 when it starts `name:`, 2 when it quotes the
    name, 1 when it has the name as a whole word, 0 when it does not name it."""
    if not name:
        return 0
    if message.casefold().startswith(name.casefold() + ":"):
        return 3
    if re.search(rf"""['"`]{re.escape(name)}['"`]""", message, re.IGNORECASE):
        return 2
    return 1 if re.search(rf"(?<!\w){re.escape(name)}(?!\w)", message) else 0


def _named(values: Mapping[CustomField, str], errors: list[str]) -> dict[CustomField, str]:
    """The sent values each error names, surest and longest name first, with Kit's message (less
    a leading `name:`, so that it reads as the bulk path's does)."""
    named: dict[CustomField, list[str]] = defaultdict(list)
    for message in errors:
        scored = [(_mention(message, name), len(name), f, name) for f in values for name in (f.key, f.label)]
        scored = [s for s in scored if s[0]]
        if not scored:
            continue
        best = max(s[:2] for s in scored)
        for score, length, kit_field, name in scored:
            text = message[len(name) + 1:].strip() if score == 3 else message
            if (score, length) == best and text not in named[kit_field]:
                named[kit_field].append(text)
    return {f: "; ".join(texts) for f, texts in named.items() if texts}


def _names_any(values: Mapping[CustomField, str], error: KitRequestError) -> bool:
    return bool(_named(values, error.errors))


def _kept(sent: Values, upserted: Upserted) -> tuple[list[CustomField], list[CustomField]]:
    """Which sent values the response's `fields` echo shows as kept, and which not.

    An absent or empty echo proves nothing either way: both lists are then empty.
    """
    echo = upserted.subscriber.fields
    if not sent or not echo:
        return [], []
    loose = {normalize(str(k)): v for k, v in echo.items()}
    kept: list[CustomField] = []
    missed: list[CustomField] = []
    for kit_field, value in sent.items():
        got = echo.get(kit_field.key, echo.get(kit_field.label, loose.get(normalize(kit_field.key),
                                                                             loose.get(normalize(kit_field.label)))))
        (kept if str(got if got is not None else "").strip() == value.strip() else missed).append(kit_field)
    return kept, missed


def _settle(outcome: Outcome, sent: Sent, created_after: dt.datetime) -> None:
    sub = sent.upserted.subscriber
    outcome.subscriber_id = sub.id
    outcome.kit_state, outcome.kit_created_at = sub.state, sub.created_at
    outcome.queued = sent.upserted.queued
    new = sent.upserted.created or sent.upserted.queued or created_since(sub.created_at, created_after)
    outcome.status = Status.CREATED if new else Status.UPDATED
    for kit_field, message in sent.refused.items():
        outcome.problems.append(("field not written", f"{kit_field.label}: {message}"))
    outcome.unwritten.update(sent.refused)
    warned = _warnings(sent.upserted.warnings, sent.values)
    for kit_field in sent.missed:
        if kit_field not in warned:
            outcome.problems.append(("field not written", f"{kit_field.label}: Kit did not keep the value"))
    for named, text in warned.items():
        outcome.problems.append(("field not written", f"{named.label}: {text}" if named else text))
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
