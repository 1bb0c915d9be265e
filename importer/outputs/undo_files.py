"""Where undo files go and how to find them again: one file per run, named for its source and
its time in UTC (`contacts.csv.2026-12-06T0315Z.undo.csv`), never replacing an earlier run's.

An interrupted run's file (still marked incomplete) is the exception: the rerun of the same
source saves into it, keeping its lines (see `outputs.undo.save_undo`), so that one file takes
back both. `kit-import undo` with no file lists them with what each would take back.
"""

from __future__ import annotations

import datetime as dt
import glob
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from importer.errors import ConfigError
from importer.outputs.undo import describe_kinds, incomplete_marker, read_undo

UNDO_SUFFIX = ".undo.csv"
# UTC, as the summaries' times (Z says so), minutes: a second run within one gets seconds, then a count.
MINUTE, SECOND = "%Y-%m-%dT%H%MZ", "%Y-%m-%dT%H%M%SZ"


def undo_path(given: Path | None, source_name: str, folder: Path | None = None,
              now: dt.datetime | None = None, resumable: Callable[[Path], bool] = lambda path: True) -> Path:
    """The undo file this run saves: the path given (--undo PATH, the user's to keep or replace),
    an interrupted run's file of the same source (its lines are kept and added to), or a new
    `<source name>.<time>.undo.csv` in `folder` (the current folder), its time in UTC.

    An interrupted run's file that is not `resumable` (another account's) is never saved into: the
    run takes a new name instead, beside the given path (`<its name>.<time>.undo.csv`) or in `folder`."""
    if given is not None:
        given = Path(given)
        if not incomplete_marker(given).exists() or resumable(given):
            return given
        return undo_path(None, given.name.removesuffix(UNDO_SUFFIX), given.parent, now, lambda path: False)
    folder = folder if folder is not None else Path()
    interrupted = [p for p in undo_files(folder, source_name) if incomplete_marker(p).exists()]
    if interrupted and resumable(latest := max(interrupted, key=_mtime)):
        return latest
    now = (now or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc)
    for name in (f"{source_name}.{now:{MINUTE}}", f"{source_name}.{now:{SECOND}}"):
        if not (folder / (name + UNDO_SUFFIX)).exists():
            return folder / (name + UNDO_SUFFIX)
    count = 2
    while (folder / f"{source_name}.{now:{SECOND}}-{count}{UNDO_SUFFIX}").exists():
        count += 1
    return folder / f"{source_name}.{now:{SECOND}}-{count}{UNDO_SUFFIX}"


def undo_files(folder: Path, source_name: str | None = None) -> list[Path]:
    """The undo files in `folder` (of one source when named), newest first: timestamped ones and
    the single `<source name>.undo.csv` earlier versions saved."""
    patterns = [f"{glob.escape(source_name)}{UNDO_SUFFIX}", f"{glob.escape(source_name)}.*{UNDO_SUFFIX}"] \
        if source_name else [f"*{UNDO_SUFFIX}"]
    found = {p for pattern in patterns for p in folder.glob(pattern) if p.is_file()}
    return sorted(found, key=_mtime, reverse=True)


@dataclass
class Listed:
    """One undo file as `kit-import undo` lists it: when it was saved and what it would take back."""

    path: Path
    saved: str
    holds: str
    interrupted: bool

    def line(self, width: int, saved_width: int = 0) -> str:
        mark = " (its run did not finish)" if self.interrupted else ""
        return f"  {self.path!s:<{width}}  {self.saved:<{saved_width}}  {self.holds}{mark}"


def listing(folder: Path, source_name: str | None = None) -> list[Listed]:
    """Each undo file in `folder` (of one source, when named) with what it would undo, newest first."""
    out = []
    for path in undo_files(folder, source_name):
        out.append(Listed(path, _saved(path), _holds(path), incomplete_marker(path).exists()))
    return out


def _saved(path: Path) -> str:
    """When the run saved the undo file at `path`: the time its name holds (`2026-12-06 03:15 UTC`; an
    older name without the Z holds this machine's time then, shown as it is), else its file's time in UTC."""
    stamp = re.search(r"\.(\d{4}-\d{2}-\d{2})T(\d{2})(\d{2})(?:\d{2})?(Z?)(?:-\d+)?\.undo\.csv$", path.name)
    if stamp:
        return f"{stamp[1]} {stamp[2]}:{stamp[3]}" + (" UTC" if stamp[4] else "")
    return f"{dt.datetime.fromtimestamp(_mtime(path), dt.timezone.utc):%Y-%m-%d %H:%M} UTC"


def _holds(path: Path) -> str:
    """What the undo file at `path` would take back, or why it cannot be read."""
    try:
        return describe_kinds(Counter(line.what for line in read_undo(path)))
    except ConfigError as e:
        return f"cannot be read: {e}"


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0
