"""What a file is by its bytes, whatever its name says: a workbook, text, or one sentence naming
what else it is (a program, an archive, an image, a legacy .xls) and how to get a spreadsheet from it."""

from __future__ import annotations

import codecs
from pathlib import Path

from importer.errors import InputError

SNIFF_BYTES = 64 * 1024


def is_workbook(path: Path) -> bool:
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
        head = f.read(SNIFF_BYTES)
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
