"""Reading what Kit holds: the subscriber list (1,000 a page, with state, values and tags), one
subscriber by id, and one subscriber's tags, parsed into `HeldSubscriber`s.

The list lags writes by seconds to minutes (eventual consistency); a read by id and a
subscriber's tags are current, so a difference seen in the list is confirmed with them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from functools import lru_cache
from dataclasses import dataclass
from typing import Any

from importer.errors import KitRequestError, KitUnavailableError
from importer.kit.client import KitClient
from importer.kit.results import dicts, integer, obj, state as _state, timestamp
from importer.records import KitState

PAGE_MAX = 1000  # Kit's largest page of subscribers


@dataclass(frozen=True, slots=True)
class HeldTag:
    """A tag Kit holds on a subscriber: its id (None when Kit gives none) and its name."""

    id: int | None
    name: str


@dataclass(frozen=True, slots=True)
class HeldSubscriber:
    """A subscriber as Kit holds it. `fields` is keyed by custom field key, as Kit answers (None
    or text); `tags` is None when they were not asked for; `state` is None for a state Kit's
    document does not name."""

    id: int
    email: str
    first_name: str | None
    state: KitState | None
    fields: dict[str, str | None]
    tags: tuple[HeldTag, ...] | None
    created_at: dt.datetime | None

    @classmethod
    def parse(cls, data: Any) -> HeldSubscriber | None:
        """A subscriber from Kit's JSON, or None when it has no integer id or no email (unusable).

        Lenient on purpose: Kit's response schema marks `fields.category` required (an artefact of
        its example data), and any field may be null or missing in a real answer.
        """
        if not isinstance(data, dict):
            return None
        sid, email = integer(data.get("id")), data.get("email_address")
        if sid is None or not isinstance(email, str) or not email.strip():
            return None
        first = data.get("first_name")
        raw_fields = data.get("fields")
        fields = {str(k): _text(v) for k, v in raw_fields.items()} if isinstance(raw_fields, dict) else {}
        raw_tags = data.get("tags")
        tags = parse_tags(raw_tags) if isinstance(raw_tags, list) else None
        return cls(sid, email.strip(), str(first) if first not in (None, "") else None, _state(data.get("state")),
                   fields, tags, timestamp(data.get("created_at")))


@dataclass(frozen=True, slots=True)
class SubscriberPage:
    """One page of the subscriber list: its subscribers, the total when asked for (first page
    only), and the cursor of the next page (None on the last)."""

    subscribers: list[HeldSubscriber]
    total_count: int | None
    next_cursor: str | None
    tags: bool = False  # asked with each subscriber's tags


def list_subscribers(client: KitClient, *, after: str | None = None, status: str = "all",
                     include_tags: bool = False, updated_after: dt.datetime | None = None,
                     per_page: int = PAGE_MAX, total_count: bool = False,
                     email: str | None = None) -> SubscriberPage:
    """GET /v4/subscribers: one page of subscribers (every state by default), 1,000 at most; with
    `email`, only the subscriber with that address (the list's filter: it lags like the list)."""
    params: dict[str, Any] = {"status": status, "per_page": max(1, min(per_page, PAGE_MAX))}
    if email:
        params["email_address"] = email
    if after:
        params["after"] = after
    if include_tags:
        params["include"] = "tags"
    if updated_after is not None:
        # Kit's parameter description says "format yyyy-mm-dd" but its example is a time with a Z;
        # a time is what a cache refresh needs (a date would re-read the whole day). Seconds are
        # truncated, which only widens the window: `updated_after` is exclusive.
        params["updated_after"] = iso_time(updated_after)
    if total_count:
        params["include_total_count"] = "true"
    body = client.get("/v4/subscribers", params)
    body = body if isinstance(body, dict) else {}
    page = obj(body.get("pagination"))
    total = integer(page.get("total_count"))
    total = total if total is not None else integer(body.get("total_count"))
    cursor = page.get("end_cursor")
    following = str(cursor) if page.get("has_next_page") and cursor else None
    parsed = (HeldSubscriber.parse(s) for s in dicts(body.get("subscribers")))
    return SubscriberPage([s for s in parsed if s is not None], total if total_count else None, following,
                          include_tags)


def iter_pages(client: KitClient, *, first: SubscriberPage | None = None, **query: Any) -> Iterator[SubscriberPage]:
    """Every page of the subscriber list, following cursors; `first`, a page already read (the
    counting one), is yielded and continued from instead of being read again. `query` is
    `list_subscribers`' keywords; the total is asked only on the first page read here."""
    page = first if first is not None else list_subscribers(client, **query)
    query.pop("total_count", None)
    seen: set[str] = set()
    while True:
        yield page
        if page.next_cursor is None:
            return
        if page.next_cursor in seen:
            raise KitUnavailableError("Kit returned the same page cursor twice while listing /v4/subscribers.",
                                      "Try again later; if it persists, report it to Kit support.")
        seen.add(page.next_cursor)
        page = list_subscribers(client, **{**query, "after": page.next_cursor})


def iter_subscribers(client: KitClient, **query: Any) -> Iterator[HeldSubscriber]:
    """Every subscriber the list holds (keywords as `list_subscribers`), page after page."""
    for page in iter_pages(client, **query):
        yield from page.subscribers


def get_subscriber(client: KitClient, subscriber_id: int) -> HeldSubscriber | None:
    """GET /v4/subscribers/{id}: the subscriber as Kit holds it now (consistent, unlike the list),
    without tags; None when Kit has no such subscriber (404)."""
    try:
        body = client.get(f"/v4/subscribers/{subscriber_id}")
    except KitRequestError as e:
        if e.status == 404:
            return None
        raise
    return HeldSubscriber.parse(body.get("subscriber") if isinstance(body, dict) else None)


def get_subscriber_tags(client: KitClient, subscriber_id: int) -> tuple[HeldTag, ...] | None:
    """GET /v4/subscribers/{subscriber_id}/tags: every tag the subscriber has now (cursor pages of
    1,000); None when Kit has no such subscriber (404)."""
    try:
        return parse_tags(list(client.paginate(f"/v4/subscribers/{subscriber_id}/tags", "tags")))
    except KitRequestError as e:
        if e.status == 404:
            return None
        raise


def parse_tags(items: Any) -> tuple[HeldTag, ...]:
    """Kit's tag objects (`id`, `name`; either may be null) as HeldTags; nameless ones are dropped."""
    return tuple(_tag(integer(t.get("id")), str(t["name"]).strip()) for t in dicts(items)
                 if t.get("name") not in (None, ""))


@lru_cache(maxsize=4096)
def _tag(tag_id: int | None, name: str) -> HeldTag:
    """One HeldTag per tag, shared by every subscriber that has it (an account has few tags)."""
    return HeldTag(tag_id, name)


def iso_time(when: dt.datetime) -> str:
    """A time as Kit writes one: UTC, whole seconds, with a Z (a naive time is taken as UTC)."""
    when = when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)
    return when.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _text(value: Any) -> str | None:
    """A custom field value as text (Kit stores text; a number or boolean is shown as JSON would)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def find_subscriber(client: KitClient, email: str, *, include_tags: bool = False) -> HeldSubscriber | None:
    """GET /v4/subscribers?email_address=: the subscriber with this email in any state, or None.
    One request; like the list, it lags writes (a subscriber created moments ago may be missing)."""
    wanted = email.strip().casefold()
    page = list_subscribers(client, email=email.strip(), include_tags=include_tags, per_page=1)
    return next((s for s in page.subscribers if s.email.casefold() == wanted), None)
