"""Sequence endpoints: list the account's sequences, list a sequence's subscribers, add one by email.

Kit has no bulk sequence endpoint: each addition is one request, with either credential.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from importer.errors import KitRequestError
from importer.kit.client import KitClient
from importer.kit.results import dicts, integer, obj
from importer.kit.subscribers import Subscriber

MEMBERS_PAGE = 1000  # Kit's largest page of a sequence's subscribers


class SequenceClosed(KitRequestError):
    """Kit refuses every addition to this sequence: it is inactive (Kit's 422)."""


@dataclass(frozen=True)
class Sequence:
    """A Kit sequence: its id and name; `active` is False when Kit does not deliver it (None: not said),
    `repeat` True when a subscriber added again starts it over."""

    id: int
    name: str
    active: bool | None = None
    repeat: bool = False


@dataclass(frozen=True)
class MembersPage:
    """One page of a sequence's subscribers (their emails as Kit spells them), the total when asked
    (first page only), and the cursor of the next page (None on the last)."""

    emails: list[str]
    total_count: int | None
    next_cursor: str | None


@dataclass(frozen=True)
class Added:
    """Kit's answer to one addition: the subscriber, and whether it was new to the sequence (201) or
    there already (200)."""

    subscriber: Subscriber
    new: bool


def list_sequences(client: KitClient) -> list[Sequence]:
    """GET /v4/sequences: every sequence of the account, 1000 a page."""
    found = []
    for data in client.paginate("/v4/sequences", "sequences"):
        sid = integer(data.get("id"))
        if sid is not None:
            active = data.get("active")
            found.append(Sequence(sid, str(data.get("name") or ""), active if isinstance(active, bool) else None,
                                  data.get("repeat") is True))
    return found


def list_sequence_members(client: KitClient, sequence_id: int, *, after: str | None = None,
                          total_count: bool = False) -> MembersPage:
    """GET /v4/sequences/{id}/subscribers: one page of the sequence's subscribers (every state), 1000 at most."""
    params: dict[str, Any] = {"status": "all", "per_page": MEMBERS_PAGE}
    if after:
        params["after"] = after
    if total_count:
        params["include_total_count"] = "true"
    body = obj(client.get(f"/v4/sequences/{sequence_id}/subscribers", params))
    page = obj(body.get("pagination"))
    total = integer(page.get("total_count"))
    total = total if total is not None else integer(body.get("total_count"))
    cursor = page.get("end_cursor")
    emails = [str(s["email_address"]) for s in dicts(body.get("subscribers")) if s.get("email_address")]
    return MembersPage(emails, total if total_count else None,
                       str(cursor) if page.get("has_next_page") and cursor else None)


def sequence_member_emails(client: KitClient, sequence_id: int) -> Iterator[str]:
    """GET /v4/sequences/{id}/subscribers: the emails of the sequence's subscribers in every state, as Kit
    spells them, 1000 a page, each page read only when the one before is used up (stop early: fewer requests)."""
    for data in client.paginate(f"/v4/sequences/{sequence_id}/subscribers", "subscribers", {"status": "all"}):
        if data.get("email_address"):
            yield str(data["email_address"])


def add_to_sequence(client: KitClient, sequence_id: int, email: str) -> Added:
    """POST /v4/sequences/{id}/subscribers: add one existing subscriber by email. A refusal raises
    KitRequestError (404: no such sequence or subscriber), SequenceClosed when the sequence is inactive (422)."""
    try:
        reply = client.post(f"/v4/sequences/{sequence_id}/subscribers", {"email_address": email})
    except KitRequestError as e:
        if e.status == 422:
            raise SequenceClosed(str(e), e.hint, e.status, e.errors) from None
        raise
    sub = obj(reply.body).get("subscriber")
    return Added(Subscriber.parse(sub if isinstance(sub, dict) else {}), reply.status == 201)
