"""An undo file names the Kit account it belongs to: a run against another account never adds to an
interrupted run's file, and `kit-import undo` refuses another account's file before writing anything."""

from __future__ import annotations

from conftest import write
from helpers import env_for, invoke
from importer.kit import Credential
from importer.outputs.undo import incomplete_marker, undo_account
from importer.outputs.undo_files import undo_files
from importer.run import import_file
from importer.sandbox import SAMPLE_FIELDS, KitStore, Sandbox
from importer.settings.declaration import Settings
from test_undo import rows
from test_undo_interrupted import MANY, CtrlCAfterFirstBatch, people


def account_reads(sandbox: Sandbox) -> int:
    return sum(1 for method, path, _, _ in sandbox.requests if (method, path) == ("GET", "/v4/account"))


def test_a_rerun_against_another_account_starts_its_own_undo_file(sandbox, store, tmp_path):
    source = people(tmp_path / "p.csv", "Beta")
    settings = Settings(source=source, credential=Credential("oauth", sandbox.access_token), base_url=sandbox.url,
                        concurrency=1, failures=tmp_path / "f.csv")
    first = import_file(settings, progress=CtrlCAfterFirstBatch())
    assert first.interrupted and first.undo_file is not None
    interrupted = tmp_path / first.undo_file
    before = interrupted.read_bytes()
    assert incomplete_marker(interrupted).exists() and undo_account(interrupted) == store.account_id
    assert {row[6] for row in rows(interrupted, account=True)[1:]} == {str(store.account_id)}
    assert account_reads(sandbox) == 1  # once, when the undo file was started (no state file read it)

    with Sandbox(KitStore()) as other:  # a new sandbox: another account, another token
        other.seed_fields(SAMPLE_FIELDS)
        again = invoke(["run", "p.csv"], env_for(other), cwd=tmp_path)
        assert again.exit_code == 0, again.output
        assert account_reads(other) == 1
    assert "kept" not in again.output
    assert (f"started anew: the interrupted run's undo file {interrupted.name} belongs to Kit account "
            f"{store.account_id}, not to account {other.store.account_id} that this credential opens, so it is left "
            "as it was") in " ".join(again.output.split())
    # The interrupted run's file is left as it was, still marked: it takes back that account's run.
    assert interrupted.read_bytes() == before and incomplete_marker(interrupted).exists()
    new = next(path for path in undo_files(tmp_path, "p.csv") if path != interrupted)
    assert undo_account(new) == other.store.account_id and not incomplete_marker(new).exists()
    assert len(rows(new)) - 1 == MANY + 1  # every subscriber, created in the other account


def test_a_rerun_against_the_same_account_still_resumes(sandbox, store, tmp_path):
    source = people(tmp_path / "p.csv", "Beta")
    settings = Settings(source=source, credential=Credential("oauth", sandbox.access_token), base_url=sandbox.url,
                        concurrency=1, failures=tmp_path / "f.csv")
    first = import_file(settings, progress=CtrlCAfterFirstBatch())
    again = invoke(["run", "p.csv"], env_for(sandbox), cwd=tmp_path)
    assert again.exit_code == 0, again.output
    assert "of the interrupted run before it" in again.output and "started anew" not in again.output
    assert first.undo_file is not None and not incomplete_marker(tmp_path / first.undo_file).exists()
    assert account_reads(sandbox) == 2  # once per run that saved into the undo file


def test_a_run_with_a_state_file_reads_the_account_once(sandbox, store, tmp_path):
    write(tmp_path / "c.csv", "Email,Company\nann@example.com,Acme\n")
    result = invoke(["run", "c.csv", "--state", "s.db"], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert account_reads(sandbox) == 1  # the state file's read serves the undo file too
    assert undo_account(next(iter(undo_files(tmp_path, "c.csv")))) == store.account_id


def test_undo_refuses_another_accounts_file_in_one_sentence_before_writing(sandbox, store, tmp_path):
    write(tmp_path / "c.csv", "Email,Company\nann@example.com,Acme\n")
    store.upsert("ann@example.com", "Ann", set_first_name=True)
    assert invoke(["run", "c.csv"], env_for(sandbox), cwd=tmp_path).exit_code == 0
    undo_file = next(iter(undo_files(tmp_path, "c.csv")))
    with Sandbox(KitStore()) as other:
        other.seed_fields(SAMPLE_FIELDS)
        other.store.upsert("ann@example.com", "Ann", set_first_name=True)
        result = invoke(["undo", undo_file.name], env_for(other), cwd=tmp_path)
        assert [(m, p) for m, p, _, _ in other.requests] == [("GET", "/v4/account")]  # nothing written
    assert result.exit_code == 1
    assert result.output == (f"Error: {undo_file.name} belongs to Kit account {store.account_id}, not to account "
                             f"{other.store.account_id} that this credential opens: nothing was undone; use the "
                             f"credential of account {store.account_id}.\n")
    assert invoke(["undo", undo_file.name], env_for(sandbox), cwd=tmp_path).exit_code == 0  # its own account
