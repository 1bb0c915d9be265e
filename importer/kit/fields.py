"""Custom field endpoints: list, create, and bulk set subscribers' values."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from importer.errors import KitUnavailableError
from importer.kit.client import KitClient
from importer.kit.results import BulkResult, integer, parse_bulk
from importer.records import CustomField


@dataclass(frozen=True)
class FieldValue:
    """One subscriber's value for one custom field. Kit echoes a refused value with a null
    `subscriber_id` when the subscriber does not exist."""

    subscriber_id: int | None
    field_id: int | None
    value: str | None

    @classmethod
    def parse(cls, data: dict) -> FieldValue:
        value = data.get("value")
        return cls(integer(data.get("subscriber_id")), integer(data.get("subscriber_custom_field_id")),
                   value if value is None or isinstance(value, str) else str(value))


def list_custom_fields(client: KitClient) -> list[CustomField]:
    """GET /v4/custom_fields: every custom field of the account, 1000 a page."""
    return [_field(f) for f in client.paginate("/v4/custom_fields", "custom_fields")]


def create_custom_field(client: KitClient, label: str) -> CustomField:
    """POST /v4/custom_fields: create a field (Kit answers 200 with the existing one if the label is taken)."""
    body = client.post("/v4/custom_fields", {"label": label}).body
    created = body.get("custom_field") if isinstance(body, dict) else None
    if not isinstance(created, dict) or integer(created.get("id")) is None:
        raise KitUnavailableError(f"Kit's answer to creating the custom field {label!r} holds no field.",
                                  "Run `kit-import fields` to see whether it exists, then run the import again.")
    return _field(created)


def bulk_set_values(client: KitClient, values: Sequence[FieldValue]) -> BulkResult[FieldValue]:
    """POST /v4/bulk/custom_fields/subscribers: set up to 100 values, across subscribers (OAuth only)."""
    body = {"custom_field_values": [{"subscriber_id": v.subscriber_id, "subscriber_custom_field_id": v.field_id,
                                     "value": v.value} for v in values],
            "callback_url": None}
    reply = client.post("/v4/bulk/custom_fields/subscribers", body)
    return parse_bulk(reply.status, reply.body, "custom_field_values", "custom_field_value", FieldValue.parse)


def _field(data: dict[str, Any]) -> CustomField:
    return CustomField(int(data["id"]), str(data.get("key") or ""), str(data.get("label") or ""))
