"""The sandbox's forms, as Kit's reference pages describe them: list the forms, list a form's
subscribers, and add subscribers to a form one by one or in bulk (Kit's API cannot create a form)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlparse

from importer.sandbox.calls import NOT_FOUND, SYNC_LIMIT, Call, Handler, Reply, items_of, member_page, paginate
from importer.sandbox.store import KitStore, StoredSubscriber


def _list_forms(call: Call) -> tuple[int, Any]:
    with call.store.lock:
        forms = [f.to_json() for f in sorted(call.store.forms.values(), key=lambda f: f.id, reverse=True)]
    page, pagination = paginate(forms, call.query)
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
    items = items_of(body, "additions", "No additions included for processing")
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


ROUTES: list[tuple[str, str, Handler]] = [
    ("GET", "/v4/forms", _list_forms),
    ("GET", "/v4/forms/{id}/subscribers", _form_members),
    ("POST", "/v4/forms/{id}/subscribers", lambda c: _add_to_form(c.store, c.ids[0], c.body)),
    ("POST", "/v4/bulk/forms/subscribers", lambda c: _bulk_forms(c.store, c.body)),
]
