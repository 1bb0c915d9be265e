"""One run at a time per state file: a lock beside it; another run holding it is refused, or waited for (--wait)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from pathlib import Path

from filelock import FileLock
from filelock import Timeout as LockTimeout

from importer.errors import ConfigError
from importer.progress import Progress
from importer.settings.declaration import Settings
from importer.settings.origins import capitalized


@contextlib.contextmanager
def holding(settings: Settings, progress: Progress) -> Iterator[None]:
    """Hold the state file's lock for the run (nothing to hold without a state file). Another run holding
    it is a ConfigError, unless `wait`: then the run waits for it, saying since when it is held."""
    if settings.state is None:
        yield
        return
    state_path = Path(settings.state)
    lock = FileLock(str(state_path) + ".lock")
    holder = state_path.with_name(state_path.name + ".lock.holder")  # when the holder started, for a waiter
    try:
        lock.acquire(timeout=0)
    except LockTimeout:
        if not settings.wait:
            raise ConfigError(f"Another kit-import run is using the state file {settings.state}.",
                              f"{capitalized(settings.origins.advise('wait', True))} to wait for it to finish, "
                              "or check for a run that is stuck.") from None
        progress.log(f"Another run holds {state_path.name} since {_holder_since(holder)}; waiting.")
        waited = time.monotonic()
        lock.acquire(timeout=-1)
        progress.log(f"Got {state_path.name} at {time.strftime('%H:%M:%S')} after waiting "
                     f"{time.monotonic() - waited:.0f} s; starting.")
    try:
        try:
            holder.write_text(f"{time.strftime('%Y-%m-%d %H:%M:%S')}\n", encoding="utf-8")
        except OSError:
            pass  # only a waiter's message needs it
        yield
    finally:
        holder.unlink(missing_ok=True)
        lock.release()


def _holder_since(holder: Path) -> str:
    """When the run holding the lock started (`03:15:02`, or with its date if not today), as it wrote it."""
    try:
        started = holder.read_text(encoding="utf-8").strip()
    except OSError:
        return "a time it did not record"
    day, _, clock = started.partition(" ")
    return clock if day == time.strftime("%Y-%m-%d") else started
