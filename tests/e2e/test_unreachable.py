"""Kit out of reach in the middle of a run: the run gives up within a bounded time, every row accounted
for, instead of retrying batch after batch; a Kit back within the window is waited for."""

from __future__ import annotations

import csv
import threading
import time
from pathlib import Path

from helpers import generated
from importer import Settings, import_file
from importer.kit import Credential, KitClient, RateLimiter
from importer.run import NoProgress
from importer.sandbox import SAMPLE_FIELDS, Behaviour, Sandbox

ROWS = 3000


class Watching(NoProgress):
    """The progress a run tells: why and how long it waits for Kit."""

    def __init__(self) -> None:
        self.retries: list[str] = []

    def retrying(self, seconds: float, why: str) -> None:
        self.retries.append(why)


def client_for(sandbox: Sandbox, unreachable_after: float) -> KitClient:
    """A client with short waits: minutes of outage rehearsed in about a second."""
    return KitClient(Credential("oauth", sandbox.access_token), sandbox.url, backoff_base=0.02,
                     unreachable_after=unreachable_after, limiter=RateLimiter(100_000, 60))


def stop_when(sandbox: Sandbox, holds: int, then=None) -> threading.Thread:
    """Stop the sandbox (as a killed process: open connections dropped, new ones refused) once it holds
    `holds` subscribers; then call `then`."""
    def watch() -> None:
        while len(sandbox.store.subscribers) < holds:
            time.sleep(0.005)
        sandbox.stop()
        if then is not None:
            then()
    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def settings_for(sandbox: Sandbox, tmp_path: Path) -> Settings:
    return Settings(source=generated(tmp_path / "big.csv", ROWS), credential=Credential("oauth", sandbox.access_token),
                    base_url=sandbox.url, concurrency=8, failures=tmp_path / "big.failures.csv")


def test_a_kit_gone_mid_run_stops_the_run_with_every_row_accounted_for(tmp_path):
    sandbox = Sandbox(behaviour=Behaviour(latency=(0.005, 0.01))).start()
    sandbox.seed_fields(SAMPLE_FIELDS)
    stop_when(sandbox, ROWS // 3)
    progress = Watching()
    started = time.monotonic()
    report = import_file(settings_for(sandbox, tmp_path), client=client_for(sandbox, 1.0), progress=progress)
    took = time.monotonic() - started
    assert report.exit_status == 1
    assert took < 15  # given up about a second after Kit went away, not after 8 attempts of each batch
    summary = report.summary()
    assert "Stopped:           Kit could not be reached for 1 s: every request failed (" in summary
    assert summary.rstrip().endswith("running again is safe")
    assert report.rows_imported + report.rows_not_sent + report.rows_not_confirmed == ROWS
    assert report.rows_not_sent > 0
    with open(tmp_path / "big.failures.csv", newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == report.rows_not_sent + report.rows_not_confirmed
    assert all("the run stopped: Kit could not be reached for 1 s" in row["error"] for row in rows)
    # Not sent: the subscriber (never created), or only its values (Kit holds the subscriber).
    not_sent = {row["Email"] for row in rows if row["error"].startswith("not sent:")}
    values_only = [row for row in rows if row["error"].startswith("field not written: not sent:")]
    assert len(not_sent) + len(values_only) == report.rows_not_sent
    assert not not_sent & set(sandbox.store.snapshot())
    assert progress.retries and progress.retries[0] in ("connection failed, attempt 2 of 8",)
    # No request after giving up: a few retries of what was in flight, not thousands.
    assert report.requests_sent < 200


def test_a_kit_back_within_the_window_is_waited_for(tmp_path):
    sandbox = Sandbox(behaviour=Behaviour(latency=(0.005, 0.01))).start()
    sandbox.seed_fields(SAMPLE_FIELDS)
    port = int(sandbox.url.rsplit(":", 1)[1])
    back: list[Sandbox] = []

    def restart() -> None:
        time.sleep(0.3)  # out of reach for a while: refused, then the same account answers again
        back.append(Sandbox(sandbox.store, port=port, access_token=sandbox.access_token).start())

    stop_when(sandbox, ROWS // 3, restart)
    try:
        report = import_file(settings_for(sandbox, tmp_path), client=client_for(sandbox, 60.0), progress=Watching())
    finally:
        for again in back:
            again.stop()
    assert report.exit_status == 0, report.summary()
    assert report.rows_imported == ROWS and report.retries > 0 and not report.stopped
    assert len(sandbox.store.subscribers) == ROWS
