"""The failures CSV: original columns in order, row and error, formula-safe, re-importable."""

from __future__ import annotations

import csv

from importer.failures import carried_columns, neutralize, write_failures
from importer.records import Row


def test_cells_a_spreadsheet_would_run_are_neutralised():
    assert [neutralize(c) for c in ["=1+1", "+44 20", "-5", "@SUM(A1)", "\tx", "\rx", "ok", ""]] == \
        ["'=1+1", "'+44 20", "'-5", "'@SUM(A1)", "'\tx", "'\rx", "ok", ""]


def test_rejected_rows_are_written_in_file_order_with_row_and_error(tmp_path):
    path = tmp_path / "out" / "f.csv"
    rows = [Row(2, ("a@example.com", "Ann")), Row(3, ("=cmd", "Bo")), Row(5, ("c@x", "Cy", "extra"), "ragged row")]
    written = write_failures(path, ("Email", "Name"), rows, {3: ["invalid email: '=cmd'"], 5: ["ragged row", "x"]})
    assert written == 2
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert list(csv.reader(raw.decode("utf-8-sig").splitlines())) == [
        ["Email", "Name", "row", "error"],
        ["'=cmd", "Bo", "3", "invalid email: '=cmd'"],
        ["c@x", "Cy", "extra", "5", "ragged row; x"],
    ]
    assert not (tmp_path / "out" / "f.csv.partial").exists()


def test_a_failures_csv_fed_back_keeps_only_the_original_columns(tmp_path):
    headers = ("Email", "Name", "row", "error")
    assert carried_columns(headers) == [0, 1]
    assert carried_columns(("row", "error")) == [0, 1]
    path = tmp_path / "again.csv"
    write_failures(path, headers, [Row(2, ("bad", "Ann", "7", "invalid email"))], {2: ["invalid email: again"]})
    assert path.read_text(encoding="utf-8-sig").splitlines() == ["Email,Name,row,error", "bad,Ann,2,invalid email: again"]
