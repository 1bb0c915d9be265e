"""Spreadsheet files -> rows of text cells, numbered as a spreadsheet app numbers them.

This module opens a source and hands out passes over its rows. What the file is comes from
`file_kinds`, how a text file is written from `text_files`, a workbook's cells from
`workbooks`, and the header from `headers`.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from importer.errors import ConfigError, ImporterError, InputError
from importer.outputs.words import plural
from importer.read.file_kinds import is_workbook
from importer.read.footers import FOOTER_LINES, footer_text
from importer.read.headers import first_records, renumbered, with_header
from importer.read.text_files import (
    DELIMITER_NAMES, SNIFF_CHARS, csv_records, detect, encoding_hint, encoding_name, sniff_delimiter,
)
from importer.read.workbooks import choose_sheet, load_workbook, merged_ranges, sheet_records
from importer.records import Row
from importer.settings.origins import PYTHON, Origins


@dataclass(frozen=True, slots=True)
class LoadOptions:
    """How to read a source; every field left None is detected."""

    sheet: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    header_row: int | None = None
    origins: Origins = field(default=Origins(frame=PYTHON), compare=False, repr=False)  # for the words of errors


class RowSource(Protocol):
    """What the pipeline reads: a file's `Source`, or a DataFrame or dicts (`importer.read.frames`)."""

    headers: tuple[str, ...]
    notes: list[str]
    sheet: str | None
    other_sheets: list[str]
    blank_rows: int
    short_rows: int
    long_rows: int
    footer: list[str]

    def rows(self) -> Iterator[Row]: ...

    def describe(self) -> str: ...

    def close(self) -> None: ...


@dataclass
class Source:
    """An opened source: what was detected, its headers, and a fresh pass over its rows on demand."""

    path: Path
    kind: str
    headers: tuple[str, ...]
    header_row: int
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    other_sheets: list[str] = field(default_factory=list)
    blank_rows: int = 0
    short_rows: int = 0
    long_rows: int = 0
    footer: list[str] = field(default_factory=list)  # the text of each footer line below the data, set aside
    notes: list[str] = field(default_factory=list)
    # A failures CSV fed back in: the column holding each row's number in the original file.
    original_numbers: int | None = None
    origins: Origins = field(default=Origins(frame=PYTHON), repr=False)  # for the words of errors
    _merged: dict[int, list[tuple[int, int]]] | None = field(default=None, repr=False)
    _workbook: Any = field(default=None, repr=False)  # an openpyxl Workbook, once opened

    def close(self) -> None:
        """Let go of an open workbook (CSV files are opened per pass and need nothing)."""
        if self._workbook is not None:
            self._workbook.close()
            self._workbook = None

    def describe(self) -> str:
        """One phrase saying how the file was read, for the summary."""
        if self.kind == "xlsx":
            return f"sheet {self.sheet!r}, header on row {self.header_row}"
        return (f"{encoding_name(self.encoding or '')}, "
                f"{DELIMITER_NAMES.get(self.delimiter or '', repr(self.delimiter))}"
                f"-separated, header on row {self.header_row}")

    def rows(self) -> Iterator[Row]:
        """Yield every non-blank data row below the header, counting blank, short and long rows, and
        setting aside a footer below the data (`footers`).

        A CSV row shorter than the header comes out as read, with fewer cells than there are
        headers: several exporters drop trailing empty cells, and the cells missing at its
        end are absent, not blank (see `Row`). A workbook row is padded instead, since an
        empty cell there is a real blank cell. A row longer than the header is rejected
        unless every extra cell is blank (trailing delimiters).
        """
        if self.original_numbers is not None:
            yield from renumbered(self._rows(), self.original_numbers)
            return
        yield from self._rows()

    def _rows(self) -> Iterator[Row]:
        self.blank_rows = self.short_rows = self.long_rows = 0
        self.footer = []
        width, header_row, kind = len(self.headers), self.header_row, self.kind
        held: list[tuple[list[str], int, str]] = []  # lines below a blank row that read as a footer, so far
        after_blank = False
        for number, cells in self._records():  # the hot loop: one pass per row of the file
            if number <= header_row:
                continue
            if isinstance(cells, str):
                row = Row(number, (), cells)
            elif not any(cells) or not "".join(cells).strip():
                self.blank_rows += 1
                after_blank = True
                continue
            elif (held or after_blank) and len(held) < FOOTER_LINES and (text := footer_text(cells, width)):
                held.append((cells, number, text))  # a footer if the file ends before a line that could be data
                continue
            elif len(cells) == width and not held:
                yield Row(number, tuple(cells))
                after_blank = False
                continue
            else:
                row = _fit(number, cells, width, kind)
            for earlier_cells, earlier, _ in held:  # a line that could be data: those held were rows after all
                yield self._counted(_fit(earlier, earlier_cells, width, kind), width)
            held.clear()
            after_blank = False
            yield row if isinstance(cells, str) else self._counted(row, width)
        self.footer = [text for _, _, text in held]

    def _counted(self, row: Row, width: int) -> Row:
        self.short_rows += len(row.cells) < width
        self.long_rows += len(row.cells) > width
        return row

    def _records(self) -> Iterator[tuple[int, list[str] | str]]:
        if self.kind == "xlsx":
            # One workbook for every pass: loading it (its shared strings) is the slow part.
            if self._workbook is None:
                self._workbook = load_workbook(self.path)
            if self._merged is None:
                self._merged = merged_ranges(self._workbook[self.sheet])
            return sheet_records(self._workbook[self.sheet], self._merged)
        assert self.encoding and self.delimiter
        return csv_records(self.path, self.encoding, self.delimiter, self.origins)


