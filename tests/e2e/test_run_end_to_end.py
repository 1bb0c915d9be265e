"""End to end: the real CLI against the local Kit emulator, checked by the emulator's final state,
the failures CSV row by row, the report, and the exit status."""

from __future__ import annotations

import csv
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import ROOT, SAMPLES, write
from helpers import env_for, failures_of, generated, invoke
from importer import Settings, import_file
from importer.errors import KitUnavailableError
from importer.kit import Credential, KitClient
from importer.run import NoProgress
from importer.sandbox import Behaviour, KitStore

SAMPLE_CSV = SAMPLES / "subscribers.csv"
SAMPLE_XLSX = SAMPLES / "subscribers.xlsx"
SAMPLE_REJECTIONS = [
    ("14", "sam.rivera@example",
     "invalid email: 'sam.rivera@example': the domain has no dot"),
    ("22", "tom at example.com", "invalid email: 'tom at example.com' is missing an @"),
    ("29", "", "missing email"),
    ("35", "lee..park@example.com",
     "invalid email: 'lee..park@example.com': it has two dots in a row"),
    ("43", "'=HYPERLINK(\"http://evil.example\")",
     "invalid email: '=HYPERLINK(\"http://evil.example\")' is missing an @"),
]


def expected_state() -> dict[str, dict]:
    """What the sample CSV must leave in Kit, worked out from the file by plain reading:
    valid emails only, trimmed first names, non-blank values, later non-blank cells winning."""
    rejected = {int(r) for r, _, _ in SAMPLE_REJECTIONS}
    state: dict[str, dict] = {}
    with SAMPLE_CSV.open(encoding="utf-8", newline="") as f:
        for number, row in enumerate(csv.DictReader(f), start=2):
            if number in rejected:
                continue
            person = state.setdefault(row["Email Address"].strip().lower(), {"first_name": None, "fields": {}})
            if row["First Name"].strip():
                person["first_name"] = row["First Name"].strip()
            for column, label in [("Last Name", "Last name"), ("Company", "Company"), ("Postal code", "Postal code")]:
                if row[column].strip():
                    person["fields"][label] = row[column].strip()
    for person in state.values():
        person["fields"] = dict(sorted(person["fields"].items(), key=lambda kv: ["Last name", "Company",
                                                                                   "Postal code"].index(kv[0])))
    return state


@pytest.mark.parametrize("kind", ["oauth", "api_key"])
def test_sample_csv_imports_every_good_row_and_explains_every_bad_one(sandbox, tmp_path, kind):
    report_path = tmp_path / "report.json"
    result = invoke(["run", SAMPLE_CSV, "--report", report_path], env_for(sandbox, kind), cwd=tmp_path)
    assert result.exit_code == 3, result.output
    state = sandbox.store.snapshot()
    assert state == expected_state()
    assert len(state) == 56
    assert state["elena.petrova@example.org"] == {  # merged: later Company wins, blank postal code does not
        "first_name": "Elena", "fields": {"Last name": "Petrova", "Company": "Petrova Books", "Postal code": "94105"}}
    assert state["keiko.tanaka@example.com"]["fields"]["Postal code"] == "02459"
    assert state["camille.dubois@example.net"]["fields"]["Postal code"] == "00501"
    assert state["daniel.okafor@example.com"]["first_name"] == "Daniel"
    assert state["nina.alvarez@example.com"]["first_name"] is None

    rows = failures_of(tmp_path / "subscribers.csv.failures.csv")
    assert rows[0] == ["Email Address", "First Name", "Last Name", "Company", "Postal code", "Joined", "row", "error"]
    assert [(r[6], r[0], r[7]) for r in rows[1:]] == SAMPLE_REJECTIONS
    assert rows[5][3] == "'@risk"

    report = json.loads(report_path.read_text())
    assert (report["rows_read"], report["contacts"], report["created"], report["updated"]) == (62, 56, 56, 0)
    assert (report["duplicates_merged"], report["rows_rejected"], report["exit_status"]) == (1, 5, 3)
    assert report["rejected_by_reason"] == {"invalid email": 4, "missing email": 1}
    assert report["values_written"] == sum(len(p["fields"]) for p in expected_state().values())
    assert report["columns_ignored"] == ["Joined"]
    writes = {"oauth": {"POST /v4/bulk/subscribers": 1, "POST /v4/bulk/custom_fields/subscribers": 2},
              "api_key": {"POST /v4/subscribers": 56}}[kind]
    # the fields, then the account's first page: Kit holds none, so every contact is created
    assert report["requests"] == {"GET /v4/account": 1, "GET /v4/custom_fields": 1, "GET /v4/subscribers": 1, **writes}
    assert "62 rows: 57 imported, 5 rejected -> " in result.output


