"""A rolling-window rate limiter shared by every thread that uses one credential."""

from __future__ import annotations

import random
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any


class RateLimiter:
    """Allows at most `limit` requests in any rolling `window` seconds, and a shared pause after a 429.

    Kit counts requests per credential over a rolling 60 s; staying a little under the limit
    (see `with_margin`) avoids 429s that would each cost a wasted request and a wait.
    """

    def __init__(self, limit: int, window: float = 60.0, *, pad: float = 0.0,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("a rate limit needs at least 1 request in a positive window")
        self.limit = limit
        self.window = window
        # A request is counted from when it is sent, but Kit counts it from when it arrives,
        # a little later and by a varying amount: holding each slot `pad` seconds longer keeps
        # a burst sent as the window turns from landing inside Kit's previous window.
        self.pad = pad
        self._span = window + pad
        self._clock = clock
        self._sleep = sleep
        self._sent: deque[float] = deque()
        self._paused_until = 0.0
        self._strikes = 0
        self._lock = threading.Lock()
        # Told once per wait of at least TELL_AFTER seconds: when the window resets, in seconds from now
        # (the progress line says `waiting for Kit's rate limit (resets in 23 s)`); kit/ alone knows why.
        self.on_wait: Callable[[float], None] | None = None
        self._told_until = 0.0

    @classmethod
    def with_margin(cls, limit: int, window: float = 60.0, margin: float = 0.03, **kw: Any) -> RateLimiter:
        """A limiter a few percent under Kit's limit (in requests, and in time by `pad`), so that
        requests in flight as the window turns do not earn a 429."""
        return cls(max(1, int(limit * (1 - margin))), window, pad=window * 0.02, **kw)

    TELL_AFTER = 2.0  # seconds: a shorter wait is not worth a word

    def acquire(self) -> None:
        """Block until a request may be sent, then count it; a long wait is told to `on_wait` once."""
        while True:
            tell = 0.0
            with self._lock:
                now = self._clock()
                while self._sent and now - self._sent[0] >= self._span:
                    self._sent.popleft()
                wait = self._paused_until - now
                if wait <= 0 and len(self._sent) < self.limit:
                    self._sent.append(now)
                    return
                if wait <= 0:
                    wait = self._span - (now - self._sent[0])
                if wait >= self.TELL_AFTER and now + wait > self._told_until + 1.0:
                    self._told_until, tell = now + wait, wait
            if tell and self.on_wait is not None:
                self.on_wait(tell)
            self._sleep(max(wait, 0.001))

    def throttled(self, base: float = 1.0, cap: float = 60.0) -> float:
        """Kit answered 429: hold the whole credential, exponentially longer (with jitter) for
        each 429 in a row, up to `cap` (Kit's window resets within 60 s). A 429 that arrives
        while a pause is already running (other threads' requests were in flight) does not
        lengthen it. Returns the pause in seconds."""
        with self._lock:
            now = self._clock()
            if now < self._paused_until:
                return self._paused_until - now
            self._strikes += 1
            ceiling = min(cap, base * 2 ** (self._strikes - 1))
            seconds = random.uniform(ceiling / 2, ceiling)
            self._paused_until = now + seconds
            return seconds

    def relax(self) -> None:
        """A request got through: the next 429 starts the backoff afresh."""
        if self._strikes:
            with self._lock:
                self._strikes = 0

    @property
    def requests_per_second(self) -> float:
        """The sustained rate this limiter allows."""
        return self.limit / self._span
