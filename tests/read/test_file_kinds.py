"""Files are what their bytes say: a workbook under any name is read as one, and a program, an
archive or another binary is named in one sentence (exit 1), whatever its extension."""

from __future__ import annotations

import gzip
import io
import struct
import zipfile

import openpyxl
import pytest

from helpers import env_for, invoke

ROWS = [["Email", "First name"], ["ann@example.com", "Ann"], ["bo@example.com", "Bo"]]


def _workbook(keep_vba: bool = False) -> bytes:
    wb = openpyxl.Workbook()
    for row in ROWS:
        wb.active.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    data = buffer.getvalue()
    if not keep_vba:
        return data
    # An .xlsm differs by its content type; openpyxl reads both alike.
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            body = src.read(item.filename)
            if item.filename == "[Content_Types].xml":
                body = body.replace(b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                                    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml")
            dst.writestr(item, body)
    return out.getvalue()


@pytest.mark.parametrize("name", ["contacts.csv", "contacts.txt", "contacts.xls", "contacts.tsv", "contacts"])
@pytest.mark.parametrize("vba", [False, True], ids=["xlsx", "xlsm"])
def test_a_workbook_is_read_as_one_under_any_name(sandbox, tmp_path, name, vba):
    (tmp_path / name).write_bytes(_workbook(vba))
    result = invoke(["run", name], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert f"Source:            {name} (sheet 'Sheet', header on row 1)" in result.output
    assert set(sandbox.store.snapshot()) == {"ann@example.com", "bo@example.com"}


def test_sheets_lists_a_renamed_workbook(tmp_path):
    (tmp_path / "book.csv").write_bytes(_workbook())
    result = invoke(["sheets", "book.csv"], cwd=tmp_path)
    assert (result.exit_code, result.output) == (0, "1  Sheet\n")


PROGRAM = "Name the exported spreadsheet (.csv, .tsv or .xlsx) instead."
ARCHIVE = "Unpack it first, then import the spreadsheet inside."
PICTURE = "Export the list itself as CSV or XLSX, not a picture of it."
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + struct.pack("<HHI", 2, 62, 1) + b"\x00" * 400
PE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 44 + b"\x80\x00\x00\x00" + \
    b"This program cannot be run in DOS mode.\r\r\n$" + b"\x00" * 200


@pytest.mark.parametrize("content, said, fix", [
    (ELF, "an executable program, not a spreadsheet kit-import reads.", PROGRAM),
    (PE, "an executable program, not a spreadsheet kit-import reads.", PROGRAM),
    (b"\xcf\xfa\xed\xfe\x07\x00\x00\x01" + b"\x00" * 100, "an executable program, not a spreadsheet kit-import reads.",
     PROGRAM),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "a legacy Excel .xls workbook (or another Office 97-2003 "
     "file), not a spreadsheet kit-import reads.", "Open it in Excel or LibreOffice and save it as .xlsx or .csv."),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "a PDF document, not a spreadsheet kit-import reads.",
     "Export the list from the system it came from as CSV or XLSX."),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "a PNG image, not a spreadsheet kit-import reads.", PICTURE),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "a JPEG image, not a spreadsheet kit-import reads.", PICTURE),
    (b"GIF89a\x01\x00\x01\x00", "a GIF image, not a spreadsheet kit-import reads.", PICTURE),
    (gzip.compress(b"Email\nann@example.com\n"), "a gzip-compressed file, not a spreadsheet kit-import reads.",
     "Unpack it first (gunzip), then import the file inside."),
    (b"7z\xbc\xaf\x27\x1c\x00\x04" + b"\x00" * 30, "a 7-Zip archive, not a spreadsheet kit-import reads.", ARCHIVE),
    (b"SQLite format 3\x00" + b"\x10\x00\x01\x01" + b"\x00" * 80,
     "an SQLite database (a kit-import state file, say), not a spreadsheet kit-import reads.", PROGRAM),
    (bytes(range(256)) * 4, "a binary file, not a spreadsheet.", "Export the list as CSV or XLSX."),
], ids=["elf", "pe", "macho", "xls", "pdf", "png", "jpeg", "gif", "gzip", "7z", "sqlite", "random"])
@pytest.mark.parametrize("name", ["contacts.csv", "contacts.xlsx", "contacts.txt"])
def test_a_program_or_binary_is_named_not_read_as_text(sandbox, tmp_path, content, said, fix, name):
    (tmp_path / name).write_bytes(content)
    result = invoke(["run", name], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 1
    assert result.output == f"Error: {name} is {said}\n{fix}\n"
    assert sandbox.requests == []


def test_text_that_starts_like_a_short_signature_is_still_text(sandbox, tmp_path):
    for header in ("MZ code,Email\n", "BMI,Email\n", "BZh,Email\n"):
        (tmp_path / "c.csv").write_text(header + "1,ann@example.com\n", encoding="utf-8")
        result = invoke(["run", "c.csv", "--dry-run"], env_for(sandbox), cwd=tmp_path)
        assert result.exit_code == 0, (header, result.output)


def test_utf16_text_without_a_bom_is_still_text(sandbox, tmp_path):
    (tmp_path / "c.csv").write_bytes("Email,First name\nann@example.com,Ann\n".encode("utf-16-le"))
    result = invoke(["run", "c.csv"], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert set(sandbox.store.snapshot()) == {"ann@example.com"}
