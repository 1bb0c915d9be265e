"""Spreadsheet files -> rows of text cells, numbered as a spreadsheet app numbers them.

CSV/TSV are read with the stdlib `csv` module rather than pandas: it streams record by
record, keeps every cell as the exact text, tells short and long rows apart (pandas' C parser
pads or raises) and tells where each record starts, so row numbers stay right across quoted
newlines. XLSX is streamed with openpyxl's read-only mode and rendered cell by cell.
"""

from __future__ import annotations

import codecs
import csv
import io
import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from importer.errors import ConfigError, ImporterError, InputError
from importer.read.names import resolve
from importer.settings.origins import PYTHON, Origins
from importer.outputs.failures import FAILURE_COLUMNS, is_failures_csv
from importer.records import Row
from importer.outputs.words import plural

DELIMITERS = ",;\t|"
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
HEADER_SCAN_ROWS = 30
SNIFF_CHARS = 64 * 1024
# A cell may legitimately hold a long note or bio, and is sent as it is (Kit's pages state no
# length limit for a value); this keeps csv from raising "field larger than field limit".
csv.field_size_limit(64 * 1024 * 1024)


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
        return (f"{_encoding_name(self.encoding or '')}, "
                f"{DELIMITER_NAMES.get(self.delimiter or '', repr(self.delimiter))}"
                f"-separated, header on row {self.header_row}")

    def rows(self) -> Iterator[Row]:
        """Yield every non-blank data row below the header, counting blank, short and long rows.

        A CSV row shorter than the header comes out as read, with fewer cells than there are
        headers: several exporters drop trailing empty cells, and the cells missing at its
        end are absent, not blank (see `Row`). A workbook row is padded instead, since an
        empty cell there is a real blank cell. A row longer than the header is rejected
        unless every extra cell is blank (trailing delimiters).
        """
        if self.original_numbers is not None:
            yield from _renumbered(self._rows(), self.original_numbers)
            return
        yield from self._rows()

    def _rows(self) -> Iterator[Row]:
        self.blank_rows = self.short_rows = self.long_rows = 0
        width, header_row, kind = len(self.headers), self.header_row, self.kind
        for number, cells in self._records():  # the hot loop: one pass per row of the file
            if number <= header_row:
                continue
            if isinstance(cells, str):
                yield Row(number, (), cells)
            elif not any(cells) or not "".join(cells).strip():
                self.blank_rows += 1
            elif len(cells) == width:
                yield Row(number, tuple(cells))
            else:
                row = _fit(number, cells, width, kind)
                self.short_rows += len(row.cells) < width
                self.long_rows += len(row.cells) > width
                yield row

    def _records(self) -> Iterator[tuple[int, list[str] | str]]:
        if self.kind == "xlsx":
            # One workbook for every pass: loading it (its shared strings) is the slow part.
            if self._workbook is None:
                self._workbook = _load_workbook(self.path)
            if self._merged is None:
                self._merged = _merged_ranges(self._workbook[self.sheet])
            return _xlsx_records(self._workbook[self.sheet], self._merged)
        assert self.encoding and self.delimiter
        return _csv_records(self.path, self.encoding, self.delimiter, self.origins)


def open_source(path: str | Path, options: LoadOptions = LoadOptions()) -> Source:
    """Open a CSV/TSV/XLSX file, detect how it is written, and read its header.

    Raises InputError with one sentence when the file cannot be read as a spreadsheet.
    """
    path = Path(path)
    if _is_workbook(path):
        return _open_xlsx(path, options)
    return _open_csv(path, options)


def list_sheets(path: str | Path) -> list[str]:
    """The names of a workbook's sheets, in order; a text file is refused in one sentence, as
    `open_source` refuses what it cannot read."""
    path = Path(path)
    if not _is_workbook(path):
        raise InputError(f"{path} is a text (CSV/TSV) file, not a workbook: it has no sheets.",
                         f"Import it as it is with `kit-import run {path}`; only .xlsx and .xlsm workbooks "
                         "have sheets.")
    wb = _load_workbook(path)
    try:
        return list(wb.sheetnames)
    finally:
        wb.close()


