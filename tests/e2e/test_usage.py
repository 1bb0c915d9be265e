"""Nothing the user asked for is skipped in silence: options that do nothing given the others are
bad usage (exit 2) when typed together, a note when a config set one of them; --diff reads Kit
whatever the read costs, and says what it cost."""

from __future__ import annotations

import json

import pytest

from conftest import write
from helpers import env_for, invoke
from test_compare_runs import csv_file, people

ONE = "Email,First name\nann@example.com,Ann\n"
FED_BACK = "Email,First name,row,error\nbo@example.com,Bo,3,invalid email: 'bad' is missing an @\n"  # fixed by hand


@pytest.mark.parametrize("args, said", [
    (["--dry-run", "--verify"], "Error: --verify checks what a run wrote, and --dry-run writes nothing. Drop --verify "
                                "from the dry run; after the real run, `kit-import verify` checks it.\n"),
    (["--no-undo", "--undo", "u.csv"], "Error: --undo names an undo file, and --no-undo saves none. Give one of them: "
                                       "--undo PATH to save the undo file there, or --no-undo to save none.\n"),
    (["--full"], "Error: --full sends again what the state file says Kit has, and this run has no state file. Drop "
                 "--full; to send the whole file without reading Kit, pass --compare never.\n"),
    (["--wait"], "Error: --wait waits for another run on the same state file, and this run has no state file. Pass "
                 "--state PATH (a config has one beside it), or drop --wait.\n"),
    (["--diff", "d.csv", "--compare", "never"], "Error: --diff needs a read of Kit, which --compare never rules out. "
                                                "Drop --compare never: with --diff the run reads Kit, whatever the "
                                                "read costs.\n"),
    (["--diff", "d.csv", "--full", "--state", "s.db"], "Error: --diff needs a read of Kit, and --full sends the whole "
                                                       "file without one. Add --compare always to read Kit with "
                                                       "--full, or drop --diff.\n"),
    (["--sandbox-auth", "api-key"], "Error: --sandbox-auth chooses the sandbox's credential, and this command does "
                                    "not use --sandbox. Add --sandbox to rehearse with that credential, or drop "
                                    "--sandbox-auth.\n"),
    (["--field", "Zip"], "Error: Invalid value for '--field': must be COLUMN=Label, the file's column and the Kit "
                         "field it fills, not 'Zip' alone. For example --field \"Zip=Zip\" or --field "
                         "\"Zip=Postal code\".\n"),
], ids=["dry-run-verify", "no-undo-undo", "full-no-state", "wait-no-state", "diff-never", "diff-full",
        "sandbox-auth", "field-bare"])
