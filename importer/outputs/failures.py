"""The failures CSV: every row that was not imported, as it was, plus `row` and `error`.

It is written in a second pass over the source, so rejected rows are kept by number only
while the import runs (memory does not grow with the file), and come out in file order.
The file opens in Excel (UTF-8 with BOM) and can be fixed and fed back in: its `row` and
`error` columns are then ignored, and its `extra cells` (a long row's cells beyond the
header) are put back at the end of the row.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from importer.outputs.atomic import atomic_write
from importer.records import Row

FAILURE_COLUMNS = ("row", "error")
# The cells a row has beyond its header, joined in one column before `row` (as one CSV line,
# so that they split back exactly), present only when a written row has such cells.
EXTRA_COLUMN = "extra cells"
# A spreadsheet app runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _tail(headers: Sequence[str], n: int) -> tuple[str, ...]:
    return tuple(h.strip().casefold() for h in headers[-n:]) if len(headers) > n else ()


def carried_columns(headers: Sequence[str]) -> list[int]:
    """Indexes of the source's own columns: all but a failures CSV's trailing `extra cells`, `row`, `error`."""
    width = len(headers)
    if _tail(headers, 3) == (EXTRA_COLUMN, *FAILURE_COLUMNS):
        return list(range(width - 3))
    if _tail(headers, 2) == FAILURE_COLUMNS:
        return list(range(width - 2))
    return list(range(width))


def extra_cells_column(headers: Sequence[str]) -> int | None:
    """Where a failures CSV keeps its rows' cells beyond the header, if it has that column."""
    return len(headers) - 3 if _tail(headers, 3) == (EXTRA_COLUMN, *FAILURE_COLUMNS) else None


def join_extra(cells: Sequence[str]) -> str:
    """Cells beyond the header as one text: a CSV line, so commas, quotes and line breaks survive."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(cells)  # (the terminator makes a line break get quoted)
    return buffer.getvalue()[:-1]


def split_extra(text: str) -> list[str]:
    """The cells `join_extra` joined, exactly as they were."""
    if not text:
        return []
    return next(csv.reader(io.StringIO(text, newline="")), [])


def neutralize(cell: str) -> str:
    """Make a cell inert in a spreadsheet app by prefixing a quote where it would run as a formula."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def restore(cell: str) -> str:
    """Undo `neutralize` on a cell read back from a failures CSV, so a fixed row imports as it was."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(FORMULA_STARTS) else cell


def is_failures_csv(headers: Sequence[str]) -> bool:
    """Whether the headers end in a failures CSV's `row` and `error` columns."""
    return len(carried_columns(headers)) < len(headers)


def output_delimiter(source: object) -> str:
    """The delimiter of the CSVs a run writes about `source`: a semicolon for a semicolon-separated
    source (written where Excel's list separator is one, as in Germany, where Excel opens a comma
    CSV as one column), else a comma (a tab or pipe would leave a `.csv` in one column anywhere)."""
    return ";" if getattr(source, "delimiter", None) == ";" else ","


def write_csv(path: Path, columns: Sequence[str], rows: Iterable[Iterable[str]], *, durable: bool = False,
              delimiter: str = ",") -> int:
    """A CSV a person opens in a spreadsheet app, as every file of rows the tool writes: UTF-8 with a
    BOM, every cell formula-safe, separated by `delimiter` (see `output_delimiter`), replaced whole or
    not at all. Returns the rows written."""
    written = 0
    with atomic_write(path, encoding="utf-8-sig", newline="", durable=durable) as f:
        out = csv.writer(f, delimiter=delimiter)
        out.writerow([neutralize(c) for c in columns])
        for row in rows:
            out.writerow([neutralize(c) for c in row])
            written += 1
    return written


def write_failures(path: Path, headers: Sequence[str], rows: Iterable[Row],
                   errors: Mapping[int, list[str]], *, extra_column: bool = False, delimiter: str = ",") -> int:
    """Write the rows whose numbers are in `errors` to `path`; returns how many were written.

    Every line has the source's own columns, then `extra cells` when `extra_column` (it must
    be when a row is longer than its header), then `row` and `error`, so both always sit
    under their headers: a short row is padded with blanks, and a long row's extra cells are
    joined in the `extra cells` column, never pushed under `row` or `error`. Fed back in,
    such a row is expanded again and meets the same reason. Written to a temporary file
    first and moved into place, so a crash never leaves a half-written failures file
    behind the previous one.
    """
    keep = carried_columns(headers)
    width = len(headers)
    carried_extra = extra_cells_column(headers)  # a failures CSV fed back in keeps its extra cells
    written = 0
    with atomic_write(path, encoding="utf-8-sig", newline="") as f:
        out = csv.writer(f, delimiter=delimiter)
        out.writerow([neutralize(headers[i]) for i in keep] + ([EXTRA_COLUMN] if extra_column else [])
                     + list(FAILURE_COLUMNS))
        for row in rows:
            messages = errors.get(row.number)
            if messages is None:
                continue
            cells = row.cells
            line = [neutralize(cells[i]) if i < len(cells) else "" for i in keep]
            extra = list(cells[width:])
            if carried_extra is not None and carried_extra < len(cells) and cells[carried_extra]:
                extra = split_extra(restore(cells[carried_extra])) + extra
            if extra_column:
                line.append(neutralize(join_extra(extra)) if extra else "")
            elif any(c.strip() for c in extra):
                raise ValueError(f"row {row.number} has cells beyond the header: write with extra_column=True")
            out.writerow(line + [str(row.number), neutralize("; ".join(messages))])
            written += 1
    return written
