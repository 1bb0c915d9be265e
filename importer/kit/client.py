"""The Kit v4 transport: one session, auth, rate limit, retries, pagination and typed errors.

The only place that reads a status code. The endpoint modules beside it (account, fields,
subscribers, oauth) build the paths and parse the answers; nothing outside `kit/` does
either. Retries cover 429, 413, 5xx, timeouts and dropped connections; 401/403 stop the run;
any other 4xx is raised as KitRequestError for the caller to attribute to the rows in that
request. When no request has reached Kit at all for UNREACHABLE_AFTER seconds (refused, dropped,
unknown host, timed out: every attempt of every thread), the client gives up on Kit: every request
raises KitUnreachableError, which stops the run as a 401 does, instead of each batch retrying on
its own. Until the server has answered once, a refused connection, an unknown host, a TLS failure
or a 404 means the address is wrong, not that Kit is busy: a ConfigError at once.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import html
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

import requests
import requests.adapters

from importer.errors import ConfigError, KitFatalError, KitRequestError, KitUnavailableError, KitUnreachableError
from importer.kit.auth import OAUTH, Credential, RefreshGrant
from importer.kit.oauth import exchange_token
from importer.kit.ratelimit import RateLimiter

DEFAULT_BASE_URL = "https://api.kit.com"
USER_AGENT = "kit-import/0.1 (+https://pypi.org/project/kit-import/)"
RETRIABLE = {408, 413, 429}  # and every 5xx
MAX_BACKOFF = 60.0
# Seconds during which every attempt failed to reach Kit (and at least max_attempts of them) before the
# client gives up on it. Long enough for a dropped Wi-Fi, a VPN or proxy restart or a short Kit incident
# (one request's own retries span about 1 to 2 minutes); short enough that a run against a Kit that is
# gone stops within about 4 minutes instead of failing batch after batch for an hour.
UNREACHABLE_AFTER = 180.0


@dataclass(frozen=True)
class Response:
    """A successful answer: its status (200, 201, 202) and its parsed JSON body."""

    status: int
    body: Any


@dataclass
class RequestStats:
    """What the client sent: requests by endpoint, retries, and 429s. Thread-safe."""

    by_endpoint: Counter = field(default_factory=Counter)
    retries: int = 0
    throttled: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count(self, endpoint: str) -> None:
        with self._lock:
            self.by_endpoint[endpoint] += 1

    def retry(self, throttled: bool) -> None:
        with self._lock:
            self.retries += 1
            self.throttled += throttled

    @property
    def total(self) -> int:
        return sum(self.by_endpoint.values())


class _Outage:
    """Whether Kit has been out of reach for every attempt lately, across the client's threads.

    A failure to reach Kit (refused, dropped, unknown host, timed out) starts or extends the outage;
    any answer from Kit, even a 5xx, ends it. The outage is long enough to give up on once it has
    lasted `after` seconds and counted at least `attempts` failures in a row: the count keeps one
    slow timeout from deciding alone, the time keeps a burst of concurrent failures from deciding."""

    def __init__(self, after: float, attempts: int, clock: Callable[[], float]) -> None:
        self.after, self.attempts, self._clock = after, attempts, clock
        self.since: float | None = None
        self.failures = 0
        self.answers = 0  # answers so far: a request that failed sees whether Kit answered anyone since
        self.last = ""
        self.wake = threading.Event()  # set on giving up: requests waiting to retry stop waiting
        self._lock = threading.Lock()

    def answered(self) -> None:
        with self._lock:
            self.answers += 1
            if self.since is not None:
                self.since, self.failures = None, 0
                self.wake.clear()

    def failed(self, what: str) -> None:
        with self._lock:
            now = self._clock()
            if self.since is None:
                self.since = now
            self.failures += 1
            self.last = what
            if self.over():
                self.wake.set()

    def over(self) -> bool:
        """Kit has been out of reach long enough to give up on it."""
        return self.since is not None and self.failures >= self.attempts and \
            self._clock() - self.since >= self.after

    def lasted(self) -> float:
        return 0.0 if self.since is None else self._clock() - self.since


class KitClient:
    """Talks to one Kit account with one credential."""

    def __init__(self, credential: Credential, base_url: str = DEFAULT_BASE_URL, *,
                 limiter: RateLimiter | None = None, max_attempts: int = 8,
                 timeout: tuple[float, float] = (10.0, 60.0), backoff_base: float = 1.0,
                 sleep: Callable[[float], None] = time.sleep, session: requests.Session | None = None,
                 connections: int = 10, max_throttled: int = 12, grant: RefreshGrant | None = None,
                 unreachable_after: float = UNREACHABLE_AFTER, clock: Callable[[], float] = time.monotonic) -> None:
        parsed = urlparse(base_url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ConfigError(f"KIT_API_URL {base_url!r} is not an http(s) URL.",
                              f"Leave it unset to use {DEFAULT_BASE_URL}.")
        self.credential = credential
        self.base_url = base_url.rstrip("/")
        self.limiter = limiter or RateLimiter.with_margin(credential.rate_limit)
        self.max_attempts = max_attempts
        self.timeout = timeout
        self.backoff_base = backoff_base
        self.stats = RequestStats()
        self.server_time: dt.datetime | None = None
        self.outage = _Outage(unreachable_after, max_attempts, clock)
        # Waiting to retry is cut short when the client gives up on Kit; an injected `sleep` (tests) is used as given.
        self._sleep = sleep if sleep is not time.sleep else self.outage.wake.wait
        self.max_throttled = max_throttled
        self.grant = grant if credential.kind == OAUTH else None
        self.on_retry: Callable[[str], None] | None = None  # told of each wait, e.g. to log it
        # Told of each wait before a retry that is not the rate limit's: its seconds, and why in a few words
        # (`connection failed, retry 3 of 8`), for a progress line to say it is waiting for Kit.
        self.on_wait: Callable[[float, str], None] | None = None
        self.answered = False  # the server has answered once: its address is right
        self._refresh_lock = threading.Lock()
        self._session = session or requests.Session()
        # One pooled connection per worker thread, so concurrent requests reuse connections
        # instead of opening (and discarding) new ones past requests' default pool of 10.
        adapter = requests.adapters.HTTPAdapter(pool_connections=1, pool_maxsize=max(connections, 1))
        self._session.mount("https://", adapter)
        self._session.mount("http://", adapter)
        self._session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json",
                                      **credential.headers()})

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        """GET a path and return its JSON body."""
        return self.request("GET", path, params=params).body

    def post(self, path: str, body: dict[str, Any]) -> Response:
        """POST a JSON body. Callers only post idempotent writes (upserts by email, values set
        to a given text), so a retry after a lost answer cannot apply anything twice."""
        return self.request("POST", path, json=body)

    def paginate(self, path: str, key: str, params: dict[str, Any] | None = None) -> Iterator[dict]:
        """Yield every item of a cursor-paginated list, 1000 a page, following `end_cursor`."""
        query = {"per_page": 1000, **(params or {})}
        seen: set[str] = set()
        while True:
            body = self.get(path, query)
            yield from body.get(key) or []
            page = body.get("pagination") or {}
            cursor = page.get("end_cursor")
            if not page.get("has_next_page") or not cursor:
                return
            if cursor in seen:
                raise KitUnavailableError(f"Kit returned the same page cursor twice while listing {path}.",
                                          "Try again later; if it persists, report it to Kit support.")
            seen.add(cursor)
            query["after"] = cursor

    def request(self, method: str, path: str, *, params: dict[str, Any] | None = None,
                json: dict[str, Any] | None = None) -> Response:
        """Send one request, retrying what can be retried; raise a typed error otherwise."""
        endpoint = f"{method} {_ID.sub('/{id}', path)}"  # counted per endpoint, not per subscriber
        failures = throttles = 0
        refreshed = False
        answers = None  # Kit's answers to anyone when this request first failed to reach it
        maybe_applied = False  # an attempt may have reached Kit before it failed (a timeout, a dropped answer)
        while True:
            token = self.credential.secret
            if self.outage.over():
                raise self._gone(endpoint, maybe_applied)
            self.limiter.acquire()
            self.stats.count(endpoint)
            try:
                reply = self._session.request(method, self.base_url + path, params=params, json=json,
                                              timeout=self.timeout)
            except (requests.ConnectionError, requests.Timeout, requests.exceptions.InvalidURL) as e:
                if not self.answered and (wrong := _unreachable(self.base_url, e)) is not None:
                    raise wrong from None
                failures += 1
                maybe_applied = maybe_applied or not _never_sent(e)
                reason = "timed out" if isinstance(e, requests.Timeout) else "connection failed"
                self.outage.failed(f"{endpoint}: {reason}")
                if self.outage.over():
                    raise self._gone(endpoint, maybe_applied) from None
                answers = self.outage.answers if answers is None else answers
                # While no request reaches Kit, this one waits for the client to give up on Kit (or for Kit to
                # answer) rather than fail its rows alone; once Kit answers others, its own attempts count.
                limit = self.max_attempts if self.outage.answers != answers else max(failures + 1, self.max_attempts)
                self._retry_or_raise(failures, limit, f"{endpoint}: {reason}", reason=reason)
                if self.outage.over():
                    raise self._gone(endpoint, maybe_applied) from None
                continue
            self.outage.answered()
            status = reply.status_code
            if not self.answered and status == 404:
                raise _wrong_root(self.base_url, path, reply)
            self.answered = True
            if self.server_time is None:
                self.server_time = _date(reply)
            if 200 <= status < 300:
                self.limiter.relax()
                return Response(status, _json(reply))
            errors = _errors(reply)
            if status == 429:
                throttles += 1
                self._retry_or_raise(throttles, self.max_throttled, f"{endpoint}: HTTP 429 {'; '.join(errors)}",
                                     throttled=True, status=status, errors=errors)
                continue
            if status in RETRIABLE or status >= 500:
                failures += 1
                self._retry_or_raise(failures, self.max_attempts, f"{endpoint}: HTTP {status} {'; '.join(errors)}",
                                     status=status, errors=errors, reason=f"HTTP {status}")
                continue
            if status == 401 and self.grant is not None and not refreshed:
                self._refresh(token)  # an expired or revoked access token: renew it, retry once
                refreshed = True
                continue
            if status in (401, 403):
                raise _fatal(status, errors, self.credential)
            raise KitRequestError(f"Kit refused {endpoint} (HTTP {status}): {'; '.join(errors)}",
                                  status=status, errors=errors)

    def _refresh(self, failed_token: str) -> None:
        """Trade the refresh token for a new pair, save it, then use it (once for all threads).

        Kit's refresh tokens are single-use: the new pair is saved (atomically, 0600) before
        the new access token is used, so a crash never leaves only a spent token behind.
        """
        grant = self.grant
        assert grant is not None
        with self._refresh_lock:
            if self.credential.secret != failed_token:
                return  # another thread has refreshed it already
            body = {"grant_type": "refresh_token", "client_id": grant.client_id, "refresh_token": grant.refresh_token}
            if grant.client_secret:
                body["client_secret"] = grant.client_secret
            self.stats.count("POST /v4/oauth/token")
            pair = exchange_token(self.base_url, body, session=self._session, timeout=self.timeout)
            if grant.token_file is not None:
                grant.token_file.save(pair.access_token, pair.refresh_token, pair.expires_in)
            grant.refresh_token = pair.refresh_token
            self.credential = Credential(OAUTH, pair.access_token, self.credential.origin)
            self._session.headers.update(self.credential.headers())

    def _gone(self, endpoint: str, maybe_applied: bool) -> KitUnreachableError:
        """The error that stops the run: Kit has been out of reach for every request too long."""
        lasted = self.outage.lasted()
        # Whole minutes, rounded down: a retry's backoff and jitter decide the seconds past the limit.
        took = f"{max(1, round(lasted))} s" if lasted < 90 else f"{int(lasted // 60)} min"
        return KitUnreachableError(f"Kit could not be reached for {took}: every request failed "
                                   f"({self.outage.last or endpoint}); running again is safe",
                                   "Check your connection (and KIT_API_URL), then run the import again: rows sent "
                                   "are not sent twice, and the failures CSV holds the rows not sent.",
                                   maybe_applied=maybe_applied)

    def _retry_or_raise(self, attempt: int, limit: int, what: str, *, throttled: bool = False,
                        status: int | None = None, errors: list[str] | None = None, reason: str = "") -> None:
        """Wait before retrying (the `attempt`th failure of its kind), or give up past `limit`.

        Retrying a write is safe: every write kit-import sends is idempotent (an upsert by
        email, a value set to a given text), so one that Kit applied before the answer was
        lost is applied again to the same effect.
        """
        if attempt >= limit:
            raise KitUnavailableError(f"Kit still failing after {attempt} attempts ({what}).",
                                      "Kit may be down or overloaded; run the import again later.",
                                      status=status, errors=errors)
        self.stats.retry(throttled)
        if throttled:
            # A 429 is about the credential, not this request: every thread waits.
            pause = self.limiter.throttled(self.backoff_base)
            self._tell(f"Kit's rate limit answered 429; all requests wait {pause:.1f} s ({what})")
            return
        delay = min(MAX_BACKOFF, self.backoff_base * 2 ** min(attempt - 1, 30))
        delay = random.uniform(delay / 2, delay)
        if attempt < self.max_attempts:
            retry = f"attempt {attempt + 1} of {limit}"
        else:  # past its own attempts: waiting for Kit to answer anyone, or for the client to give up on it
            retry = f"attempt {attempt + 1}; Kit not reached for {round(self.outage.lasted())} s"
        self._tell(f"{what}; retrying in {delay:.1f} s ({retry})")
        if self.on_wait is not None:
            self.on_wait(delay, f"{reason or 'failed'}, attempt {attempt + 1}" +
                         (f" of {limit}" if attempt < self.max_attempts else ""))
        self._sleep(delay)

    def _tell(self, message: str) -> None:
        if self.on_retry is not None:
            self.on_retry(message)


_ID = re.compile(r"/\d+(?=/|$)")  # an id in a path: /v4/subscribers/42/unsubscribe


def _date(reply: requests.Response) -> dt.datetime | None:
    """Kit's clock, from the Date header: judging timestamps by it makes local clock skew harmless."""
    try:
        when = email.utils.parsedate_to_datetime(reply.headers.get("Date", ""))
    except (TypeError, ValueError, IndexError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)


