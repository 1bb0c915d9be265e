"""RateLimiter: a rolling window per credential, a shared pause after a 429, on a fake clock."""

from __future__ import annotations

import pytest

from importer.kit import RateLimiter


class FakeClock:
    """A clock that only moves when the limiter sleeps (or the test says so)."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_429_backoff_doubles_per_strike_ignores_strikes_during_a_pause_and_resets_on_success():
    now = [0.0]
    limiter = RateLimiter(100, 60, clock=lambda: now[0], sleep=lambda s: None)
    first = limiter.throttled(base=2)
    assert 1 <= first <= 2
    assert limiter.throttled(base=2) == pytest.approx(first)  # in flight during the pause: same pause
    now[0] += first
    assert 2 <= limiter.throttled(base=2) <= 4
    now[0] += 10
    for _ in range(10):
        now[0] += limiter.throttled(base=2)
    assert 30 <= limiter.throttled(base=2) <= 60  # capped at Kit's 60 s window
    limiter.relax()
    now[0] += 100
    assert 1 <= limiter.throttled(base=2) <= 2


def test_rate_limiter_holds_requests_to_the_rolling_window():
    now = [0.0]
    slept = []

    def sleep(seconds):
        slept.append(seconds)
        now[0] += seconds

    limiter = RateLimiter(3, 10, clock=lambda: now[0], sleep=sleep)
    for _ in range(3):
        limiter.acquire()
    assert slept == []
    limiter.acquire()  # the fourth waits until the first leaves the window
    assert now[0] == pytest.approx(10)


def test_no_more_than_the_limit_goes_out_in_any_rolling_window():
    clock = FakeClock()
    limiter = RateLimiter(5, 10, clock=clock, sleep=clock.sleep)
    sent = []
    for _ in range(23):
        limiter.acquire()
        sent.append(clock.now)
    for t in sent:
        assert sum(1 for u in sent if t <= u < t + 10) <= 5
    assert clock.now == pytest.approx(40)  # 23 requests at 5 per 10 s: the last one waits for the 5th window


def test_the_margin_keeps_under_kits_limit_in_requests_and_time():
    limiter = RateLimiter.with_margin(600, 60)
    assert limiter.limit == 582 and limiter.pad == pytest.approx(1.2)
    assert limiter.requests_per_second * 60 < 600
    assert RateLimiter.with_margin(1, 60).limit == 1


def test_a_429_pause_holds_every_request_and_a_429_during_it_does_not_shorten_it():
    clock = FakeClock()
    limiter = RateLimiter(100, 60, clock=clock, sleep=clock.sleep)
    pause = limiter.throttled(base=30)  # between 15 and 30 s
    assert limiter.throttled(base=1) == pytest.approx(pause)  # another thread's 429 during it
    limiter.acquire()
    assert clock.now >= pause >= 15


@pytest.mark.parametrize("limit, window", [(0, 60), (10, 0), (10, -1)])
def test_a_limit_that_allows_nothing_is_refused(limit, window):
    with pytest.raises(ValueError):
        RateLimiter(limit, window)


def test_a_long_wait_is_told_once_with_the_seconds_until_the_window_resets():
    now = [0.0]
    told: list[float] = []

    def sleep(seconds: float) -> None:
        now[0] += seconds

    limiter = RateLimiter(2, 30.0, clock=lambda: now[0], sleep=sleep)
    limiter.on_wait = told.append
    for _ in range(3):
        limiter.acquire()
    assert told == [30.0]  # the third request waited for the window, and said so once
    limiter.acquire()
    assert told == [30.0]  # it fit in the new window: nothing to say
    limiter.acquire()
    assert told == [30.0, 30.0]


def test_the_progress_line_says_while_the_rate_limit_holds_requests_back():
    from importer.cli.progress import BarProgress

    progress = BarProgress()
    progress.phase("Importing contacts", 10)
    try:
        progress.advance(4, requests=4)
        progress.waiting(23.2)
        assert progress.progress_line().endswith(", waiting for Kit's rate limit (resets in 23 s)")
        progress._waiting_until = 0.0
        assert "waiting" not in progress.progress_line()
    finally:
        progress.close()


def test_a_run_tells_its_progress_while_the_rate_limit_holds_requests_back(sandbox, tmp_path):
    from conftest import write
    from importer import Settings, import_file
    from importer.kit import Credential
    from importer.run import NoProgress

    class Watching(NoProgress):
        def __init__(self) -> None:
            self.waits: list[float] = []

        def waiting(self, seconds: float) -> None:
            self.waits.append(seconds)

    progress = Watching()
    source = write(tmp_path / "c.csv", "Email\nann@example.com\n")
    settings = Settings(source=source, credential=Credential("api_key", sandbox.api_key), base_url=sandbox.url,
                        rate_limit="1/3", no_undo=True, failures=tmp_path / "f.csv")
    report = import_file(settings, progress=progress)
    assert report.exit_status == 0 and report.requests_sent == 2  # the fields, then the one upsert
    assert len(progress.waits) == 1 and 2.5 < progress.waits[0] <= 3.1


def test_the_progress_line_says_while_a_request_waits_for_kit_and_guesses_no_time_left():
    from importer.cli.progress import BarProgress

    progress = BarProgress()
    progress.phase("Importing contacts", 10)
    try:
        progress.advance(4, requests=4)
        assert "about" in progress.progress_line()
        progress.retrying(12.2, "connection failed, attempt 3 of 8")
        line = progress.progress_line()
        assert line.endswith(", time left not known while waiting for Kit, "
                             "waiting for Kit: connection failed, attempt 3 of 8 in 12 s")
        assert "about" not in line
        progress.advance(1, requests=6)  # Kit answered again: contacts are done
        assert "waiting" not in progress.progress_line() and "about" in progress.progress_line()
    finally:
        progress.close()
