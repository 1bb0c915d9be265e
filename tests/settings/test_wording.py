"""Every message names a setting where it came from; every bad option value is a usage error (exit 2)."""

from __future__ import annotations

import openpyxl
import pytest

from conftest import write
from importer.settings.origins import FLAG, Origin, Origins
from helpers import env_for, invoke

BAD_FLAGS = [
    (["--field", "=Zip"], "Error: Invalid value for '--field': must be COLUMN=Label, not '=Zip'. "
                          'For example --field "Zip=Postal code".'),
    (["--delimiter", ";;"], "Error: Invalid value for '--delimiter': must be one character (or tab), not ';;'. "
                            'For example --delimiter ";" or --delimiter tab.'),
    (["--encoding", "klingon"], "Error: Invalid value for '--encoding': must be an encoding Python knows, not "
                                "'klingon'. For example --encoding utf-8 or --encoding cp1252."),
    (["--rate-limit", "fast"], "Error: Invalid value for '--rate-limit': must be REQUESTS or REQUESTS/SECONDS, at "
                               "least 1 request in more than 0 seconds, not 'fast'. For example --rate-limit 120 or "
                               "--rate-limit 600/60."),
    (["--rate-limit", "0/60"], "Error: Invalid value for '--rate-limit': must be REQUESTS or REQUESTS/SECONDS, at "
                               "least 1 request in more than 0 seconds, not '0/60'. For example --rate-limit 120 or "
                               "--rate-limit 600/60."),
    (["--blanks", "wipe"], "Error: Invalid value for '--blanks': 'wipe' is not one of 'skip', 'clear'."),
    (["--max-changes", "150"], "Error: Invalid value for '--max-changes': 150.0 is not in the range 0<=x<=100."),
    (["--max-changes", "lots"], "Error: Invalid value for '--max-changes': 'lots' is not a valid float range."),
    (["--max-rejects", "-1"], "Error: Invalid value for '--max-rejects': -1.0 is not in the range 0<=x<=100."),
    (["--header-row", "0"], "Error: Invalid value for '--header-row': 0 is not in the range x>=1."),
    (["--concurrency", "0"], "Error: Invalid value for '--concurrency': 0 is not in the range 1<=x<=256."),
]


INIT_OPTIONS = ("--field", "--delimiter", "--encoding", "--header-row")  # init takes reading and column options


@pytest.mark.parametrize("command, flags, line", [("run", *case) for case in BAD_FLAGS] +
                         [("init", *case) for case in BAD_FLAGS if case[0][0] in INIT_OPTIONS],
                         ids=lambda v: v if isinstance(v, str) and not v.startswith("Error") else
                         " ".join(v) if isinstance(v, list) else "")
def test_a_bad_option_value_is_a_usage_error_before_anything_runs(tmp_path, command, flags, line):
    source = write(tmp_path / "people.csv", "Email\na@example.com\n")
    result = invoke([command, source, *flags], {"KIT_API_KEY": "k", "KIT_API_URL": "http://127.0.0.1:9"},
                    cwd=tmp_path)
    assert result.exit_code == 2
    lines = result.output.splitlines()
    assert lines[0].startswith(f"Usage: cli {command} ")
    assert lines[-1] == line
    assert not (tmp_path / "people.csv.failures.csv").exists() and not (tmp_path / "nightly.toml").exists()


