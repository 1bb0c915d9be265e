"""The sandbox's subscribers and custom fields, as Kit's reference pages describe them: list (with
Kit's list lag), create or update one, bulk upserts and bulk values, unsubscribe, a subscriber's tags."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from importer.sandbox.calls import NOT_FOUND, OVER_LIMIT, SYNC_LIMIT, Call, Handler, Reply, items_of, paginate
from importer.sandbox.store import STATES, KitStore, StoredSubscriber

if TYPE_CHECKING:
    from importer.sandbox.server import Sandbox


def _list_fields(call: Call) -> tuple[int, Any]:
    with call.store.lock:
        items = [f.to_json() for f in sorted(call.store.fields.values(), key=lambda f: f.id)]
    page, pagination = paginate(items, call.query)
    return 200, {"custom_fields": page, "pagination": pagination}


def _create_field(call: Call) -> tuple[int, Any]:
    label = call.body.get("label") if isinstance(call.body, dict) else None
    if not isinstance(label, str) or not label.strip():
        raise Reply(422, {"errors": ["Label can't be blank"]})
    created_field, created = call.store.add_field(label)
    return (201 if created else 200), {"custom_field": created_field.to_json()}


def _unsubscribe(call: Call) -> tuple[int, Any]:
    sub = call.store.subscribers.get(call.ids[0])
    if sub is None:
        raise Reply(404, NOT_FOUND)
    call.store.unsubscribe(sub)
    return 204, None


def _get_subscriber(call: Call) -> tuple[int, Any]:
    sub = call.store.subscribers.get(call.ids[0])
    if sub is None:
        raise Reply(404, NOT_FOUND)
    return 200, {"subscriber": call.store.to_json(sub)}


def _subscriber_tags(store: KitStore, subscriber_id: int, query: dict[str, str]) -> tuple[int, Any]:
    """GET /v4/subscribers/{id}/tags: a list, so with `list_lag` it lags writes as the subscriber list
    does (Kit's "Eventual consistency": only a read by id is current). The store keeps no tagging
    time: `tagged_at` is the tag's creation time."""
    with store.lock:
        sub = store.subscribers.get(subscriber_id)
        if sub is None:
            raise Reply(404, {"errors": ["Not Found"]})
        shown = store.as_listed(sub, store.clock())
        listed = [t["id"] for t in shown["tags"]] if shown is not None else []
        items = [{"id": t, "name": store.tags[t].name, "tagged_at": store.tags[t].created_at}
                 for t in sorted(listed) if t in store.tags]
    page, pagination = paginate(items, query)
    return 200, {"tags": page, "pagination": pagination}


def _list_subscribers(store: KitStore, query: dict[str, str]) -> dict:
    """GET /v4/subscribers as Kit's documents describe it: `status` (default active, or all),
    `email_address`, created/updated before/after (a date or a time), `include=tags`,
    `include_total_count`, and cursor pages of up to 1000; with `list_lag`, a lagging view."""
    status = query.get("status") or "active"
    if status not in ("active", "inactive", "bounced", "complained", "cancelled", "all"):
        raise Reply(422, {"errors": [f"Status {status!r} is not valid"]})
    email = (query.get("email_address") or "").strip().casefold()
    include = {part.strip() for part in (query.get("include") or "").split(",") if part.strip()}
    created = _window(query, "created")
    updated = _window(query, "updated")
    now = store.clock()
    lagging = store.list_lag > 0
    with store.lock:
        # Filter on the stored subscribers and render only the page asked for: a read of 100,000
        # subscribers is 100 pages, and rendering every one on each page made it quadratic.
        items: list[tuple[StoredSubscriber, dict | None]] = []
        for sub in sorted(store.subscribers.values(), key=lambda s: s.id, reverse=True):
            shown = store.as_listed(sub, now) if lagging else None
            if lagging and shown is None:
                continue
            when_updated = max((t for t, _ in sub.history if t <= now - store.list_lag),
                               default=sub.updated_at) if lagging else sub.updated_at
            state = shown["state"] if shown is not None else sub.state
            if (status != "all" and state != status) or (email and sub.email_address.casefold() != email) \
                    or (created != (None, None) and not _inside(_seconds(sub.created_at), created)) \
                    or (updated != (None, None) and not _inside(when_updated, updated)):
                continue
            items.append((sub, shown))
        chosen, pagination = paginate(items, query)
        page = [shown if shown is not None else store.to_json(sub, tags=True) for sub, shown in chosen]
    if "tags" not in include:
        page = [{k: v for k, v in shown.items() if k != "tags"} for shown in page]
    if (query.get("include_total_count") or "").lower() == "true":
        pagination["total_count"] = len(items)
    return {"subscribers": page, "pagination": pagination}


def _window(query: dict[str, str], what: str) -> tuple[float | None, float | None]:
    """A `<what>_after` / `<what>_before` filter as epoch seconds; Kit's pages say a date
    (yyyy-mm-dd) and show a time in their examples, so both are read."""
    bounds: list[float | None] = []
    for side in ("after", "before"):
        text = (query.get(f"{what}_{side}") or "").strip()
        if not text:
            bounds.append(None)
            continue
        try:
            when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise Reply(422, {"errors": [f"{what}_{side} must be a date (yyyy-mm-dd) or a time"]}) from None
        bounds.append((when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)).timestamp())
    return bounds[0], bounds[1]


def _inside(moment: float, window: tuple[float | None, float | None]) -> bool:
    after, before = window
    return (after is None or moment > after) and (before is None or moment < before)


