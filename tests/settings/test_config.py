"""The TOML config: checked against the declared settings, paths beside it, and proposed by init."""

from __future__ import annotations

import os
import time
import tomllib
from pathlib import Path

import pytest

from conftest import write
from importer.settings.config import config_text, load_config
from importer.errors import ConfigError
from importer.read.columns import plan_columns
from importer.records import CustomField
from importer.settings.declaration import BlankPolicy, Settings


def config_error(tmp_path: Path, text: str) -> ConfigError:
    write(tmp_path / "x.csv", "Email\n")
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path / "nightly.toml", 'source = "x.csv"\n' + text))
    return caught.value


@pytest.mark.parametrize("text, message", [
    ('max_changes = "lots"\n', "max_changes in {} (line 2) must be a number, not 'lots'."),
    ("header_row = true\n", "header_row in {} (line 2) must be a whole number, not true."),
    ("skip_unsubscribed = 1\n", "skip_unsubscribed in {} (line 2) must be true or false, not 1."),
    ("\nfields = 3\n", "fields in {} (line 3) must be a table, not 3."),
    ('blanks = "wipe"\n', "blanks in {} (line 2) must be 'skip' or 'clear', not 'wipe'."),
    ("max_rejects = 150\n", "max_rejects in {} (line 2) must be from 0 to 100, not 150."),
    ("concurrency = 0\n", "concurrency in {} (line 2) must be from 1 to 256, not 0."),
    ("header_row = 0\n", "header_row in {} (line 2) must be at least 1, not 0."),
    ("delimiter = ';;'\n", "delimiter in {} (line 2) must be one character (or tab), not ';;'."),
    ("encoding = 'klingon'\n", "encoding in {} (line 2) must be an encoding Python knows, not 'klingon'."),
    ("rate_limit = 'fast'\n", "rate_limit in {} (line 2) must be REQUESTS or REQUESTS/SECONDS, at least 1 request "
                              "in more than 0 seconds, not 'fast'."),
    ("rate_limit = 0\n", "rate_limit in {} (line 2) must be at least 1 request, not 0."),
    ("state_path = 'x'\n", "state_path in {} (line 2) is not a setting kit-import knows (did you mean state?)."),
    ("dry_run = true\n", "dry_run in {} (line 2) is not a setting kit-import knows."),
    ('[fields]\n"Zip" = 5\n', "Zip in {} (line 3) in [fields] must map to a Kit field label (a string)."),
    ('[credentials]\napi_key = "X"\n', "api_key in {} (line 3) in [credentials] must be one of access_token_env"),
    ('credentials = "X"\n', "credentials in {} (line 2) must be a table"),
], ids=["float-type", "bool-for-int", "int-for-bool", "table", "choice", "percent-range", "int-range", "at-least",
        "delimiter", "encoding", "rate-text", "rate-zero", "did-you-mean", "flag-only-setting", "field-label",
        "credential-key", "credentials-table"])
def test_a_bad_key_names_itself_the_file_and_its_line(tmp_path, text, message):
    assert str(config_error(tmp_path, text)).startswith(message.format(tmp_path / "nightly.toml"))


@pytest.mark.parametrize("text, hint", [
    ("delimiter = ';;'\n", "For example delimiter = \";\" or delimiter = \"tab\"."),
    ("encoding = 'klingon'\n", "For example encoding = \"utf-8\" or encoding = \"cp1252\"."),
    ("rate_limit = 'fast'\n", "For example rate_limit = \"120\" or rate_limit = \"600/60\"."),
    ('blanks = "wipe"\n', "For example blanks = \"skip\" or blanks = \"clear\"."),
    ("header_row = 0\n", "Fix that key; docs/reference/config.md lists every key."),
], ids=["delimiter", "encoding", "rate-limit", "blanks", "no-examples"])
def test_a_bad_config_value_is_hinted_in_the_config_s_own_words(tmp_path, text, hint):
    assert config_error(tmp_path, text).hint == hint


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
    text = config_text(source, plan, "cp1252", tmp_path / "nightly.toml", sheet=None, fields_known=True,
                       given=given)
    tomllib.loads(text)
    back = Settings.from_options(load_config(write(tmp_path / "nightly.toml", text)))
    for name in ("encoding", "delimiter", "header_row", "email_column", "first_name_column", "fields",
                 "status_column", "skip_unsubscribed"):
        assert getattr(back, name) == getattr(given, name), name
    assert back.blanks is BlankPolicy.SKIP and back.max_changes == 20


def test_a_proposed_config_offers_the_nightly_settings_each_valid_once_uncommented(tmp_path):
    source = write(tmp_path / "export.csv", "Email,Name\n")
    plan = plan_columns(("Email", "Name"), [], email_column="Email")
    text = config_text(source, plan, "UTF-8", tmp_path / "nightly.toml", sheet=None, fields_known=True)
    keys = ("when_removed", "sequences", "notify", "notify_on", "healthcheck", "full_read_days")
    offered = [line for line in text.splitlines() if line.startswith("# ") and line[2:].split(" =")[0] in keys]
    assert [line[2:].split(" =")[0] for line in offered] == list(keys)
    uncommented = text.replace("\n".join(offered), "\n".join(line[2:] for line in offered))
    back = Settings.from_options(load_config(write(tmp_path / "nightly.toml", uncommented)))
    assert back.when_removed == "untag:Customers" and back.sequences == ["Welcome"]
    assert back.notify_on.value == "problems" and back.full_read_days == 7
