"""A `--sandbox` rehearsal never touches a real run's undo file."""

from __future__ import annotations

from conftest import write
from test_cli import invoke
from test_undo import rows

UNDO_HEADER = "email,subscriber_id,what,key,label,kit_value\n"
SAMPLE = "Email,First Name\nann@example.com,Ann\nnot-an-email,Bad\n"


def test_a_sandbox_rehearsal_leaves_the_real_runs_undo_file_alone(tmp_path):
    real = write(tmp_path / "p.csv.undo.csv", UNDO_HEADER + "ann@example.com,7,field,company,Company,Acme\n")
    write(tmp_path / "p.csv", SAMPLE)
    result = invoke(["run", "p.csv", "--sandbox"], cwd=tmp_path)
    assert result.exit_code == 3, result.output  # one bad row
    assert real.read_text() == UNDO_HEADER + "ann@example.com,7,field,company,Company,Acme\n"
    assert not (tmp_path / "p.csv.undo.csv.incomplete").exists()
    assert ("Note:              no undo file saved: the sandbox is gone after this run, so one could take nothing "
            "back (--undo PATH saves one anyway)\n") in result.output
    assert "Undo file:" not in result.output
    assert (tmp_path / "p.csv.failures.csv").exists()  # the file's own problems are still written

    asked = invoke(["run", "p.csv", "--sandbox", "--undo", "rehearsal.csv"], cwd=tmp_path)
    assert asked.exit_code == 3, asked.output
    assert rows(tmp_path / "rehearsal.csv")[1:] == [["ann@example.com", "", "created subscriber", "", "", ""]]
    assert "no undo file saved" not in asked.output
    assert real.read_text() == UNDO_HEADER + "ann@example.com,7,field,company,Company,Acme\n"


def test_a_sandbox_rehearsal_ignores_a_configs_undo_path(tmp_path):
    write(tmp_path / "p.csv", SAMPLE)
    write(tmp_path / "nightly.toml", 'source = "p.csv"\nundo = "real.undo.csv"\n')
    result = invoke(["run", "--config", "nightly.toml", "--sandbox"], cwd=tmp_path)
    assert result.exit_code == 3, result.output
    assert not (tmp_path / "real.undo.csv").exists()
    assert "no undo file saved" in result.output
