"""The undo file of a run that did not finish is never lost: a rerun (after Ctrl-C) keeps its lines,
and a `--sandbox` rehearsal never touches a real run's undo file."""

from __future__ import annotations

import csv


from conftest import write
from importer.kit import Credential
from importer.run import NoProgress, import_file
from importer.settings.declaration import Settings
from helpers import env_for, invoke
from test_undo import rows

MANY = 250


def people(path, company: str, extra: str = ""):
    """ann (whom Kit holds) first, then MANY new subscribers, then `extra` lines."""
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["Email", "First Name", "Company"])
        out.writerow(["ann@example.com", "Ann", company])
        out.writerows([f"n{i}@example.com", f"N{i}", "New Co"] for i in range(MANY))
        f.write(extra)
    return path


class CtrlCAfterFirstBatch(NoProgress):
    """Ctrl-C as soon as the first contacts are imported."""

    def advance(self, n=1, requests=None):
        if requests is not None:
            raise KeyboardInterrupt


def company(store, email):
    return store.snapshot()[email]["fields"].get("Company")


def test_a_rerun_after_ctrl_c_keeps_the_interrupted_runs_undo_lines(sandbox, store, tmp_path):
    ann, _ = store.upsert("ann@example.com", "Ann", set_first_name=True)
    ann.values[next(f.id for f in store.fields.values() if f.label == "Company")] = "Acme"
    undo_file, marker = tmp_path / "u.csv", tmp_path / "u.csv.incomplete"
    settings = Settings(source=people(tmp_path / "p.csv", "Beta"), credential=Credential("oauth", sandbox.access_token),
                        base_url=sandbox.url, state=tmp_path / "s.db", undo=undo_file, concurrency=1,
                        failures=tmp_path / "f.csv")
    first = import_file(settings, progress=CtrlCAfterFirstBatch())
    assert first.interrupted and first.rows_not_sent > 0
    assert company(store, "ann@example.com") == "Beta"  # the first batch was written
    assert marker.exists()
    first_lines = rows(undo_file)[1:]
    # Only what the run sent before Ctrl-C: the contacts it never sent have nothing to take back.
    sent = MANY + 1 - first.not_sent
    assert 0 < sent < MANY + 1 and len(first_lines) == sent
    assert ["ann@example.com", str(ann.id), "field", "company", "Company", "Acme"] in first_lines
    assert all(store.find(r[0]) is not None for r in first_lines)  # every subscriber it lists was created
    assert f"left out {first.not_sent} lines of what the run never sent" in first.undo_holds

    # The same command again, on a file that changes ann once more and adds zed.
    people(tmp_path / "p.csv", "Gamma", "zed@example.com,Zed,Zeta\n")
    env = env_for(sandbox)
    again = invoke(["run", "p.csv", "--state", "s.db", "--undo", "u.csv"], env, cwd=tmp_path)
    assert again.exit_code == 0, again.output
    assert f"kept {sent} lines of the interrupted run before it" in again.output
    assert not marker.exists()  # this run finished
    merged = rows(undo_file)[1:]
    assert merged[:sent] == first_lines
    assert [r for r in merged if r[0] == "ann@example.com"] == [
        ["ann@example.com", str(ann.id), "field", "company", "Company", "Acme"]]  # not Beta: the older truth
    created = [f"n{i}@example.com" for i in range(sent - 1, MANY)] + ["zed@example.com"]
    assert merged[sent:] == [[email, "", "created subscriber", "", "", ""] for email in created]

    assert invoke(["undo", "u.csv"], env, cwd=tmp_path).exit_code == 0
    assert company(store, "ann@example.com") == "Acme"

    # A finished run's undo file is replaced whole by the next run.
    people(tmp_path / "p.csv", "Delta", "zed@example.com,Zed,Zeta\n")
    third = invoke(["run", "p.csv", "--state", "s.db", "--undo", "u.csv"], env, cwd=tmp_path)
    assert third.exit_code == 0, third.output
    assert "interrupted run" not in third.output
    assert rows(undo_file)[1:] == [["ann@example.com", str(ann.id), "field", "company", "Company", "Acme"]]


UNDO_HEADER = "email,subscriber_id,what,key,label,kit_value\n"


def test_an_interrupted_runs_lines_win_and_its_created_subscribers_cover_their_other_lines(sandbox, store, tmp_path):
    ann, _ = store.upsert("ann@example.com", "Ann", set_first_name=True)
    store.upsert("cy@example.com", "Cy", set_first_name=True)  # the interrupted run created cy
    write(tmp_path / "p.csv.undo.csv", UNDO_HEADER + f"ann@example.com,{ann.id},field,company,Company,Acme\n"
                                                     "cy@example.com,,created subscriber,,,\n")
    write(tmp_path / "p.csv.undo.csv.incomplete", "")
    write(tmp_path / "p.csv", "Email,First Name,Company,Tags\n"
                              "ann@example.com,Ann,Beta,VIP\n"
                              "cy@example.com,Cyril,Gamma,VIP\n")
    result = invoke(["run", "p.csv"], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert "kept 2 lines of the interrupted run before it" in result.output
    assert rows(tmp_path / "p.csv.undo.csv")[1:] == [
        ["ann@example.com", str(ann.id), "field", "company", "Company", "Acme"],
        ["cy@example.com", "", "created subscriber", "", "", ""],
        ["ann@example.com", str(ann.id), "tag", "VIP", "", ""],
        ["", "", "created tag", "VIP", "", ""]]  # the run created VIP in Kit: undo lists it
    assert not (tmp_path / "p.csv.undo.csv.incomplete").exists()


def test_an_unreadable_interrupted_undo_file_stops_the_run_before_it_writes(sandbox, store, tmp_path):
    write(tmp_path / "p.csv.undo.csv", "not,an,undo,file\n")
    write(tmp_path / "p.csv.undo.csv.incomplete", "")
    write(tmp_path / "p.csv", "Email,First Name\nann@example.com,Ann\n")
    result = invoke(["run", "p.csv"], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 1
    assert "is the undo file of a run that did not finish, and it cannot be kept" in result.output
    assert "Move p.csv.undo.csv and p.csv.undo.csv.incomplete aside" in result.output
    assert (tmp_path / "p.csv.undo.csv").read_text() == "not,an,undo,file\n"
    assert store.find("ann@example.com") is None


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
