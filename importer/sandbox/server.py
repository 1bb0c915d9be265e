"""The local Kit emulator: Kit's v4 endpoints that kit-import uses, served on 127.0.0.1.

Built on the stdlib ThreadingHTTPServer (no dependency earns its place for a handful of JSON
routes). This module serves: credentials, OAuth, the rate limit, latency and injected faults;
routes.py answers each endpoint as Kit's reference pages do: 401 for an API key on /v4/bulk/*,
`{"errors": [...]}` bodies, per-item failures, `202 {}` above 100 bulk items.
"""

from __future__ import annotations

import base64
import email.utils
import hashlib
import html
import json
import random
import secrets
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

from importer.sandbox.routes import Reply, route
from importer.sandbox.store import KitStore

__all__ = ["AuthorizePageError", "Behaviour", "Reply", "SAMPLE_FIELDS", "SAMPLE_FORMS", "SAMPLE_SEQUENCES", "Sandbox"]

# The custom fields every sandbox starts with (`run --sandbox` and `kit-import sandbox` alike):
# the sample export's columns, so that the README's quick start maps them without --field.
SAMPLE_FIELDS = ("Last name", "Company", "Postal code")
# And one single opt-in form, so that --form can be rehearsed (Kit's API cannot create a form).
SAMPLE_FORMS = ("Newsletter",)
# And one active sequence, so that --sequence can be rehearsed (Kit's API cannot create a sequence).
SAMPLE_SEQUENCES = ("Welcome",)
UNAUTHORIZED = {"errors": ["The access token is invalid"]}
PAGE = ("<!doctype html><meta charset=utf-8><title>Kit sandbox</title>"
        "<h1 style='font:20px sans-serif'>{}</h1><p style='font:16px sans-serif'>{}</p>")


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
        self.gone = False  # stopped: as a killed process, it answers nothing more, even on open connections

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
        """Stop as a killed process does: open connections are dropped unanswered, new ones refused."""
        self.gone = True
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

    def seed_sequences(self, names: tuple[str, ...] = SAMPLE_SEQUENCES) -> None:
        """Active sequences that do not repeat, as a rehearsal of --sequence needs one."""
        for name in names:
            self.store.sequences.add(name)

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


class _Gone(Exception):
    """The request body never fully arrived: its client was killed or went away mid-request."""


class _Server(ThreadingHTTPServer):
    request_queue_size = 1024  # hundreds of client threads connect at once in the benchmarks
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up before its answer (interrupted, killed) is no error: Kit ignores it too."""
        if isinstance(sys.exc_info()[1], ConnectionError):  # BrokenPipeError, ConnectionResetError...
            return
        super().handle_error(request, client_address)


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
        if sb.gone:  # a request on a connection kept open past the stop: dropped, as by a killed process
            self.close_connection = True
            return
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
            status, payload = route(sb, method, url.path, query, body, kind)
            if roll < fault.drops:
                sb.count("drop")
                self.close_connection = True  # applied, but the answer is lost on the way
                return
        except Reply as r:
            status, payload = r.status, r.body
        except _Gone:  # the client went away mid-request: nothing arrived that Kit would act on
            self.close_connection = True
            return
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
        if len(raw) < length:
            raise _Gone()
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
