"""Subscriber endpoints: bulk upsert (OAuth), upsert one and unsubscribe one (either credential), parsed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from importer.kit.client import KitClient
from importer.kit.results import BulkResult, integer, obj, parse_bulk, state as _state, timestamp as _timestamp
from importer.records import KitState


@dataclass(frozen=True)
class NewSubscriber:
    """A subscriber to create or update, by email; a blank first name is never sent.

    `state` is the state Kit creates a new subscriber in (Kit ignores it for one it has).
    `active` is never sent: it is Kit's default anyway, and no request of kit-import may
    read as making someone active. `clear_first_name` sends a null first name: only `undo`
    does, to give back a subscriber the blank first name Kit held before a run.
    """

    email: str
    first_name: str | None = None
    state: KitState | None = None
    clear_first_name: bool = False

    def body(self) -> dict[str, str | None]:
        body: dict[str, str | None] = {"email_address": self.email}
        if self.first_name:
            body["first_name"] = self.first_name
        elif self.clear_first_name:
            body["first_name"] = None
        if self.state is not None and self.state is not KitState.ACTIVE:
            body["state"] = self.state.value
        return body


@dataclass(frozen=True)
class Subscriber:
    """A subscriber as Kit answered it. `fields` is the custom field echo (None when Kit sent none);
    `email` is None for a refused subscriber, as Kit's bulk failures show them."""

    id: int | None
    email: str | None
    first_name: str | None
    created_at: dt.datetime | None
    fields: dict[str, Any] | None = None
    state: KitState | None = None  # None when Kit gave no state, or one kit-import does not know

    @classmethod
    def parse(cls, data: dict) -> Subscriber:
        email, first = data.get("email_address"), data.get("first_name")
        fields = data.get("fields")
        return cls(integer(data.get("id")), str(email) if email else None, str(first) if first else None,
                   _timestamp(data.get("created_at")), fields if isinstance(fields, dict) else None,
                   _state(data.get("state")))


@dataclass(frozen=True)
class Upserted:
    """The answer to one upsert: the subscriber, whether Kit created it (201) or queued the
    write (202; its echo then proves nothing), and Kit's `warnings` (a later API version's
    answer to an unknown field key), as text."""

    subscriber: Subscriber
    created: bool
    queued: bool
    warnings: list[str]


def bulk_upsert_subscribers(client: KitClient, subscribers: Sequence[NewSubscriber]) -> BulkResult[Subscriber]:
    """POST /v4/bulk/subscribers: create or update up to 100 subscribers by email (OAuth only)."""
    reply = client.post("/v4/bulk/subscribers", {"subscribers": [s.body() for s in subscribers],
                                                  "callback_url": None})
    return parse_bulk(reply.status, reply.body, "subscribers", "subscriber", Subscriber.parse)


def upsert_subscriber(client: KitClient, subscriber: NewSubscriber,
                      fields: Mapping[str, str] | None = None) -> Upserted:
    """POST /v4/subscribers: create or update one subscriber with custom field values in `fields`
    (keyed by key or by label: see the API-key stage). A refusal raises KitRequestError."""
    body: dict[str, Any] = subscriber.body()
    if fields:
        body["fields"] = dict(fields)
    reply = client.post("/v4/subscribers", body)
    data = reply.body if isinstance(reply.body, dict) else {}
    sub = obj(data.get("subscriber"))
    raw = data.get("warnings") or []
    return Upserted(Subscriber.parse(sub), created=reply.status == 201, queued=reply.status == 202,
                    warnings=[_text(w) for w in (raw if isinstance(raw, list) else [raw])])


def unsubscribe_subscriber(client: KitClient, subscriber_id: int) -> None:
    """POST /v4/subscribers/{id}/unsubscribe: make an existing subscriber `cancelled` (Kit answers 204).
    A refusal (404: no such subscriber) raises KitRequestError."""
    client.post(f"/v4/subscribers/{subscriber_id}/unsubscribe", {})


def _text(warning: Any) -> str:
    if isinstance(warning, dict):
        return str(warning.get("message") or warning)
    return str(warning)
