"""Files written whole or not at all: one helper for every file the tool produces.

A report, a failures CSV or a token file is written to `<name>.partial` beside its target
and moved into place with `os.replace`, so a watcher, a crash or a second process never
sees half a file; a failed write removes the partial file and leaves the old one alone.
It sits below every other module (standard library only), so `kit/` may use it too.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO


@contextmanager
def atomic_write(path: str | Path, mode: str = "w", *, encoding: str | None = None, newline: str | None = None,
                 permissions: int | None = None, durable: bool = False) -> Iterator[IO]:
    """Open `path`'s partial file for writing; on a clean exit move it over `path`.

    `permissions` (such as 0o600 for a secret) are set when the file is created, never
    after, so the content is never readable by others even for a moment; `durable` fsyncs
    the content before the move, for a file whose loss would cost more than a rerun.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".partial")
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0)
    fd = os.open(tmp, flags, 0o666 if permissions is None else permissions)
    try:
        if permissions is not None:
            os.chmod(tmp, permissions)  # an earlier partial file keeps its mode through O_CREAT
        with os.fdopen(fd, mode, encoding=encoding, newline=newline) as f:
            yield f
            f.flush()
            if durable:
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