@pytest.mark.parametrize("value", ["tab", "\\t", ";", "|"])
def test_a_good_delimiter_passes_the_flag_check(tmp_path, sandbox, value):
    source = write(tmp_path / "people.csv", "Email\na@example.com\n")
    result = invoke(["run", source, "--delimiter", value, "--dry-run"], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output


def run_both_ways(tmp_path, sandbox, csv_text: str, flags: list[str], toml: str, name: str = "people.csv"):
    """The same run given by flags and by a config; the two results."""
    if name.endswith(".xlsx"):
        wb = openpyxl.Workbook()
        wb.active.title = "People"
        for row in csv_text.splitlines():
            wb.active.append(row.split(","))
        wb.save(tmp_path / name)
    else:
        write(tmp_path / name, csv_text)
    by_flag = invoke(["run", name, *flags, "--dry-run"], env_for(sandbox), cwd=tmp_path)
    write(tmp_path / "nightly.toml", f'source = "{name}"\n' + toml)
    by_config = invoke(["run", "--config", "nightly.toml", "--dry-run"], env_for(sandbox), cwd=tmp_path)
    return by_flag, by_config


def test_an_unknown_email_column_is_named_by_flag_or_by_config_key_file_and_line(tmp_path, sandbox):
    by_flag, by_config = run_both_ways(tmp_path, sandbox, "Email,Name\na@example.com,Ann\n",
                                       ["--email-column", "Mail"], 'blanks = "skip"\nemail_column = "Mail"\n')
    assert by_flag.exit_code == by_config.exit_code == 1
    assert "Error: --email-column names a column 'Mail' that the file does not have.\n" in by_flag.output
    assert ("Error: email_column in nightly.toml (line 3) names a column 'Mail' that the file does not have.\n"
            in by_config.output)


def test_an_unknown_sheet_is_named_by_flag_or_by_config(tmp_path, sandbox):
    by_flag, by_config = run_both_ways(tmp_path, sandbox, "Email\na@example.com\n", ["--sheet", "Leads"],
                                       'sheet = "Leads"\n', name="people.xlsx")
    assert by_flag.exit_code == by_config.exit_code == 1
    assert "Error: --sheet names a sheet 'Leads' that the workbook does not have.\n" in by_flag.output
    assert ("Error: sheet in nightly.toml (line 2) names a sheet 'Leads' that the workbook does not have.\n"
            in by_config.output)


def test_a_field_label_kit_lacks_is_named_by_flag_or_by_the_fields_table(tmp_path, sandbox):
    by_flag, by_config = run_both_ways(tmp_path, sandbox, "Email,Zip\na@example.com,83702\n",
                                       ["--field", "Zip=Postcode"], '\n[fields]\n"Zip" = "Postcode"\n')
    assert by_flag.exit_code == by_config.exit_code == 1
    assert ("Error: Kit has no custom field for column 'Zip' -> 'Postcode' (closest: 'Postal code'), named in "
            "--field.\nFix the label in --field, or pass --create-missing-fields to create it.\n") in by_flag.output
    assert ("Error: Kit has no custom field for column 'Zip' -> 'Postcode' (closest: 'Postal code'), named in "
            "[fields] in nightly.toml (line 3).\nFix the label in [fields] in nightly.toml (line 3), or set "
            "create_missing_fields = true in nightly.toml to create it.\n") in by_config.output


def test_the_header_row_hint_is_a_flag_or_a_config_line(tmp_path, sandbox):
    by_flag, by_config = run_both_ways(tmp_path, sandbox, "Subscribers,\nEmail,Name\na@example.com,Ann\n", [], "")
    assert by_flag.exit_code == by_config.exit_code == 1
    assert "Pass --header-row 2 to read the header from row 2.\n" in by_flag.output
    assert "Set header_row = 2 in nightly.toml to read the header from row 2.\n" in by_config.output


def test_a_flag_given_over_a_config_is_named_as_a_flag(tmp_path, sandbox):
    write(tmp_path / "people.csv", "Email\na@example.com\n")
    write(tmp_path / "nightly.toml", 'source = "people.csv"\nemail_column = "Email"\n')
    result = invoke(["run", "--config", "nightly.toml", "--email-column", "Mail", "--dry-run"], env_for(sandbox),
                    cwd=tmp_path)
    assert result.exit_code == 1
    assert "Error: --email-column names a column 'Mail' that the file does not have.\n" in result.output


def test_the_credential_error_names_the_variables_the_config_chose(tmp_path):
    write(tmp_path / "people.csv", "Email\na@example.com\n")
    write(tmp_path / "nightly.toml", 'source = "people.csv"\n\n[credentials]\naccess_token_env = "ACME_KIT_TOKEN"\n'
                                     'api_key_env = "ACME_KIT_KEY"\n')
    result = invoke(["run", "--config", "nightly.toml"], cwd=tmp_path)
    assert result.exit_code == 1
    assert "Error: No Kit credential: set ACME_KIT_TOKEN (OAuth, fast bulk import) or ACME_KIT_KEY.\n" in result.output


@pytest.mark.parametrize("origins, named, advice", [
    (Origins(), "header_row", "pass header_row=4"),
    (Origins(frame=FLAG), "--header-row", "pass --header-row 4"),
    (Origins({"header_row": Origin("config", "n.toml", 3)}, Origin("config", "n.toml")),
     "header_row in n.toml (line 3)", "set header_row = 4 in n.toml"),
    (Origins({"header_row": FLAG}, Origin("config", "n.toml")), "--header-row", "pass --header-row 4"),
], ids=["python", "flag", "config", "flag-over-config"])
def test_origins_word_a_setting_where_it_came_from(origins, named, advice):
    assert (origins.named("header_row"), origins.advise("header_row", 4)) == (named, advice)


def test_a_flag_only_setting_is_advised_as_a_flag_even_in_a_config_run():
    origins = Origins(frame=Origin("config", "n.toml"), flag_only=frozenset({"wait"}))
    assert origins.advise("wait", True) == "pass --wait"
