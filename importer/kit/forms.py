"""Form endpoints: list the account's forms and a form's subscribers, add subscribers to a form in bulk
(OAuth) or one by email."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from importer.kit.client import KitClient
from importer.kit.results import BulkResult, integer, parse_bulk
from importer.kit.subscribers import Subscriber


@dataclass(frozen=True)
class Form:
    """A Kit form or landing page: its id, name and type (`embed` or `hosted`)."""

    id: int
    name: str
    type: str = ""


@dataclass(frozen=True)
class FormAddition:
    """One subscriber's addition to a form. Kit confirms an addition with the subscriber (its
    `id`), and echoes a refused one as a `subscription` whose unknown side is null."""

    form_id: int | None
    subscriber_id: int | None
    referrer: str | None = None

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"form_id": self.form_id, "subscriber_id": self.subscriber_id}
        if self.referrer:
            body["referrer"] = self.referrer
        return body

    @classmethod
    def parse(cls, data: dict) -> FormAddition:
        subscriber = data.get("subscriber_id") if "subscriber_id" in data else data.get("id")
        referrer = data.get("referrer")
        return cls(integer(data.get("form_id")), integer(subscriber), str(referrer) if referrer else None)


def list_forms(client: KitClient) -> list[Form]:
    """GET /v4/forms: the account's active forms and landing pages, 1000 a page."""
    return [Form(int(f["id"]), str(f.get("name") or ""), str(f.get("type") or ""))
            for f in client.paginate("/v4/forms", "forms") if integer(f.get("id")) is not None]


def form_member_emails(client: KitClient, form_id: int) -> Iterator[str]:
    """GET /v4/forms/{id}/subscribers: the emails of the form's subscribers in every state, as Kit spells
    them, 1000 a page. A page is read only when the one before is used up: stop early, send fewer requests."""
    for data in client.paginate(f"/v4/forms/{form_id}/subscribers", "subscribers", {"status": "all"}):
        if data.get("email_address"):
            yield str(data["email_address"])


def bulk_add_to_form(client: KitClient, additions: Sequence[FormAddition]) -> BulkResult[FormAddition]:
    """POST /v4/bulk/forms/subscribers: add up to 100 existing subscribers to forms (OAuth only).

    Kit's page: adding subscribers to a double opt-in form sends each one the form's incentive
    email (once per subscriber and form)."""
    reply = client.post("/v4/bulk/forms/subscribers", {"additions": [a.body() for a in additions],
                                                       "callback_url": None})
    return parse_bulk(reply.status, reply.body, "subscribers", "subscription", FormAddition.parse)


def add_to_form(client: KitClient, form_id: int, email: str, referrer: str | None = None) -> Subscriber:
    """POST /v4/forms/{form_id}/subscribers: add one existing subscriber by email (either credential).
    A refusal (404: no such form or subscriber) raises KitRequestError."""
    body: dict[str, Any] = {"email_address": email}
    if referrer:
        body["referrer"] = referrer
    data = client.post(f"/v4/forms/{form_id}/subscribers", body).body
    sub = data.get("subscriber") if isinstance(data, dict) else None
    return Subscriber.parse(sub if isinstance(sub, dict) else {})
