"""The failures CSV: every row that was not imported, as it was, plus `row` and `error`.

It is written in a second pass over the source, so rejected rows are kept by number only
while the import runs (memory does not grow with the file), and come out in file order.
The file opens in Excel (UTF-8 with BOM) and can be fixed and fed back in: its `row` and
`error` columns are then ignored.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from importer.records import Row

FAILURE_COLUMNS = ("row", "error")
# A spreadsheet app runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def carried_columns(headers: Sequence[str]) -> list[int]:
    """Indexes of the source's own columns: all but a failures CSV's trailing `row`, `error`."""
    width = len(headers)
    tail = tuple(h.strip().casefold() for h in headers[-2:])
    if width > 2 and tail == FAILURE_COLUMNS:
        return list(range(width - 2))
    return list(range(width))


def neutralize(cell: str) -> str:
    """Make a cell inert in a spreadsheet app by prefixing a quote where it would run as a formula."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def restore(cell: str) -> str:
    """Undo `neutralize` on a cell read back from a failures CSV, so a fixed row imports as it was."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(FORMULA_STARTS) else cell


def is_failures_csv(headers: Sequence[str]) -> bool:
    """Whether the headers end in a failures CSV's `row` and `error` columns."""
    return len(carried_columns(headers)) < len(headers)


def write_failures(path: Path, headers: Sequence[str], rows: Iterable[Row],
                   errors: Mapping[int, list[str]]) -> int:
    """Write the rows whose numbers are in `errors` to `path`; returns how many were written.

    Written to a temporary file first and moved into place, so a crash never leaves a
    half-written failures file behind the previous one.
    """
    keep = carried_columns(headers)
    tmp = path.with_name(path.name + ".partial")
    written = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with tmp.open("w", encoding="utf-8-sig", newline="") as f:
        out = csv.writer(f)
        out.writerow([neutralize(headers[i]) for i in keep] + list(FAILURE_COLUMNS))
        for row in rows:
            messages = errors.get(row.number)
            if messages is None:
                continue
            # A ragged row is written as it was read, not padded or cut, so that feeding the
            # file back in meets the same problem instead of importing a guess.
            # (From a failures CSV fed back in, its old `row` and `error` cells are dropped first.)
            if row.problem:
                cells = list(row.cells[:-len(FAILURE_COLUMNS)] if len(keep) < len(headers) else row.cells)
            else:
                cells = [row.cells[i] for i in keep]
            out.writerow([neutralize(c) for c in cells] + [str(row.number), neutralize("; ".join(messages))])
            written += 1
    os.replace(tmp, path)
    return written
