"""The local Kit emulator: Kit's v4 endpoints that kit-import uses, served on 127.0.0.1.

Built on the stdlib ThreadingHTTPServer (no dependency earns its place for a handful of JSON
routes). Answers follow Kit's reference pages: both credential kinds, 401 for an API key on
/v4/bulk/*, `{"errors": [...]}` bodies, per-item failures, `202 {}` above 100 bulk items.
"""

from __future__ import annotations

import base64
import datetime as dt
import email.utils
import hashlib
import html
import json
import random
import re
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

from importer.sandbox.store import STATES, KitStore, StoredSubscriber

__all__ = ["AuthorizePageError", "Behaviour", "Reply", "SAMPLE_FIELDS", "SAMPLE_FORMS", "Sandbox"]

SYNC_LIMIT = 100
# The custom fields every sandbox starts with (`run --sandbox` and `kit-import sandbox` alike):
# the sample export's columns, so that the README's quick start maps them without --field.
SAMPLE_FIELDS = ("Last name", "Company", "Postal code")
# And one single opt-in form, so that --form can be rehearsed (Kit's API cannot create a form).
SAMPLE_FORMS = ("Newsletter",)
UNAUTHORIZED = {"errors": ["The access token is invalid"]}
PAGE = ("<!doctype html><meta charset=utf-8><title>Kit sandbox</title>"
        "<h1 style='font:20px sans-serif'>{}</h1><p style='font:16px sans-serif'>{}</p>")
OVER_LIMIT = {"errors": ["This request would exceed your subscriber limit"]}


@dataclass
class Behaviour:
    """How like the real, remote, busy Kit the emulator behaves; by default it is instant and perfect.

    - `latency`: each answer takes a uniform random time in this range (seconds);
    - `rate_limit`: (requests, window seconds) per credential over a rolling window; past it
      the answer is Kit's: 429 with the plain-text body `Retry later` and no Retry-After;
    - `errors`, `drops`, `queue_full`: shares of requests that get a 5xx (nothing applied),
      a dropped connection after the request *was* applied (the worst case for a client),
      or a 413 on the bulk endpoints (nothing applied). Drawn from `seed`.
    """

    latency: tuple[float, float] = (0.0, 0.0)
    rate_limit: tuple[int, float] | None = None
    errors: float = 0.0
    drops: float = 0.0
    queue_full: float = 0.0
    seed: int = 0
    counts: dict[str, int] = field(default_factory=lambda: {"429": 0, "5xx": 0, "drop": 0, "413": 0})


