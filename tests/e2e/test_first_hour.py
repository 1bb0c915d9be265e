"""The first hour with the tool, through the real CLI: failures files that never look current,
re-imports that keep the original row numbers, a dry run that agrees with itself, columns found
and ignored with reasons, files that are not spreadsheets, and counted nouns in good English."""

from __future__ import annotations

import csv
import io
import json
import zipfile


import pytest

from conftest import write
from helpers import env_for, failures_of, invoke

BAD = "Email,First Name,Company\nann@example.com,Ann,Acme\nnope,Bo,Beta\n"
FIXED = "Email,First Name,Company\nann@example.com,Ann,Acme\nbo@example.com,Bo,Beta\n"


def test_an_earlier_failures_file_is_removed_when_no_row_fails_and_the_summary_says_so(sandbox, tmp_path):
    source = write(tmp_path / "contacts.csv", BAD)
    assert invoke(["run", source], env_for(sandbox), cwd=tmp_path).exit_code == 3
    assert (tmp_path / "contacts.csv.failures.csv").is_file()
    write(source, FIXED)
    result = invoke(["run", source], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "contacts.csv.failures.csv").exists()
    assert ("Failures file:     removed the earlier failures file contacts.csv.failures.csv: no row failed this time"
            in result.output)
    assert "Contacts:          2: 1 created, 0 updated, 1 unchanged" in result.output  # ann, from the first run
    assert result.output.rstrip().endswith(
        "2 rows: 2 imported (1 unchanged), 0 rejected; removed the earlier failures file contacts.csv.failures.csv: "
        "no row failed this time")


def test_a_csv_and_an_xlsx_of_the_same_name_keep_their_own_failures_files(sandbox, tmp_path):
    import openpyxl

    write(tmp_path / "contacts.csv", BAD)
    book = openpyxl.Workbook()
    for line in csv.reader(io.StringIO("Email,First Name\nbad-one,Cy\n")):
        book.active.append(line)
    book.save(tmp_path / "contacts.xlsx")
    assert invoke(["run", "contacts.csv"], env_for(sandbox), cwd=tmp_path).exit_code == 3
    assert invoke(["run", "contacts.xlsx"], env_for(sandbox), cwd=tmp_path).exit_code == 3
    assert failures_of(tmp_path / "contacts.csv.failures.csv")[1][0] == "nope"
    assert failures_of(tmp_path / "contacts.xlsx.failures.csv")[1][0] == "bad-one"


def test_a_failures_csv_fed_back_writes_onto_itself_with_the_original_row_numbers(sandbox, tmp_path):
    source = write(tmp_path / "contacts.csv", "Email,First Name\n" + "".join(
        f"p{i}@example.com,P{i}\n" for i in range(2, 9)) + "nope,Bo\nalso bad,Cy\n")
    assert invoke(["run", source], env_for(sandbox), cwd=tmp_path).exit_code == 3
    failures = tmp_path / "contacts.csv.failures.csv"
    assert [r[2] for r in failures_of(failures)[1:]] == ["9", "10"]
    text = failures.read_text(encoding="utf-8-sig").replace("nope,", "bo@example.com,")  # fix one row of two
    failures.write_text(text, encoding="utf-8-sig")
    again = invoke(["run", failures.name], env_for(sandbox), cwd=tmp_path)
    assert again.exit_code == 3, again.output
    assert failures_of(failures) == [["Email", "First Name", "row", "error"],
                                     ["also bad", "Cy", "10", "invalid email: 'also bad' is missing an @"]]
    assert "1 imported, 1 rejected -> contacts.csv.failures.csv" in again.output
    assert not (tmp_path / "contacts.csv.failures.csv.failures.csv").exists()
    dry = invoke(["run", failures.name, "--dry-run"], env_for(sandbox), cwd=tmp_path)  # a dry run leaves it be
    assert dry.exit_code == 3 and len(failures_of(failures)) == 2
    failures.write_text(failures.read_text(encoding="utf-8-sig").replace("also bad", "cy@example.com"),
                        encoding="utf-8-sig")
    last = invoke(["run", failures.name], env_for(sandbox), cwd=tmp_path)
    assert last.exit_code == 0, last.output
    assert not failures.exists()  # every row is in Kit now: nothing stale is left to look current
    assert "removed the earlier failures file contacts.csv.failures.csv: no row failed this time" in last.output


def test_a_dry_run_with_a_state_file_counts_only_what_would_really_be_sent(sandbox, tmp_path):
    source = write(tmp_path / "c.csv", FIXED)
    assert invoke(["run", source, "--state", "s.db"], env_for(sandbox), cwd=tmp_path).exit_code == 0
    write(source, FIXED.replace("Beta", "Gamma"))
    dry = invoke(["run", source, "--state", "s.db", "--dry-run"], env_for(sandbox), cwd=tmp_path)
    assert dry.exit_code == 0, dry.output
    assert "Contacts:          2: 1 to send, 1 unchanged" in dry.output
    assert "Contacts:          2: 1 to send, 1 unchanged\n" in dry.output and "Values to write:   1\n" in dry.output
    assert "Dry run: 1 contact and 1 value would be sent; 2 rows: 2 to import (1 unchanged), 0 rejected." in dry.output