def _is_workbook(path: Path) -> bool:
    """Whether a readable, non-empty file is a workbook (else it is read as text); InputError
    with one sentence for a path that is missing, a folder, unreadable, empty or a legacy .xls."""
    if not path.exists():
        raise InputError(f"{path} does not exist.", "Check the path and try again.")
    if path.is_dir():
        raise InputError(f"{path} is a folder, not a file.", "Name a .csv, .tsv or .xlsx file.")
    try:
        size = path.stat().st_size
        with path.open("rb") as f:
            f.read(1)
    except OSError as e:
        raise InputError(f"{path} cannot be read: {e.strerror}.", "Check the file's permissions.") from None
    if size == 0:
        raise InputError(f"{path} is empty (0 bytes).", "Export the file again; it has no header and no rows.")
    return _sniff(path, size) == "xlsx"


# --- CSV -------------------------------------------------------------------------------

def _open_csv(path: Path, options: LoadOptions) -> Source:
    encoding = options.encoding or detect_encoding(path)
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise ConfigError(f"{options.origins.named('encoding')} must be an encoding Python knows, not {encoding!r}.",
                          "Use a name Python knows, such as utf-8, cp1252 or utf-16.") from None
    try:
        with path.open(encoding=encoding, newline="") as f:
            sample = f.read(SNIFF_CHARS)
    except UnicodeDecodeError:
        raise InputError(f"{path} cannot be decoded as {encoding}.", _encoding_hint(options.origins)) from None
    if "\x00" in sample and not encoding.lower().startswith(("utf-16", "utf-32")):
        raise InputError(f"{path} is a binary file, not a spreadsheet.", "Export the list as CSV or XLSX.")
    delimiter = options.delimiter or sniff_delimiter(sample, path.suffix.lower())
    if delimiter in ("\\t", "tab"):
        delimiter = "\t"
    if len(delimiter) != 1:
        raise ConfigError(f"{options.origins.named('delimiter')} must be one character (or tab), not {delimiter!r}.",
                          f"For example {options.origins.spelled('delimiter', ';')} or "
                          f"{options.origins.spelled('delimiter', 'tab')}.")
    head = _first_records(_csv_records(path, encoding, delimiter, options.origins))
    source = Source(path, "csv", (), 0, encoding=encoding, delimiter=delimiter, origins=options.origins)
    if options.sheet is not None:
        source.notes.append(f"{options.origins.named('sheet')} does not apply to a CSV file: ignored")
    return _with_header(source, head, options.header_row)


def detect_encoding(path: Path) -> str:
    """Name the file's text encoding: a BOM decides, then strict UTF-8, then charset-normalizer."""
    with path.open("rb") as f:
        start = f.read(4)
    if start.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if start.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    with path.open("rb") as f:
        sample = f.read(SNIFF_CHARS)
    if sample.count(b"\x00") > len(sample) // 4:
        # UTF-16 without a BOM: the zero byte of each ASCII character shows the byte order.
        return "utf-16-le" if sample[1::2].count(b"\x00") > sample[0::2].count(b"\x00") else "utf-16-be"
    if _decodes(path, "utf-8"):
        return "utf-8"
    return _legacy_encoding(path)


