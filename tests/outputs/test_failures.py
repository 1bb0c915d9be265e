"""The failures CSV: original columns in order, row and error, formula-safe, re-importable."""

from __future__ import annotations

import csv

import pytest

from importer.outputs.failures import (carried_columns, extra_cells_column, join_extra, neutralize, restore,
                                       split_extra, write_failures)
from importer.records import Row


def test_cells_a_spreadsheet_would_run_are_neutralised():
    assert [neutralize(c) for c in ["=1+1", "+44 20", "-5", "@SUM(A1)", "\tx", "\rx", "ok", ""]] == \
        ["'=1+1", "'+44 20", "'-5", "'@SUM(A1)", "'\tx", "'\rx", "ok", ""]


def test_rejected_rows_are_written_in_file_order_with_row_and_error(tmp_path):
    path = tmp_path / "out" / "f.csv"
    rows = [Row(2, ("a@example.com", "Ann")), Row(3, ("=cmd", "Bo")),
            Row(5, ("c@x", "Cy", "extra"), "ragged row: 1 cell more than the header")]
    written = write_failures(path, ("Email", "Name"), rows, {3: ["invalid email: '=cmd'"], 5: ["ragged row", "x"]},
                             extra_column=True)
    assert written == 2
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert list(csv.reader(raw.decode("utf-8-sig").splitlines())) == [
        ["Email", "Name", "extra cells", "row", "error"],
        ["'=cmd", "Bo", "", "3", "invalid email: '=cmd'"],
        ["c@x", "Cy", "extra", "5", "ragged row; x"],
    ]
    assert not (tmp_path / "out" / "f.csv.partial").exists()


def dict_rows(path):
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def test_every_line_has_the_headers_columns_so_row_and_error_sit_under_their_headers(tmp_path):
    path = tmp_path / "f.csv"
    rows = [Row(2, ("short@example.com",)), Row(3, ())]
    write_failures(path, ("Email", "Name", "Company"), rows, {2: ["invalid email: x"], 3: ["unreadable row: x"]})
    assert [list(r.items()) for r in dict_rows(path)] == [
        [("Email", "short@example.com"), ("Name", ""), ("Company", ""), ("row", "2"), ("error", "invalid email: x")],
        [("Email", ""), ("Name", ""), ("Company", ""), ("row", "3"), ("error", "unreadable row: x")]]
    with path.open(encoding="utf-8-sig", newline="") as f:
        assert {len(r) for r in csv.reader(f)} == {5}


@pytest.mark.parametrize("extra", [["EXTRA"], ["a, b", 'say "hi"', "", "=1+1", "two\nlines"], ["", "x"]],
                         ids=["one-cell", "awkward-cells", "leading-blank"])
def test_a_long_rows_extra_cells_go_in_one_column_and_split_back_exactly(tmp_path, extra):
    path = tmp_path / "f.csv"
    rows = [Row(4, ("a@example.com", "Ann", *extra), "ragged row")]
    write_failures(path, ("Email", "Name"), rows, {4: ["ragged row"]}, extra_column=True)
    [line] = dict_rows(path)
    assert (line["Email"], line["Name"], line["row"], line["error"]) == ("a@example.com", "Ann", "4", "ragged row")
    assert split_extra(restore(line["extra cells"])) == extra
    assert split_extra(join_extra(extra)) == extra


def test_a_long_row_without_the_extra_column_is_refused_rather_than_cut(tmp_path):
    with pytest.raises(ValueError, match="row 4 has cells beyond the header"):
        write_failures(tmp_path / "f.csv", ("Email",), [Row(4, ("a@example.com", "x"), "ragged")], {4: ["ragged"]})


def test_a_failures_csv_fed_back_keeps_its_extra_cells(tmp_path):
    headers = ("Email", "Name", "extra cells", "row", "error")
    assert carried_columns(headers) == [0, 1] and extra_cells_column(headers) == 2
    assert extra_cells_column(("Email", "row", "error")) is None
    path = tmp_path / "again.csv"
    write_failures(path, headers, [Row(2, ("a@example.com", "Ann", "'=x,y", "4", "ragged row"))],
                   {2: ["ragged row: 2 cells more than the header"]}, extra_column=True)
    [line] = dict_rows(path)
    assert split_extra(restore(line["extra cells"])) == ["=x", "y"] and line["row"] == "2"


def test_a_failures_csv_fed_back_keeps_only_the_original_columns(tmp_path):
    headers = ("Email", "Name", "row", "error")
    assert carried_columns(headers) == [0, 1]
    assert carried_columns(("row", "error")) == [0, 1]
    path = tmp_path / "again.csv"
    write_failures(path, headers, [Row(2, ("bad", "Ann", "7", "invalid email"))], {2: ["invalid email: again"]})
    assert path.read_text(encoding="utf-8-sig").splitlines() == ["Email,Name,row,error",
                                                                 "bad,Ann,2,invalid email: again"]
