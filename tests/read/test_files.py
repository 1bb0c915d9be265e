"""The loader: encodings, delimiters, layout, XLSX rendering, and files it cannot read."""

from __future__ import annotations

import datetime as dt
import string

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import EXAMPLES, SAMPLES, write
from importer.errors import ConfigError, InputError
from importer.read.files import LoadOptions, list_sheets, open_source
from importer.read.workbooks import render_cell
from helpers import env_for, invoke


def rows_of(path, **options):
    source = open_source(path, LoadOptions(**options))
    return source, [(r.number, r.cells, r.problem) for r in source.rows()]


@pytest.mark.parametrize("encoding, name", [("utf-8", "UTF-8"), ("utf-8-sig", "UTF-8 with BOM"),
                                            ("cp1252", "cp1252"), ("utf-16", "UTF-16")],
                         ids=["utf8", "utf8-bom", "cp1252-excel-windows", "utf16-bom"])
def test_encodings_are_detected_and_accents_survive(tmp_path, encoding, name):
    path = write(tmp_path / "c.csv", "Email,First Name\nzoe@example.com,Zoë\nrene@example.com,René\n", encoding)
    source, rows = rows_of(path)
    assert source.headers == ("Email", "First Name")
    assert [r[1] for r in rows] == [("zoe@example.com", "Zoë"), ("rene@example.com", "René")]
    assert source.describe().startswith(name)


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"], ids=["comma", "semicolon", "tab", "pipe"])
def test_delimiters_are_sniffed(tmp_path, delimiter):
    text = "\n".join(delimiter.join(r) for r in [["Email", "Name", "Amount"], ["a@example.com", "Ann", "1,5"],
                                                  ["b@example.com", "Bo", "2,25"]])
    if delimiter == ",":
        text = text.replace("1,5", '"1,5"').replace("2,25", '"2,25"')
    source, rows = rows_of(write(tmp_path / "d.csv", text + "\n"))
    assert source.delimiter == delimiter
    assert rows[1][1] == ("b@example.com", "Bo", "2,25")


def test_row_numbers_are_spreadsheet_rows_across_quoted_newlines_and_blank_rows(tmp_path):
    path = write(tmp_path / "q.csv",
                 'Email,Note\na@example.com,"line one\nline two"\n\n,\nb@example.com,"say ""hi"", ok"\n')
    source, rows = rows_of(path)
    assert rows == [(2, ("a@example.com", "line one\nline two"), None),
                    (5, ("b@example.com", 'say "hi", ok'), None)]
    assert source.blank_rows == 2


def test_short_rows_come_as_read_and_long_rows_are_flagged(tmp_path):
    path = write(tmp_path / "r.csv", "Email,Name,Company\na@example.com,Ann,Acme,extra\nb@example.com\n"
                                     "c@example.com,Cy,,,\nd@example.com,Di,\n")
    source, rows = rows_of(path)
    assert rows[0][2] == "ragged row: 1 cell more than the header"
    assert rows[1] == (3, ("b@example.com",), None)  # short: the missing cells are absent, not invented
    assert rows[2] == (4, ("c@example.com", "Cy", ""), None)  # trailing empty cells are not ragged
    assert rows[3] == (5, ("d@example.com", "Di", ""), None)
    assert (source.short_rows, source.long_rows) == (1, 1)


