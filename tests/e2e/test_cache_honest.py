"""The cache is honest: an undo tells the run memory what it took back, and a nightly run whose read
never pays still reads Kit for its contacts every --full-read-days, so drift in Kit is set back."""

from __future__ import annotations

import json

from conftest import write
from helpers import env_for, invoke


def seed_others(store, count: int) -> None:
    """Subscribers of the account that the file does not hold."""
    for i in range(count):
        store.upsert(f"other{i}@example.com", None, set_first_name=False)


def company(store, email: str) -> str | None:
    return store.snapshot()[email]["fields"].get("Company")


def run(args, env, tmp_path) -> tuple[str, dict]:
    result = invoke(["run", *args, "--report", "r.json"], env, cwd=tmp_path)
    assert result.exit_code == 0, result.output
    return result.output, json.loads((tmp_path / "r.json").read_text())


def test_a_nightly_run_after_an_undo_sets_back_what_the_undo_changed(sandbox, store, tmp_path):
    """3 contacts in an account of 3,503: a read costs 4 requests, more than the 2 writes it could save and
    than the undo file's 3 lookups, so no run reads the account; the memory alone says what Kit holds."""
    env = env_for(sandbox)
    seed_others(store, 3500)
    for email in ("ann@example.com", "bob@example.com", "cy@example.com"):
        store.upsert(email, None, set_first_name=False)
    label = next(f for f in store.fields.values() if f.label == "Company")
    for sub in list(store.subscribers.values())[-3:]:
        sub.values[label.id] = "Old"
    source = write(tmp_path / "people.csv", "Email,Company\nann@example.com,New\nbob@example.com,New\n"
                                            "cy@example.com,New\n")
    _, first = run([source, "--state", "s.db"], env, tmp_path)
    assert first["kit_read"].startswith("not read") and company(store, "ann@example.com") == "New"
    undo_file = first["undo_file"]
    assert (tmp_path / f"{undo_file}.state").is_file()  # the run named its memory beside its undo file

    undone = invoke(["undo", undo_file], env, cwd=tmp_path)
    assert undone.exit_code == 0, undone.output
    assert company(store, "ann@example.com") == "Old"
    assert "Run memory:" in undone.output and "forgot 3 subscribers taken back" in undone.output

    _, again = run([source, "--state", "s.db"], env, tmp_path)
    assert again["kit_read"].startswith("not read")
    assert (again["unchanged"], again["imported"], again["values_written"]) == (0, 3, 3)
    assert [company(store, e) for e in ("ann@example.com", "bob@example.com", "cy@example.com")] == ["New"] * 3
    # the subscriber reads: the run's count (1), which the undo file decides on, and its lookups (3)
    assert again["requests"] == {"GET /v4/account": 1, "GET /v4/custom_fields": 1, "GET /v4/subscribers": 4,
                                 "POST /v4/bulk/custom_fields/subscribers": 1, "POST /v4/bulk/subscribers": 1}


def test_the_weekly_full_read_finds_drift_on_an_account_100_times_the_file(sandbox, store, tmp_path):
    env = env_for(sandbox)
    seed_others(store, 2970)
    source = write(tmp_path / "people.csv", "Email,Company\n" + "".join(f"p{i}@example.com,C{i}\n" for i in range(30)))
    output, first = run([source, "--state", "s.db", "--no-undo"], env, tmp_path)
    assert first["kit_read"].startswith("not read: the account holds 2,970 subscribers")
    assert "Last full read:    never" in output
    sub = store.find("p7@example.com")
    label = next(f for f in store.fields.values() if f.label == "Company")
    sub.values[label.id] = "Edited in Kit"  # drift made in Kit's web app
    store.changed(sub)

    _, blind = run([source, "--state", "s.db", "--no-undo", "--full-read-days", "0"], env, tmp_path)
    assert blind["unchanged"] == 30 and company(store, "p7@example.com") == "Edited in Kit"  # never seen

    output, weekly = run([source, "--state", "s.db", "--no-undo"], env, tmp_path)  # due: never read
    assert "due for its re-read (every 7 days)" in weekly["kit_read"]
    assert (weekly["unchanged"], weekly["updated"], weekly["values_written"]) == (29, 1, 1)
    assert company(store, "p7@example.com") == "C7"
    assert "Last full read:    this run" in output
    assert weekly["requests"] == {"GET /v4/account": 1, "GET /v4/custom_fields": 1, "GET /v4/subscribers": 3,
                                  "POST /v4/bulk/custom_fields/subscribers": 1}

    output, later = run([source, "--state", "s.db", "--no-undo"], env, tmp_path)
    assert "Last full read:    " in output and "(today)" in output
    assert later["last_full_read"].endswith("(today)") and "due" not in later["kit_read"]


