"""Tag endpoints: list and create tags, and tag subscribers in bulk (OAuth) or one by email."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from importer.errors import KitUnavailableError
from importer.kit.client import KitClient
from importer.kit.results import BulkResult, Failure, dicts, integer, messages, obj


@dataclass(frozen=True)
class Tag:
    """A Kit tag: its id and its name as Kit spells it."""

    id: int
    name: str


@dataclass(frozen=True)
class Tagging:
    """One tag on one subscriber. Kit echoes a refused tagging with the part it does not know
    (the tag or the subscriber) as null."""

    tag_id: int | None
    subscriber_id: int | None


@dataclass(frozen=True)
class Tagged:
    """The answer to tagging one subscriber by email: its id, and whether the tag is new to it
    (201) or it had the tag already (200)."""

    subscriber_id: int | None
    new: bool


def list_tags(client: KitClient) -> list[Tag]:
    """GET /v4/tags: every tag of the account, 1000 a page."""
    return [tag for t in client.paginate("/v4/tags", "tags") if (tag := _tag(t)) is not None]


def create_tag(client: KitClient, name: str) -> Tag:
    """POST /v4/tags: create one tag (Kit answers 200 with the existing one if the name is taken)."""
    body = client.post("/v4/tags", {"name": name}).body
    tag = _tag(body.get("tag")) if isinstance(body, dict) else None
    if tag is None:
        raise KitUnavailableError(f"Kit's answer to creating the tag {name!r} holds no tag.",
                                  "Run the import again; the tag is created or found then.")
    return tag


def bulk_create_tags(client: KitClient, names: Sequence[str]) -> BulkResult[Tag]:
    """POST /v4/bulk/tags: create up to 100 tags, or return the existing ones (OAuth only)."""
    reply = client.post("/v4/bulk/tags", {"tags": [{"name": n} for n in names], "callback_url": None})
    if reply.status == 202:
        return BulkResult([], [], queued=True)
    body = reply.body if isinstance(reply.body, dict) else {}
    tags = [tag for t in dicts(body.get("tags")) if (tag := _tag(t)) is not None]
    # Kit's document leaves a failure's shape open: the name is taken from a `tag` object if there is one.
    failures = [Failure(Tag(0, _name(f.get("tag"))), messages(f.get("errors"))) for f in dicts(body.get("failures"))]
    return BulkResult(tags, failures)


def bulk_tag_subscribers(client: KitClient, taggings: Sequence[Tagging]) -> BulkResult[Tagging]:
    """POST /v4/bulk/tags/subscribers: up to 100 taggings, across subscribers (OAuth only).

    Kit lists one subscriber per tagging it made, without the tag: each item is a Tagging
    whose `tag_id` is None. A refused tagging comes back under `failures` with Kit's messages.
    """
    body = {"taggings": [{"tag_id": t.tag_id, "subscriber_id": t.subscriber_id} for t in taggings],
            "callback_url": None}
    reply = client.post("/v4/bulk/tags/subscribers", body)
    if reply.status == 202:
        return BulkResult([], [], queued=True)
    data = reply.body if isinstance(reply.body, dict) else {}
    done = [Tagging(None, integer(s.get("id"))) for s in dicts(data.get("subscribers"))]
    failures = []
    for f in dicts(data.get("failures")):
        item = obj(f.get("tagging"))
        failures.append(Failure(Tagging(integer(item.get("tag_id")), integer(item.get("subscriber_id"))),
                                messages(f.get("errors"))))
    return BulkResult(done, failures)


def tag_subscriber(client: KitClient, tag_id: int, email: str) -> Tagged:
    """POST /v4/tags/{tag_id}/subscribers: tag one existing subscriber by email (either credential).
    A refusal (404 for a tag or subscriber Kit does not have, 422) raises KitRequestError."""
    reply = client.post(f"/v4/tags/{tag_id}/subscribers", {"email_address": email})
    data = reply.body if isinstance(reply.body, dict) else {}
    sub = obj(data.get("subscriber"))
    return Tagged(integer(sub.get("id")), new=reply.status == 201)


def _name(data: object) -> str:
    return str(data.get("name") or "") if isinstance(data, dict) else ""


def _tag(data: object) -> Tag | None:
    if not isinstance(data, dict) or integer(data.get("id")) is None:
        return None
    return Tag(data["id"], str(data.get("name") or ""))


def bulk_untag_subscribers(client: KitClient, taggings: Sequence[Tagging]) -> BulkResult[Tagging]:
    """DELETE /v4/bulk/tags/subscribers: remove up to 100 taggings, across subscribers (OAuth only).

    Kit's OpenAPI document gives this operation no request body, but its 422 ("`taggings` is
    empty or not an array") names the body POST takes, which is what is sent. Kit answers only
    `failures`; a removal it did not list there is taken as done (the items are the taggings sent).
    """
    body = {"taggings": [{"tag_id": t.tag_id, "subscriber_id": t.subscriber_id} for t in taggings],
            "callback_url": None}
    reply = client.request("DELETE", "/v4/bulk/tags/subscribers", json=body)
    if reply.status == 202:
        return BulkResult([], [], queued=True)
    data = reply.body if isinstance(reply.body, dict) else {}
    failures = []
    for f in dicts(data.get("failures")):
        item = obj(f.get("tagging"))
        failures.append(Failure(Tagging(integer(item.get("tag_id")), integer(item.get("subscriber_id"))),
                                messages(f.get("errors"))))
    done = [t for t in taggings if not any(_names(f.item, t) for f in failures)]
    return BulkResult(done, failures)


def untag_subscriber(client: KitClient, tag_id: int, subscriber_id: int) -> None:
    """DELETE /v4/tags/{tag_id}/subscribers/{id}: remove one tag from one subscriber (either
    credential; Kit answers 204). A refusal (404: no such tag or subscriber) raises KitRequestError."""
    client.request("DELETE", f"/v4/tags/{tag_id}/subscribers/{subscriber_id}")


def _names(echo: Tagging, sent: Tagging) -> bool:
    """Whether Kit's echo of a refused tagging (the part it does not know as null) is this tagging."""
    if echo.tag_id is None and echo.subscriber_id is None:
        return False
    return echo.tag_id in (None, sent.tag_id) and echo.subscriber_id in (None, sent.subscriber_id)