def test_the_dry_run_estimate_counts_kit_s_answer_time_not_only_the_rate_limit(sandbox, tmp_path):
    source = write(tmp_path / "c.csv", FIXED)
    dry = invoke(["run", source, "--dry-run"], env_for(sandbox), cwd=tmp_path)
    # 3 reads (fields, subscribers, the account the undo file names), then 1 upsert and 1 value request,
    # the values after the upsert; the time is that of the four requests that wait on each other, ~0.9 s each
    assert ("Requests needed:   5 (3 reads and 2 writes: ~3.6 s at Kit's usual answer time, at most 571 "
            "requests/minute)") in dry.output


def test_ignored_columns_say_why_and_synonyms_say_what_matched(sandbox, tmp_path):
    source = write(tmp_path / "c.csv", "Email,Zip,Surname,Signup Date,Favourite colour\n"
                                       "ann@example.com,02134,Lee,2024-01-02,blue\n")
    result = invoke(["run", source], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert ("Columns:           Email -> email; Zip -> Postal code (postal_code), a synonym; "
            "Surname -> Last name (last_name), a synonym\n") in result.output
    # No --report was given: the summary says how to see the reasons, and names no file that does not exist.
    assert ("Columns ignored:   2: Signup Date, Favourite colour (--report PATH lists why, and the --field to map "
            "each)\n") in result.output
    reported = invoke(["run", source, "--report", "r.json"], env_for(sandbox), cwd=tmp_path)
    assert "Columns ignored:   2: Signup Date, Favourite colour (r.json lists why, and the --field to map each)\n" \
        in reported.output
    assert [c["column"] for c in json.loads((tmp_path / "r.json").read_text())["ignored_columns"]] == \
        ["Signup Date", "Favourite colour"]
    assert "report_path" not in json.loads((tmp_path / "r.json").read_text())
    assert sandbox.store.snapshot()["ann@example.com"]["fields"] == {"Last name": "Lee", "Postal code": "02134"}


def test_with_no_email_header_the_column_of_addresses_is_taken_and_said(sandbox, tmp_path):
    source = write(tmp_path / "c.csv", "Who,Contact\nAnn,ann@example.com\nBo,bo@example.com\n")
    result = invoke(["run", source], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert ("Note:              the email column is Contact: no email header kit-import knows, so its cells "
            "decided: 2 of 2 sampled are addresses\n") in result.output
    assert set(sandbox.store.snapshot()) == {"ann@example.com", "bo@example.com"}


def test_a_title_read_as_the_header_suggests_header_row(sandbox, tmp_path):
    source = write(tmp_path / "c.csv", "Newsletter list,May 2024\nEmail,First Name,Company\n"
                                       "ann@example.com,Ann,Acme\n")
    result = invoke(["run", source], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 1
    assert result.output == ("Error: No email column found among the columns read as the header: 'Newsletter list', "
                             "'May 2024'. Row 2 holds 'Email': the row read as the header looks like a title.\n"
                             "Pass --header-row 2 to read the header from row 2.\n")


def _zip(members: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return buffer.getvalue()


@pytest.mark.parametrize("content, said, fix", [
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "a legacy Excel .xls workbook (or another Office 97-2003 "
     "file), not a spreadsheet kit-import reads.", "Open it in Excel or LibreOffice and save it as .xlsx or .csv."),
    (b"%PDF-1.7\n", "a PDF document, not a spreadsheet kit-import reads.",
     "Export the list from the system it came from as CSV or XLSX."),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "a PNG image, not a spreadsheet kit-import reads.",
     "Export the list itself as CSV or XLSX, not a picture of it."),
    (b'  [{"email": "ann@example.com"}]\n', "a JSON document, not a spreadsheet.",
     "Export the list as CSV or XLSX, or convert the JSON to CSV first."),
    (_zip({"word/document.xml": "<w/>"}), "a Word document (.docx), not a spreadsheet kit-import reads.",
     "Export the list as CSV or XLSX."),
    (_zip({"notes.txt": "hi"}), "a ZIP archive, not a spreadsheet kit-import reads.",
     "Unpack it first, then import the spreadsheet inside."),
    (b"Email\x00\x01\x02binary\x00junk\xff", "a binary file, not a spreadsheet.", "Export the list as CSV or XLSX."),
], ids=["xls", "pdf", "png", "json", "docx", "zip", "binary"])
def test_a_file_that_is_not_a_spreadsheet_is_named_whatever_its_extension(sandbox, tmp_path, content, said, fix):
    (tmp_path / "contacts.csv").write_bytes(content)
    result = invoke(["run", "contacts.csv"], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 1
    assert result.output == f"Error: contacts.csv is {said}\n{fix}\n"
    assert sandbox.requests == []


def test_a_csv_named_xlsx_or_xls_is_read_as_the_csv_it_is(sandbox, tmp_path):
    for name in ("export.xls", "export.xlsx"):
        write(tmp_path / name, FIXED)
        result = invoke(["run", name], env_for(sandbox), cwd=tmp_path)
        assert result.exit_code == 0, result.output


def test_counts_of_one_are_singular(sandbox, tmp_path):
    source = write(tmp_path / "c.csv", "Email,Company\nann@example.com,Acme\nnope,Beta\n")
    dry = invoke(["run", source, "--dry-run"], env_for(sandbox), cwd=tmp_path)
    assert "Dry run: 1 contact and 1 value would be sent; 2 rows: 1 to import, 1 rejected -> c.csv.failures.csv." \
        in dry.output
    summary = [line for line in dry.output.splitlines()
               if line[:1].isupper() and ":" in line[:19] and not line.startswith("Dry run")]
    assert len(summary) >= 10
    assert all(line[:19].rstrip().endswith(":") and line[18] == " " and line[19] != " " for line in summary), summary
