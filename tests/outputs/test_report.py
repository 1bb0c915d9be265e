"""RunReport: the exit status it gives, its JSON and its summary lines."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from importer.errors import ConfigError
from importer.outputs.report import ExitStatus, RunReport


@pytest.mark.parametrize("report, status", [
    (RunReport(rows_read=3, rows_imported=3, created=3), ExitStatus.OK),
    (RunReport(), ExitStatus.OK),
    (RunReport(rows_read=3, rows_imported=2, rows_rejected=1), ExitStatus.REJECTED),
    (RunReport(rows_read=3, rows_rejected=3, stopped="more than 10% of rows would be rejected"), ExitStatus.FAILED),
    (RunReport(error="No Kit credential"), ExitStatus.FAILED),
    (RunReport(rows_rejected=1, interrupted=True, stopped="interrupted (Ctrl-C)"), ExitStatus.INTERRUPTED),
], ids=["all-imported", "nothing-to-import", "rows-rejected", "stopped", "failed", "interrupted"])
def test_exit_status(report, status):
    assert report.exit_status is status


def test_every_report_field_is_declared_once():
    """A field declared twice keeps the first place but the last default and comment: one must go."""
    import ast
    import inspect

    from importer.outputs import report as module

    body = next(node for node in ast.parse(inspect.getsource(module)).body
                if isinstance(node, ast.ClassDef) and node.name == "RunReport").body
    names = [node.target.id for node in body if isinstance(node, ast.AnnAssign)]
    assert sorted({n for n in names if names.count(n) > 1}) == []


def test_exit_statuses_are_the_documented_numbers():
    assert {s.name: int(s) for s in ExitStatus} == {"OK": 0, "FAILED": 1, "USAGE": 2, "REJECTED": 3,
                                                     "INTERRUPTED": 130, "TERMINATED": 143}


def test_a_failure_before_sending_records_the_error_and_its_hint():
    report = RunReport()
    report.failed(ConfigError("No Kit credential.", "Set KIT_API_KEY."))
    assert (report.error, report.hint, report.exit_status) == ("No Kit credential.", "Set KIT_API_KEY.", 1)
    interrupted = RunReport()
    interrupted.failed(KeyboardInterrupt())
    assert interrupted.interrupted and interrupted.exit_status is ExitStatus.INTERRUPTED


def test_json_holds_plain_numbers_and_derived_figures(tmp_path):
    report = RunReport(rows_read=5, rows_imported=4, rows_rejected=1, created=3, updated=1,
                       rejected_by_reason=Counter({"invalid email": 1}), requests=Counter({"POST /v4/x": 2}))
    report.write_json(tmp_path / "out" / "r.json")
    data = json.loads((tmp_path / "out" / "r.json").read_text())
    assert data["exit_status"] == 3 and type(data["exit_status"]) is int
    assert (data["imported"], data["requests_sent"], data["rejected_by_reason"]) == (4, 2, {"invalid email": 1})
    assert not (tmp_path / "out" / "r.json.partial").exists()


def test_rows_are_accounted_for_in_one_line():
    report = RunReport(rows_read=62, rows_imported=57, rows_rejected=5)
    assert report.rows_accounted_for
    assert report.rows_accounting() == "62: 57 imported, 5 rejected"
    report.rows_read = 63
    assert not report.rows_accounted_for


@pytest.mark.parametrize("report, line", [
    (RunReport(rows_read=8, rows_imported=5, rows_unchanged=5, rows_rejected=3, rows_not_sent=3, stopped="the brake"),
     "8: 5 imported (5 unchanged), 0 rejected, 3 not sent"),
    (RunReport(rows_read=8, rows_rejected=8, rows_not_sent=5, stopped="the brake"),
     "8: 0 imported, 3 rejected, 5 not sent"),
    (RunReport(rows_read=8, rows_imported=5, rows_unchanged=5, rows_rejected=3, rows_not_sent=3, stopped="the brake",
               dry_run=True), "8: 5 to import (5 unchanged), 0 rejected, 3 not sent"),
    (RunReport(rows_read=4, rows_imported=1, rows_rejected=3, rows_not_sent=2, rows_not_confirmed=1, updated=1,
               stopped="interrupted (Ctrl-C)"), "4: 1 imported, 0 rejected, 2 not sent, 1 not confirmed"),
    (RunReport(rows_read=3, rows_rejected=3, rows_not_sent=1, rows_not_confirmed=2, stopped="interrupted (Ctrl-C)"),
     "3: 0 imported, 0 rejected, 1 not sent, 2 not confirmed"),
], ids=["braked-after-a-read", "braked-blind", "braked-dry-run", "stopped-while-sending", "unanswered"])
def test_a_stopped_run_says_which_imported_rows_kit_had_already(report, line):
    """Before the first write, rows_imported holds only rows Kit had already: they are unchanged."""
    assert report.rows_accounting() == line.replace("not confirmed", "not confirmed (may have been applied)")
    assert report.rows_accounted_for


@pytest.mark.parametrize("report, line", [
    (RunReport(), "0 data rows: nothing to import"),
    (RunReport(rows_read=2, rows_imported=2, created=1, updated=1, failures_path="f.csv", rows_rejected=0),
     "2 rows: 2 imported, 0 rejected -> f.csv"),
    (RunReport(rows_read=3, rows_imported=2, created=2, rows_skipped=1),
     "3 rows: 2 imported, 0 rejected, 1 skipped (not subscribed); no failures file written"),
], ids=["quiet-night", "failures-file", "skipped"])
def test_closing_line(report, line):
    assert report.closing_line() == line


def test_a_part_never_sent_because_the_run_stopped_counts_its_row_as_not_sent():
    """After SIGTERM a contact may be created with its tags never sent: the row is unfinished, not refused."""
    from collections import defaultdict

    from importer.run import _reject
    from importer.records import STOPPED_BEFORE_SENDING, Rejection

    report, errors = RunReport(), defaultdict(list)
    _reject(Rejection(2, "tag not applied", f"VIP: {STOPPED_BEFORE_SENDING}: terminated (SIGTERM)"), report, errors)
    _reject(Rejection(3, "tag not applied", "VIP: Tag does not exist"), report, errors)
    assert (report.rows_rejected, report.rows_not_sent, report.rows_refused) == (2, 1, 1)
    assert dict(report.rejected_by_reason) == {"not sent": 1, "tag not applied": 1}
    assert errors[2] == [f"tag not applied: VIP: {STOPPED_BEFORE_SENDING}: terminated (SIGTERM)"]


def test_ignored_columns_share_one_line_but_those_like_a_kit_field_or_consent():
    """19 columns of a Mailchimp export would be 19 lines; one line names them, and the report says why
    and gives the --field of each. A column like a Kit field, or like consent, keeps its own line."""
    plain = [f"Column {i}" for i in range(17)]
    ignored = [(h, f'no Kit field matches: map it with --field "{h}=Label"') for h in plain]
    ignored += [("Plan 2", "Kit field Plan is fed by Plan"), ("Marketing Opt-in", "no Kit field matches: map it")]
    report = RunReport(source="m.csv", read_as="UTF-8")
    report.ignore_columns(ignored, lambda h: f'--field "{h}=Label"')
    lines = [line for line in report.summary().splitlines() if line.startswith(("Column", "  "))]
    assert lines == ["Column ignored:    Plan 2: Kit field Plan is fed by Plan",
                     "Column ignored:    Marketing Opt-in: no Kit field matches: map it",
                     f"Columns ignored:   17: {', '.join(plain[:10])} ... and 7 more (--report PATH lists them all, "
                     "why, and the --field to map each)"]
    listed = report.to_dict()["ignored_columns"]
    assert len(listed) == 19 and listed[0] == {"column": "Column 0", "why": ignored[0][1],
                                               "field": '--field "Column 0=Label"', "own_line": False}


@pytest.mark.parametrize("report_path", [None, "r.json"])
def test_two_hundred_ignored_columns_take_a_line_naming_the_first_few_and_where_the_rest_are(report_path):
    """A 200-column export's ignored columns were 2,515 characters of summary: the first names that fit
    in about a line, how many more, and the report that lists them all (or --report PATH to get one)."""
    plain = [f"Custom Q{i}" for i in range(1, 197)]
    report = RunReport(source="wide.csv", read_as="UTF-8", report_path=report_path)
    report.ignore_columns([(h, "no Kit field matches") for h in plain], lambda h: f'--field "{h}=Label"')
    [said] = [line for line in report.summary().splitlines() if line.startswith("Columns ignored")]
    where = report_path or "--report PATH"
    assert said == (f"Columns ignored:   196: {', '.join(plain[:9])} ... and 187 more ({where} lists them all, why, "
                    "and the --field to map each)")
    assert len(report.to_dict()["ignored_columns"]) == 196


def test_one_long_ignored_column_name_is_listed_whole():
    long = "What would you like us to write about next, in as many words as you like? " * 3
    report = RunReport(source="form.csv", read_as="UTF-8")
    report.ignore_columns([(long, "no Kit field matches"), ("Score", "no Kit field matches")], lambda h: "")
    [said] = [line for line in report.summary().splitlines() if line.startswith("Columns ignored")]
    assert said == (f"Columns ignored:   2: {long} ... and 1 more (--report PATH lists them all, why, and the --field "
                    "to map each)")


def test_every_summary_label_leaves_its_value_in_the_one_column():
    """A label as long as the column pushes its value one character right of every other line's."""
    from importer.outputs.summary import LABEL_WIDTH

    root = Path(__file__).resolve().parents[2] / "importer"
    labels = {label for path in root.rglob("*.py")
              for label in re.findall(r'(?:\bline\(|\[\()"([A-Z][A-Za-z ]+)"', path.read_text(encoding="utf-8"))}
    assert {"Requests sent", "Form additions"} <= labels  # the scan finds the labels
    assert [label for label in labels if len(label) + 1 >= LABEL_WIDTH] == []
