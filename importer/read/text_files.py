"""Text files (CSV, TSV): their encoding, their delimiter, and their records numbered as a
spreadsheet app numbers rows.

They are read with the stdlib `csv` module rather than pandas: it streams record by record,
keeps every cell as the exact text, tells short and long rows apart (pandas' C parser pads or
raises) and tells where each record starts, so row numbers stay right across quoted newlines.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from pathlib import Path

from importer.errors import InputError
from importer.read.code_pages import Decision, read_all, reason, same_codec, tied
from importer.read.headers import HEADER_SCAN_ROWS, trim_right
from importer.settings.origins import Origins

DELIMITERS = ",;\t|"
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
SNIFF_CHARS = 64 * 1024

# A cell may legitimately hold a long note or bio, and is sent as it is (Kit's pages state no
# length limit for a value); this keeps csv from raising "field larger than field limit".
csv.field_size_limit(64 * 1024 * 1024)


def detect_encoding(path: Path) -> str:
    """Name the file's text encoding: a BOM decides, then strict UTF-8, then the evidence of its words."""
    return detect(path).encoding


def detect(path: Path) -> Decision:
    """The file's text encoding, with the reason when evidence chose a code page other than cp1252."""
    with path.open("rb") as f:
        start = f.read(4)
    if start.startswith(codecs.BOM_UTF8):
        return Decision("utf-8-sig")
    if start.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return Decision("utf-32")
    if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return Decision("utf-16")
    with path.open("rb") as f:
        sample = f.read(SNIFF_CHARS)
    if sample.count(b"\x00") > len(sample) // 4:
        # UTF-16 without a BOM: the zero byte of each ASCII character shows the byte order.
        return Decision("utf-16-le" if sample[1::2].count(b"\x00") > sample[0::2].count(b"\x00") else "utf-16-be")
    if _decodes(path, "utf-8"):
        return Decision("utf-8")
    return _legacy_encoding(path)


def _legacy_encoding(path: Path) -> Decision:
    """A file that is not Unicode: the code page under which its words read best (see `code_pages`).

    charset-normalizer is asked only when non-ASCII bytes are plenty: on a small or mostly-ASCII
    sample its guess is noise, such as cp775 for `Jürgen` (J\u0081rgen) or a CJK multi-byte
    encoding that swallows delimiters. Its first three guesses then join the candidates (Big5 for
    a Chinese file it calls johab first), and it breaks a tie between readings that differ. The
    choice must decode the whole file; when nothing does, latin-1 reads every byte.
    """
    from charset_normalizer import from_bytes

    with path.open("rb") as f:
        sample = f.read(1024 * 1024)
    non_ascii = len(sample.translate(None, bytes(range(0x80))))
    plenty = non_ascii >= max(64, len(sample) // 10)
    matches = from_bytes(sample) if plenty else None
    guesses = [match.encoding for match in matches][:3] if matches is not None else []
    readings = read_all(sample, guesses)
    if readings:
        best = tied(readings)
        pick = best[0]
        if len(best) > 1 and plenty:
            isolated = from_bytes(sample, cp_isolation=[r.page.name for r in best]).best()
            pick = next((r for r in best if isolated and same_codec(r.page.name, isolated.encoding)), pick)
        if _decodes(path, pick.page.name):
            return Decision(pick.page.name, reason(pick, readings))
    for r in readings:  # the sample decoded, but a byte further on does not
        if _decodes(path, r.page.name):
            return Decision(r.page.name, reason(r, readings))
    guess = (matches if matches is not None else from_bytes(sample)).best()
    if guess and _decodes(path, guess.encoding):
        return Decision(guess.encoding)
    return Decision("latin-1")


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


def encoding_name(encoding: str) -> str:
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
        records = [trim_right(r) for r in records[:HEADER_SCAN_ROWS * 2]]
        header = next((r for r in records if sum(1 for c in r if c.strip()) >= 2), None)
        if header is None:
            continue
        score = (sum(1 for r in records if len(r) == len(header)), len(header))
        if score > best_score:
            best, best_score = candidate, score
    return best


def encoding_hint(origins: Origins) -> str:
    """How to name the file's encoding, where the other settings come from."""
    return f"Name the file's encoding: {origins.advise('encoding', 'cp1252')}, for example."


def csv_records(path: Path, encoding: str, delimiter: str,
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
                         encoding_hint(origins)) from None
