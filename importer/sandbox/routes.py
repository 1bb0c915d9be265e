"""The sandbox's routes: a table of (method, path pattern) -> handler, one line per Kit endpoint,
gathered from the modules that answer as Kit's reference pages describe: subscribers and fields,
tags, forms, sequences. A new route is one line in its module's ROUTES and one function taking the
`Call` (`importer.sandbox.calls`)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from importer.sandbox import forms, sequences, subscribers, tags
from importer.sandbox.calls import NOT_FOUND, Call, Handler, Reply

if TYPE_CHECKING:
    from importer.sandbox.server import Sandbox


def _account(call: Call) -> tuple[int, Any]:
    store = call.store
    return 200, {"user": {"email": "sandbox@kit.dev", "id": store.account_id},
                 "account": {"id": store.account_id, "name": "Kit sandbox", "plan_type": "creator",
                             "primary_email_address": "sandbox@kit.dev",
                             "created_at": "2023-02-17T11:43:55Z",
                             "timezone": {"name": "Etc/UTC", "friendly_name": "UTC", "utc_offset": "+00:00"}}}


# Kit's endpoints: (method, path with {id} for a numeric id, handler). The first match answers;
# a path no route matches is Kit's 404.
ROUTES: list[tuple[str, str, Handler]] = [
    ("GET", "/v4/account", _account),
    *subscribers.ROUTES,
    *forms.ROUTES,
    *tags.ROUTES,
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