class Reply(Exception):
    """Raised inside a route to answer with this status and JSON body."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(status)
        self.status = status
        self.body = body


class AuthorizePageError(Exception):
    """Raised by the authorize route to show the user an error page instead of redirecting."""

    def __init__(self, what: str, fix: str) -> None:
        super().__init__(what)
        self.what = what
        self.fix = fix


class Sandbox:
    """A running emulator: its URL, the credentials it accepts, and its store.

    Use as a context manager; it serves on a free port of 127.0.0.1 in a background thread.
    """

    def __init__(self, store: KitStore | None = None, *, host: str = "127.0.0.1", port: int = 0,
                 api_key: str | None = None, access_token: str | None = None,
                 behaviour: Behaviour | None = None) -> None:
        self.store = store or KitStore()
        self.api_key = api_key or "sandbox-key-" + secrets.token_hex(8)
        self.access_token = access_token or "sandbox-token-" + secrets.token_hex(8)
        # Each sandbox counts its own faults, even when handed a Behaviour another one used.
        self.behaviour = replace(behaviour or Behaviour(), counts=Behaviour().counts)
        # OAuth: the app's client id, the access tokens that work, and the one refresh token that
        # may be traded (single-use: each trade gives a new pair and spends the old one).
        self.client_id = "sandbox-client-" + secrets.token_hex(6)
        self.access_tokens = {self.access_token}
        self.refresh_token = "sandbox-refresh-" + secrets.token_hex(8)
        self.refreshes = 0
        self._codes: dict[str, tuple[str, str]] = {}  # authorization code -> (redirect URI, PKCE challenge)
        self.random = random.Random(self.behaviour.seed)
        self._random_lock = threading.Lock()
        self._windows: dict[str, deque[float]] = {}
        self.requests: list[tuple[str, str, dict[str, str], Any]] = []
        self._requests_lock = threading.Lock()
        handler = type("Handler", (_Handler,), {"sandbox": self})
        self.server = _Server((host, port), handler)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        assert isinstance(host, str)  # an AF_INET address
        return f"http://{host}:{port}"

    def start(self) -> Sandbox:
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="kit-sandbox", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def seed_fields(self, labels: tuple[str, ...] = SAMPLE_FIELDS) -> None:
        for label in labels:
            self.store.add_field(label)

    def seed_forms(self, names: tuple[str, ...] = SAMPLE_FORMS) -> None:
        """Single opt-in forms (no incentive email), as a rehearsal of --form needs one."""
        for name in names:
            self.store.add_form(name)

    def expire_access_tokens(self) -> None:
        """Every access token issued so far stops working (401), as when they expire."""
        self.access_tokens.clear()

    def authorize(self, query: dict[str, str]) -> str:
        """GET /v4/oauth/authorize, as if the user approved the app: where to redirect, with a code.

        An unknown client or a missing or unusable redirect_uri raises `AuthorizePageError`: the
        user is told, never redirected (RFC 6749, 4.1.2.1)."""
        client_id = query.get("client_id")
        if not client_id:
            raise AuthorizePageError("The address has no client_id.",
                                     f"Add client_id={self.client_id}, this sandbox's OAuth client id.")
        if client_id != self.client_id:
            raise AuthorizePageError(f"The client_id {client_id!r} is not an app of this Kit account.",
                                     f"This sandbox's OAuth client id is {self.client_id}: set KIT_CLIENT_ID to it "
                                     "and run `kit-import auth` again.")
        redirect = urlparse(query.get("redirect_uri") or "")
        if redirect.scheme not in ("http", "https") or not redirect.netloc:
            raise AuthorizePageError("The address has no usable redirect_uri.",
                                     "Add redirect_uri=http://127.0.0.1:PORT/callback, where the app waits.")
        code = secrets.token_hex(12)
        self._codes[code] = (query["redirect_uri"], query.get("code_challenge", ""))
        return f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query.get('state', '')})}"

    def trade(self, body: Any) -> tuple[int, Any]:
        """POST /v4/oauth/token: an authorization code (with its PKCE verifier) or the current refresh
        token for a new pair; the code or the old refresh token is spent."""
        body = body if isinstance(body, dict) else {}
        if body.get("client_id") != self.client_id:
            return 401, {"error": "invalid_client", "error_description": "Client authentication failed"}
        if body.get("grant_type") == "authorization_code":
            redirect, challenge = self._codes.pop(str(body.get("code")), ("", ""))
            verifier = str(body.get("code_verifier", "")).encode()
            proof = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=").decode()
            if not redirect or redirect != body.get("redirect_uri") or (challenge and proof != challenge):
                return 400, {"error": "invalid_grant", "error_description": "The authorization code is invalid"}
        elif body.get("grant_type") != "refresh_token" or body.get("refresh_token") != self.refresh_token:
            return 400, {"error": "invalid_grant", "error_description": "The refresh token is invalid"}
        self.refreshes += 1
        self.access_token = f"sandbox-token-{self.refreshes}-" + secrets.token_hex(8)
        self.refresh_token = f"sandbox-refresh-{self.refreshes}-" + secrets.token_hex(8)
        self.access_tokens.add(self.access_token)
        return 200, {"access_token": self.access_token, "refresh_token": self.refresh_token, "token_type": "Bearer",
                     "expires_in": 7200, "scope": "public", "created_at": int(time.time())}

    def draw(self) -> tuple[float, float]:
        """A latency and a fault roll for one request, from the seeded generator."""
        lo, hi = self.behaviour.latency
        with self._random_lock:
            return self.random.uniform(lo, hi), self.random.random()

    def over_limit(self, credential: str) -> bool:
        """Count a request against its credential's rolling window; True if Kit would refuse it."""
        if self.behaviour.rate_limit is None:
            return False
        limit, window = self.behaviour.rate_limit
        now = time.monotonic()
        with self._random_lock:
            sent = self._windows.setdefault(credential, deque())
            while sent and now - sent[0] >= window:
                sent.popleft()
            if len(sent) >= limit:
                self.behaviour.counts["429"] += 1
                return True
            sent.append(now)
            return False

    def count(self, what: str) -> None:
        with self._random_lock:
            self.behaviour.counts[what] += 1

    def record(self, method: str, path: str, query: dict[str, str], body: Any) -> None:
        """Keep every request as received, for tests that check what the client sent."""
        with self._requests_lock:
            self.requests.append((method, path, query, body))


