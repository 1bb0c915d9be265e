"""The sandbox's routes: a table of (method, path pattern) -> handler, one line per Kit endpoint,
and the handlers, which answer as Kit's reference pages describe. A new route is one line in
ROUTES and one function taking the Call."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlparse

from importer.sandbox import sequences
from importer.sandbox.store import STATES, KitStore, StoredSubscriber

if TYPE_CHECKING:
    from importer.sandbox.server import Sandbox

SYNC_LIMIT = 100
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


def _account(call: Call) -> tuple[int, Any]:
    store = call.store
    return 200, {"user": {"email": "sandbox@kit.dev", "id": store.account_id},
                 "account": {"id": store.account_id, "name": "Kit sandbox", "plan_type": "creator",
                             "primary_email_address": "sandbox@kit.dev",
                             "created_at": "2023-02-17T11:43:55Z",
                             "timezone": {"name": "Etc/UTC", "friendly_name": "UTC", "utc_offset": "+00:00"}}}


def _list_fields(call: Call) -> tuple[int, Any]:
    with call.store.lock:
        items = [f.to_json() for f in sorted(call.store.fields.values(), key=lambda f: f.id)]
    page, pagination = _paginate(items, call.query)
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


def _list_forms(call: Call) -> tuple[int, Any]:
    with call.store.lock:
        forms = [f.to_json() for f in sorted(call.store.forms.values(), key=lambda f: f.id, reverse=True)]
    page, pagination = _paginate(forms, call.query)
    return 200, {"forms": page, "pagination": pagination}


def _form_members(call: Call) -> tuple[int, Any]:
    """GET /v4/forms/{form_id}/subscribers: its subscribers, newest added first, each with its
    `added_at`, `referrer` and `referrer_utm_parameters` (Kit's document; `status` filters them,
    Kit's default: active)."""
    form = call.store.forms.get(call.ids[0])
    if form is None:
        raise Reply(404, NOT_FOUND)
    body = member_page(call, list(form.members), form.joined)
    for entry in body["subscribers"]:
        referrer = form.members.get(entry["id"])
        entry.update(referrer=referrer or "", referrer_utm_parameters=_utm(referrer))
    return 200, body


def _utm(referrer: str | None) -> dict[str, str]:
    """The utm_* parameters of a referrer URL, each "" when absent, as Kit's form lists show them."""
    query = dict(parse_qsl(urlparse(referrer or "").query))
    return {part: query.get(f"utm_{part}", "") for part in ("source", "medium", "campaign", "term", "content")}


def member_page(call: Call, members: list[int], joined: dict[int, float]) -> dict:
    """One page of a form's or a sequence's subscribers (`status`, cursor pages of up to 1000, and
    `include_total_count`, as Kit's document declares them)."""
    try:
        entries = call.store.listed_members(members, joined, call.query)
    except ValueError:
        raise Reply(422, {"errors": [f"Status {call.query.get('status')!r} is not valid"]}) from None
    page, pagination = _paginate(entries, call.query)
    if (call.query.get("include_total_count") or "").lower() == "true":
        pagination["total_count"] = len(entries)
    return {"subscribers": page, "pagination": pagination}


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
    page, pagination = _paginate(items, query)
    return 200, {"tags": page, "pagination": pagination}


def _cursor(position: int) -> str:
    return base64.b64encode(json.dumps([position]).encode()).decode()


def _uncursor(cursor: str) -> int:
    try:
        return int(json.loads(base64.b64decode(cursor))[0])
    except (ValueError, TypeError, IndexError):
        raise Reply(422, {"errors": ["The cursor is invalid"]}) from None


def _paginate(items: list[Any], query: dict[str, str]) -> tuple[list[Any], dict]:
    """Kit's cursor pagination over a list already in its final order."""
    try:
        per_page = int(query.get("per_page") or 500)
    except ValueError:
        raise Reply(422, {"errors": ["per_page must be a number"]}) from None
    per_page = max(1, min(per_page, 1000))
    start = _uncursor(query["after"]) + 1 if query.get("after") else 0
    if query.get("before"):
        end = _uncursor(query["before"])
        start = max(0, end - per_page)
    page = items[start:start + per_page]
    last = start + len(page) - 1
    return page, {"has_previous_page": start > 0, "has_next_page": start + len(page) < len(items),
                  "start_cursor": _cursor(start), "end_cursor": _cursor(max(last, start)), "per_page": per_page}


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
        chosen, pagination = _paginate(items, query)
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


def _items(body: Any, key: str, empty_message: str) -> list:
    items = body.get(key) if isinstance(body, dict) else None
    if not isinstance(items, list) or not items:
        raise Reply(422, {"errors": [empty_message]})
    return items


def _bulk_subscribers(sb: Sandbox, body: Any) -> tuple[int, Any]:
    store = sb.store
    items = _items(body, "subscribers", "No subscribers included for processing")
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
    items = _items(body, "custom_field_values", "No custom field values included for processing")
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


# The tag endpoints, as Kit's document describes them: list and create tags (one, or up to 100 in
# bulk), tag subscribers (in bulk by id, or one by email) and remove tags. A tag is matched by name
# in any case; tagging a subscriber who has the tag is a success (200), and removing a tag a
# subscriber does not have is no error: the removal is already true.

def _list_tags(call: Call) -> tuple[int, Any]:
    with call.store.lock:
        items = [t.to_json() for t in sorted(call.store.tags.values(), key=lambda t: t.id)]
    page, pagination = _paginate(items, call.query)
    return 200, {"tags": page, "pagination": pagination}


def _create_tag(call: Call) -> tuple[int, Any]:
    name = call.body.get("name") if isinstance(call.body, dict) else None
    if not isinstance(name, str) or not name.strip():
        raise Reply(422, {"errors": ["Name can't be blank"]})
    tag, created = call.store.add_tag(name)
    return (201 if created else 200), {"tag": tag.to_json()}


def _bulk_tags(call: Call) -> tuple[int, Any]:
    items = _items(call.body, "tags", "No tags included for processing")
    made, failures = [], []
    for item in items:
        name = item.get("name") if isinstance(item, dict) else None
        if not isinstance(name, str) or not name.strip():
            failures.append({"tag": {"name": name}, "errors": ["Name can't be blank"]})
            continue
        made.append(call.store.add_tag(name)[0].to_json())
    if len(items) > SYNC_LIMIT:
        return 202, {}
    return 200, {"tags": made, "failures": failures}


def _tag_by_email(call: Call) -> tuple[int, Any]:
    """POST /v4/tags/{tag_id}/subscribers: one existing subscriber, by email."""
    store, tag_id = call.store, call.ids[0]
    email = call.body.get("email_address") if isinstance(call.body, dict) else None
    if not isinstance(email, str) or not email.strip():
        raise Reply(422, {"errors": ["Either subscriber id or email address is required to tag subscriber"]})
    sub = store.find(email)
    if tag_id not in store.tags or sub is None or store.tag_refused(tag_id):
        raise Reply(404, NOT_FOUND)
    new = store.tag(sub, tag_id)
    return (201 if new else 200), {"subscriber": {**store.to_json(sub), "tagged_at": store.now_iso()}}


def _bulk_untag(call: Call) -> tuple[int, Any]:
    """DELETE /v4/bulk/tags/subscribers: the POST's `taggings` body; only `failures` in the answer."""
    store = call.store
    items = _items(call.body, "taggings", "No taggings included for processing")
    failures = []
    for item in items:
        item = item if isinstance(item, dict) else {}
        tag_id, sid = item.get("tag_id"), item.get("subscriber_id")
        with store.lock:
            sub = store.subscribers.get(sid) if isinstance(sid, int) else None
            known = isinstance(tag_id, int) and tag_id in store.tags
            if sub is None or not known:
                failures.append({"errors": ["Subscriber does not exist" if sub is None else "Tag does not exist"],
                                 "tagging": {"tag_id": tag_id if known else None,
                                             "subscriber_id": sid if sub is not None else None}})
                continue
            assert isinstance(tag_id, int)  # known
            store.untag(sub, tag_id)
    if len(items) > SYNC_LIMIT:
        return 202, {}
    return 200, {"failures": failures}


def _untag_by_id(call: Call) -> tuple[int, Any]:
    """DELETE /v4/tags/{tag_id}/subscribers/{id}: 204; 404 for a tag or subscriber Kit does not have."""
    return _untag(call.store, call.ids[0], call.store.subscribers.get(call.ids[1]))


def _untag_by_email(call: Call) -> tuple[int, Any]:
    """DELETE /v4/tags/{tag_id}/subscribers, by email."""
    email = call.body.get("email_address") if isinstance(call.body, dict) else None
    if not isinstance(email, str) or not email.strip():
        raise Reply(422, {"errors": ["Either subscriber id or email address is required to remove tag from "
                                     "subscriber"]})
    return _untag(call.store, call.ids[0], call.store.find(email))


def _untag(store: KitStore, tag_id: int, sub: StoredSubscriber | None) -> tuple[int, Any]:
    if sub is None or tag_id not in store.tags:
        raise Reply(404, NOT_FOUND)
    store.untag(sub, tag_id)
    return 204, None


def _bulk_taggings(store: KitStore, body: Any) -> tuple[int, Any]:
    """POST /v4/bulk/tags/subscribers: one listed subscriber per tagging made; a refused tagging
    comes back with the part Kit does not know as null, as Kit's example shows."""
    items = _items(body, "taggings", "No taggings included for processing")
    tagged, failures = [], []
    for item in items:
        item = item if isinstance(item, dict) else {}
        tag_id, sid = item.get("tag_id"), item.get("subscriber_id")
        with store.lock:
            sub = store.subscribers.get(sid) if isinstance(sid, int) else None
            known = isinstance(tag_id, int) and tag_id in store.tags and not store.tag_refused(tag_id)
            if sub is None:
                failures.append({"errors": ["Subscriber does not exist"],
                                 "tagging": {"tag_id": tag_id, "subscriber_id": None}})
                continue
            if not known:
                failures.append({"errors": ["Tag does not exist"], "tagging": {"tag_id": None, "subscriber_id": sid}})
                continue
            assert isinstance(tag_id, int)  # known
            store.tag(sub, tag_id)
            tagged.append({**store.to_json(sub, with_fields=False), "tagged_at": store.now_iso()})
    if len(items) > SYNC_LIMIT:
        return 202, {}
    return 200, {"subscribers": [{k: v for k, v in t.items() if k != "state"} for t in tagged], "failures": failures}
def _add_to_form(store: KitStore, form_id: int, body: Any) -> tuple[int, Any]:
    """POST /v4/forms/{form_id}/subscribers: an existing subscriber, by email; 201 added, 200 there already."""
    email = body.get("email_address") if isinstance(body, dict) else None
    if not isinstance(email, str) or not email.strip():
        raise Reply(422, {"errors": ["Either subscriber id or email address is required to add subscriber to form"]})
    form = store.forms.get(form_id)
    sub = store.find(email)
    if form is None or sub is None:
        raise Reply(404, {"errors": ["Not Found"]})
    referrer = body.get("referrer") if isinstance(body.get("referrer"), str) else None
    added = store.add_to_form(form, sub, referrer)
    return (201 if added else 200), {"subscriber": _form_member(store, sub, form.members.get(sub.id))}


def _form_member(store: KitStore, sub: StoredSubscriber, referrer: str | None) -> dict:
    return {**store.to_json(sub), "added_at": store.now_iso(), "referrer": referrer or "",
            "referrer_utm_parameters": _utm(referrer)}


def _bulk_forms(store: KitStore, body: Any) -> tuple[int, Any]:
    """POST /v4/bulk/forms/subscribers: per-item failures name the side that does not exist as null."""
    items = _items(body, "additions", "No additions included for processing")
    added, failures = [], []
    for item in items:
        item = item if isinstance(item, dict) else {}
        fid, sid, referrer = item.get("form_id"), item.get("subscriber_id"), item.get("referrer")
        referrer = referrer if isinstance(referrer, str) else None
        with store.lock:
            form = store.forms.get(fid) if isinstance(fid, int) else None
            sub = store.subscribers.get(sid) if isinstance(sid, int) else None
            if sub is None or form is None:
                failures.append({"errors": ["Subscriber does not exist" if sub is None else "Form does not exist"],
                                 "subscription": {"form_id": fid if form is not None else None,
                                                  "subscriber_id": sid if sub is not None else None,
                                                  "referrer": referrer or ""}})
                continue
            store.add_to_form(form, sub, referrer)
            entry = _form_member(store, sub, form.members.get(sub.id))
        added.append({k: v for k, v in entry.items() if k not in ("state", "fields")})
    if len(items) > SYNC_LIMIT:
        return 202, {}
    return 200, {"subscribers": added, "failures": failures}


# Kit's endpoints: (method, path with {id} for a numeric id, handler). The first match answers;
# a path no route matches is Kit's 404.
ROUTES: list[tuple[str, str, Handler]] = [
    ("GET", "/v4/account", _account),
    ("GET", "/v4/custom_fields", _list_fields),
    ("POST", "/v4/custom_fields", _create_field),
    ("POST", "/v4/bulk/custom_fields/subscribers", lambda c: _bulk_values(c.store, c.body)),
    ("GET", "/v4/subscribers", lambda c: (200, _list_subscribers(c.store, c.query))),
    ("POST", "/v4/subscribers", lambda c: _create_subscriber(c.store, c.body)),
    ("POST", "/v4/bulk/subscribers", lambda c: _bulk_subscribers(c.sb, c.body)),
    ("GET", "/v4/subscribers/{id}", _get_subscriber),
    ("POST", "/v4/subscribers/{id}/unsubscribe", _unsubscribe),
    ("GET", "/v4/subscribers/{id}/tags", lambda c: _subscriber_tags(c.store, c.ids[0], c.query)),
    ("GET", "/v4/forms", _list_forms),
    ("GET", "/v4/forms/{id}/subscribers", _form_members),
    ("POST", "/v4/forms/{id}/subscribers", lambda c: _add_to_form(c.store, c.ids[0], c.body)),
    ("POST", "/v4/bulk/forms/subscribers", lambda c: _bulk_forms(c.store, c.body)),
    ("GET", "/v4/tags", _list_tags),
    ("POST", "/v4/tags", _create_tag),
    ("POST", "/v4/bulk/tags", _bulk_tags),
    ("POST", "/v4/tags/{id}/subscribers", _tag_by_email),
    ("POST", "/v4/bulk/tags/subscribers", lambda c: _bulk_taggings(c.store, c.body)),
    ("DELETE", "/v4/tags/{id}/subscribers/{id}", _untag_by_id),
    ("DELETE", "/v4/tags/{id}/subscribers", _untag_by_email),
    ("DELETE", "/v4/bulk/tags/subscribers", _bulk_untag),
    *sequences.ROUTES,
]
_COMPILED = [(method, re.compile(re.escape(path).replace(re.escape("{id}"), r"(\d+)")), handler)
             for method, path, handler in ROUTES]


def route(sb: Sandbox, method: str, path: str, query: dict[str, str], body: Any, kind: str) -> tuple[int, Any]:
    """Answer one authenticated request: Kit's bulk endpoints want OAuth; then the first matching route."""
    if path.startswith("/v4/bulk/") and kind != "oauth":
        raise Reply(401, {"errors": ["The bulk API requires an OAuth access token"]})
    for verb, pattern, handler in _COMPILED:
        if verb == method and (m := pattern.fullmatch(path)):
            return handler(Call(sb, query, body, tuple(int(i) for i in m.groups())))
    raise Reply(404, NOT_FOUND)