def _legacy_encoding(path: Path) -> str:
    """A file that is not Unicode: Excel's cp1252 unless the bytes make a strong case for another.

    On a small or mostly-ASCII sample, charset-normalizer's guess is noise: a few accented
    letters come out as cp775 (Jürgen as J\u0081rgen) or as a CJK multi-byte encoding (johab,
    swallowing delimiters). So when cp1252 reads the file and non-ASCII bytes are few, cp1252
    wins over any guess; another encoding is believed only on plenty of non-ASCII bytes, or
    when cp1252 cannot read the file.
    """
    from charset_normalizer import from_bytes

    with path.open("rb") as f:
        sample = f.read(1024 * 1024)
    cp1252_reads = _decodes(path, "cp1252")
    non_ascii = len(sample.translate(None, bytes(range(0x80))))
    if cp1252_reads and non_ascii < max(64, len(sample) // 10):
        return "cp1252"
    guess = from_bytes(sample).best()
    name = guess.encoding if guess else "cp1252"
    if name in ("ascii", "utf_8", "cp1250", "cp1252", "latin_1", "iso8859_15") and cp1252_reads:
        return "cp1252"
    if _decodes(path, name):
        return name
    return "cp1252" if cp1252_reads else "latin-1"


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with path.open("rb") as f:
            while chunk := f.read(1024 * 1024):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def _encoding_name(encoding: str) -> str:
    names = {"utf-8-sig": "UTF-8 with BOM", "utf-8": "UTF-8", "utf-16": "UTF-16", "cp1252": "cp1252"}
    return names.get(encoding.lower(), encoding)


def sniff_delimiter(sample: str, suffix: str = "") -> str:
    """Pick the delimiter under which the header and the rows below it agree on a width.

    For each candidate the sample is parsed as CSV records (so quoted line breaks and quoted
    delimiters count right); the header is the first record with two or more filled cells
    (a one-cell title above it is passed over), and the candidate scores by how many records
    are as wide as that header, then by the header's width.
    """
    truncated = len(sample) >= SNIFF_CHARS
    best, best_score = ("\t" if suffix in (".tsv", ".tab") else ","), (0, 0)
    for candidate in DELIMITERS:
        if candidate not in sample:
            continue
        try:
            records = list(csv.reader(io.StringIO(sample), delimiter=candidate))
        except csv.Error:
            continue
        if truncated and len(records) > 1:
            records.pop()
        records = [_trim_right(r) for r in records[:HEADER_SCAN_ROWS * 2]]
        header = next((r for r in records if sum(1 for c in r if c.strip()) >= 2), None)
        if header is None:
            continue
        score = (sum(1 for r in records if len(r) == len(header)), len(header))
        if score > best_score:
            best, best_score = candidate, score
    return best


def _encoding_hint(origins: Origins) -> str:
    """How to name the file's encoding, where the other settings come from."""
    return f"Name the file's encoding: {origins.advise('encoding', 'cp1252')}, for example."


def _csv_records(path: Path, encoding: str, delimiter: str,
                 origins: Origins = Origins()) -> Iterator[tuple[int, list[str] | str]]:
    """Yield (spreadsheet row number, cells) per CSV record; a record csv cannot parse yields a reason."""
    try:
        with path.open(encoding=encoding, newline="") as f:
            reader = csv.reader(f, delimiter=delimiter)
            number = 0
            while True:
                number += 1
                try:
                    cells = next(reader)
                except StopIteration:
                    return
                except csv.Error as e:
                    yield number, f"unreadable row: {e}"
                    continue
                yield number, cells
    except UnicodeDecodeError as e:
        raise InputError(f"{path} cannot be decoded as {encoding} (byte {e.start} of a block is invalid).",
                         _encoding_hint(origins)) from None


# --- XLSX ------------------------------------------------------------------------------

def _load_workbook(path: Path) -> Any:  # an openpyxl Workbook
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


def _open_xlsx(path: Path, options: LoadOptions) -> Source:
    wb = _load_workbook(path)
    names = list(wb.sheetnames)
    try:
        sheet = _choose_sheet(names, options.sheet, options.origins.named("sheet"))
    except ImporterError:
        wb.close()
        raise
    source = Source(path, "xlsx", (), 0, sheet=sheet, other_sheets=[n for n in names if n != sheet], _workbook=wb,
                    origins=options.origins)
    source.notes += [f"{options.origins.named(name)} does not apply to a workbook: ignored"
                     for name, given in (("encoding", options.encoding), ("delimiter", options.delimiter)) if given]
    return _with_header(source, _first_records(source._records()), options.header_row)


def _choose_sheet(names: list[str], wanted: str | None, option: str = "sheet") -> str:
    if not names:
        raise InputError("The workbook has no sheets.", "Save it again with at least one sheet.")
    if wanted is None:
        return names[0]
    return names[resolve(names, wanted, option=option, kind="sheet", container="workbook",
                         listing="Choose one of: {} (or its number, from 1).")]


def _xlsx_records(ws: Any, merged: dict[int, list[tuple[int, int]]]) -> Iterator[tuple[int, list[str] | str]]:
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
        yield number, _trim_right(values)


_MERGE_CELL = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([A-Za-z]+[0-9]+:[A-Za-z]+[0-9]+)"')


def _merged_ranges(ws: Any) -> dict[int, list[tuple[int, int]]]:
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


# --- shared ----------------------------------------------------------------------------

_SAVE_AS = "Open it in Excel or LibreOffice and save it as .xlsx or .csv."
_PROGRAM = ("an executable program", "Name the exported spreadsheet (.csv, .tsv or .xlsx) instead.")
_ARCHIVE = "Unpack it first, then import the spreadsheet inside."
# Leading bytes -> what the file is and how to get a spreadsheet from it.
_MAGIC = (
    (b"\xd0\xcf\x11\xe0", "a legacy Excel .xls workbook (or another Office 97-2003 file)",
     _SAVE_AS),
    (b"%PDF", "a PDF document", "Export the list from the system it came from as CSV or XLSX."),
    (b"\x89PNG", "a PNG image", "Export the list itself as CSV or XLSX, not a picture of it."),
    (b"\xff\xd8\xff", "a JPEG image", "Export the list itself as CSV or XLSX, not a picture of it."),
    (b"GIF8", "a GIF image", "Export the list itself as CSV or XLSX, not a picture of it."),
    (b"\x1f\x8b", "a gzip-compressed file", "Unpack it first (gunzip), then import the file inside."),
    (b"BZh", "a bzip2-compressed file", _ARCHIVE),  # 3 bytes or fewer: only with a NUL byte near
    (b"\xfd7zXZ\x00", "an xz-compressed file", _ARCHIVE),
    (b"\x28\xb5\x2f\xfd", "a zstd-compressed file", _ARCHIVE),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive", _ARCHIVE),
    (b"Rar!\x1a\x07", "a RAR archive", _ARCHIVE),
    (b"\x7fELF", *_PROGRAM),
    (b"MZ", *_PROGRAM),  # Windows .exe/.dll (PE)
    (b"\xfe\xed\xfa\xce", *_PROGRAM), (b"\xfe\xed\xfa\xcf", *_PROGRAM),  # Mach-O
    (b"\xce\xfa\xed\xfe", *_PROGRAM), (b"\xcf\xfa\xed\xfe", *_PROGRAM),
    (b"\xca\xfe\xba\xbe", "an executable program or Java class", _PROGRAM[1]),
    (b"\x00asm", "a WebAssembly program", _PROGRAM[1]),
    (b"SQLite format 3\x00", "an SQLite database (a kit-import state file, say)",
     "Name the exported spreadsheet (.csv, .tsv or .xlsx) instead."),
    (b"RIFF", "a media file (RIFF: WAV, AVI or WebP)", "Export the list itself as CSV or XLSX."),
    (b"\x00\x00\x01\x00", "an icon image", "Export the list itself as CSV or XLSX, not a picture of it."),
    (b"II*\x00", "a TIFF image", "Export the list itself as CSV or XLSX, not a picture of it."),
    (b"MM\x00*", "a TIFF image", "Export the list itself as CSV or XLSX, not a picture of it."),
    (b"BM", "a bitmap image", "Export the list itself as CSV or XLSX, not a picture of it."),
)


def _sniff(path: Path, size: int) -> str:
    """What the file is by its bytes, whatever its name says: "xlsx", "text", or InputError naming it."""
    with path.open("rb") as f:
        head = f.read(SNIFF_CHARS)
    for magic, what, fix in _MAGIC:
        if head.startswith(magic) and (len(magic) > 3 or b"\x00" in head[:64]):
            raise InputError(f"{path} is {what}, not a spreadsheet kit-import reads.", fix)
    if head.startswith(b"PK\x03\x04"):
        return _sniff_zip(path)
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text[:1] in (b"{", b"[") and size <= 64 * 1024 * 1024 and _is_json(path):
        raise InputError(f"{path} is a JSON document, not a spreadsheet.",
                         "Export the list as CSV or XLSX, or convert the JSON to CSV first.")
    if text[:5].lower() in (b"<html", b"<!doc", b"<tabl"):
        raise InputError(f"{path} is an HTML page (some systems save one under a spreadsheet's name), "
                         "not a spreadsheet.", _SAVE_AS)
    if b"\x00" in head and not _utf16_or_32(head):
        raise InputError(f"{path} is a binary file, not a spreadsheet.", "Export the list as CSV or XLSX.")
    return "text"


def _sniff_zip(path: Path) -> str:
    """An xlsx is a ZIP holding xl/workbook.xml; say what any other ZIP is."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            mimetype = archive.read("mimetype").decode("ascii", "replace") if "mimetype" in names else ""
    except (zipfile.BadZipFile, OSError, KeyError):
        return "xlsx"  # a damaged workbook: openpyxl says so
    if "xl/workbook.xml" in names or any(n.endswith("/workbook.xml") for n in names):
        return "xlsx"
    if "xl/workbook.bin" in names:
        raise InputError(f"{path} is an Excel binary workbook (.xlsb), not a spreadsheet kit-import reads.", _SAVE_AS)
    if "spreadsheet" in mimetype:
        what = "an OpenDocument spreadsheet (.ods)"
    elif "word/document.xml" in names:
        what = "a Word document (.docx)"
    elif any(n.startswith("ppt/") for n in names):
        what = "a PowerPoint presentation (.pptx)"
    else:
        what = "a ZIP archive"
    fix = _SAVE_AS if "spreadsheet" in mimetype else \
        "Unpack it first, then import the spreadsheet inside." if what == "a ZIP archive" else \
        "Export the list as CSV or XLSX."
    raise InputError(f"{path} is {what}, not a spreadsheet kit-import reads.", fix)


def _is_json(path: Path) -> bool:
    import json

    try:
        json.loads(path.read_bytes())
    except (ValueError, UnicodeDecodeError):
        return False
    return True


def _utf16_or_32(head: bytes) -> bool:
    """Whether NUL bytes in `head` are UTF-16/32 text: a BOM, or text that reads as UTF-16 with
    hardly a control character (a program or database has NULs too, but reads as no text)."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return True
    even = head[:len(head) // 2 * 2]
    for encoding in ("utf-16-le", "utf-16-be"):
        text = even.decode(encoding, "replace")
        odd = sum(1 for c in text if c == "\ufffd" or (c < " " and c not in "\t\r\n") or "\ud800" <= c <= "\udfff")
        if text and odd <= len(text) // 100:
            return True
    return False


def _first_records(records: Iterator[tuple[int, list[str] | str]]) -> list[tuple[int, list[str]]]:
    head: list[tuple[int, list[str]]] = []
    for number, cells in records:
        if isinstance(cells, list):
            head.append((number, cells))
        if len(head) >= HEADER_SCAN_ROWS:
            break
    if hasattr(records, "close"):
        records.close()
    return head


def _with_header(source: Source, head: list[tuple[int, list[str]]], header_row: int | None) -> Source:
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


def _renumbered(rows: Iterator[Row], column: int) -> Iterator[Row]:
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
    names = [c.replace("\ufeff", "").replace("ï»¿", "").strip() for c in _trim_right(list(cells))]
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


def _trim_right(cells: list[str]) -> list[str]:
    end = len(cells)
    while end and not cells[end - 1].strip():
        end -= 1
    return cells[:end]


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
