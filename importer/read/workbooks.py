"""Workbooks (.xlsx, .xlsm): streamed with openpyxl's read-only mode, each cell rendered as a
person reads it in the spreadsheet app, merged cells repeated down their rows."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from importer.errors import InputError
from importer.read.headers import trim_right
from importer.read.names import resolve


def load_workbook(path: Path) -> Any:  # an openpyxl Workbook
    """The workbook, whatever the file's name: openpyxl refuses a path not ending .xlsx/.xlsm (an
    export renamed .csv or .xls) but never a file's bytes, so those are given it (the ZIP,
    compressed, held in memory)."""
    import openpyxl

    try:
        named = path.suffix.lower() in (".xlsx", ".xlsm", ".xltx", ".xltm")
        return openpyxl.load_workbook(path if named else io.BytesIO(path.read_bytes()), read_only=True,
                                      data_only=True)
    except Exception as e:  # openpyxl raises many types for a damaged zip or XML
        raise InputError(f"{path} is not a readable .xlsx workbook ({type(e).__name__}).",
                         "Open it in Excel or LibreOffice and save it again as .xlsx or .csv.") from None


def choose_sheet(names: list[str], wanted: str | None, option: str = "sheet") -> str:
    if not names:
        raise InputError("The workbook has no sheets.", "Save it again with at least one sheet.")
    if wanted is None:
        return names[0]
    return names[resolve(names, wanted, option=option, kind="sheet", container="workbook",
                         listing="Choose one of: {} (or its number, from 1).")]


def sheet_records(ws: Any, merged: dict[int, list[tuple[int, int]]]) -> Iterator[tuple[int, list[str] | str]]:
    """Yield (row number, rendered cells) for every row of a read-only sheet, hidden rows included.

    A vertically merged cell's value is repeated down its first column, as a person reads
    a group of rows sharing one merged "Company" cell.
    """
    carried: dict[int, tuple[int, str]] = {}  # column -> (last row of the merge, value)
    number = 0
    for cells in ws.iter_rows():
        number += 1
        real = next((c.row for c in cells if getattr(c, "row", None)), None)
        if real is not None:
            number = real
        values = [render_cell(c.value, getattr(c, "number_format", None)) for c in cells]
        if merged or carried:
            values = _fill_merged(number, values, merged, carried)
        yield number, trim_right(values)


_MERGE_CELL = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([A-Za-z]+[0-9]+:[A-Za-z]+[0-9]+)"')


def merged_ranges(ws: Any) -> dict[int, list[tuple[int, int]]]:
    """Merged ranges by first row: [(column index, last row)].

    Read-only sheets do not expose them, so the sheet's XML is searched for
    <mergeCell ref="A2:B4"/> as bytes (they follow the data; parsing the XML a second
    time would double the cost of reading a large workbook).
    """
    from openpyxl.utils.cell import range_boundaries

    found: dict[int, list[tuple[int, int]]] = {}
    tail = b""
    try:
        with ws._get_source() as xml:
            while True:
                chunk = xml.read(1 << 20)
                text, last = tail + chunk, not chunk
                keep_from = len(text) if last else len(text) - 512  # matches starting later: next round
                for match in _MERGE_CELL.finditer(text):
                    if match.start() >= keep_from:
                        break
                    min_col, min_row, _, max_row = range_boundaries(match.group(1).decode("ascii"))
                    if max_row > min_row:
                        found.setdefault(min_row, []).append((min_col - 1, max_row))
                if last:
                    break
                tail = text[keep_from:]
    except Exception:  # an odd sheet: merged cells then read as Excel stores them (blank)
        return {}
    return found


def _fill_merged(number: int, values: list[str], merged: dict[int, list[tuple[int, int]]],
                 carried: dict[int, tuple[int, str]]) -> list[str]:
    for column, last in merged.get(number, []):
        if column < len(values) and values[column]:
            carried[column] = (last, values[column])
    for column, (last, value) in list(carried.items()):
        if number > last:
            del carried[column]
            continue
        if column >= len(values):
            values = values + [""] * (column + 1 - len(values))
        if not values[column]:
            values[column] = value
    return values


_ZERO_PADDED = re.compile(r"^(0+)(?:\.(0+))?$")
_PERCENT = re.compile(r"^0+(?:\.(0+))?%$")


def render_cell(value: object, number_format: str | None = None) -> str:
    """Render an Excel cell value as a person reads it in the spreadsheet app.

    83702 not 83702.0; 00501 where the cell's format pads with zeros; 2024-02-17 for a date;
    15551234567 never 1.5551234567e10; TRUE/FALSE as Excel shows booleans.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    if isinstance(value, (int, float)):
        fmt = (number_format or "General").strip()
        if m := _ZERO_PADDED.match(fmt):
            decimals = len(m.group(2) or "")
            text = f"{value:.{decimals}f}"
            whole, _, frac = text.partition(".")
            sign = "-" if whole.startswith("-") else ""
            whole = whole.lstrip("-").zfill(len(m.group(1)))
            return sign + whole + ("." + frac if frac else "")
        if m := _PERCENT.match(fmt):
            return f"{value * 100:.{len(m.group(1) or '')}f}%"
        return _plain_number(value)
    return str(value)


def _plain_number(value: int | float) -> str:
    if isinstance(value, int):
        return str(value)
    if value != value or value in (float("inf"), float("-inf")):
        return str(value)
    if value.is_integer():
        return str(int(value))
    text = format(Decimal(repr(value)), "f")
    return text
