"""Settings: one declaration gives the options, the config keys and the values' parsing."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from importer.cli import cli
from importer.settings.config import CONFIG_KEYS
from importer.errors import ConfigError
from importer.kit import Credential, CredentialKind
from importer.read.files import LoadOptions
from importer.settings.declaration import (BlankPolicy, Group, Invalid, Settings, declarations, parse_field_spec,
                                          parse_rate_limit)


def options_of(command: str) -> dict[str, click.Option]:
    return {p.name: p for p in cli.commands[command].params if isinstance(p, click.Option)}


def test_every_option_setting_is_an_option_of_run_under_its_own_name():
    run = options_of("run")
    for name, declared in declarations():
        if declared.group is None:
            assert name not in run
            continue
        flag = declared.flag or "--" + name.replace("_", "-")
        assert flag in run[name].opts, name
        assert run[name].help == declared.help


def test_init_takes_the_reading_and_column_options_and_no_run_option():
    init = options_of("init")
    shared = [name for group in (Group.READ, Group.COLUMNS) for name, _ in declarations(group)]
    assert {"sheet", "encoding", "delimiter", "header_row", "email_column", "first_name_column", "fields",
            "status_column", "skip_unsubscribed", "ignore_status"} <= set(shared)
    assert set(shared) <= set(init)
    assert not {name for name, _ in declarations(Group.RUN)} & set(init)


def test_option_types_come_from_the_declaration():
    run = options_of("run")
    assert list(run["blanks"].type.choices) == ["skip", "clear"] and run["blanks"].default == "skip"
    assert run["header_row"].type.min == 1
    assert (run["max_changes"].type.min, run["max_changes"].type.max) == (0, 100)
    assert (run["concurrency"].type.min, run["concurrency"].type.max) == (1, 256)
    assert run["fields"].multiple and run["fields"].opts == ["--field"]
    assert run["dry_run"].is_flag and run["state"].type.name == "file"


def test_config_keys_are_the_settings_that_a_config_may_hold():
    assert {"sheet", "fields", "blanks", "failures", "report", "log", "state", "rate_limit", "source",
            "skip_unsubscribed"} <= set(CONFIG_KEYS)
    assert not {"dry_run", "full", "wait", "credential", "base_url", "rate_window", "refresh"} & set(CONFIG_KEYS)


def test_a_python_caller_builds_settings_directly():
    settings = Settings(source="contacts.csv", credential=Credential("oauth", "t"), blanks="clear",
                        fields=[("Zip", "Postal code")], failures="out/f.csv")
    assert settings.source == Path("contacts.csv") and settings.failures == Path("out/f.csv")
    assert settings.blanks is BlankPolicy.CLEAR
    assert settings.credential.kind is CredentialKind.OAUTH
    assert settings.fields == [("Zip", "Postal code")]
    assert settings.failures_file == Path("out/f.csv")
    assert Settings(source="a/contacts.csv").failures_file == Path("contacts.csv.failures.csv")


@pytest.mark.parametrize("values, expected", [
    ({"fields": {" Zip ": "Postal code"}}, {"fields": [("Zip", "Postal code")]}),
    ({"fields": ("Zip=Postal code", "Company=Company")}, {"fields": [("Zip", "Postal code"), ("Company", "Company")]}),
    ({"sheet": 2}, {"sheet": "2"}),
    ({"max_changes": 20}, {"max_changes": 20.0}),
    ({"state": "n.state", "log": "run.log"}, {"state": Path("n.state"), "log": Path("run.log")}),
    ({"rate_limit": "600/30"}, {"rate_limit": 600, "rate_window": 30.0}),
    ({"rate_limit": 120}, {"rate_limit": 120, "rate_window": 60.0}),
    ({"blanks": "clear"}, {"blanks": BlankPolicy.CLEAR}),
    ({"email_column": None, "credentials": {"api_key_env": "X"}, "sandbox": True}, {"email_column": None}),
], ids=["fields-table", "field-flags", "sheet-number", "percent-int", "paths", "rate-text", "rate-number",
        "blanks-word", "none-and-other-names-ignored"])
def test_option_and_config_values_are_parsed_by_name(values, expected):
    settings = Settings.from_options({"source": "x.csv", **values})
    for name, value in expected.items():
        assert getattr(settings, name) == value


def test_flags_given_override_config_values():
    settings = Settings.from_options({"source": "x.csv", "blanks": "clear", "max_rejects": 0}, max_rejects=100.0)
    assert (settings.blanks, settings.max_rejects) == (BlankPolicy.CLEAR, 100.0)


def test_load_options_are_the_reading_settings():
    settings = Settings(source="x.csv", sheet="Leads", encoding="cp1252", delimiter=";", header_row=3)
    assert settings.load == LoadOptions(sheet="Leads", encoding="cp1252", delimiter=";", header_row=3)


@pytest.mark.parametrize("values, message", [
    ({"blanks": "wipe"}, "blanks must be 'skip' or 'clear', not 'wipe'."),
    ({"rate_limit": "fast"}, "rate_limit must be REQUESTS or REQUESTS/SECONDS"),
    ({"rate_limit": 0}, "rate_limit must be at least 1 request, not 0."),
    ({"fields": ["=Zip"]}, "fields must be COLUMN=Label, not '=Zip'."),
    ({"delimiter": ";;"}, "delimiter must be one character (or tab), not ';;'."),
    ({"encoding": "klingon"}, "encoding must be an encoding Python knows, not 'klingon'."),
    ({"ignore_status": True, "skip_unsubscribed": True}, "ignore_status cannot go with skip_unsubscribed"),
], ids=["blanks", "rate-text", "rate-zero", "field-spec", "delimiter", "encoding", "status-both-ways"])
def test_bad_values_are_config_errors_that_say_what_to_do(values, message):
    with pytest.raises(ConfigError) as caught:
        Settings(source="x.csv", **values)
    assert str(caught.value).startswith(message)
    assert caught.value.hint


def test_the_blanks_hint_lists_the_declared_policies():
    with pytest.raises(ConfigError) as caught:
        Settings(source="x.csv", blanks="wipe")
    assert caught.value.hint == "For example blanks='skip' or blanks='clear'."


@pytest.mark.parametrize("text, expected", [("600", (600, 60.0)), ("600/60", (600, 60.0)), ("100/10s", (100, 10.0))])
def test_rate_limit_text(text, expected):
    assert parse_rate_limit(text) == expected


@pytest.mark.parametrize("spec, expected", [("Zip=Postal code", ("Zip", "Postal code")),
                                            (" Zip = Zip ", ("Zip", "Zip"))])
def test_field_spec(spec, expected):
    assert parse_field_spec(spec) == expected


@pytest.mark.parametrize("spec", [" Zip ", "Zip=", "=Postal code"])
def test_a_field_spec_needs_both_column_and_label(spec):
    with pytest.raises(Invalid, match="must be COLUMN=Label"):
        parse_field_spec(spec)
