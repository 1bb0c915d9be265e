"""A DataFrame or an iterable of dicts as a source: same mapping, report and failures CSV as a file."""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import subprocess
import sys

import pytest

from conftest import ROOT
from importer import ImporterError, Settings, import_rows
from importer.kit import Credential
from importer.read.frames import is_dataframe, open_data, render_value

pd = pytest.importorskip("pandas")  # in the test extra; the library itself never needs it
np = pytest.importorskip("numpy")


def rows_of(data):
    source = open_data(data)
    return source, [(r.number, r.cells, sorted(r.absent)) for r in source.rows()]


def failures(path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


@pytest.mark.parametrize("value, text", [
    (None, ""), (float("nan"), ""), (np.nan, ""), (pd.NA, ""), (pd.NaT, ""), (np.datetime64("NaT"), ""),
    ("  Ann ", "  Ann "), (83702.0, "83702"), (np.float64(83702.0), "83702"), (np.int64(501), "501"),
    (15551234567.0, "15551234567"), (0.1, "0.1"), (True, "TRUE"), (np.bool_(False), "FALSE"),
    (decimal.Decimal("1.50"), "1.50"), (dt.date(2024, 2, 17), "2024-02-17"),
    (pd.Timestamp("2024-02-17"), "2024-02-17"), (pd.Timestamp("2024-02-17 10:30"), "2024-02-17 10:30:00"),
    (np.datetime64("2024-02-17T00:00:00.000000000"), "2024-02-17"),
], ids=lambda v: repr(v)[:30])
def test_values_render_as_a_person_reads_them(value, text):
    assert render_value(value) == text


def test_a_frame_is_told_without_importing_pandas_and_other_things_are_refused():
    assert is_dataframe(pd.DataFrame({"a": [1]})) and not is_dataframe([{"a": 1}])
    for bad in ("contacts.csv", {"Email": "a@example.com"}, 42, pd.Series(["a@example.com"])):
        with pytest.raises(ImporterError, match="is not a source kit-import can read"):
            open_data(bad)
    with pytest.raises(ImporterError, match="Item 1 is a list, not a dict"):
        open_data([{"Email": "a@example.com"}, ["b@example.com"]])


def test_a_frames_rows_are_numbered_by_position_and_blank_rows_counted():
    frame = pd.DataFrame({"Email": ["a@example.com", None, "c@example.com"], "Zip": [83702.0, np.nan, 501]},
                         index=["x", "y", "z"])
    source, rows = rows_of(frame)
    assert source.headers == ("Email", "Zip")
    assert rows == [(0, ("a@example.com", "83702"), []), (2, ("c@example.com", "501"), [])]
    assert source.blank_rows == 1 and source.describe() == "a pandas DataFrame: 3 rows, 2 columns"


def test_dicts_make_columns_from_every_key_and_a_missing_key_is_absent_not_blank():
    data = [{"Email": "a@example.com", "Company": ""}, {"Email": "b@example.com", "Postal code": 501}]
    source, rows = rows_of(data)
    assert source.headers == ("Email", "Company", "Postal code")
    assert rows == [(0, ("a@example.com", "", ""), [2]), (1, ("b@example.com", "", "501"), [1])]
    assert source.short_rows == 2
    assert rows_of(data)[1] == rows  # a list is read again in place, pass after pass


def test_a_one_shot_iterator_is_read_once_and_kept_for_every_pass():
    source = open_data(d for d in [{"Email": "a@example.com"}, {"Email": "b@example.com"}])
    assert [r.number for r in source.rows()] == [0, 1]
    assert [r.number for r in source.rows()] == [0, 1]
    assert source.describe() == "an iterable of 2 dicts, 1 column"


def settings_for(sandbox, tmp_path, **kw):
    return dict(credential=Credential("oauth", sandbox.access_token), base_url=sandbox.url,
                failures=tmp_path / "failures.csv", **kw)


def test_a_dataframe_imports_end_to_end_and_its_failures_keep_its_columns(sandbox, tmp_path):
    frame = pd.DataFrame({
        "Email Address": ["ann@example.com", "not-an-email", None, "ANN@example.com", "bo@example.com"],
        "First Name": ["Ann", "Xi", None, None, "Bo"],
        "Postal code": [83702.0, 501.0, np.nan, np.nan, 90210.0],
        "Company": ["Acme", "=cmd", None, "Beta", None],
    }, index=[10, 20, 30, 40, 50])
    report = import_rows(frame, **settings_for(sandbox, tmp_path))
    assert (report.rows_read, report.rows_imported, report.rows_rejected, report.blank_rows) == (4, 3, 1, 1)
    assert (report.created, report.duplicates_merged, report.exit_status) == (2, 1, 3)
    assert report.source == "dataframe" and report.read_as == "a pandas DataFrame: 5 rows, 4 columns"
    assert failures(tmp_path / "failures.csv") == [
        ["Email Address", "First Name", "Postal code", "Company", "row", "error"],
        ["not-an-email", "Xi", "501", "'=cmd", "1", "invalid email: 'not-an-email' is missing an @"],
    ]
    assert frame.iloc[1]["Email Address"] == "not-an-email"  # row is the frame's position
    ann, bo = sandbox.store.find("ann@example.com"), sandbox.store.find("bo@example.com")
    assert (ann.first_name, ann.values) == ("Ann", {3: "83702", 2: "Beta"})
    assert (bo.first_name, bo.values) == ("Bo", {3: "90210"})


def test_dicts_import_end_to_end_and_a_missing_key_never_clears_a_value(sandbox, tmp_path):
    settings = settings_for(sandbox, tmp_path, fields=[("zip", "Postal code")])
    first = [{"email": "ann@example.com", "name": "Ann", "zip": "00501", "Company": "Acme"}]
    assert import_rows(first, **settings).exit_status == 0
    later = [{"email": "ann@example.com", "zip": ""},  # no Company key: absent, so Acme stays
             {"email": "bo@example", "zip": 1, "Company": "Beta"}]
    report = import_rows(iter(later), Settings(source="crm", blanks="clear", **settings))
    assert (report.rows_read, report.rows_imported, report.rows_rejected, report.rows_short) == (2, 1, 1, 1)
    assert sandbox.store.find("ann@example.com").values == {3: "", 2: "Acme"}  # zip cleared, Company kept
    assert failures(tmp_path / "failures.csv") == [
        ["email", "zip", "Company", "row", "error"],
        ["bo@example", "1", "Beta", "1", "invalid email: 'bo@example': the domain has no dot"],
    ]


def test_no_rows_is_a_quiet_finish_and_the_default_failures_file_is_named_for_the_data(sandbox, tmp_path,
                                                                                         monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = dict(credential=Credential("oauth", sandbox.access_token), base_url=sandbox.url)
    assert import_rows([], **settings).exit_status == 0
    assert import_rows(pd.DataFrame({"Email": []}), **settings).rows_read == 0
    report = import_rows(pd.DataFrame({"Email": ["nope"]}), **settings)
    assert report.failures_path == "dataframe.failures.csv" and (tmp_path / "dataframe.failures.csv").is_file()
    assert import_rows([{"Email": "nope"}], **settings).failures_path == "rows.failures.csv"
    with pytest.raises(TypeError, match="not both"):
        import_rows([], Settings(source="x"), dry_run=True)


def test_an_unreadable_source_is_an_error_with_a_report(tmp_path):
    with pytest.raises(ImporterError, match="not a dict"):
        import_rows(["a@example.com"], report=tmp_path / "r.json")
    assert '"exit_status": 1' in (tmp_path / "r.json").read_text()


def test_the_cli_never_imports_pandas():
    code = "import sys, importer.cli, importer; assert 'pandas' not in sys.modules and 'numpy' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=60)


def test_a_dry_run_of_rows_in_memory_plans_without_writing(sandbox, tmp_path):
    report = import_rows([{"Email": "g1@example.com", "Company": "Acme"}, {"Email": "nope"}],
                         credential=Credential("oauth", sandbox.access_token), base_url=sandbox.url, dry_run=True,
                         failures=tmp_path / "f.csv")
    assert report.dry_run and report.contacts == 1 and report.rows_rejected == 1
    assert not sandbox.store.subscribers
