"""The progress a run shows: bars on a terminal, timestamped lines elsewhere (and in the --log file)."""

from __future__ import annotations

import sys
import threading
import time

from tqdm import tqdm

from importer.cli.output import say


class BarProgress:
    """Progress bars on a terminal (tqdm hides them elsewhere): rows or contacts done and the
    current request rate. Without a terminal, timestamped lines instead: the phase, then for
    the import at each 10% and at least every `every` seconds, contacts done, requests sent,
    rate and time left. Those lines also go to the --log file (on a terminal, only there)."""

    RATE_WINDOW = 10.0  # seconds of history behind the request rate shown
    EVERY = 30.0  # seconds at most between two progress lines when nobody watches a bar

    def __init__(self, every: float = EVERY) -> None:
        self.bar: tqdm | None = None
        self.tty = sys.stderr.isatty()
        self.every = every
        self._sent: list[tuple[float, int]] = []
        self._name, self._total, self._done, self._requests = "", 0, 0, 0
        self._started = self._last_line = 0.0
        self._tenths = 0
        self._lock = threading.Lock()
        self._quiet = threading.Event()
        self._ticker: threading.Thread | None = None
        self._waiting_until = 0.0  # while Kit's rate limit holds every request back
        # While a request waits to retry because Kit failed it (no connection, a 5xx): why, and until when.
        # Kept until the next contacts are done, so that no time left is guessed while Kit is not answering.
        self._retry: tuple[str, float] | None = None

    def phase(self, name: str, total: int | None) -> None:
        self.close()
        if not self.tty:
            say(name + (f": {total:,}" if total is not None else ""), stamp_terminal=True)
        self.bar = tqdm(total=total, desc=name, unit=" rows" if total is None else " contacts",
                        disable=None, file=sys.stderr, leave=False, dynamic_ncols=True)
        self._sent, self._retry = [], None
        if total:  # the import itself: worth a line now and then
            self._name, self._total, self._done, self._tenths = name, total, 0, 0
            self._started = self._last_line = time.monotonic()
            self._quiet = threading.Event()
            self._ticker = threading.Thread(target=self._tick, name="progress-lines", daemon=True)
            self._ticker.start()

    def advance(self, n: int = 1, requests: int | None = None) -> None:
        now = time.monotonic()
        if requests is not None:
            self._sent = [(t, r) for t, r in self._sent if now - t <= self.RATE_WINDOW] + [(now, requests)]
        if self._ticker is not None:
            with self._lock:
                self._done += n
                self._retry = None if n else self._retry
                self._requests = requests if requests is not None else self._requests
                tenths = 10 * self._done // self._total
                due, self._tenths = tenths > self._tenths, max(tenths, self._tenths)
            if due:
                self._line()
        if self.bar is None or self.bar.disable:
            return
        self.bar.update(n)
        if rate := self.rate():
            self.bar.set_postfix_str(f"{rate:.1f} req/s", refresh=False)

    def rate(self) -> float | None:
        """Requests per second over the last RATE_WINDOW seconds, once two counts are known."""
        if len(self._sent) < 2 or self._sent[-1][0] <= self._sent[0][0]:
            return None
        (t0, r0), (t1, r1) = self._sent[0], self._sent[-1]
        return (r1 - r0) / (t1 - t0)

    def progress_line(self) -> str:
        """`Importing contacts: 4,000 of 10,000 (40%), 212 requests, 9.8 req/s, about 10 min left`."""
        with self._lock:
            done, total, requests = self._done, self._total, self._requests
        elapsed = time.monotonic() - self._started
        rate = self.rate()
        if not rate and done >= total and requests and elapsed > 0:  # a short run: its average at the end
            rate = requests / elapsed
        if self._retry is not None and done < total:  # an estimate now would leave out the waiting
            left = "time left not known while waiting for Kit"
        elif done and done < total:
            left = f"about {duration(elapsed * (total - done) / done)} left"
        else:
            left = "done" if done >= total else "time left not known yet"
        return (f"{self._name}: {done:,} of {total:,} ({100 * done // total}%), "
                f"{requests:,} requests, " + (f"{rate:.1f} req/s" if rate is not None else "rate not known yet") +
                f", {left}" + self._waiting())

    def waiting(self, seconds: float) -> None:
        """The rate limiter holds every request back for `seconds`: say so now, and in each line until then."""
        self._waiting_until = time.monotonic() + seconds
        if self.bar is not None and not self.bar.disable:
            self.bar.set_postfix_str(self._waiting().lstrip(", "), refresh=True)
        if self._ticker is not None:
            self._line()

    def retrying(self, seconds: float, why: str) -> None:
        """Kit failed a request (`why`: `connection failed, attempt 4 of 8`), retried in `seconds`: say so
        in each line until contacts are done again, with no time left guessed meanwhile."""
        self._retry = (why, time.monotonic() + seconds)
        if self.bar is not None and not self.bar.disable:
            self.bar.set_postfix_str(self._waiting().lstrip(", "), refresh=True)

    def _waiting(self) -> str:
        now = time.monotonic()
        if (retry := self._retry) is not None:
            why, until = retry
            return f", waiting for Kit: {why}" + (f" in {max(1, round(until - now))} s" if until - now > 0.5 else "")
        left = self._waiting_until - now
        return f", waiting for Kit's rate limit (resets in {max(1, round(left))} s)" if left > 0.5 else ""

    def _line(self) -> None:
        self._last_line = time.monotonic()
        say(self.progress_line(), screen=not self.tty, stamp_terminal=True)

    def _tick(self) -> None:
        """A line at least every `every` seconds, even while every request is waiting on Kit."""
        quiet = self._quiet
        while not quiet.wait(max(0.0, self._last_line + self.every - time.monotonic())):
            if time.monotonic() - self._last_line >= self.every:
                self._line()

    def log(self, message: str) -> None:
        say(message)

    def status(self, message: str) -> None:
        """What the command is waiting for, now (verify waiting for Kit's lists): a timestamped line without
        a terminal; on one, a status line redrawn in place. Always in the --log file."""
        if not self.tty:
            say(message, stamp_terminal=True)
            return
        say(message, screen=False)
        if self.bar is None:
            self.bar = tqdm(total=None, bar_format="{desc}", disable=None, file=sys.stderr, leave=False,
                            dynamic_ncols=True)
        self.bar.set_description_str(message)

    def close(self) -> None:
        self._quiet.set()
        self._ticker = None
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def duration(seconds: float) -> str:
    """`45 s`, `12 min`, `2 h 5 min`: time left, to the precision that matters."""
    if seconds < 90:
        return f"{max(1, round(seconds))} s"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)} min"
    return f"{int(seconds // 3600)} h {round(seconds % 3600 / 60)} min"
