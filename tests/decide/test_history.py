"""Run history: every run with a state file is kept (figures only), `kit-import history` lists them
newest first, shows one run's summary, and old runs are trimmed."""

from __future__ import annotations

import datetime as dt
import json

from conftest import write
from importer.decide import history
from importer.outputs.report import RunReport
from helpers import env_for, invoke

CSV = "Email,First Name\na@example.com,Ann\nb@example.com,Bob\n"


def test_history_after_three_runs(sandbox, tmp_path):
    write(tmp_path / "list.csv", CSV)
    env = env_for(sandbox)
    assert invoke(["run", "list.csv", "--state", "k.state"], env, cwd=tmp_path).exit_code == 0
    assert invoke(["run", "list.csv", "--state", "k.state"], env, cwd=tmp_path).exit_code == 0
    write(tmp_path / "list.csv", CSV + "not-an-email,Cid\nc@example.com,Cy\n")
    assert invoke(["run", "list.csv", "--state", "k.state", "--max-rejects", "10"], env, cwd=tmp_path).exit_code == 1

    listed = invoke(["history", "--state", "k.state"], cwd=tmp_path)
    assert listed.exit_code == 0, listed.output
    lines = listed.output.splitlines()
    assert lines[0].split()[:3] == ["Run", "Started", "(UTC)"]
    assert [line.split()[0] for line in lines[1:]] == ["3", "2", "1"]
    assert "stopped: the brake stopped the run" in lines[1] and lines[1].split()[5] == "1"  # exit 1
    assert lines[3].split()[5:13] == ["0", "2", "2", "0", "0", "2", "0", "4"]  # exit, rows, imported, rejected...
    # The braked run's rows: 2 unchanged, 1 rejected and 1 never sent, as its closing line says, not 2 rejected.
    assert lines[1].split()[6:10] == ["4", "2", "1", "1"]

    data = json.loads(invoke(["history", "--state", "k.state", "--json", "--limit", "2"], cwd=tmp_path).output)
    assert [d["run"] for d in data] == [3, 2]
    assert data[1]["report"]["unchanged"] == 2 and data[1]["report"]["requests_sent"] > 0
    assert data[0]["report"]["exit_status"] == 1 and "brake" in data[0]["report"]["stopped"]
    assert data[0]["started"] <= data[0]["ended"]

    one = invoke(["history", "1", "--state", "k.state"], cwd=tmp_path)
    assert one.exit_code == 0
    assert one.output.startswith("Run 1: started ")
    assert "Contacts:          2: 2 created, 0 updated" in one.output and "2 imported, 0 rejected" in one.output
    missing = invoke(["history", "9", "--state", "k.state"], cwd=tmp_path)
    assert missing.exit_code == 1 and "runs 1 to 3 are kept" in missing.output


def test_history_finds_the_state_from_the_config(sandbox, tmp_path):
    write(tmp_path / "list.csv", CSV)
    write(tmp_path / "nightly.toml", 'source = "list.csv"\n')
    assert invoke(["run", "--config", "nightly.toml"], env_for(sandbox), cwd=tmp_path).exit_code == 0
    listed = invoke(["history", "--config", "nightly.toml"], cwd=tmp_path)
    assert listed.exit_code == 0 and len(listed.output.splitlines()) == 2
    assert (tmp_path / "nightly.state").exists()


def test_history_alone_reads_the_one_state_file_here_and_names_them_when_there_are_several(sandbox, tmp_path):
    write(tmp_path / "list.csv", CSV)
    write(tmp_path / "nightly.toml", 'source = "list.csv"\n')
    assert invoke(["run", "--config", "nightly.toml"], env_for(sandbox), cwd=tmp_path).exit_code == 0
    listed = invoke(["history"], cwd=tmp_path)
    assert listed.exit_code == 0, listed.output
    assert "State file: nightly.state (the only one in this folder)" in listed.output
    assert listed.output.splitlines()[-1].split()[0] == "1"
    (tmp_path / "other.state").write_bytes((tmp_path / "nightly.state").read_bytes())
    two = invoke(["history"], cwd=tmp_path)
    assert two.exit_code == 2 and "This folder holds nightly.state, other.state." in two.output


def test_no_state_file_is_one_sentence(tmp_path):
    result = invoke(["history", "--state", "none.state"], cwd=tmp_path)
    assert result.exit_code == 1 and "There is no state file at none.state" in result.output
    assert not (tmp_path / "none.state").exists()
    assert invoke(["history"], cwd=tmp_path).exit_code == 2


def test_runs_older_than_the_kept_days_are_trimmed_and_emails_never_kept(tmp_path):
    path = tmp_path / "k.state"
    now = dt.datetime(2026, 12, 6, 3, 15, tzinfo=dt.timezone.utc)
    report = RunReport(source="list.csv", rows_read=5, kept_active={"left@example.com": "Kit's state is newer"},
                       notes=["a note naming someone@example.org"])
    for days_ago in (500, 401, 399, 0):
        at = now - dt.timedelta(days=days_ago)
        history.record(path, report, at, at, keep_days=400)
    kept = history.runs(path)
    assert [k["started"][:10] for k in kept] == ["2026-12-06", "2025-11-02"]
    stored = path.read_bytes().decode("latin-1")
    assert "left@example.com" not in stored and "someone@example.org" not in stored
    assert kept[0]["report"]["rows_read"] == 5


def test_a_night_that_fails_before_it_starts_is_in_the_history_too(tmp_path):
    write(tmp_path / "list.csv", CSV)
    write(tmp_path / "nightly.toml", 'source = "list.csv"\n')
    assert invoke(["run", "--config", "nightly.toml"], {}, cwd=tmp_path).exit_code == 1  # no credential
    data = json.loads(invoke(["history", "--config", "nightly.toml", "--json"], cwd=tmp_path).output)
    assert len(data) == 1 and "No Kit credential" in data[0]["report"]["error"]
    assert data[0]["report"]["exit_status"] == 1


def test_history_of_a_failed_run_shows_its_error_and_hint(sandbox, tmp_path):
    write(tmp_path / "renamed.csv", "E-post,First Name\na@example.com,Ann\n")
    result = invoke(["run", "renamed.csv", "--email-column", "Email", "--state", "k.state"], env_for(sandbox),
                    cwd=tmp_path)
    assert result.exit_code == 1
    printed = [line for line in result.output.splitlines() if line]
    one = invoke(["history", "1", "--state", "k.state"], cwd=tmp_path)
    assert one.exit_code == 0
    assert one.output.splitlines()[1:] == printed[-2:] and printed[-2].startswith("Error: ")
    assert "0 data rows" not in one.output


def test_history_shows_a_runs_whole_summary_as_it_was_printed(sandbox, tmp_path):
    write(tmp_path / "list.csv", "Email,First Name,Tags\na@example.com,Ann,VIP\nb@example.com,Bob,\n")
    env = env_for(sandbox)
    run = invoke(["run", "list.csv", "--state", "k.state", "--tags-column", "Tags"], env, cwd=tmp_path)
    assert run.exit_code == 0, run.output
    printed = run.output.splitlines()
    printed = printed[next(i for i, line in enumerate(printed) if line.startswith("Source:")):]
    assert any(line.startswith("Tags") for line in printed)  # an action's line, which the figures alone lost
    one = invoke(["history", "1", "--state", "k.state"], cwd=tmp_path)
    assert one.output.splitlines()[1:] == printed
    assert "a@example.com" not in (tmp_path / "k.state").read_bytes().decode("utf-8", "replace")
