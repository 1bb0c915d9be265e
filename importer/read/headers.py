"""A source's header: which row holds it, its names cleaned and made unique, and the rows of a
failures CSV fed back in renumbered as they were in the original file."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from importer.errors import ConfigError, InputError
from importer.outputs.failures import FAILURE_COLUMNS, is_failures_csv
from importer.records import Row

if TYPE_CHECKING:
    from importer.read.files import Source

HEADER_SCAN_ROWS = 30


def first_records(records: Iterator[tuple[int, list[str] | str]]) -> list[tuple[int, list[str]]]:
    head: list[tuple[int, list[str]]] = []
    for number, cells in records:
        if isinstance(cells, list):
            head.append((number, cells))
        if len(head) >= HEADER_SCAN_ROWS:
            break
    if hasattr(records, "close"):
        records.close()
    return head


def with_header(source: Source, head: list[tuple[int, list[str]]], header_row: int | None) -> Source:
    """Find the header row (given, or the first row that looks like one) and clean its names."""
    filled = [(n, cells) for n, cells in head if any(c.strip() for c in cells)]
    if not filled:
        raise InputError(f"{source.path} has no header row: the first {HEADER_SCAN_ROWS} rows are blank.",
                         "Check that this is the right file.")
    if header_row is not None:
        match = [(n, c) for n, c in head if n == header_row]
        if not match or not any(x.strip() for x in match[0][1]):
            raise ConfigError(f"Row {header_row} of {source.path} is blank or missing, so it cannot be the header "
                              f"({source.origins.named('header_row')}).",
                              f"Give {source.origins.named('header_row')} the number of the row that holds the "
                              "column names.")
        number, cells = match[0]
    else:
        number, cells = _guess_header(filled)
    source.header_row = number
    source.headers = clean_headers(cells, source.notes)
    if is_failures_csv(source.headers):
        source.original_numbers = len(source.headers) - len(FAILURE_COLUMNS) + FAILURE_COLUMNS.index("row")
    return source


def renumbered(rows: Iterator[Row], column: int) -> Iterator[Row]:
    """A failures CSV's rows under the numbers they had in the original file (its `row` column),
    so that fed back in, what fails again is named as the user first saw it. A row whose
    `row` cell is not a number (one the user added) keeps its own line number."""
    for row in rows:
        cell = row.cells[column].strip() if column < len(row.cells) else ""
        if cell.isdigit() and int(cell) > 0:
            yield Row(int(cell), row.cells, row.problem)
        else:
            yield row


def _guess_header(filled: list[tuple[int, list[str]]]) -> tuple[int, list[str]]:
    """The header is the first row as wide as the data: a title or note line above it is narrower."""
    widths = [sum(1 for c in cells if c.strip()) for _, cells in filled]
    wide = max(widths)
    for (number, cells), width in zip(filled, widths):
        if width * 2 >= wide or width == wide:
            return number, cells
    return filled[0]


def clean_headers(cells: list[str], notes: list[str]) -> tuple[str, ...]:
    """Strip stray spaces and BOM fragments, name blank headers, and disambiguate duplicates."""
    names = [c.replace("\ufeff", "").replace("ï»¿", "").strip() for c in trim_right(list(cells))]
    seen: dict[str, int] = {}
    out = []
    for i, name in enumerate(names):
        if not name:
            name = f"Column {_column_letter(i)}"
        key = name.casefold()
        if key in seen:
            seen[key] += 1
            renamed = f"{name} ({seen[key]})"
            notes.append(f"duplicate column {name!r} renamed to {renamed!r}")
            name = renamed
        else:
            seen[key] = 1
        out.append(name)
    return tuple(out)


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def trim_right(cells: list[str]) -> list[str]:
    end = len(cells)
    while end and not cells[end - 1].strip():
        end -= 1
    return cells[:end]