def _seconds(iso: str) -> float:
    return dt.datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def _create_subscriber(store: KitStore, body: Any) -> tuple[int, Any]:
    if not isinstance(body, dict):
        raise Reply(422, {"errors": ["Email address is invalid"]})
    email = body.get("email_address")
    if not isinstance(email, str) or not store.email_is_valid(email.strip()):
        raise Reply(422, {"errors": ["Email address is invalid"]})
    fields = body.get("fields") or {}
    if not isinstance(fields, dict):
        raise Reply(422, {"errors": ["fields must be an object"]})
    resolved, unknown = {}, []
    for name, value in fields.items():
        target = store.field_by_label(name) if store.field_mode == "label-ignore" else store.field_by_key(name)
        if target is None:
            unknown.append(name)
        else:
            resolved[target.id] = "" if value is None else str(value)
    if unknown and store.field_mode == "key-error":
        raise Reply(422, {"errors": [f"Custom field key '{name}' does not exist" for name in unknown]})
    too_long = [f"{name}: {why}" for name, value in fields.items()
                if (why := store.value_too_long(None if value is None else str(value)))]
    if too_long:
        raise Reply(422, {"errors": too_long})
    state = body.get("state")
    if state is not None and state not in STATES:
        raise Reply(422, {"errors": [f"State {state!r} is not valid"]})
    if store.would_exceed_limit([email]):
        raise Reply(403, OVER_LIMIT)
    sub, created = store.upsert(email, body.get("first_name"), set_first_name="first_name" in body, state=state)
    with store.lock:
        if any(sub.values.get(fid) != value for fid, value in resolved.items()):
            sub.values.update(resolved)
            store.changed(sub)
    status = 202 if len(fields) > 10 else (201 if created else 200)
    reply: dict[str, Any] = {"subscriber": store.to_json(sub)}
    if unknown and store.field_mode == "key-warn":
        reply["warnings"] = [f"Custom field key '{name}' does not exist and was ignored" for name in unknown]
    return status, reply


def _bulk_subscribers(sb: Sandbox, body: Any) -> tuple[int, Any]:
    store = sb.store
    items = items_of(body, "subscribers", "No subscribers included for processing")
    emails = [i["email_address"] for i in items if isinstance(i, dict) and isinstance(i.get("email_address"), str)]
    if store.would_exceed_limit(emails):
        raise Reply(403, OVER_LIMIT)
    done: list[StoredSubscriber] = []
    failures = []
    for item in items:
        item = item if isinstance(item, dict) else {}
        email = item.get("email_address")
        if not isinstance(email, str) or not store.email_is_valid(email.strip()):
            # As Kit's own example shows: a refused subscriber comes back without its email.
            failures.append({"subscriber": {"first_name": item.get("first_name"), "email_address": None,
                                            "state": "active", "created_at": None},
                             "errors": ["Email address is invalid"]})
            continue
        state = item.get("state")
        if state is not None and state not in STATES:
            failures.append({"subscriber": {"first_name": item.get("first_name"), "email_address": email,
                                            "state": "active", "created_at": None},
                             "errors": [f"State {state!r} is not valid"]})
            continue
        sub, _ = store.upsert(email, item.get("first_name"), set_first_name="first_name" in item, state=state)
        done.append(sub)
    if len(items) > SYNC_LIMIT:
        return 202, {}
    sb.random.shuffle(done)  # Kit lists the subscribers "in any order"
    return 200, {"subscribers": [store.to_json(s, with_fields=False) for s in done], "failures": failures}


def _bulk_values(store: KitStore, body: Any) -> tuple[int, Any]:
    items = items_of(body, "custom_field_values", "No custom field values included for processing")
    written, failures = [], []
    for item in items:
        item = item if isinstance(item, dict) else {}
        sid, fid, value = item.get("subscriber_id"), item.get("subscriber_custom_field_id"), item.get("value")
        with store.lock:
            sub = store.subscribers.get(sid) if isinstance(sid, int) else None
            target = store.fields.get(fid) if isinstance(fid, int) else None
            if sub is None:
                failures.append({"errors": ["Subscriber does not exist"],
                                 "custom_field_value": {"subscriber_id": None, "subscriber_custom_field_id": fid,
                                                        "value": value}})
                continue
            if target is None:
                failures.append({"errors": ["Custom field does not exist"],
                                 "custom_field_value": {"subscriber_id": sid, "subscriber_custom_field_id": fid,
                                                        "value": value}})
                continue
            if why := store.value_too_long(None if value is None else str(value)):
                failures.append({"errors": [why],
                                 "custom_field_value": {"subscriber_id": sid, "subscriber_custom_field_id": fid,
                                                        "value": value}})
                continue
            text = "" if value is None else str(value)
            if sub.values.get(target.id) != text:
                sub.values[target.id] = text
                store.changed(sub)
        written.append({"subscriber_id": sid, "subscriber_custom_field_id": fid, "value": sub.values[target.id]})
    if len(items) > SYNC_LIMIT:
        return 202, {}
    return 200, {"custom_field_values": written, "failures": failures}


ROUTES: list[tuple[str, str, Handler]] = [
    ("GET", "/v4/custom_fields", _list_fields),
    ("POST", "/v4/custom_fields", _create_field),
    ("POST", "/v4/bulk/custom_fields/subscribers", lambda c: _bulk_values(c.store, c.body)),
    ("GET", "/v4/subscribers", lambda c: (200, _list_subscribers(c.store, c.query))),
    ("POST", "/v4/subscribers", lambda c: _create_subscriber(c.store, c.body)),
    ("POST", "/v4/bulk/subscribers", lambda c: _bulk_subscribers(c.sb, c.body)),
    ("GET", "/v4/subscribers/{id}", _get_subscriber),
    ("POST", "/v4/subscribers/{id}/unsubscribe", _unsubscribe),
    ("GET", "/v4/subscribers/{id}/tags", lambda c: _subscriber_tags(c.store, c.ids[0], c.query)),
]