def _json(reply: requests.Response) -> Any:
    if not reply.content:
        return {}
    try:
        return reply.json()
    except ValueError:
        return {}


def _unreachable(base_url: str, error: Exception) -> ConfigError | None:
    """If the first request's failure says the address is wrong (refused, unknown host, TLS, not a
    URL), the error naming it and the setting to fix; None for failures worth retrying."""
    text = str(error)
    if isinstance(error, requests.Timeout):
        return None
    if isinstance(error, requests.exceptions.SSLError):
        why = "TLS failed: " + _tls_reason(text)
    elif isinstance(error, requests.exceptions.InvalidURL):
        why = "not a valid address"
    elif re.search(r"Name or service not known|nodename nor servname|getaddrinfo failed|Temporary failure in name "
                   r"resolution|No address associated", text):
        why = "unknown host"
    elif "refused" in text.lower():
        why = "connection refused"
    else:
        return None  # a dropped or reset connection: Kit may be busy
    return ConfigError(f"Cannot reach Kit at {base_url} ({why}): check KIT_API_URL.",
                       f"Leave KIT_API_URL unset to use {DEFAULT_BASE_URL}, or set it to the address "
                       "`kit-import sandbox` printed.")


def _never_sent(error: Exception) -> bool:
    """Whether a failed attempt never reached Kit: no connection was made (refused, unknown host, a
    connect timeout). A read timeout or a dropped connection may have been applied before it failed."""
    if isinstance(error, requests.ConnectTimeout):
        return True
    if isinstance(error, requests.Timeout):
        return False
    text = str(error)
    return bool(re.search(r"NewConnectionError|NameResolutionError|refused|Failed to establish|Name or service not "
                          r"known|Temporary failure in name resolution", text, re.IGNORECASE))