def test_a_workbook_rows_trailing_empty_cells_are_real_blank_cells(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.append(["Email", "Name", "Company"])
    wb.active.append(["a@example.com", "Ann"])
    wb.save(tmp_path / "w.xlsx")
    source, rows = rows_of(tmp_path / "w.xlsx")
    assert rows == [(2, ("a@example.com", "Ann", ""), None)] and source.short_rows == 0


def test_a_cell_over_pythons_default_csv_field_limit_is_read_whole(tmp_path):
    note = "n" * 150_000
    _, rows = rows_of(write(tmp_path / "l.csv", f"Email,Notes\na@example.com,{note}\n"))
    assert rows == [(2, ("a@example.com", note), None)]


def test_a_title_above_the_header_is_skipped(tmp_path):
    path = write(tmp_path / "t.csv", "Subscribers export,,\n\nEmail,First Name,Company\na@example.com,Ann,Acme\n")
    source, rows = rows_of(path)
    assert source.header_row == 3
    assert rows == [(4, ("a@example.com", "Ann", "Acme"), None)]


def test_header_row_can_be_given(tmp_path):
    path = write(tmp_path / "h.csv", "x,y\nEmail,Name\na@example.com,Ann\n")
    source, rows = rows_of(path, header_row=2)
    assert source.headers == ("Email", "Name") and rows[0][0] == 3


def test_headers_are_cleaned_and_duplicates_renamed(tmp_path):
    path = write(tmp_path / "dup.csv", "\ufeff Email ,Name,Name,,\na@example.com,A,B,,\n")
    source, _ = rows_of(path)
    assert source.headers == ("Email", "Name", "Name (2)")
    assert source.notes == ["duplicate column 'Name' renamed to 'Name (2)'"]


@pytest.mark.parametrize("content, message", [
    (b"", "is empty"),
    (b"PK\x03\x04 not really a zip", "not a readable .xlsx workbook"),
    (b"\n\n\n", "has no header row"),
], ids=["zero-bytes", "broken-xlsx", "only-blank-lines"])
def test_unreadable_files_are_one_clear_input_error(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message):
        open_source(path)


def test_missing_file_and_legacy_xls(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        open_source(tmp_path / "nope.csv")
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(InputError, match=r"legacy Excel \.xls") as caught:
        open_source(tmp_path / "old.xls")
    assert "save it as .xlsx or .csv" in caught.value.hint


def test_a_wrong_encoding_override_is_reported(tmp_path):
    path = write(tmp_path / "w.csv", "Email\nzoë@example.com\n", "utf-16")
    with pytest.raises(InputError, match="cannot be decoded as utf-8"):
        open_source(path, LoadOptions(encoding="utf-8"))


@pytest.mark.parametrize("value, number_format, shown", [
    (83702, "General", "83702"),
    (83702.0, "General", "83702"),
    (501, "00000", "00501"),
    (15551234567.0, "General", "15551234567"),
    (12345678901234567890, "General", "12345678901234567890"),
    (0.1, "General", "0.1"),
    (1e-7, "General", "0.0000001"),
    (12.5, "0.00", "12.50"),
    (0.25, "0%", "25%"),
    (True, "General", "TRUE"),
    (dt.datetime(2024, 2, 17), "yyyy-mm-dd", "2024-02-17"),
    (dt.datetime(2024, 2, 17, 9, 30), "General", "2024-02-17 09:30:00"),
    (dt.time(9, 30), "h:mm", "09:30:00"),
    (None, "General", ""),
], ids=lambda v: str(v))
def test_excel_cells_render_as_a_person_reads_them(value, number_format, shown):
    assert render_cell(value, number_format) == shown


def test_xlsx_sheet_by_name_or_number_and_row_numbers(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "Notes"
    wb.active.append(["nothing here"])
    ws = wb.create_sheet("People")
    ws.append(["Email", "Zip", "Joined"])
    ws.append(["a@example.com", 501, dt.date(2024, 2, 17)])
    ws["B2"].number_format = "00000"
    ws.append([])
    ws.append(["b@example.com", 90210, None])
    wb.save(tmp_path / "w.xlsx")
    assert list_sheets(tmp_path / "w.xlsx") == ["Notes", "People"]
    for sheet in ("people", "2"):
        source, rows = rows_of(tmp_path / "w.xlsx", sheet=sheet)
        assert source.headers == ("Email", "Zip", "Joined")
        assert rows == [(2, ("a@example.com", "00501", "2024-02-17"), None),
                        (4, ("b@example.com", "90210", ""), None)]
    with pytest.raises(ConfigError, match="sheet names a sheet 'Leads' that the workbook does not have") as caught:
        open_source(tmp_path / "w.xlsx", LoadOptions(sheet="Leads"))
    assert caught.value.hint == "Choose one of: 'Notes', 'People' (or its number, from 1)."


def test_sample_xlsx_reads_like_the_sample_csv():
    _, csv_rows = rows_of(SAMPLES / "subscribers.csv")
    _, xlsx_rows = rows_of(SAMPLES / "subscribers.xlsx")
    assert xlsx_rows == csv_rows


@pytest.mark.parametrize("text, expected", [
    ('Email,First Name,Company\n,,";\n0",;\n', ","),  # found by hypothesis: a ';' inside quoted cells
    ("Export; generated 2024-06-01\nEmail,Name,City\na@example.com,Ann,Paris\nb@example.com,Bo,Rome\n", ","),
    ("Email;Name;Amount\na@example.com;Ann;1,50\nb@example.com;Bo;2,75\n", ";"),
    ('Email|Name\n"a@example.com"|"Smith, Ann"\nb@example.com|Bo\n', "|"),
    ("Email\na@example.com\n", ","),
], ids=["quoted-semicolons", "title-with-semicolon", "semicolon-decimal-commas", "pipe-with-quoted-comma",
        "single-column"])
def test_sniffing_trusts_the_header_and_the_rows_below_it(tmp_path, text, expected):
    assert open_source(write(tmp_path / "s.csv", text)).delimiter == expected


def test_a_few_accents_are_not_mistaken_for_a_multi_byte_encoding(tmp_path):
    # Found by hypothesis: charset-normalizer called this johab, which swallowed the ';'.
    path = tmp_path / "tiny.csv"
    path.write_bytes(b'Email;First Name;Company\r\n\xe9;"\n"\r\n')
    source, rows = rows_of(path)
    assert source.encoding == "cp1252" and rows[0][1] == ("é", "\n")


CP1252_EXPORTS = {  # Excel on Windows in Western Europe: a few accented letters among ASCII
    "german": ("Email;Vorname;Firma\r\nmüller@example.com;Jürgen;Café € GmbH\r\nzoe@example.com;Zoë;Naïve\r\n",
               ("müller@example.com", "Jürgen", "Café € GmbH")),
    "german-single-row": ("juergen@example.com;Jürgen;Müller\r\n", ("juergen@example.com", "Jürgen", "Müller")),
    "german-one-data-row": ("Email;Vorname;Nachname\r\njuergen@example.com;Jürgen;Müller\r\n",
                            ("juergen@example.com", "Jürgen", "Müller")),
    "french": ("Email;Prénom;Ville\r\nrene@example.fr;René;Besançon\r\nchloe@example.fr;Chloé;Orléans\r\n",
               ("rene@example.fr", "René", "Besançon")),
    "nordic": ("Email,Fornavn,By\r\noyvind@example.no,Øyvind,Tromsø\r\nasa@example.se,Åsa,Göteborg\r\n"
               "soren@example.dk,Søren,Århus\r\n", ("oyvind@example.no", "Øyvind", "Tromsø")),
}


@pytest.mark.parametrize("name", list(CP1252_EXPORTS))
def test_a_small_cp1252_export_reads_as_cp1252_whatever_charset_normalizer_guesses(tmp_path, name):
    # charset-normalizer calls the german ones cp775 (a Baltic DOS code page): Jürgen became Jrgen.
    text, first = CP1252_EXPORTS[name]
    source, rows = rows_of(write(tmp_path / f"{name}.csv", text, "cp1252"))
    assert source.encoding == "cp1252"
    lines = [line for line in text.splitlines() if line]
    cells = [tuple(line.split(source.delimiter)) for line in lines]
    assert [source.headers, *(r[1] for r in rows)] == cells and first in cells


def test_a_cp1252_export_reaches_kit_as_written(sandbox, tmp_path):
    source = write(tmp_path / "de.csv", CP1252_EXPORTS["german"][0], "cp1252")
    result = invoke(["run", source], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert sandbox.store.snapshot() == {
        "müller@example.com": {"first_name": "Jürgen", "fields": {"Company": "Café € GmbH"}},
        "zoe@example.com": {"first_name": "Zoë", "fields": {"Company": "Naïve"}}}
    assert "de.csv (cp1252, semicolon-separated, header on row 1)" in result.output


LATIN_1_LETTERS = "".join(chr(c) for c in range(0xC0, 0x100) if chr(c) not in "×÷")


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.text(alphabet=string.ascii_letters + " " + LATIN_1_LETTERS, min_size=1, max_size=40).filter(str.strip))
def test_any_latin_1_letters_written_as_cp1252_read_back_identical(tmp_path_factory, name):
    path = tmp_path_factory.mktemp("latin") / "n.csv"
    write(path, f"Email;Name\r\nzoe@example.com;{name}\r\n", "cp1252")
    source, rows = rows_of(path)
    assert rows[0][1] == ("zoe@example.com", name)
    assert source.encoding == ("utf-8" if name.isascii() else "cp1252")


@pytest.mark.parametrize("encoding, expected", [("shift_jis", "cp932"), ("gbk", "gb18030")],
                         ids=["japanese-excel", "chinese-excel"])
def test_cjk_exports_are_still_detected(tmp_path, encoding, expected):
    text = "Email,Name,City\n" + "".join(f"user{i}@example.jp,山田太郎{i},東京都港区\n" for i in range(50))
    source, rows = rows_of(write(tmp_path / "cjk.csv", text, encoding))
    assert source.encoding == expected and rows[0][1] == ("user0@example.jp", "山田太郎0", "東京都港区")


@pytest.mark.parametrize("offset", [0, 30, 511, 600], ids=lambda o: f"element-{o}-bytes-before-the-boundary")
def test_merged_cells_are_found_wherever_a_read_chunk_ends(offset):
    import io

    from importer.read.workbooks import merged_ranges

    element = b'<mergeCell ref="B3:B9"/>'
    xml = b"<worksheet>" + b" " * ((1 << 20) - 11 - offset) + element + b'<x:mergeCell ref="A1:D1"/></worksheet>'

    class Sheet:
        def _get_source(self):
            return io.BytesIO(xml)

    assert merged_ranges(Sheet()) == {3: [(1, 9)]}  # A1:D1 spans one row: nothing to carry down


def test_list_sheets_refuses_a_text_file_and_a_missing_one(tmp_path):
    path = write(tmp_path / "people.csv", "Email\na@example.com\n")
    with pytest.raises(InputError, match=r"people.csv is a text \(CSV/TSV\) file, not a workbook") as caught:
        list_sheets(path)
    assert "kit-import run" in caught.value.hint
    with pytest.raises(InputError, match="does not exist"):
        list_sheets(tmp_path / "nope.xlsx")


def test_options_for_the_other_kind_of_file_become_notes(tmp_path):
    path = write(tmp_path / "people.csv", "Email,Email\na@example.com,b@example.com\n")
    assert open_source(path, LoadOptions(sheet="2")).notes == [
        "sheet does not apply to a CSV file: ignored", "duplicate column 'Email' renamed to 'Email (2)'"]
    assert open_source(path, LoadOptions(encoding="utf-8", delimiter=",")).notes == [
        "duplicate column 'Email' renamed to 'Email (2)'"]
    wb = openpyxl.Workbook()
    wb.active.append(["Email"])
    wb.save(tmp_path / "w.xlsx")
    assert open_source(tmp_path / "w.xlsx", LoadOptions(sheet="1", encoding="cp1252", delimiter=";")).notes == [
        "encoding does not apply to a workbook: ignored", "delimiter does not apply to a workbook: ignored"]
