"""--sequence end to end against the sandbox with both credentials: who is added (active in Kit and in
the file), a name Kit lacks, members never re-added (a repeating sequence would start them over), an
inactive sequence said once, a nightly run that sends nothing again; and the stage against mocked Kit."""

from __future__ import annotations

import json

import pytest

from conftest import BASE, write
from importer import Settings, import_file
from importer.kit import Credential, Sequence
from importer.records import Contact, KitState, Outcome, Status
from importer.send.actions.sequences import SequenceAdditions, SequenceFigures, Target
from helpers import env_for, invoke

KINDS = ["oauth", "api_key"]
PEOPLE = ("Email,First Name,Status\n"
          "ann@example.com,Ann,subscribed\n"
          "bo@example.com,Bo,\n"
          "una@example.com,Una,unsubscribed\n"     # created cancelled: never added
          "fox@example.com,Fox,subscribed\n")      # cancelled in Kit already: never added


def additions(sandbox, since: int = 0) -> list[str]:
    """The emails each POST to a sequence carried, in order."""
    return [body["email_address"] for m, p, _, body in sandbox.requests[since:]
            if m == "POST" and p.startswith("/v4/sequences/")]


def seed(store):
    store.upsert("fox@example.com", "Fox", set_first_name=True, state="cancelled")
    return store.sequences.add("Welcome series")


