"""The command line's manners: help with working examples, a quiet end on a closed pipe, the same
exit status and message for the same mistake in every command, and options that do not apply said
aloud rather than ignored."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import click
import openpyxl
import pytest

from conftest import write
from importer.cli import cli
from helpers import env_for, invoke

COMMANDS = ["run", "init", "auth", "fields", "sheets", "sandbox"]
MISSING = "Error: {path} does not exist.\nCheck the path and try again.\n"
FOLDER = "Error: {path} is a folder, not a file.\nName a .csv, .tsv or .xlsx file.\n"


def examples(help_text: str) -> list[str]:
    """The command lines of a help text's Examples block."""
    block = help_text.split("Examples:", 1)[1].split("\n\n")[1]
    return [line.strip() for line in block.splitlines() if line.strip()]


def workbook(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


def kit_import(args: list[str], cwd: Path, stdout: int) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIT_")}
    return subprocess.run([sys.executable, "-m", "importer", *args], cwd=cwd, env=env, stdout=stdout,
                          stderr=subprocess.PIPE, text=True, timeout=60)


# --- help ----------------------------------------------------------------------------------

@pytest.mark.parametrize("command", [None, *COMMANDS], ids=lambda c: c or "group")
def test_every_help_has_one_to_four_examples_that_parse(command):
    result = invoke([command, "--help"] if command else ["--help"])
    assert result.exit_code == 0
    lines = examples(result.output)
    assert 1 <= len(lines) <= 4, lines
    used = []
    for line in lines:
        words = shlex.split(line)
        while re.fullmatch(r"[A-Z_]+=\S*", words[0]):  # an environment assignment before the command
            words.pop(0)
        assert words[0] == "kit-import", line
        name, *args = words[1:]
        used.append(name)
        # Parsing is where a renamed option or a bad value fails; nothing is run or sent.
        # The parent is the group's own context (its -h), as in a real run: a bare one would leave
        # click's cached help option without -h for the reference page generated later.
        cli.commands[name].make_context(name, args,
                                        parent=click.Context(cli, info_name="kit-import", **cli.context_settings))
    assert command is None or used[0] == command, lines


def test_run_help_lists_every_format_read_and_every_exit_status():
    text = invoke(["run", "--help"]).output
    for suffix in (".csv", ".tsv", ".txt", ".xlsx", ".xlsm"):
        assert suffix in text
    statuses = re.findall(r"^\s+(\d+)\s{2,}\S", text.split("Exit status:", 1)[1].split("Options:")[0], re.M)
    assert statuses == ["0", "1", "2", "3", "130", "143"]


def test_the_run_help_reruns_the_failures_csv_by_its_real_name():
    """A failures CSV is named after the whole source name: contacts.csv -> contacts.csv.failures.csv."""
    text = invoke(["run", "--help"]).output
    assert "kit-import run contacts.csv.failures.csv" in text and "run contacts.failures.csv" not in text


def test_examples_keep_their_line_breaks():
    assert "\n      kit-import sheets contacts.xlsx\n      kit-import run contacts.xlsx --sheet 2\n" in \
        invoke(["sheets", "--help"]).output


# --- a closed pipe -------------------------------------------------------------------------

@pytest.fixture
def book(tmp_path) -> Path:
    return workbook(tmp_path / "book.xlsx", {f"Sheet {n}": [["Email"], ["a@example.com"]] for n in range(1, 4)})


@pytest.mark.parametrize("args", [["fields", "--sandbox"], ["sheets", "book.xlsx"], ["--help"]],
                         ids=["fields", "sheets", "help"])
def test_a_reader_that_went_away_ends_the_command_quietly(tmp_path, book, args):
    read, write_end = os.pipe()
    os.close(read)  # the reader is gone before the first line: every write meets a broken pipe
    try:
        done = kit_import(args, tmp_path, write_end)
    finally:
        os.close(write_end)
    assert (done.returncode, done.stderr) == (1, "")


def test_head_reads_the_first_line_and_the_rest_ends_quietly(tmp_path, book):
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIT_")}
    done = subprocess.run(f"{shlex.quote(sys.executable)} -m importer sheets book.xlsx | head -1", shell=True,
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (0, "1  Sheet 1\n", "")


def test_a_broken_pipe_is_quiet_with_verbose_too(tmp_path, book):
    read, write_end = os.pipe()
    os.close(read)
    try:
        done = kit_import(["sheets", "book.xlsx", "--verbose"], tmp_path, write_end)
    finally:
        os.close(write_end)
    assert (done.returncode, done.stderr) == (1, "")


# --- the same mistake, the same answer -----------------------------------------------------

@pytest.mark.parametrize("command", [["run", "--sandbox"], ["init"], ["sheets"]], ids=lambda c: c[0])
def test_a_missing_file_is_one_error_line_and_exit_1_in_every_command(tmp_path, command):
    result = invoke([command[0], "nope.xlsx", *command[1:]], cwd=tmp_path)
    assert result.exit_code == 1
    assert result.output.endswith(MISSING.format(path="nope.xlsx"))
    assert "Usage:" not in result.output


@pytest.mark.parametrize("command", [["run", "--sandbox"], ["init"], ["sheets"]], ids=lambda c: c[0])
def test_a_folder_is_one_error_line_and_exit_1_in_every_command(tmp_path, command):
    (tmp_path / "exports").mkdir()
    result = invoke([command[0], "exports", *command[1:]], cwd=tmp_path)
    assert result.exit_code == 1
    assert result.output.endswith(FOLDER.format(path="exports"))


@pytest.mark.parametrize("name", ["contacts.csv", "contacts.tsv", "contacts.txt"])
def test_sheets_of_a_text_file_says_it_is_not_a_workbook(tmp_path, name):
    write(tmp_path / name, "Email\ta\na@example.com\tb\n")
    result = invoke(["sheets", name], cwd=tmp_path)
    assert (result.exit_code, result.output) == (
        1, f"Error: {name} is a text (CSV/TSV) file, not a workbook: it has no sheets.\n"
           f"Import it as it is with `kit-import run {name}`; only .xlsx and .xlsm workbooks have sheets.\n")


def test_sheets_lists_a_workbook_and_refuses_a_legacy_xls(tmp_path, book):
    assert invoke(["sheets", book]).output == "1  Sheet 1\n2  Sheet 2\n3  Sheet 3\n"
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    result = invoke(["sheets", "old.xls"], cwd=tmp_path)
    assert (result.exit_code, result.output) == (
        1, "Error: old.xls is a legacy Excel .xls workbook (or another Office 97-2003 file), not a spreadsheet "
           "kit-import reads.\n"
           "Open it in Excel or LibreOffice and save it as .xlsx or .csv.\n")


# --- options that do not apply -------------------------------------------------------------

def notes(output: str) -> list[str]:
    return re.findall(r"^Note:\s+(.*)$", output, re.M)


@pytest.mark.parametrize("name", ["people.csv", "people.tsv"])
def test_sheet_on_a_text_file_is_said_and_the_run_goes_on(sandbox, tmp_path, name):
    delimiter = "\t" if name.endswith(".tsv") else ","
    write(tmp_path / name, f"Email{delimiter}First Name\na@example.com{delimiter}Ann\n")
    result = invoke(["run", name, "--sheet", "People"], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert notes(result.output) == ["--sheet does not apply to a CSV file: ignored"]
    assert sandbox.store.subscribers  # imported all the same


def test_encoding_and_delimiter_on_a_workbook_are_said_and_the_run_goes_on(sandbox, tmp_path):
    workbook(tmp_path / "people.xlsx", {"People": [["Email", "First Name"], ["a@example.com", "Ann"]]})
    result = invoke(["run", "people.xlsx", "--encoding", "cp1252", "--delimiter", ";"], env_for(sandbox),
                    cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert notes(result.output) == ["--encoding does not apply to a workbook: ignored",
                                    "--delimiter does not apply to a workbook: ignored"]


def test_options_that_apply_add_no_note(sandbox, tmp_path):
    write(tmp_path / "people.csv", "Email;First Name\na@example.com;Ann\n", "cp1252")
    workbook(tmp_path / "people.xlsx", {"Notes": [["x"]], "People": [["Email", "First Name"], ["b@example.com", "Bo"]]})
    for args in (["people.csv", "--encoding", "cp1252", "--delimiter", ";"], ["people.xlsx", "--sheet", "People"]):
        result = invoke(["run", *args], env_for(sandbox), cwd=tmp_path)
        assert result.exit_code == 0, result.output
        assert notes(result.output) == []


def test_a_rejected_row_keeps_exit_3_with_the_note(sandbox, tmp_path):
    write(tmp_path / "people.csv", "Email,First Name\na@example.com,Ann\nnot-an-email,Bo\n")
    result = invoke(["run", "people.csv", "--sheet", "2"], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 3, result.output
    assert notes(result.output) == ["--sheet does not apply to a CSV file: ignored"]


def test_init_says_sheet_does_not_apply_to_a_csv(tmp_path):
    write(tmp_path / "people.csv", "Email,First Name\na@example.com,Ann\n")
    result = invoke(["init", "people.csv", "--sheet", "People"], cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert "Note: --sheet does not apply to a CSV file: ignored\n" in result.output
    assert "\nsheet =" not in (tmp_path / "nightly.toml").read_text(encoding="utf-8")


def test_main_ends_quietly_on_a_broken_pipe_that_click_lets_through(tmp_path):
    # Click catches a broken pipe while a command runs, but not while it prints its own usage
    # error to a closed stderr; main() is the last place to keep it from a traceback.
    code = ("import importer.cli as c\n"
            "def closed(**kw): raise BrokenPipeError(32, 'Broken pipe')\n"
            "c.cli = closed\n"
            "c.main()\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (1, "", "")