def test_the_note_naming_the_state_file_goes_once_the_undo_is_complete_and_stays_for_a_partial_one(
        sandbox, store, tmp_path):
    """`<undo file>.state` tells `kit-import undo` which memory to tell. A partial undo keeps it, so that
    resuming from its failures CSV tells the memory again; the undo that completes removes it."""
    env = env_for(sandbox)
    source = write(tmp_path / "people.csv", "Email,Company\nann@example.com,New\n")
    run([source, "--state", "s.db"], env, tmp_path)
    write(tmp_path / "people.csv", "Email,Company\nann@example.com,Newer\n")
    _, second = run([source, "--state", "s.db"], env, tmp_path)
    undo_file = tmp_path / second["undo_file"]
    note = tmp_path / f"{second['undo_file']}.state"
    assert note.is_file()
    with undo_file.open("a", encoding="utf-8") as f:  # a line Kit refuses: no subscriber has that id
        f.write("ghost@example.com,999999,field,company,Company,Old\n")

    partial = invoke(["undo", undo_file], env, cwd=tmp_path)
    assert partial.exit_code == 3, partial.output
    assert company(store, "ann@example.com") == "New" and "Run memory:" in partial.output
    assert note.is_file()  # kept: the undo is not complete
    failures = tmp_path / f"{second['undo_file']}.failures.csv"
    ann = store.find("ann@example.com").id
    failures.write_text(failures.read_text(encoding="utf-8-sig").replace("999999", str(ann)), encoding="utf-8")

    resumed = invoke(["undo", failures], env, cwd=tmp_path)
    assert resumed.exit_code == 0, resumed.output
    assert f"Run memory:        {tmp_path / 's.db'}: " in resumed.output  # found through the undo file's note
    assert not note.exists()  # complete: nothing is left to resume

    first_undo = next(p for p in tmp_path.glob("people.csv.*.undo.csv") if p != undo_file)
    assert [p.name for p in tmp_path.glob("*.undo.csv*.state")] == [f"{first_undo.name}.state"]  # its own
    done = invoke(["undo", first_undo], env, cwd=tmp_path)
    assert done.exit_code == 0 and "Run memory:" in done.output
    assert not (tmp_path / f"{first_undo.name}.state").exists()


def test_undoing_an_unsubscribe_only_run_forgets_nobody_and_says_one_thing(sandbox, store, tmp_path):
    env = env_for(sandbox)
    store.upsert("ann@example.com", "Ann", set_first_name=True)
    source = write(tmp_path / "people.csv", "Email,First Name,Status\nann@example.com,Ann,unsubscribed\n")
    _, first = run([source, "--state", "s.db"], env, tmp_path)
    assert store.state_of("ann@example.com") == "cancelled" and first["undo_file"]
    undone = invoke(["undo", first["undo_file"]], env, cwd=tmp_path)
    assert undone.exit_code == 0, undone.output
    assert "forgot" not in undone.output and "nothing to forget: it holds nothing this undo took back" in undone.output
    assert undone.output.rstrip().endswith("0 changes undone")
    assert store.state_of("ann@example.com") == "cancelled"
