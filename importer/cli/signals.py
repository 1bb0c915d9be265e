"""Signals: SIGTERM stops a run as Ctrl-C does."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from importer.errors import Terminated


@contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """While a run lasts, SIGTERM (`timeout`, `systemctl stop`, a container's end) stops it as Ctrl-C
    does: requests in flight settle, then the summary, report, failures CSV and log are written."""

    stopping = threading.Event()

    def stop(signum: int, frame: object) -> None:
        # Only the first: `timeout` signals the process and then its group, and systemd may repeat
        # itself; a second one must not cut short the wind-down the first started.
        if not stopping.is_set():
            stopping.set()
            raise Terminated()

    try:
        previous = signal.signal(signal.SIGTERM, stop)
    except ValueError:  # not the main thread (a test runner, an embedding app): leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