def test_options_that_would_do_nothing_together_are_bad_usage(sandbox, tmp_path, args, said):
    source = write(tmp_path / "c.csv", ONE)
    result = invoke(["run", source, *args], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 2, result.output
    assert result.output.endswith(said), result.output
    assert sandbox.requests == []


def test_sandbox_auth_without_sandbox_is_bad_usage_for_every_command(tmp_path):
    source = write(tmp_path / "c.csv", ONE)
    for args in (["verify", source], ["fields"], ["init", source], ["undo", "x.undo.csv", "--dry-run"]):
        result = invoke([*args, "--sandbox-auth", "api-key"], {}, cwd=tmp_path)
        assert result.exit_code == 2 and "--sandbox-auth chooses the sandbox's credential" in result.output, args


@pytest.mark.parametrize("key, flags, note", [
    ("verify = true", ["--dry-run"], "verify in {c} (line 2) checks what a run wrote, and --dry-run writes nothing: "
                                     "verify in {c} (line 2) ignored"),
    ('undo = "u.csv"', ["--no-undo"], 'undo in {c} (line 2) names an undo file, and --no-undo saves none: '
                                      'undo in {c} (line 2) ignored'),
])
def test_a_config_setting_that_a_flag_idles_is_a_note_and_the_run_goes_on(sandbox, tmp_path, key, flags, note):
    write(tmp_path / "c.csv", ONE)
    config = write(tmp_path / "n.toml", f'source = "c.csv"\n{key}\n')
    result = invoke(["run", "--config", config, *flags, "--report", "r.json"], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert f"Note:              {note.format(c=config)}\n" in result.output
    assert "Verifying" not in result.output and not (tmp_path / "u.csv").exists()
    assert note.format(c=config) in json.loads((tmp_path / "r.json").read_text())["notes"]


def test_a_library_caller_gets_the_note_and_the_idle_setting_set_back(tmp_path):
    from importer import Settings

    settings = Settings(source=tmp_path / "c.csv", wait=True, full=True)
    assert (settings.wait, settings.full) == (False, False)
    assert settings.notes == [
        "full sends again what the state file says Kit has, and this run has no state file: full ignored",
        "wait waits for another run on the same state file, and this run has no state file: wait ignored"]


def test_diff_reads_kit_when_a_read_would_not_pay_and_says_what_it_cost(sandbox, tmp_path):
    for i in range(2500):
        sandbox.store.upsert(f"someone{i}@example.com", None, set_first_name=False)
    source = csv_file(tmp_path / "c.csv", people(3))
    result = invoke(["run", source, "--no-undo", "--diff", "d.csv"], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert ("Kit read:          2,500 subscribers in 3 requests (--diff needs it, though it costs more than the 2 "
            "writes it could save)\n") in result.output
    lines = (tmp_path / "d.csv").read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("email,") and len(lines) > 3  # three new subscribers, each with its values
    small = csv_file(tmp_path / "one.csv", people(1))
    result = invoke(["run", small, "--no-undo", "--diff", "d1.csv"], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert "Kit read:          2,503 subscribers in 3 requests (--diff needs it" in result.output
    assert (tmp_path / "d1.csv").exists()


def test_verify_writes_its_report_and_log(sandbox, tmp_path):
    source = write(tmp_path / "c.csv", ONE)
    assert invoke(["run", source], env_for(sandbox), cwd=tmp_path).exit_code == 0
    sandbox.store.find("ann@example.com").first_name = "Hacked"
    result = invoke(["verify", source, "--settle", "0", "--report", "v.json", "--log", "v.log"], env_for(sandbox),
                    cwd=tmp_path)
    assert result.exit_code == 3, result.output
    report = json.loads((tmp_path / "v.json").read_text())
    assert (report["command"], report["exit_status"], report["contacts"], report["differing_contacts"]) == \
        ("verify", 3, 1, 1)
    assert report["differences"][0]["change"]["what"] == "first name" and report["error"] is None
    assert report["closing_line"].startswith("Kit differs from the file")
    logged = (tmp_path / "v.log").read_text()
    assert "Contacts checked:  1" in logged and report["closing_line"] in logged


def test_verify_writes_an_error_report_when_it_cannot_run(sandbox, tmp_path):
    result = invoke(["verify", "missing.csv", "--report", "v.json", "--log", "v.log"], env_for(sandbox),
                    cwd=tmp_path)
    assert result.exit_code == 1
    report = json.loads((tmp_path / "v.json").read_text())
    assert (report["command"], report["exit_status"], report["error"]) == ("verify", 1, "missing.csv does not exist.")
    assert "Error: missing.csv does not exist." in (tmp_path / "v.log").read_text()


def test_undo_writes_its_report_and_log(sandbox, tmp_path):
    source = write(tmp_path / "c.csv", ONE)
    assert invoke(["run", source, "--undo", "u.csv"], env_for(sandbox), cwd=tmp_path).exit_code == 0
    result = invoke(["undo", "u.csv", "--unsubscribe-created", "--report", "u.json", "--log", "u.log"],
                    env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "u.json").read_text())
    assert (report["command"], report["exit_status"], report["created"], report["unsubscribed"]) == \
        ("undo", 0, ["ann@example.com"], 1)
    assert "Undo file:         u.csv" in (tmp_path / "u.log").read_text()
    broken = invoke(["undo", "nope.undo.csv", "--report", "e.json"], env_for(sandbox), cwd=tmp_path)
    assert broken.exit_code == 1
    assert json.loads((tmp_path / "e.json").read_text())["error"] == "nope.undo.csv does not exist."


def test_run_verify_on_a_failures_csv_checks_its_original_source(sandbox, tmp_path):
    write(tmp_path / "c.csv", "Email,First name\nann@example.com,Ann\nbad,Bo\n")
    assert invoke(["run", "c.csv"], env_for(sandbox), cwd=tmp_path).exit_code == 3
    write(tmp_path / "c.csv.failures.csv", FED_BACK)
    result = invoke(["run", "c.csv.failures.csv", "--verify", "--settle", "0"], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert ("Verifying: reading back what Kit holds for c.csv, the source of the failures CSV c.csv.failures.csv, "
            "which this run replaced with the rows that still fail, if any\n") in result.output
    assert "Contacts checked:  1 (1 row rejected in the file, not checked)" in result.output
    assert "Kit matches the file: 1 contact checked" in result.output


def test_run_verify_on_a_failures_csv_without_its_source_says_it_did_not_verify(sandbox, tmp_path):
    write(tmp_path / "c.csv.failures.csv", FED_BACK)
    result = invoke(["run", "c.csv.failures.csv", "--verify"], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert result.output.endswith(
        "Not verified: c.csv.failures.csv is a failures CSV, which this run replaced with the rows that still fail, "
        "if any, and its source c.csv is not beside it to check; run `kit-import verify` on that source\n")
    assert "Kit matches" not in result.output


def test_verify_says_which_of_runs_options_it_ignores(sandbox, tmp_path):
    source = write(tmp_path / "c.csv", ONE)
    assert invoke(["run", source], env_for(sandbox), cwd=tmp_path).exit_code == 0
    result = invoke(["verify", source, "--dry-run", "--max-changes", "10", "--full"], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Note: --dry-run, --full, --max-changes only steer what an import writes: "
                                    "verify ignores them\n")
    assert result.output.endswith("Kit matches the file: 1 contact checked\n")


def test_create_missing_fields_with_nothing_to_create_says_so(sandbox, tmp_path):
    source = write(tmp_path / "c.csv", "Email,Company\nann@example.com,Acme\n")
    result = invoke(["run", source, "--dry-run", "--create-missing-fields"], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert ("Note:              --create-missing-fields: every field the columns map to is in Kit already, so there "
            "is nothing to create\n") in result.output
    planned = invoke(["run", source, "--dry-run", "--create-missing-fields", "--field", "Company=Sector"],
                     env_for(sandbox), cwd=tmp_path)
    assert "Fields to create:  Sector\n" in planned.output and "nothing to create" not in planned.output