class _Server(ThreadingHTTPServer):
    request_queue_size = 1024  # hundreds of client threads connect at once in the benchmarks
    daemon_threads = True


class _Handler(BaseHTTPRequestHandler):
    sandbox: Sandbox
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else each reply waits ~40 ms for a delayed ACK
    server_version = "KitSandbox/1.0"

    def log_message(self, format: str, *args: Any) -> None:  # quiet: the CLI prints its own lines
        pass

    def date_time_string(self, timestamp: float | None = None) -> str:
        """The Date header, from the account's clock (a test may move it)."""
        return email.utils.formatdate(self.sandbox.store.clock() if timestamp is None else timestamp, usegmt=True)

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def _dispatch(self, method: str) -> None:
        sb = self.sandbox
        url = urlparse(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        delay, roll = sb.draw()
        fault = sb.behaviour
        try:
            body = self._body()
            sb.record(method, url.path, query, body)
            if method == "POST" and url.path == "/v4/oauth/token":
                self._send(*sb.trade(body))
                return
            if method == "GET" and url.path == "/v4/oauth/authorize":
                self._send_authorize(query)
                return
            kind = self._auth()
            if sb.over_limit(kind):
                time.sleep(delay)
                self._send_text(429, "Retry later")
                return
            time.sleep(delay)
            if roll < fault.errors:
                sb.count("5xx")
                status = (500, 502, 503)[min(2, int(roll / fault.errors * 3))]
                raise Reply(status, {"errors": ["Internal server error"]})
            roll -= fault.errors
            if roll < fault.queue_full and url.path.startswith("/v4/bulk/"):
                sb.count("413")
                raise Reply(413, {"errors": ["This request exceeds your queued bulk requests limit. Please wait "
                                             "while we process your existing requests and try again later."]})
            roll -= fault.queue_full
            status, payload = _route(sb, method, url.path, query, body, kind)
            if roll < fault.drops:
                sb.count("drop")
                self.close_connection = True  # applied, but the answer is lost on the way
                return
        except Reply as r:
            status, payload = r.status, r.body
        self._send(status, payload)

    def _send_authorize(self, query: dict[str, str]) -> None:
        """A 302 to the app's redirect URI with a code, or a 400 page saying what is wrong."""
        try:
            location = self.sandbox.authorize(query)
        except AuthorizePageError as e:
            data = PAGE.format(html.escape(e.what), html.escape(e.fix)).encode()
            self.send_response(400)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _send_text(self, status: int, text: str) -> None:
        data = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            raise Reply(400, {"errors": ["The request body is not valid JSON"]}) from None

    def _auth(self) -> str:
        key = self.headers.get("X-Kit-Api-Key")
        bearer = self.headers.get("Authorization", "")
        if bearer.startswith("Bearer ") and bearer[7:] in self.sandbox.access_tokens:
            return "oauth"
        if key and secrets.compare_digest(key, self.sandbox.api_key):
            return "api_key"
        raise Reply(401, UNAUTHORIZED)

    def _send(self, status: int, payload: Any) -> None:
        data = b"" if status == 204 else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def _route(sb: Sandbox, method: str, path: str, query: dict[str, str], body: Any, kind: str) -> tuple[int, Any]:
    store = sb.store
    if path.startswith("/v4/bulk/") and kind != "oauth":
        raise Reply(401, {"errors": ["The bulk API requires an OAuth access token"]})
    if method == "GET" and path == "/v4/account":
        return 200, {"user": {"email": "sandbox@kit.dev", "id": store.account_id},
                     "account": {"id": store.account_id, "name": "Kit sandbox", "plan_type": "creator",
                                 "primary_email_address": "sandbox@kit.dev",
                                 "created_at": "2023-02-17T11:43:55Z",
                                 "timezone": {"name": "Etc/UTC", "friendly_name": "UTC", "utc_offset": "+00:00"}}}
    if path == "/v4/custom_fields":
        if method == "GET":
            with store.lock:
                items = [f.to_json() for f in sorted(store.fields.values(), key=lambda f: f.id)]
            page, pagination = _paginate(items, query)
            return 200, {"custom_fields": page, "pagination": pagination}
        if method == "POST":
            label = (body or {}).get("label") if isinstance(body, dict) else None
            if not isinstance(label, str) or not label.strip():
                raise Reply(422, {"errors": ["Label can't be blank"]})
            created_field, created = store.add_field(label)
            return (201 if created else 200), {"custom_field": created_field.to_json()}
    if path == "/v4/subscribers":
        if method == "GET":
            return 200, _list_subscribers(store, query)
        if method == "POST":
            return _create_subscriber(store, body)
    if method == "POST" and (m := re.fullmatch(r"/v4/subscribers/(\d+)/unsubscribe", path)):
        sub = store.subscribers.get(int(m.group(1)))
        if sub is None:
            raise Reply(404, {"errors": ["Not Found"]})
        store.unsubscribe(sub)
        return 204, None
    if method == "GET" and path == "/v4/forms":
        with store.lock:
            forms = [f.to_json() for f in sorted(store.forms.values(), key=lambda f: f.id, reverse=True)]
        page, pagination = _paginate(forms, query)
        return 200, {"forms": page, "pagination": pagination}
    if method == "POST" and (m := re.fullmatch(r"/v4/forms/(\d+)/subscribers", path)):
        return _add_to_form(store, int(m.group(1)), body)
    if method == "POST" and path == "/v4/bulk/forms/subscribers":
        return _bulk_forms(store, body)
    if method == "GET" and (m := re.fullmatch(r"/v4/subscribers/(\d+)/tags", path)):
        return _subscriber_tags(store, int(m.group(1)), query)
    if m := re.fullmatch(r"/v4/subscribers/(\d+)", path):
        sub = store.subscribers.get(int(m.group(1)))
        if method == "GET" and sub is not None:
            return 200, {"subscriber": store.to_json(sub)}
        raise Reply(404, {"errors": ["Not Found"]})
    if method == "DELETE" and (path.startswith("/v4/tags/") or path == "/v4/bulk/tags/subscribers"):
        return _untag_route(store, path, body)
    if path.startswith(("/v4/tags", "/v4/bulk/tags")):
        return _tags_route(store, method, path, query, body)
    if method == "POST" and path == "/v4/bulk/subscribers":
        return _bulk_subscribers(sb, body)
    if method == "POST" and path == "/v4/bulk/custom_fields/subscribers":
        return _bulk_values(store, body)
    raise Reply(404, {"errors": ["Not Found"]})


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


def _tags_route(store: KitStore, method: str, path: str, query: dict[str, str], body: Any) -> tuple[int, Any]:
    """The tag endpoints, as Kit's document describes them: list and create tags (one, or up to 100
    in bulk), and tag subscribers (in bulk by id, or one by email). A tag is matched by name in any
    case; tagging a subscriber who has the tag is a success (200), not an error."""
    if path == "/v4/tags" and method == "GET":
        with store.lock:
            items = [t.to_json() for t in sorted(store.tags.values(), key=lambda t: t.id)]
        page, pagination = _paginate(items, query)
        return 200, {"tags": page, "pagination": pagination}
    if path == "/v4/tags" and method == "POST":
        name = body.get("name") if isinstance(body, dict) else None
        if not isinstance(name, str) or not name.strip():
            raise Reply(422, {"errors": ["Name can't be blank"]})
        tag, created = store.add_tag(name)
        return (201 if created else 200), {"tag": tag.to_json()}
    if path == "/v4/bulk/tags" and method == "POST":
        items = _items(body, "tags", "No tags included for processing")
        made, failures = [], []
        for item in items:
            name = item.get("name") if isinstance(item, dict) else None
            if not isinstance(name, str) or not name.strip():
                failures.append({"tag": {"name": name}, "errors": ["Name can't be blank"]})
                continue
            made.append(store.add_tag(name)[0].to_json())
        if len(items) > SYNC_LIMIT:
            return 202, {}
        return 200, {"tags": made, "failures": failures}
    if path == "/v4/bulk/tags/subscribers" and method == "POST":
        return _bulk_taggings(store, body)
    if (m := re.fullmatch(r"/v4/tags/(\d+)/subscribers", path)) and method == "POST":
        tag_id = int(m.group(1))
        email = body.get("email_address") if isinstance(body, dict) else None
        if not isinstance(email, str) or not email.strip():
            raise Reply(422, {"errors": ["Either subscriber id or email address is required to tag subscriber"]})
        sub = store.find(email)
        if tag_id not in store.tags or sub is None or store.tag_refused(tag_id):
            raise Reply(404, {"errors": ["Not Found"]})
        new = store.tag(sub, tag_id)
        return (201 if new else 200), {"subscriber": {**store.to_json(sub), "tagged_at": store.now_iso()}}
    raise Reply(404, {"errors": ["Not Found"]})


def _untag_route(store: KitStore, path: str, body: Any) -> tuple[int, Any]:
    """Removing tags, as Kit's document describes it: DELETE /v4/tags/{tag_id}/subscribers/{id} (204;
    404 for a tag or subscriber Kit does not have), DELETE /v4/tags/{tag_id}/subscribers by email, and
    DELETE /v4/bulk/tags/subscribers (the POST's `taggings` body; only `failures` in the answer). A
    subscriber without the tag is not an error: the removal is already true."""
    if path == "/v4/bulk/tags/subscribers":
        items = _items(body, "taggings", "No taggings included for processing")
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
    if m := re.fullmatch(r"/v4/tags/(\d+)/subscribers/(\d+)", path):
        tag_id, sub = int(m.group(1)), store.subscribers.get(int(m.group(2)))
    elif m := re.fullmatch(r"/v4/tags/(\d+)/subscribers", path):
        email = body.get("email_address") if isinstance(body, dict) else None
        if not isinstance(email, str) or not email.strip():
            raise Reply(422, {"errors": ["Either subscriber id or email address is required to remove tag from "
                                         "subscriber"]})
        tag_id, sub = int(m.group(1)), store.find(email)
    else:
        raise Reply(404, {"errors": ["Not Found"]})
    if sub is None or tag_id not in store.tags:
        raise Reply(404, {"errors": ["Not Found"]})
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
            "referrer_utm_parameters": {"source": "", "medium": "", "campaign": "", "term": "", "content": ""}}


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
