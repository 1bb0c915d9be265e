"""The sandbox's tags, as Kit's reference pages describe them: list and create tags, tag a subscriber
by email or in bulk, and take a tag off by id, by email or in bulk."""

from __future__ import annotations

from typing import Any

from importer.sandbox.calls import NOT_FOUND, SYNC_LIMIT, Call, Handler, Reply, items_of, paginate
from importer.sandbox.store import KitStore, StoredSubscriber


def _list_tags(call: Call) -> tuple[int, Any]:
    with call.store.lock:
        items = [t.to_json() for t in sorted(call.store.tags.values(), key=lambda t: t.id)]
    page, pagination = paginate(items, call.query)
    return 200, {"tags": page, "pagination": pagination}


def _create_tag(call: Call) -> tuple[int, Any]:
    name = call.body.get("name") if isinstance(call.body, dict) else None
    if not isinstance(name, str) or not name.strip():
        raise Reply(422, {"errors": ["Name can't be blank"]})
    tag, created = call.store.add_tag(name)
    return (201 if created else 200), {"tag": tag.to_json()}


def _bulk_tags(call: Call) -> tuple[int, Any]:
    items = items_of(call.body, "tags", "No tags included for processing")
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
    items = items_of(call.body, "taggings", "No taggings included for processing")
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
    items = items_of(body, "taggings", "No taggings included for processing")
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


ROUTES: list[tuple[str, str, Handler]] = [
    ("GET", "/v4/tags", _list_tags),
    ("POST", "/v4/tags", _create_tag),
    ("POST", "/v4/bulk/tags", _bulk_tags),
    ("POST", "/v4/tags/{id}/subscribers", _tag_by_email),
    ("POST", "/v4/bulk/tags/subscribers", lambda c: _bulk_taggings(c.store, c.body)),
    ("DELETE", "/v4/tags/{id}/subscribers/{id}", _untag_by_id),
    ("DELETE", "/v4/tags/{id}/subscribers", _untag_by_email),
    ("DELETE", "/v4/bulk/tags/subscribers", _bulk_untag),
]