@pytest.mark.parametrize("kind", KINDS)
def test_active_subscribers_are_added_by_email_one_request_each(sandbox, tmp_path, kind):
    welcome = seed(sandbox.store)
    source = write(tmp_path / "people.csv", PEOPLE)
    result = invoke(["run", source, "--sequence", "welcome SERIES", "--report", "r.json"], env_for(sandbox, kind),
                    cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert sorted(additions(sandbox)) == ["ann@example.com", "bo@example.com"]
    assert sandbox.store.sequences.members(welcome.id, sandbox.store) == {"ann@example.com", "bo@example.com"}
    report = json.loads((tmp_path / "r.json").read_text())
    assert (report["sequences"], report["sequence_additions"]) == ([f"Welcome series (id {welcome.id})"], 2)
    assert f"Sequences:         2 additions to Welcome series (id {welcome.id})" in result.output  # aligned


def test_a_name_kit_lacks_stops_the_run_before_anything_is_written_naming_the_closest(sandbox, tmp_path):
    sandbox.store.sequences.add("Welcome series")
    sandbox.store.sequences.add("Onboarding")
    source = write(tmp_path / "people.csv", PEOPLE)
    result = invoke(["run", source, "--sequence", "Welcom"], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 1
    assert "Kit has no sequence 'Welcom' (closest: 'Welcome series' (id 1))" in result.output
    assert not [p for m, p, _, _ in sandbox.requests if m == "POST"] and not sandbox.store.subscribers


@pytest.mark.parametrize("kind", KINDS)
def test_members_of_a_repeating_sequence_are_read_first_and_never_added_again(sandbox, tmp_path, kind):
    store = sandbox.store
    seed(store)
    repeating = store.sequences.add("Tips", repeat=True)
    ann, _ = store.upsert("ann@example.com", "Ann", set_first_name=True)
    store.sequences.join(repeating, ann, store.now_iso())
    source = write(tmp_path / "people.csv", PEOPLE)
    result = invoke(["run", source, "--sequence", str(repeating.id), "--report", "r.json"], env_for(sandbox, kind),
                    cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert additions(sandbox) == ["bo@example.com"] and not store.sequences.restarts
    assert [p for m, p, _, _ in sandbox.requests if m == "GET" and p.startswith("/v4/sequences/")] == \
        [f"/v4/sequences/{repeating.id}/subscribers"]
    report = json.loads((tmp_path / "r.json").read_text())
    assert (report["sequence_additions"], report["sequence_members"]) == (1, 1)
    assert "(1 subscriber in it already: not added again)" in result.output


def test_an_inactive_sequence_sends_no_addition_and_is_said_once(sandbox, tmp_path):
    seed(sandbox.store)
    paused = sandbox.store.sequences.add("Paused", active=False)
    source = write(tmp_path / "people.csv", PEOPLE)
    result = invoke(["run", source, "--sequence", "Paused", "--report", "r.json"], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 3, result.output  # the rows Kit would not add are in the failures CSV
    assert additions(sandbox) == []
    assert result.output.count("Sequence refused:") == 1
    assert f"Paused (id {paused.id}): the sequence is inactive in Kit, which refuses every addition to it" \
        in result.output
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["rejected_by_reason"] == {"not added to sequence": 2}


@pytest.mark.parametrize("kind", KINDS)
def test_a_nightly_run_with_a_state_file_sends_no_addition_again(sandbox, tmp_path, kind):
    welcome = seed(sandbox.store)
    source = write(tmp_path / "people.csv", PEOPLE)
    args = ["run", source, "--sequence", "Welcome series", "--state", tmp_path / "s.db"]
    assert invoke(args, env_for(sandbox, kind), cwd=tmp_path).exit_code == 0
    before = len(sandbox.requests)
    again = invoke(args + ["--report", "r.json"], env_for(sandbox, kind), cwd=tmp_path)
    assert again.exit_code == 0, again.output
    assert additions(sandbox, before) == [] and not sandbox.store.sequences.restarts
    assert sandbox.store.sequences.members(welcome.id, sandbox.store) == {"ann@example.com", "bo@example.com"}


def test_a_config_lists_sequences_and_a_dry_run_counts_them(sandbox, tmp_path):
    seed(sandbox.store)
    sandbox.store.sequences.add("Onboarding")
    source = write(tmp_path / "people.csv", PEOPLE)
    config = write(tmp_path / "n.toml", f'source = "{source}"\nsequences = ["Welcome series", "Onboarding"]\n')
    result = invoke(["run", "--config", config, "--dry-run", "--report", "r.json"], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["planned_sequence_additions"] == 6  # ann, bo and fox (Kit's state not read) in each
    assert additions(sandbox) == []


def test_the_library_takes_sequences_and_the_bench_count_holds(sandbox, tmp_path):
    """Upserts, values and one addition per active contact: Kit has no bulk sequence endpoint."""
    welcome = sandbox.store.sequences.add("Welcome series")
    source = write(tmp_path / "list.csv", "Email,First Name,Last Name\n" +
                   "".join(f"p{i}@example.com,P{i},L{i}\n" for i in range(5)))
    report = import_file(Settings(source=source, credential=Credential("oauth", sandbox.access_token),
                                  base_url=sandbox.url, sequences=["Welcome series"], undo=tmp_path / "u.csv"))
    assert report.sequence_additions == 5
    assert report.requests["POST /v4/sequences/{id}/subscribers"] == 5
    assert len(sandbox.store.sequences.members(welcome.id, sandbox.store)) == 5


# --- the stage against mocked Kit ------------------------------------------------------------

def outcome(n: int) -> Outcome:
    return Outcome(Contact(f"p{n}@example.com", None, {}, [n + 1]), Status.UPDATED, n, kit_state=KitState.ACTIVE)


def test_kits_422_for_an_inactive_sequence_stops_the_other_additions(kit, key_client):
    figures = SequenceFigures()
    stage = SequenceAdditions(key_client, Target(Sequence(7, "Later", None)), figures)
    kit.post(f"{BASE}/v4/sequences/7/subscribers", status=422, json={"errors": ["Sequence is inactive"]})
    first, second = outcome(1), outcome(2)
    try:
        answer = stage.send([first])
    except Exception as e:  # the scheduler hands a refused request to settle as its answer
        answer = e
    stage.settle([first], answer)
    try:
        stage.send([second])
    except Exception as e:
        stage.settle([second], e)
    assert len(kit.calls) == 1  # the second was not sent
    assert first.problems == second.problems == [("not added to sequence", "Later: Sequence is inactive")]
    assert figures.sequence_refused == {"Later (id 7)": "Sequence is inactive"}
    assert stage.items(outcome(3)) == [] and outcome(3).done == []


def test_kits_200_counts_as_done_and_as_a_member(kit, key_client):
    figures = SequenceFigures()
    stage = SequenceAdditions(key_client, Target(Sequence(7, "Tips", True)), figures)
    kit.post(f"{BASE}/v4/sequences/7/subscribers", status=200, json={"subscriber": {
        "id": 1, "first_name": None, "email_address": "p1@example.com", "state": "active",
        "created_at": "2023-02-17T11:43:55Z", "added_at": "2023-02-17T11:43:55Z", "fields": {}}})
    done = outcome(1)
    stage.settle([done], stage.send([done]))
    assert done.done == ["sequence:7"] and (figures.sequence_additions, figures.sequence_members) == (0, 1)