def open_source(path: str | Path, options: LoadOptions = LoadOptions()) -> Source:
    """Open a CSV/TSV/XLSX file, detect how it is written, and read its header.

    Raises InputError with one sentence when the file cannot be read as a spreadsheet.
    """
    path = Path(path)
    if is_workbook(path):
        return _open_xlsx(path, options)
    return _open_csv(path, options)


def list_sheets(path: str | Path) -> list[str]:
    """The names of a workbook's sheets, in order; a text file is refused in one sentence, as
    `open_source` refuses what it cannot read."""
    path = Path(path)
    if not is_workbook(path):
        raise InputError(f"{path} is a text (CSV/TSV) file, not a workbook: it has no sheets.",
                         f"Import it as it is with `kit-import run {path}`; only .xlsx and .xlsm workbooks "
                         "have sheets.")
    wb = load_workbook(path)
    try:
        return list(wb.sheetnames)
    finally:
        wb.close()


def _open_csv(path: Path, options: LoadOptions) -> Source:
    detected = None if options.encoding else detect(path)
    encoding = detected.encoding if detected else str(options.encoding)
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise ConfigError(f"{options.origins.named('encoding')} must be an encoding Python knows, not {encoding!r}.",
                          "Use a name Python knows, such as utf-8, cp1252 or utf-16.") from None
    try:
        with path.open(encoding=encoding, newline="") as f:
            sample = f.read(SNIFF_CHARS)
    except UnicodeDecodeError:
        raise InputError(f"{path} cannot be decoded as {encoding}.", encoding_hint(options.origins)) from None
    if "\x00" in sample and not encoding.lower().startswith(("utf-16", "utf-32")):
        raise InputError(f"{path} is a binary file, not a spreadsheet.", "Export the list as CSV or XLSX.")
    delimiter = options.delimiter or sniff_delimiter(sample, path.suffix.lower())
    if delimiter in ("\\t", "tab"):
        delimiter = "\t"
    if len(delimiter) != 1:
        raise ConfigError(f"{options.origins.named('delimiter')} must be one character (or tab), not {delimiter!r}.",
                          f"For example {options.origins.spelled('delimiter', ';')} or "
                          f"{options.origins.spelled('delimiter', 'tab')}.")
    head = first_records(csv_records(path, encoding, delimiter, options.origins))
    source = Source(path, "csv", (), 0, encoding=encoding, delimiter=delimiter, origins=options.origins)
    if detected is not None and detected.reason:
        source.notes.append(f"read as {encoding_name(encoding)} ({detected.reason})")
    if options.sheet is not None:
        source.notes.append(f"{options.origins.named('sheet')} does not apply to a CSV file: ignored")
    return with_header(source, head, options.header_row)


def _open_xlsx(path: Path, options: LoadOptions) -> Source:
    wb = load_workbook(path)
    names = list(wb.sheetnames)
    try:
        sheet = choose_sheet(names, options.sheet, options.origins.named("sheet"))
    except ImporterError:
        wb.close()
        raise
    source = Source(path, "xlsx", (), 0, sheet=sheet, other_sheets=[n for n in names if n != sheet], _workbook=wb,
                    origins=options.origins)
    source.notes += [f"{options.origins.named(name)} does not apply to a workbook: ignored"
                     for name, given in (("encoding", options.encoding), ("delimiter", options.delimiter)) if given]
    return with_header(source, first_records(source._records()), options.header_row)


def _fit(number: int, cells: list[str], width: int, kind: str) -> Row:
    """Shape a record to the header's width: extra blank cells are dropped, extra filled cells
    reject the row (its columns may have shifted), and a short CSV record stays short."""
    if len(cells) > width:
        extra = len(cells) - width
        if kind == "csv" and any(c.strip() for c in cells[width:]):
            return Row(number, tuple(cells), longer_row_problem(extra))
        cells = cells[:width]
    if len(cells) < width and kind != "csv":
        cells = cells + [""] * (width - len(cells))
    return Row(number, tuple(cells))


def longer_row_problem(extra: int) -> str:
    """Why a row with `extra` filled cells beyond its header is rejected."""
    return f"ragged row: {_cells(extra)} more than the header"


def _cells(n: int) -> str:
    return plural(n, "cell")