def test_sample_xlsx_leaves_the_same_state_as_the_csv(sandbox, tmp_path):
    result = invoke(["run", SAMPLE_XLSX], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 3, result.output
    assert sandbox.store.snapshot() == expected_state()
    rows = failures_of(tmp_path / "subscribers.xlsx.failures.csv")
    assert [(r[6], r[0], r[7]) for r in rows[1:]] == SAMPLE_REJECTIONS


def test_a_second_run_sends_nothing_kit_holds_and_the_fixed_failures_csv_imports(sandbox, tmp_path):
    env = env_for(sandbox)
    invoke(["run", SAMPLE_CSV], env, cwd=tmp_path)
    sandbox.store.clock = lambda: time.time() + 60  # the next run starts a minute later, by Kit's clock
    again = invoke(["run", SAMPLE_CSV, "--report", "r.json"], env, cwd=tmp_path)
    report = json.loads((tmp_path / "r.json").read_text())
    assert again.exit_code == 3 and (report["created"], report["updated"], report["unchanged"]) == (0, 0, 56)
    assert [m for m, _, _, _ in sandbox.requests].count("POST") == 3  # the first run's: the second wrote nothing

    failures = tmp_path / "subscribers.csv.failures.csv"
    same = invoke(["run", failures, "--failures", "second.csv"], env, cwd=tmp_path)
    assert same.exit_code == 3
    assert [(r[0], r[7]) for r in failures_of(tmp_path / "second.csv")[1:]] == \
        [(email, error) for _, email, error in SAMPLE_REJECTIONS]

    text = failures.read_text(encoding="utf-8-sig").replace("sam.rivera@example,", "sam.rivera@example.com,")
    failures.write_text(text, encoding="utf-8-sig")
    fixed = invoke(["run", failures, "--failures", "third.csv"], env, cwd=tmp_path)
    assert "1 imported, 4 rejected" in fixed.output
    assert sandbox.store.snapshot()["sam.rivera@example.com"] == {
        "first_name": "Sam", "fields": {"Last name": "Rivera", "Company": "Rivera Surf", "Postal code": "92037"}}


def test_dry_run_reads_and_plans_but_writes_nothing(sandbox, tmp_path):
    result = invoke(["run", SAMPLE_CSV, "--dry-run"], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 3, result.output
    assert sandbox.store.subscribers == {}
    assert {(m, p) for m, p, _, _ in sandbox.requests} == {("GET", "/v4/custom_fields"), ("GET", "/v4/subscribers")}
    assert "Requests needed:   6 " in result.output  # with the account, which a real run's undo file names
    # It writes the failures CSV of the rows it would reject, as a real run does, and names it as a real run does.
    assert result.output.endswith(" rejected -> subscribers.csv.failures.csv. Nothing was written to Kit.\n")
    assert (tmp_path / "subscribers.csv.failures.csv").is_file()


def test_a_clean_file_exits_0_and_writes_no_failures_file(sandbox, tmp_path):
    source = write(tmp_path / "ok.csv", "Email,First Name,Company\nann@example.com,Ann,Acme\n")
    result = invoke(["run", source], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert "1 imported, 0 rejected; no failures file written" in result.output
    assert not (tmp_path / "ok.csv.failures.csv").exists()


def test_blanks_clear_empties_values_in_kit(sandbox, tmp_path):
    env = env_for(sandbox)
    invoke(["run", write(tmp_path / "a.csv", "Email,Company\nann@example.com,Acme\n")], env, cwd=tmp_path)
    blank = write(tmp_path / "b.csv", "Email,Company\nann@example.com,\n")
    invoke(["run", blank], env, cwd=tmp_path)
    assert sandbox.store.snapshot()["ann@example.com"]["fields"] == {"Company": "Acme"}
    invoke(["run", blank, "--blanks", "clear"], env, cwd=tmp_path)
    assert sandbox.store.snapshot()["ann@example.com"]["fields"] == {"Company": ""}


def test_field_flags_map_and_create_fields(sandbox, tmp_path):
    source = write(tmp_path / "f.csv", "Email,Zip,Likes\nann@example.com,02134,Cats\n")
    env = env_for(sandbox)
    missing = invoke(["run", source, "--field", "Zip=Postal code", "--field", "Likes=Interests"], env, cwd=tmp_path)
    assert missing.exit_code == 1
    assert "Error: Kit has no custom field for column 'Likes' -> 'Interests'" in missing.output
    assert sandbox.store.subscribers == {}
    ok = invoke(["run", source, "--field", "Zip=Postal code", "--field", "Likes=Interests", "--create-missing-fields"],
                env, cwd=tmp_path)
    assert ok.exit_code == 0, ok.output
    assert sandbox.store.snapshot()["ann@example.com"]["fields"] == {"Postal code": "02134", "Interests": "Cats"}
    # The plan is described as it stands once the field exists: created, no longer "to be created".
    assert "Fields created:    Interests\n" in ok.output
    assert "Likes -> Interests (interests)" in ok.output and "to be created" not in ok.output


@pytest.mark.parametrize("store", [KitStore(subscriber_limit=20)], ids=["plan-limit-20"])
def test_a_403_stops_the_run_and_every_unsent_row_is_kept(sandbox, tmp_path, store):
    result = invoke(["run", SAMPLE_CSV], env_for(sandbox, "api_key"), cwd=tmp_path)
    assert result.exit_code == 1
    assert "Stopped:           Kit refused the request (HTTP 403" in result.output
    assert "Error:" not in result.output  # said once
    assert len(sandbox.store.subscribers) == 20
    rows = failures_of(tmp_path / "subscribers.csv.failures.csv")[1:]
    not_sent = [r for r in rows if r[7].startswith("not sent: the run stopped")]
    imported = set(sandbox.store.snapshot())
    assert len(not_sent) == 56 - 20 and len(rows) == 56 - 20 + 5
    assert not {r[0].strip().lower() for r in not_sent} & imported


FAULTY = Behaviour(latency=(0.005, 0.03), rate_limit=(40, 1.0), errors=0.08, drops=0.05, queue_full=0.04, seed=3)


@pytest.mark.parametrize("behaviour, kind, count", [(FAULTY, "oauth", 2000), (FAULTY, "api_key", 150)],
                         ids=["oauth-bulk", "api-key"])
def test_faults_and_the_rate_limit_lose_no_row_and_apply_nothing_twice(sandbox, tmp_path, behaviour, kind, count):
    source = generated(tmp_path / "many.csv", count)
    result = invoke(["run", source, "--rate-limit", "40/1", "--report", "r.json"], env_for(sandbox, kind),
                    cwd=tmp_path)
    assert result.exit_code == 0, result.output
    state = sandbox.store.snapshot()
    assert len(state) == count
    assert all(state[f"p{i}@example.com"] == {"first_name": f"P{i}", "fields": {
        "Last name": f"L{i}", "Company": f"C{i % 7}", "Postal code": f"{i:05d}"}} for i in range(count))
    report = json.loads((tmp_path / "r.json").read_text())
    faults = sandbox.behaviour.counts
    assert faults["5xx"] + faults["drop"] > 0 and report["retries"] >= faults["5xx"] + faults["drop"]
    # reads: fields, subscribers, and the account the undo file names
    minimum = 3 + (count // 100 + 3 * count // 100 if kind == "oauth" else count)
    assert report["requests_sent"] == minimum + report["retries"]
    assert (report["created"], report["updated"], report["rows_rejected"]) == (count, 0, 0)


def test_missing_credential_says_how_to_fix_it(tmp_path):
    result = invoke(["run", SAMPLE_CSV], cwd=tmp_path)
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert lines[0].startswith("Error: No Kit credential: set KIT_ACCESS_TOKEN")
    assert "KIT_API_KEY" in lines[0] and "--sandbox" in lines[1]
    assert "Traceback" not in result.output


def test_a_rejected_credential_stops_with_one_sentence_and_never_shows_it(sandbox, tmp_path):
    result = invoke(["run", SAMPLE_CSV, "--report", "r.json"],
                    {"KIT_API_URL": sandbox.url, "KIT_ACCESS_TOKEN": "wrong-SECRET-value"}, cwd=tmp_path)
    assert result.exit_code == 1
    assert result.output.startswith("Error: Kit rejected the OAuth access token (KIT_ACCESS_TOKEN) (HTTP 401")
    assert "SECRET" not in result.output and "Traceback" not in result.output


def test_the_credential_is_in_no_output_or_file(sandbox, tmp_path):
    result = invoke(["run", SAMPLE_CSV, "--report", "r.json"], env_for(sandbox), cwd=tmp_path)
    produced = result.output + "".join(p.read_text(encoding="utf-8-sig") for p in tmp_path.iterdir())
    assert sandbox.access_token not in produced
    assert "r.json" in {p.name for p in tmp_path.iterdir()}


@pytest.mark.parametrize("content, message", [
    ("", "is empty (0 bytes)"),
    ("Name,Phone\nAnn,555\n", "No email column found"),
    ("Name,Phone\n", "No email column found"),  # header-only, but tomorrow's file would fail too
], ids=["zero-bytes", "no-email-column", "header-only-without-email-column"])
def test_files_that_cannot_be_imported_exit_1_before_anything_is_sent(sandbox, tmp_path, content, message):
    result = invoke(["run", write(tmp_path / "x.csv", content), "--report", "r.json"], env_for(sandbox),
                    cwd=tmp_path)
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output
    assert sandbox.requests == []
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["exit_status"] == 1 and message in report["error"] and report["hint"]
    assert report["rows_read"] == report["rows_imported"] == report["rows_rejected"] == 0


def header_only_xlsx(path: Path) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.append(["Email", "First Name", "Company"])
    wb.save(path)
    return path


@pytest.mark.parametrize("make", [lambda p: write(p / "signups.csv", "Email,First Name,Company\n"),
                                  lambda p: write(p / "signups.csv", "Email,First Name,Company\n,,\n\n"),
                                  lambda p: header_only_xlsx(p / "signups.xlsx")],
                         ids=["header-only-csv", "header-and-blank-rows", "header-only-xlsx"])
def test_a_header_only_export_is_a_quiet_night_not_an_error(sandbox, tmp_path, make):
    result = invoke(["run", make(tmp_path), "--report", "r.json"], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "0 data rows: nothing to import"
    assert sandbox.requests == []  # a quiet night does not need Kit
    report = json.loads((tmp_path / "r.json").read_text())
    assert (report["exit_status"], report["rows_read"], report["requests_sent"], report["error"]) == (0, 0, 0, None)
    assert not list(tmp_path.glob("*.failures.csv"))


def test_a_zero_byte_export_stays_an_error_with_a_report(sandbox, tmp_path):
    result = invoke(["run", write(tmp_path / "x.csv", ""), "--report", "out/r.json"], env_for(sandbox),
                    cwd=tmp_path)
    assert result.exit_code == 1
    report = json.loads((tmp_path / "out" / "r.json").read_text())
    assert report["error"].endswith("is empty (0 bytes).") and report["hint"].startswith("Export the file again")


def test_errors_before_settings_exist_still_write_the_report_the_flag_names(tmp_path):
    result = invoke(["run", SAMPLE_CSV, "--report", "r.json"], {"KIT_API_URL": "http://127.0.0.1:9"}, cwd=tmp_path)
    assert result.exit_code == 1 and "No Kit credential" in result.output
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["exit_status"] == 1 and report["error"].startswith("No Kit credential")
    assert report["source"] == str(SAMPLE_CSV) and "--sandbox" in report["hint"]


def test_a_config_error_writes_the_report_the_config_names(tmp_path):
    config = write(tmp_path / "c.toml", f'source = "{SAMPLE_CSV}"\nreport = "r.json"\n')
    result = invoke(["run", "--config", config], {}, cwd=tmp_path)
    assert result.exit_code == 1
    assert json.loads((tmp_path / "r.json").read_text())["error"].startswith("No Kit credential")


def test_a_refused_credential_and_a_held_lock_write_the_report(sandbox, tmp_path):
    from filelock import FileLock

    bad = {"KIT_API_URL": sandbox.url, "KIT_ACCESS_TOKEN": "wrong-SECRET-value"}
    assert invoke(["run", SAMPLE_CSV, "--report", "r.json"], bad, cwd=tmp_path).exit_code == 1
    report = (tmp_path / "r.json").read_text()
    assert json.loads(report)["error"].startswith("Kit rejected the OAuth access token") and "SECRET" not in report
    with FileLock(str(tmp_path / "s.db") + ".lock"):
        result = invoke(["run", SAMPLE_CSV, "--state", "s.db", "--report", "r2.json"], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 1
    report = json.loads((tmp_path / "r2.json").read_text())
    assert report["error"].startswith("Another kit-import run is using the state file") and "--wait" in report["hint"]


def test_an_interrupted_run_writes_its_report_with_130(sandbox, tmp_path):
    class Interrupt(NoProgress):
        def advance(self, n=1, requests=None):
            raise KeyboardInterrupt

    settings = Settings(source=SAMPLE_CSV, credential=Credential("oauth", sandbox.access_token), base_url=sandbox.url,
                        report=tmp_path / "r.json", failures=tmp_path / "f.csv")
    with pytest.raises(KeyboardInterrupt):
        import_file(settings, progress=Interrupt())
    report = json.loads((tmp_path / "r.json").read_text())
    assert (report["exit_status"], report["interrupted"], report["error"]) == (130, True, "interrupted (Ctrl-C)")
    assert report["rows_read"] == report["rows_imported"] + report["rows_rejected"] == 0  # nothing accounted yet


def test_ctrl_c_while_kit_is_read_writes_the_summary_report_and_not_sent_rows(sandbox, tmp_path):
    """Interrupted after the rows were read but before sending (here: reading Kit): every row is accounted for."""
    class CtrlCOnRead(NoProgress):
        def phase(self, name, total):
            if name == "Reading Kit":
                raise KeyboardInterrupt

    source = write(tmp_path / "people.csv", "Email,First Name\na@example.com,Ann\nnope,Bo\nb@example.com,Bea\n"
                                            "A@example.com,\n")
    settings = Settings(source=source, credential=Credential("oauth", sandbox.access_token), base_url=sandbox.url,
                        compare="always", report=tmp_path / "r.json", failures=tmp_path / "f.csv")
    report = import_file(settings, progress=CtrlCOnRead())
    assert (report.exit_status, report.stopped, report.rows_not_sent) == (130, "interrupted (Ctrl-C)", 3)
    saved = json.loads((tmp_path / "r.json").read_text())
    assert (saved["rows_read"], saved["rows_imported"], saved["rows_rejected"], saved["rows_skipped"]) == (4, 0, 4, 0)
    assert saved["error"] == "interrupted (Ctrl-C)"
    assert saved["hint"] == (f"Run the failures CSV, {tmp_path / 'f.csv'}: it holds the rows not sent and those not "
                             "confirmed, and running it is safe.")
    assert saved["rows_read"] == saved["rows_imported"] + saved["rows_rejected"] + saved["rows_skipped"]
    assert [(r[2], r[3]) for r in failures_of(tmp_path / "f.csv")[1:]] == [
        ("2", "not sent: the run stopped: interrupted (Ctrl-C)"), ("3", "invalid email: 'nope' is missing an @"),
        ("4", "not sent: the run stopped: interrupted (Ctrl-C)"),
        ("5", "not sent: the run stopped: interrupted (Ctrl-C)")]
    assert sandbox.store.snapshot() == {}


def test_sigterm_before_sending_ends_with_143_and_leaves_kits_contacts_out_of_the_failures(sandbox, tmp_path,
                                                                                       monkeypatch):
    """Stopped while Kit's tags are read, after Kit's subscribers were: those Kit holds as the file says are
    not in the failures CSV; the others are, as not sent; the summary is printed and the exit status is 143."""
    from importer.errors import Terminated
    from importer.read.tags import TagBook

    env = env_for(sandbox)
    assert invoke(["run", write(tmp_path / "old.csv", "Email,First Name\na@example.com,Ann\n")], env,
                  cwd=tmp_path).exit_code == 0

    def terminated(*args, **kwargs):
        raise Terminated()

    monkeypatch.setattr(TagBook, "read", terminated)
    source = write(tmp_path / "new.csv", "Email,First Name,Tags\na@example.com,Ann,\nb@example.com,Bea,VIP\n")
    result = invoke(["run", source, "--compare", "always", "--tags-column", "Tags", "--report", "r.json"], env,
                    cwd=tmp_path)
    assert result.exit_code == 143
    assert "Stopped:           terminated (SIGTERM)" in result.output
    assert "2 rows: 1 imported (1 unchanged), 0 rejected, 1 not sent -> new.csv.failures.csv" in result.output
    saved = json.loads((tmp_path / "r.json").read_text())
    assert (saved["rows_read"], saved["rows_imported"], saved["rows_rejected"], saved["terminated"]) == (2, 1, 1, True)
    assert saved["error"] == "terminated (SIGTERM)"
    assert saved["hint"].startswith("Run the failures CSV, new.csv.failures")
    resumed = invoke(["run", source, "--state", "s.state", "--report", "r2.json"], env, cwd=tmp_path)
    assert resumed.exit_code == 143
    saved = json.loads((tmp_path / "r2.json").read_text())
    assert saved["error"] == "terminated (SIGTERM)" and "state file makes it resume" in saved["hint"]
    assert [(r[0], r[-1]) for r in failures_of(tmp_path / "new.csv.failures.csv")[1:]] == [
        ("b@example.com", "not sent: the run stopped: terminated (SIGTERM)")]
    assert set(sandbox.store.snapshot()) == {"a@example.com"}


def test_short_rows_import_and_their_missing_cells_clear_nothing(sandbox, tmp_path):
    full = write(tmp_path / "full.csv", "Email,First Name,Last Name,Company,Postal code\n"
                                        "a@example.com,Ann,Lee,Acme,02134\nb@example.com,Bo,Chen,Beta,00501\n")
    assert invoke(["run", full], env_for(sandbox), cwd=tmp_path).exit_code == 0
    # An exporter that drops trailing empty cells: b's Company is a real blank, its Postal code is absent.
    short = write(tmp_path / "short.csv", "Email,First Name,Last Name,Company,Postal code\n"
                                          "a@example.com,Ann\nb@example.com,Bo,Chen,\nc@example.com\n")
    result = invoke(["run", short, "--blanks", "clear", "--report", "r.json"], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert "Short rows:        3 rows shorter than the header: missing cells read as blank" in result.output
    state = sandbox.store.snapshot()
    assert state["a@example.com"]["fields"] == {"Last name": "Lee", "Company": "Acme", "Postal code": "02134"}
    assert state["b@example.com"]["fields"].get("Company", "") == ""  # blank and --blanks clear: cleared
    assert state["b@example.com"]["fields"]["Postal code"] == "00501"  # absent: untouched
    assert "c@example.com" in state
    report = json.loads((tmp_path / "r.json").read_text())
    assert (report["rows_short"], report["rows_read"], report["rows_imported"], report["rows_rejected"]) == (3, 3, 3, 0)


def test_a_short_duplicate_never_overrides_an_earlier_rows_value(sandbox, tmp_path):
    source = write(tmp_path / "dup.csv", "Email,Company,Postal code\na@example.com,Acme,02134\nA@example.com,Beta\n")
    result = invoke(["run", source, "--blanks", "clear", "--report", "r.json"], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0
    assert sandbox.store.snapshot()["a@example.com"]["fields"] == {"Company": "Beta", "Postal code": "02134"}
    report = json.loads((tmp_path / "r.json").read_text())
    assert (report["rows_read"], report["rows_imported"], report["imported"]) == (2, 2, 1)
    assert "Rows read:         2: 2 imported, 0 rejected" in result.output


def test_long_rows_keep_their_extra_cells_and_the_failures_csv_feeds_back(sandbox, tmp_path):
    source = write(tmp_path / "long.csv", "Email,First Name,Company\n"
                                          "a@example.com,Ann,Acme,,\n"         # trailing delimiters: imported
                                          'b@example.com,Bo,Beta,"x, y",=z\n'   # shifted columns: rejected
                                          "bad-email,Cy\n")                    # short and rejected: padded
    result = invoke(["run", source, "--report", "r.json"], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 3, result.output
    assert set(sandbox.store.snapshot()) == {"a@example.com"}
    with (tmp_path / "long.csv.failures.csv").open(encoding="utf-8-sig", newline="") as f:
        lines = list(csv.DictReader(f))
    assert [list(line) for line in lines] == [["Email", "First Name", "Company", "extra cells", "row", "error"]] * 2
    assert [(r["Email"], r["Company"], r["extra cells"], r["row"], r["error"]) for r in lines] == [
        ("b@example.com", "Beta", '"x, y",=z', "3", "ragged row: 2 cells more than the header"),
        ("bad-email", "", "", "4", "invalid email: 'bad-email' is missing an @")]
    again = invoke(["run", "long.csv.failures.csv", "--failures", "again.csv"], env_for(sandbox), cwd=tmp_path)
    assert again.exit_code == 3
    assert failures_of(tmp_path / "again.csv") == failures_of(tmp_path / "long.csv.failures.csv")[:1] + [
        ["b@example.com", "Bo", "Beta", '"x, y",=z', "3", "ragged row: 2 cells more than the header"],
        ["bad-email", "Cy", "", "", "4", "invalid email: 'bad-email' is missing an @"]]  # the original rows


def test_no_extra_cells_column_when_no_row_needs_it(sandbox, tmp_path):
    source = write(tmp_path / "s.csv", "Email,First Name\nnope,Ann,,\n")
    assert invoke(["run", source], env_for(sandbox), cwd=tmp_path).exit_code == 3
    assert failures_of(tmp_path / "s.csv.failures.csv") == [["Email", "First Name", "row", "error"],
                                                        ["nope", "Ann", "2", "invalid email: 'nope' is missing an @"]]


BIO = "b" * 150_000  # over Python's default csv field limit (131,072)


def long_value_source(tmp_path: Path) -> Path:
    return write(tmp_path / "bios.csv",
                 f"Email,Last Name,Bio\nlong@example.com,Long,{BIO}\nshort@example.com,Short,Hi\n")


def test_a_150000_character_value_is_sent_as_it_is(sandbox, tmp_path):
    result = invoke(["run", long_value_source(tmp_path), "--field", "Bio=Company"], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert sandbox.store.snapshot()["long@example.com"]["fields"] == {"Last name": "Long", "Company": BIO}


@pytest.mark.parametrize("store", [KitStore(max_value_length=100_000)], ids=["kit-refuses-long-values"])
def test_a_value_kit_refuses_fails_alone_under_the_users_column(sandbox, tmp_path, store):
    result = invoke(["run", long_value_source(tmp_path), "--field", "Bio=Company", "--report", "r.json"],
                    env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 3, result.output
    state = sandbox.store.snapshot()
    assert state["long@example.com"]["fields"] == {"Last name": "Long"}  # the contact and its other value
    assert state["short@example.com"]["fields"] == {"Last name": "Short", "Company": "Hi"}
    [header, line] = failures_of(tmp_path / "bios.csv.failures.csv")
    assert header == ["Email", "Last Name", "Bio", "row", "error"]
    assert line == ["long@example.com", "Long", BIO, "2",
                    "field not written: Bio (Company): Value is too long (maximum is 100,000 characters)"]
    report = json.loads((tmp_path / "r.json").read_text())
    assert (report["imported"], report["rows_imported"], report["rows_rejected"],
            report["values_failed"]) == (2, 1, 1, 1)


@pytest.mark.parametrize("store", [KitStore(max_value_length=100_000)], ids=["kit-refuses-long-values"])
def test_a_value_kit_refuses_fails_alone_with_an_api_key(sandbox, tmp_path, store):
    result = invoke(["run", long_value_source(tmp_path), "--field", "Bio=Company"], env_for(sandbox, "api_key"),
                    cwd=tmp_path)
    assert result.exit_code == 3, result.output
    assert sandbox.store.snapshot()["long@example.com"]["fields"] == {"Last name": "Long"}
    [_, line] = failures_of(tmp_path / "bios.csv.failures.csv")
    assert line[-1] == "field not written: Bio (Company): Value is too long (maximum is 100,000 characters)"


def test_bad_usage_is_exit_2():
    assert invoke(["run"]).exit_code == 2
    assert invoke(["run", SAMPLE_CSV, "--blanks", "wipe"]).exit_code == 2


def test_fields_command_lists_the_accounts_fields(sandbox):
    result = invoke(["fields"], env_for(sandbox))
    assert result.exit_code == 0
    assert result.output.splitlines()[1:] == ["       1  last_name    Last name", "       2  company      Company",
                                              "       3  postal_code  Postal code"]


def test_one_subscriber_is_counted_in_the_singular(tmp_path, monkeypatch):
    """`Sandbox now holds 1 subscriber.` after a run, `it held 1 subscriber.` when the sandbox stops."""
    source = write(tmp_path / "one.csv", "Email\na@example.com\n")
    done = invoke(["run", source, "--sandbox"], cwd=tmp_path)
    assert done.exit_code == 0, done.output
    assert "Sandbox now holds 1 subscriber.\n" in done.output

    from importer.cli import sandbox as cli_module
    from importer.sandbox import server

    def one_subscriber(**options):
        store = KitStore(**options)
        store.upsert("a@example.com", None, set_first_name=False)
        return store

    def ctrl_c(self, *args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli_module, "KitStore", one_subscriber)
    monkeypatch.setattr(server._Server, "serve_forever", ctrl_c)
    stopped = invoke(["sandbox"])
    assert stopped.output.endswith("\nStopped; it held 1 subscriber.\n"), stopped.output


def test_init_counts_one_mapped_column_in_the_singular(sandbox, tmp_path):
    source = write(tmp_path / "export.csv", "Email,Company,Phone\na@example.com,Acme,555\n")
    made = invoke(["init", source, "-o", "n.toml"], env_for(sandbox), cwd=tmp_path)
    assert made.exit_code == 0, made.output
    assert "email <- 'Email', 1 column mapped to Kit fields, 1 left commented out." in made.output


def test_library_call_returns_the_report(sandbox, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the dry run's failures CSV goes to the current directory
    report = import_file(Settings(source=SAMPLE_CSV, credential=Credential("oauth", sandbox.access_token),
                                  base_url=sandbox.url, failures=tmp_path / "f.csv"))
    assert (report.created, report.rows_rejected, report.exit_status) == (56, 5, 3)
    assert report.failures_path == str(tmp_path / "f.csv")
    assert import_file(Settings(source=SAMPLE_CSV, credential=Credential("oauth", sandbox.access_token),
                                base_url=sandbox.url, dry_run=True)).failures_path == "subscribers.csv.failures.csv"


def test_quick_start_command_runs_in_a_real_process(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIT_")}
    done = subprocess.run([sys.executable, "-m", "importer", "run", str(SAMPLE_CSV), "--sandbox"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 3, done.stderr
    assert "62 rows: 57 imported, 5 rejected -> " in done.stderr
    assert "Sandbox now holds 56 subscribers." in done.stderr
    assert (tmp_path / "subscribers.csv.failures.csv").is_file()
    assert str(ROOT) not in done.stdout


@pytest.mark.parametrize("behaviour", [Behaviour(latency=(0.02, 0.05))], ids=["latency"])
def test_values_go_out_as_soon_as_their_upserts_return(sandbox, tmp_path, behaviour):
    source = generated(tmp_path / "many.csv", 600)
    result = invoke(["run", source, "--concurrency", "2"], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    paths = [p for m, p, _, _ in sandbox.requests if m == "POST"]
    first_values = paths.index("/v4/bulk/custom_fields/subscribers")
    last_upsert = len(paths) - 1 - paths[::-1].index("/v4/bulk/subscribers")
    assert first_values < last_upsert  # a pipeline, not all upserts first
    assert paths.count("/v4/bulk/subscribers") == 6 and paths.count("/v4/bulk/custom_fields/subscribers") == 18


def test_an_unwritable_failures_path_falls_back_to_the_temp_folder(sandbox, tmp_path):
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where a folder should be")
    result = invoke(["run", SAMPLE_CSV, "--failures", blocked / "f.csv"], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 3
    assert "the failures CSV could not be written to" in result.output
    fallback = Path(result.output.split("it is at ")[1].split(" instead")[0])
    assert len(failures_of(fallback)) == 1 + 5


def test_retries_are_said_as_they_happen(sandbox, tmp_path):
    sandbox.behaviour.errors = 1.0  # every request fails: the run gives up, saying why at each wait
    said = []

    class Collect(NoProgress):
        def log(self, message):
            said.append(message)

    client = KitClient(Credential("oauth", sandbox.access_token), sandbox.url, backoff_base=0.001, max_attempts=3)
    with pytest.raises(KitUnavailableError, match="after 3 attempts"):
        import_file(Settings(source=write(tmp_path / "one.csv", "Email\na@example.com\n"), base_url=sandbox.url),
                    client=client, progress=Collect())
    assert len(said) == 2 and all(m.startswith("GET /v4/custom_fields: HTTP 50") for m in said)
    assert "retrying in 0.0 s (attempt 2 of 3)" in said[0]


@pytest.mark.parametrize("store", [KitStore(field_mode="label-ignore"), KitStore(field_mode="key-warn")],
                         ids=["kit-reads-labels", "kit-warns-on-unknown-keys"])
def test_api_key_imports_whichever_way_kit_reads_fields(sandbox, tmp_path, store):
    result = invoke(["run", SAMPLE_CSV, "--report", "r.json"], env_for(sandbox, "api_key"), cwd=tmp_path)
    assert result.exit_code == 3, result.output
    assert sandbox.store.snapshot() == expected_state()
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["values_failed"] == 0 and report["rows_rejected"] == 5


@pytest.mark.parametrize("kind, store", [(kind, KitStore(max_value_length=12)) for kind in ("api_key", "oauth")],
                         ids=["api_key-kit-refuses-long-values", "oauth-kit-refuses-long-values"])  # a store each
def test_a_refused_value_fails_alone_and_the_contact_is_imported(sandbox, tmp_path, store, kind):
    source = write(tmp_path / "long.csv", "Email,First Name,Last name,Company,Postal code\n"
                                          "ann@example.com,Ann,Lamarr,A very long company name,02134\n"
                                          "bo@example.com,Bo,Short,Acme,10001\n"
                                          "cy@example.com,Cy,Extraordinarily-long,Also far too long,02139\n")
    result = invoke(["run", source, "--report", "r.json"], env_for(sandbox, kind), cwd=tmp_path)
    assert result.exit_code == 3, result.output
    assert sandbox.store.snapshot() == {
        "ann@example.com": {"first_name": "Ann", "fields": {"Last name": "Lamarr", "Postal code": "02134"}},
        "bo@example.com": {"first_name": "Bo", "fields": {"Last name": "Short", "Company": "Acme",
                                                          "Postal code": "10001"}},
        "cy@example.com": {"first_name": "Cy", "fields": {"Postal code": "02139"}}}
    too_long = "Value is too long (maximum is 12 characters)"
    rows = failures_of(tmp_path / "long.csv.failures.csv")
    assert [(r[0], r[5], r[6]) for r in rows[1:]] == [
        ("ann@example.com", "2", f"field not written: Company: {too_long}"),
        ("cy@example.com", "4", f"field not written: Last name: {too_long}; "
                                f"field not written: Company: {too_long}")]
    report = json.loads((tmp_path / "r.json").read_text())
    assert (report["values_written"], report["values_failed"], report["created"]) == (6, 3, 3)


def closed_port() -> int:
    """A local port nothing listens on: bound, then closed."""
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_wrong_kit_api_url_fails_at_once_naming_it(tmp_path):
    url = f"http://127.0.0.1:{closed_port()}"
    started = time.monotonic()
    result = invoke(["run", SAMPLE_CSV, "--report", "r.json"], {"KIT_API_URL": url, "KIT_ACCESS_TOKEN": "t"},
                    cwd=tmp_path)
    assert time.monotonic() - started < 5
    assert result.exit_code == 1
    assert result.output.splitlines()[-2:] == [
        f"Error: Cannot reach Kit at {url} (connection refused): check KIT_API_URL.",
        "Leave KIT_API_URL unset to use https://api.kit.com, or set it to the address `kit-import sandbox` printed."]
    assert json.loads((tmp_path / "r.json").read_text())["exit_status"] == 1


def test_a_base_url_ending_in_v4_is_named_as_not_the_root(tmp_path):
    import responses
    with responses.RequestsMock() as server:  # a server that is not Kit's root: no contract to check
        server.get("https://api.kit.com/v4/v4/custom_fields", status=404,
                   body="<!DOCTYPE html><html><head><title>404 Not Found</title></head><body>" + "x" * 9000)
        result = invoke(["run", SAMPLE_CSV], {"KIT_API_URL": "https://api.kit.com/v4", "KIT_ACCESS_TOKEN": "t"},
                        cwd=tmp_path)
    assert result.exit_code == 1
    assert ("Error: https://api.kit.com/v4 answered 404 Not Found for /v4/custom_fields: KIT_API_URL should be the "
            "API's root, like https://api.kit.com (no /v4).") in result.output
    assert "xxxx" not in result.output


@pytest.mark.parametrize("behaviour", [Behaviour(latency=(1, 1))], ids=["1s-answers"])
def test_ctrl_c_calls_rows_in_unanswered_requests_not_confirmed(sandbox, tmp_path, monkeypatch, behaviour):
    """Ctrl-C while 2 requests are out: their rows are not confirmed (Kit may have applied them), the rest not sent."""
    monkeypatch.setenv("KIT_IMPORT_STOP_GRACE", "0.2")

    class CtrlC(NoProgress):
        def phase(self, name, total):
            if total:  # the import starts: two requests go out, then Ctrl-C
                threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT)).start()  # a real Ctrl-C

    settings = Settings(source=generated(tmp_path / "list.csv", 10), base_url=sandbox.url, concurrency=2,
                        credential=Credential("api_key", sandbox.api_key), report=tmp_path / "r.json",
                        failures=tmp_path / "f.csv")
    report = import_file(settings, progress=CtrlC())
    assert (report.exit_status, report.rows_not_confirmed, report.rows_not_sent,
            report.rows_rejected) == (130, 2, 8, 10)
    assert report.closing_line() == ("10 rows: 0 imported, 0 rejected, 8 not sent, 2 not confirmed (may have been "
                                     f"applied) -> {tmp_path / 'f.csv'}")
    assert "Rows read:         10: 0 imported, 0 rejected, 8 not sent, 2 not confirmed" in report.summary()
    assert "Rejected rows:     0\n" in report.summary()
    errors = [r[-1] for r in failures_of(tmp_path / "f.csv")[1:]]
    assert errors.count("not confirmed (may have been applied): the run stopped: interrupted (Ctrl-C)") == 2
    assert errors.count("not sent: the run stopped: interrupted (Ctrl-C)") == 8


def test_without_a_terminal_a_progress_line_comes_at_least_every_interval(capsys):
    """Even while no answer comes (every request waiting on Kit), a line says where the run is."""
    from importer.cli.progress import BarProgress
    progress = BarProgress(every=0.1)
    progress.phase("Importing contacts", 1000)
    progress.advance(50, requests=3)
    time.sleep(0.35)
    progress.close()
    lines = [line for line in capsys.readouterr().err.splitlines() if "Importing contacts: " in line]
    assert len(lines) >= 3
    assert re.fullmatch(r"\d\d:\d\d:\d\d Importing contacts: 50 of 1,000 \(5%\), 3 requests, rate not known yet, "
                        r"about \d+ s left", lines[-1])
    time.sleep(0.2)
    assert "Importing contacts" not in capsys.readouterr().err  # closed: the timer is gone


def test_init_names_a_wrong_kit_api_url_instead_of_a_missing_credential(tmp_path):
    url = f"http://127.0.0.1:{closed_port()}"
    result = invoke(["init", SAMPLE_CSV, "-o", tmp_path / "n.toml"], {"KIT_API_URL": url, "KIT_ACCESS_TOKEN": "t"})
    assert result.exit_code == 1
    assert f"Error: Cannot reach Kit at {url} (connection refused): check KIT_API_URL." in result.output
    assert "No Kit credential set" not in result.output


def test_ctrl_c_while_values_are_out_counts_the_subscribers_kit_confirmed_as_created(sandbox, tmp_path, monkeypatch):
    """Kit confirmed the upserts; the values request is out when Ctrl-C comes: the contacts are created, their rows
    and values not confirmed, and the state file does not take their values as written."""
    from importer.send.stages import values as values_stage
    monkeypatch.setenv("KIT_IMPORT_STOP_GRACE", "0.2")
    sent = values_stage.bulk_set_values

    def slow_values(client, items):
        threading.Timer(0.1, os.kill, (os.getpid(), signal.SIGINT)).start()  # a real Ctrl-C while it is out
        time.sleep(1.5)
        return sent(client, items)

    monkeypatch.setattr(values_stage, "bulk_set_values", slow_values)
    settings = Settings(source=generated(tmp_path / "list.csv", 5), base_url=sandbox.url,
                        credential=Credential("oauth", sandbox.access_token), failures=tmp_path / "f.csv",
                        state=tmp_path / "k.state", no_undo=True)
    report = import_file(settings, progress=NoProgress())
    assert (report.exit_status, report.created, report.not_confirmed, report.rows_not_confirmed) == (130, 5, 0, 5)
    assert (report.values_written, report.values_not_confirmed, report.values_not_sent) == (0, 15, 0)
    assert "Contacts:          5: 5 created, 0 updated" in report.summary()
    assert "Values written:    0 (15 sent, no answer before the run stopped)" in report.summary()
    errors = [r[-1] for r in failures_of(tmp_path / "f.csv")[1:]]
    assert errors == ["not confirmed (may have been applied): the run stopped: interrupted (Ctrl-C)"] * 5
    monkeypatch.setattr(values_stage, "bulk_set_values", sent)
    again = import_file(Settings(source=tmp_path / "list.csv", base_url=sandbox.url, no_undo=True,
                                 credential=Credential("oauth", sandbox.access_token), state=tmp_path / "k.state"),
                        progress=NoProgress())
    assert (again.exit_status, again.values_written) == (0, 15)  # the values go again: nothing was taken as written
    assert all(len(person["fields"]) == 3 for person in sandbox.store.snapshot().values())


def test_full_says_kit_was_read_when_its_undo_file_read_it(sandbox, tmp_path):
    source = write(tmp_path / "people.csv", "Email,First Name\na@example.com,Ann\nb@example.com,Bea\n")
    assert invoke(["run", source, "--state", "k.state"], env_for(sandbox), cwd=tmp_path).exit_code == 0
    result = invoke(["run", source, "--state", "k.state", "--full"], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert "Kit read:          not compared: --full sends the whole file; read for the undo file: read the " \
           "whole account (2 subscribers, 1 request)" in result.output
    assert "GET /v4/subscribers 1" in result.output
