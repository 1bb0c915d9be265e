"""One summary style for the run, verify and undo reports: `Label:` lines whose values start in one
column, the requests line, durations, lists cut to a screen's worth, and the exit statuses."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from enum import IntEnum

from importer.outputs.words import plural

LABEL_WIDTH = 19  # "Contacts checked:" and two spaces: every label of the three reports fits
LISTED = 20  # items of a list shown before "... and N more"


class ExitStatus(IntEnum):
    """The exit statuses of kit-import's commands, as the README's table lists them."""

    OK = 0  # run: every row imported, or nothing to import; verify: Kit matches; undo: every line undone
    FAILED = 1  # the command failed or stopped: bad settings, unreadable input, a brake, a refused credential
    USAGE = 2  # bad usage: an unknown option, a missing argument (click exits with it)
    REJECTED = 3  # run: some rows in the failures CSV; verify: Kit differs; undo: Kit refused some lines
    INTERRUPTED = 130  # Ctrl-C
    TERMINATED = 143  # SIGTERM


def line(label: str, text: str) -> str:
    """One summary line, `Label:` padded so that every value starts in the same column (an empty
    label continues the line above)."""
    head = f"{label}:" if label else ""
    return (head.ljust(LABEL_WIDTH) if len(head) < LABEL_WIDTH else head + " ") + text


def requests_line(requests: Mapping[str, int] | int) -> str:
    """The `Requests sent:` line: the total, then the count per endpoint when known."""
    if isinstance(requests, int):
        return line("Requests sent", f"{requests:,}")
    sent = ", ".join(f"{ep} {n:,}" for ep, n in sorted(requests.items())) or "none"
    return line("Requests sent", f"{sum(requests.values()):,} ({sent})")


def elapsed_line(seconds: float) -> str:
    return line("Elapsed", duration(seconds))


def duration(seconds: float) -> str:
    """`4.2 s`, `3.5 min`, `2 h 5 min`."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes = seconds / 60
    if minutes < 60:
        return f"{minutes:.1f} min"
    hours = math.floor(minutes / 60)
    return f"{hours} h {round(minutes - hours * 60)} min"


def listing(items: Iterable[str], more_in: str, listed: int = LISTED) -> list[str]:
    """The first `listed` items, indented one a line, then `... and N more in <more_in>`."""
    items = list(items)
    lines = [f"  {item}" for item in items[:listed]]
    if len(items) > listed:
        lines.append(f"  ... and {len(items) - listed:,} more in {more_in}")
    return lines


def counted(total: int, parts: Iterable[tuple[int, str]], keep: Iterable[str] = ()) -> str:
    """`62: 57 imported, 5 rejected`: a total and the parts that add up to it; a part of 0 is left
    out unless its word is in `keep`."""
    kept = set(keep)
    shown = [f"{n:,} {word}" for n, word in parts if n or word in kept]
    return f"{total:,}: {', '.join(shown)}" if shown else f"{total:,}"


def kinds(counter: Counter) -> str:
    """`1 value, 2 tags`, most first."""
    return ", ".join(plural(n, what) for what, n in counter.most_common())