def _tls_reason(text: str) -> str:
    found = re.search(r"\[SSL: [A-Z_]+\] ([^(')\]]+)", text)
    return (found.group(1) if found else "the certificate or protocol was not accepted").strip()


def _wrong_root(base_url: str, path: str, reply: requests.Response) -> ConfigError:
    """A 404 on the very first request: the base URL is not the API's root."""
    return ConfigError(f"{base_url} answered 404 Not Found for {path}: KIT_API_URL should be the API's root, "
                       f"like {DEFAULT_BASE_URL} (no /v4).",
                       f"Set KIT_API_URL to the root (now {base_url}), or leave it unset for {DEFAULT_BASE_URL}.")


def _summary(text: str, limit: int = 100) -> str:
    """An HTML error page in one line: its <title>, else its first text, trimmed; other text trimmed."""
    if re.search(r"<\s*(!doctype|html|head|body|title)\b", text[:1000], re.IGNORECASE):
        title = re.search(r"<title[^>]*>(.*?)</title>", text, re.IGNORECASE | re.DOTALL)
        text = title.group(1) if title and title.group(1).strip() else \
            re.sub(r"<(script|style)\b.*?</\1>|<[^>]+>", " ", text, flags=re.IGNORECASE | re.DOTALL)
        text = "an HTML page: " + " ".join(html.unescape(text).split())
    else:
        text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _errors(reply: requests.Response) -> list[str]:
    """Kit's `{"errors": [...]}`, or the plain text of a 429's `Retry later`; a page summarised in a line."""
    try:
        body = reply.json()
    except ValueError:
        text = reply.text.strip()
        return [_summary(text)] if text else [reply.reason or f"HTTP {reply.status_code}"]
    if isinstance(body, dict):
        errors = body.get("errors") or body.get("error") or body.get("message")
        if isinstance(errors, list):
            return [str(e) for e in errors]
        if errors:
            return [str(errors)]
    return [reply.reason or f"HTTP {reply.status_code}"]


def _fatal(status: int, errors: list[str], credential: Credential) -> KitFatalError:
    said = "; ".join(errors)
    if status == 401:
        return KitFatalError(f"Kit rejected the {credential.name} (HTTP 401: {said}).",
                             "Check the credential in your environment, or create a new one in Kit's "
                             "developer settings.", status=status, errors=errors)
    return KitFatalError(f"Kit refused the request (HTTP 403: {said}).",
                         "The account's plan or subscriber limit stops this import; raise the limit "
                         "in Kit, then run the import again.", status=status, errors=errors)
