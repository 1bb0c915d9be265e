"""The TOML config: checked against the declared settings, paths beside it, and proposed by init."""

from __future__ import annotations

import os
import time
import tomllib
from pathlib import Path

import pytest

from conftest import write
from importer.config import load_config, propose_config
from importer.errors import ConfigError
from importer.mapping import plan_columns
from importer.records import CustomField
from importer.settings import BlankPolicy, Settings


def config_error(tmp_path: Path, text: str) -> str:
    write(tmp_path / "x.csv", "Email\n")
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path / "nightly.toml", 'source = "x.csv"\n' + text))
    return str(caught.value)


@pytest.mark.parametrize("text, message", [
    ('max_changes = "lots"\n', "line 2: max_changes must be a int or float, not 'lots'"),
    ("header_row = true\n", "line 2: header_row must be a int, not True"),
    ("skip_unsubscribed = 1\n", "line 2: skip_unsubscribed must be a bool, not 1"),
    ("\nfields = 3\n", "line 3: fields must be a table, not 3"),
    ('blanks = "wipe"\n', "line 2: blanks must be 'skip' or 'clear'"),
    ("max_rejects = 150\n", "line 2: max_rejects must be from 0 to 100, not 150"),
    ("concurrency = 0\n", "line 2: concurrency must be from 1 to 256, not 0"),
    ("header_row = 0\n", "line 2: header_row must be at least 1, not 0"),
    ("state_path = 'x'\n", "line 2: state_path is not a setting kit-import knows (did you mean state?)"),
    ("dry_run = true\n", "line 2: dry_run is not a setting kit-import knows"),
    ('[fields]\n"Zip" = 5\n', "line 3: Zip in [fields] must map to a Kit field label"),
    ('[credentials]\napi_key = "X"\n', "line 3: api_key in [credentials] must be one of access_token_env"),
    ('credentials = "X"\n', "line 2: credentials must be a table"),
], ids=["float-type", "bool-for-int", "int-for-bool", "table", "choice", "percent-range", "int-range", "at-least",
        "did-you-mean", "flag-only-setting", "field-label", "credential-key", "credentials-table"])
def test_a_bad_key_names_itself_and_its_line(tmp_path, text, message):
    assert message in config_error(tmp_path, text)


def test_paths_are_resolved_beside_the_config_with_the_date(tmp_path):
    (tmp_path / "exports").mkdir()
    write(tmp_path / "exports" / "old.csv", "Email\n")
    newest = write(tmp_path / "exports" / "new.csv", "Email\n")
    os.utime(newest, (time.time() + 5, time.time() + 5))
    config = write(tmp_path / "nightly.toml", 'source = "exports/*.csv"\nfailures = "out/f-{date}.csv"\n'
                                              'report = "r.json"\nlog = "logs/{date}.log"\n')
    loaded = load_config(config, today="2024-05-01")
    assert loaded["source"] == newest
    assert loaded["failures"] == tmp_path / "out" / "f-2024-05-01.csv"
    assert loaded["report"] == tmp_path / "r.json"
    assert loaded["log"] == tmp_path / "logs" / "2024-05-01.log"
    assert loaded["state"] == tmp_path / "nightly.state"


def test_every_key_of_a_config_reaches_the_settings_under_its_own_name(tmp_path):
    write(tmp_path / "x.xlsx", "")
    config = write(tmp_path / "c.toml", '''
source = "x.xlsx"
sheet = 2
encoding = "cp1252"
delimiter = ";"
header_row = 3
email_column = "Mail"
first_name_column = "none"
create_missing_fields = true
blanks = "clear"
failures = "f.csv"
report = "r.json"
log = "run.log"
state = "s.db"
max_changes = 20
max_rejects = 5.5
rate_limit = "300/30"
concurrency = 8
status_column = "Status"
skip_unsubscribed = true

[fields]
Zip = "Postal code"

[credentials]
api_key_env = "MY_KEY"
''')
    settings = Settings.from_options(load_config(config))
    assert (settings.sheet, settings.encoding, settings.delimiter, settings.header_row) == ("2", "cp1252", ";", 3)
    assert (settings.email_column, settings.first_name_column) == ("Mail", "none")
    assert settings.create_missing_fields and settings.blanks is BlankPolicy.CLEAR
    assert (settings.failures, settings.report, settings.log, settings.state) == (
        tmp_path / "f.csv", tmp_path / "r.json", tmp_path / "run.log", tmp_path / "s.db")
    assert (settings.max_changes, settings.max_rejects, settings.rate_limit, settings.rate_window) == (20, 5.5, 300, 30)
    assert (settings.concurrency, settings.status_column, settings.skip_unsubscribed) == (8, "Status", True)
    assert settings.fields == [("Zip", "Postal code")]


def test_a_proposed_config_reads_back_as_the_settings_init_was_given(tmp_path):
    source = write(tmp_path / "export.csv", "title\nMail;Name;Zip;Status\n")
    given = Settings(source=source, encoding="cp1252", delimiter=";", header_row=2, email_column="Mail",
                     first_name_column="none", fields=[("Zip", "Postal code")], status_column="Status",
                     skip_unsubscribed=True)
    headers = ("Mail", "Name", "Zip", "Status")
    plan = plan_columns(headers, [CustomField(3, "postal_code", "Postal code")], email_column="Mail",
                        first_name_column="none", field_specs=given.fields)
    text = propose_config(source, plan, "cp1252", tmp_path / "nightly.toml", sheet=None, fields_known=True,
                          given=given)
    tomllib.loads(text)
    back = Settings.from_options(load_config(write(tmp_path / "nightly.toml", text)))
    for name in ("encoding", "delimiter", "header_row", "email_column", "first_name_column", "fields",
                 "status_column", "skip_unsubscribed"):
        assert getattr(back, name) == getattr(given, name), name
    assert back.blanks is BlankPolicy.SKIP and back.max_changes == 20
