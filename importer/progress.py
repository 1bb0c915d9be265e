"""Where a run reports progress: the CLI draws bars, a library caller may log, or nothing."""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    """Where the pipeline reports progress; the CLI draws bars, a library caller may log. A progress
    may also have `waiting(seconds)`, told when Kit's rate limit holds every request back that long,
    `retrying(seconds, why)`, told when a request Kit failed (`connection failed, attempt 4 of 8`)
    waits that long before it is sent again, and `status(message)`, told what verify waits for (else
    its `log` is)."""

    def phase(self, name: str, total: int | None) -> None: ...

    def advance(self, n: int = 1, requests: int | None = None) -> None: ...

    def log(self, message: str) -> None: ...


class NoProgress:
    """Progress that goes nowhere: the default for library callers."""

    def phase(self, name: str, total: int | None) -> None:
        pass

    def advance(self, n: int = 1, requests: int | None = None) -> None:
        pass

    def log(self, message: str) -> None:
        pass
