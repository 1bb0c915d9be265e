"""What every sandbox route handler shares: the request as a handler sees it (`Call`), the
answer it raises for an error (`Reply`), Kit's cursor pages, and the items of a bulk body."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from importer.sandbox.server import Sandbox
    from importer.sandbox.store import KitStore

SYNC_LIMIT = 100  # a bulk request of more items is queued: Kit answers 202 {}
OVER_LIMIT = {"errors": ["This request would exceed your subscriber limit"]}
NOT_FOUND = {"errors": ["Not Found"]}


class Reply(Exception):
    """Raised inside a route to answer with this status and JSON body."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(status)
        self.status = status
        self.body = body


@dataclass(frozen=True)
class Call:
    """One request as a handler sees it: the sandbox, the query, the JSON body and the path's ids."""

    sb: Sandbox
    query: dict[str, str]
    body: Any
    ids: tuple[int, ...] = ()

    @property
    def store(self) -> KitStore:
        return self.sb.store


Handler = Callable[[Call], tuple[int, Any]]


def cursor(position: int) -> str:
    return base64.b64encode(json.dumps([position]).encode()).decode()


def uncursor(cursor: str) -> int:
    try:
        return int(json.loads(base64.b64decode(cursor))[0])
    except (ValueError, TypeError, IndexError):
        raise Reply(422, {"errors": ["The cursor is invalid"]}) from None


def paginate(items: list[Any], query: dict[str, str]) -> tuple[list[Any], dict]:
    """Kit's cursor pagination over a list already in its final order."""
    try:
        per_page = int(query.get("per_page") or 500)
    except ValueError:
        raise Reply(422, {"errors": ["per_page must be a number"]}) from None
    per_page = max(1, min(per_page, 1000))
    start = uncursor(query["after"]) + 1 if query.get("after") else 0
    if query.get("before"):
        end = uncursor(query["before"])
        start = max(0, end - per_page)
    page = items[start:start + per_page]
    last = start + len(page) - 1
    return page, {"has_previous_page": start > 0, "has_next_page": start + len(page) < len(items),
                  "start_cursor": cursor(start), "end_cursor": cursor(max(last, start)), "per_page": per_page}


def member_page(call: Call, members: list[int], joined: dict[int, float]) -> dict:
    """One page of a form's or a sequence's subscribers (`status`, cursor pages of up to 1000, and
    `include_total_count`, as Kit's document declares them)."""
    try:
        entries = call.store.listed_members(members, joined, call.query)
    except ValueError:
        raise Reply(422, {"errors": [f"Status {call.query.get('status')!r} is not valid"]}) from None
    page, pagination = paginate(entries, call.query)
    if (call.query.get("include_total_count") or "").lower() == "true":
        pagination["total_count"] = len(entries)
    return {"subscribers": page, "pagination": pagination}


def items_of(body: Any, key: str, empty_message: str) -> list:
    items = body.get(key) if isinstance(body, dict) else None
    if not isinstance(items, list) or not items:
        raise Reply(422, {"errors": [empty_message]})
    return items
