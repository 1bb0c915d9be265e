"""The library's surface: one call per command, the same keyword options, the environment's
credential and KIT_API_URL when none is given, as the CLI reads them."""

from __future__ import annotations

import pytest
from conftest import write

import importer
from importer import (Credential, ImporterError, Settings, import_file, import_rows, propose_config, undo_run,
                      verify)
from importer.errors import ConfigError

CSV = "Email,First Name,Company\nann@example.com,Ann,Acme\nbo@example.com,Bo,Beta\n"


@pytest.fixture
def kit_env(sandbox, monkeypatch):
    """The environment pointing at the sandbox, as a scheduled job's would point at Kit."""
    monkeypatch.setenv("KIT_API_URL", sandbox.url)
    monkeypatch.setenv("KIT_ACCESS_TOKEN", sandbox.access_token)
    monkeypatch.delenv("KIT_API_KEY", raising=False)
    monkeypatch.delenv("KIT_TOKEN_FILE", raising=False)
    return sandbox


def test_every_command_has_its_library_call_exported():
    assert {"import_file", "import_rows", "verify", "undo_run", "propose_config", "Credential"} <= set(importer.__all__)


def test_import_file_reads_the_credential_and_kit_api_url_from_the_environment(kit_env, tmp_path):
    report = import_file(write(tmp_path / "people.csv", CSV), undo=tmp_path / "people.undo.csv")
    assert (report.created, report.exit_status) == (2, 0)
    assert kit_env.store.snapshot()["ann@example.com"]["fields"]["Company"] == "Acme"


def test_import_file_and_import_rows_take_the_same_keyword_options(sandbox, tmp_path):
    options = dict(credential=Credential("oauth", sandbox.access_token), base_url=sandbox.url, dry_run=True)
    from_file = import_file(write(tmp_path / "people.csv", CSV), **options)
    from_rows = import_rows([{"Email": "ann@example.com", "First Name": "Ann", "Company": "Acme"},
                             {"Email": "bo@example.com", "First Name": "Bo", "Company": "Beta"}], **options)
    assert from_file.dry_run and from_rows.dry_run
    assert from_file.planned_requests == from_rows.planned_requests > 0
    assert sandbox.store.snapshot() == {}


def test_settings_and_keyword_options_together_are_a_type_error(tmp_path):
    settings = Settings(source=tmp_path / "people.csv")
    for call in (lambda: import_file(settings, dry_run=True), lambda: import_rows([], settings, dry_run=True),
                 lambda: verify(settings, settle=0)):
        with pytest.raises(TypeError, match="not both"):
            call()


def test_verify_takes_a_source_and_the_environment_and_returns_its_report(kit_env, tmp_path):
    source = write(tmp_path / "people.csv", CSV)
    import_file(source, no_undo=True)
    report = verify(source, settle=0)
    assert (report.contacts, report.exit_status) == (2, 0)


def test_credential_from_env_prefers_oauth_and_says_how_to_set_one():
    assert Credential.from_env({"KIT_API_KEY": "k", "KIT_ACCESS_TOKEN": "t"}) == Credential("oauth", "t",
                                                                                             "KIT_ACCESS_TOKEN")
    assert Credential.from_env({"KIT_API_KEY": " k "}).kind == "api_key"
    with pytest.raises(ConfigError, match="No Kit credential: set KIT_ACCESS_TOKEN") as caught:
        Credential.from_env({})
    assert "--sandbox" in caught.value.hint


def test_propose_config_returns_the_config_it_writes(kit_env, tmp_path):
    source = write(tmp_path / "people.csv", CSV)
    proposal = propose_config(source, output=tmp_path / "nightly.toml")
    assert proposal.text == (tmp_path / "nightly.toml").read_text(encoding="utf-8")
    assert '"Company" = "Company"' in proposal.text
    assert (proposal.email_header, proposal.mapped, proposal.notes) == ("Email", 1, [])
    assert proposal.summary().startswith(f"Wrote {tmp_path / 'nightly.toml'}: email <- 'Email', 1 column mapped")


def test_propose_config_without_a_credential_lists_the_columns_unmatched(tmp_path, monkeypatch):
    for name in ("KIT_ACCESS_TOKEN", "KIT_API_KEY", "KIT_TOKEN_FILE", "KIT_REFRESH_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    proposal = propose_config(write(tmp_path / "people.csv", CSV), output=tmp_path / "n.toml")
    assert proposal.mapped == 0 and proposal.notes == ["No Kit credential set: columns are listed but not "
                                                       "matched to Kit's custom fields."]
    with pytest.raises(ImporterError, match="exists already"):
        propose_config(tmp_path / "people.csv", output=tmp_path / "n.toml", force=False)


def test_undo_run_takes_back_a_run_and_returns_its_report(kit_env, tmp_path):
    source = write(tmp_path / "people.csv", CSV)
    first = import_file(source, undo=tmp_path / "first.undo.csv")
    assert first.created == 2
    import_file(write(tmp_path / "people.csv", CSV.replace("Acme", "Other")), undo=tmp_path / "second.undo.csv")
    dry = undo_run(tmp_path / "second.undo.csv", dry_run=True)
    assert dry.dry_run and kit_env.store.snapshot()["ann@example.com"]["fields"]["Company"] == "Other"
    report = undo_run(tmp_path / "second.undo.csv")
    assert report.exit_status == 0 and report.failures_path is None
    assert kit_env.store.snapshot()["ann@example.com"]["fields"]["Company"] == "Acme"
