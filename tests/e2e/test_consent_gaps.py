"""The holes in honouring the file's opt-outs, closed end to end against the sandbox: an upsert Kit
queues (202) without a state, --skip-unsubscribed, and a state-file run that does not read Kit."""

from __future__ import annotations

import json

import pytest

from importer.sandbox import subscribers
from conftest import write
from helpers import env_for, failures_of, invoke
from test_unsubscribe_default import seed_created, unsubscribes

KINDS = ["oauth", "api_key"]
PEOPLE = "Email,First Name,Status\nann@example.com,Ann,subscribed\nold@example.com,Old,unsubscribed\n"


def queue_upserts(monkeypatch, echo) -> None:
    """Kit answers every single upsert 202 (queued), applied, with `echo(subscriber json)` as its body."""
    create = subscribers._create_subscriber

    def queued(store, body):
        _, reply = create(store, body)
        return 202, echo(reply["subscriber"])
    monkeypatch.setattr(subscribers, "_create_subscriber", queued)


def test_a_queued_upsert_without_a_state_is_looked_up_and_the_opt_out_honoured(sandbox, tmp_path, monkeypatch):
    seed_created(sandbox.store, "old@example.com", "2023-03-01 09:00:00")
    queue_upserts(monkeypatch, lambda sub: {"subscriber": {"id": sub["id"], "email_address": sub["email_address"]}})
    source = write(tmp_path / "people.csv", PEOPLE)
    result = invoke(["run", source, "--compare", "never"], env_for(sandbox, "api_key"), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert sandbox.store.state_of("old@example.com") == "cancelled"
    assert sandbox.store.state_of("ann@example.com") == "active"
    old = sandbox.store.find("old@example.com").id
    assert unsubscribes(sandbox) == [f"/v4/subscribers/{old}/unsubscribe"]
    reads = [p for m, p, _, _ in sandbox.requests if m == "GET" and p.startswith("/v4/subscribers/")]
    assert reads == [f"/v4/subscribers/{old}"]  # only the opted-out person is read, once


def test_a_queued_upsert_kit_cannot_show_yet_is_listed_not_skipped(sandbox, tmp_path, monkeypatch):
    seed_created(sandbox.store, "old@example.com", "2023-03-01 09:00:00")
    queue_upserts(monkeypatch, lambda sub: {"subscriber": {"id": 987654321, "email_address": sub["email_address"]}})
    source = write(tmp_path / "people.csv", PEOPLE)
    result = invoke(["run", source, "--compare", "never"], env_for(sandbox, "api_key"), cwd=tmp_path)
    assert result.exit_code != 0, result.output  # something was left undone: a cron job must see it
    assert sandbox.store.state_of("old@example.com") == "active"
    rows = failures_of(next(tmp_path.glob("*failures*.csv")))
    assert [r for r in rows if "old@example.com" in r and any(
        "not unsubscribed: Kit queued the upsert; run again to unsubscribe" in cell for cell in r)], rows


SKIPPED = ("Email,First Name,Status\nann@example.com,Ann,subscribed\nold@example.com,Old,unsubscribed\n"
           "new@example.com,Neo,unsubscribed\nlax@example.com,Lax,pending\n")


def writes_for(sandbox, email: str) -> list[str]:
    """Every write the run sent that names this email (an upsert, a bulk upsert, a form...)."""
    return [p for m, p, _, b in sandbox.requests if m in ("POST", "PUT") and email in json.dumps(b)]


@pytest.mark.parametrize("kind", KINDS)
def test_skipped_rows_still_unsubscribe_whom_kit_holds_active_and_create_nobody(sandbox, tmp_path, kind):
    seed_created(sandbox.store, "old@example.com", "2023-03-01 09:00:00")
    seed_created(sandbox.store, "lax@example.com", "2023-03-01 09:00:00")  # pending in the file: no opt-out
    source = write(tmp_path / "people.csv", SKIPPED)
    result = invoke(["run", source, "--skip-unsubscribed", "--compare", "never", "--report", "r.json"],
                    env_for(sandbox, kind), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert sandbox.store.state_of("old@example.com") == "cancelled"
    assert sandbox.store.state_of("lax@example.com") == "active"  # absence of consent never unsubscribes
    assert sandbox.store.find("new@example.com") is None  # skipping creates nobody, even to unsubscribe them
    assert writes_for(sandbox, "old@example.com") == writes_for(sandbox, "new@example.com") == []
    assert unsubscribes(sandbox) == [f"/v4/subscribers/{sandbox.store.find('old@example.com').id}/unsubscribe"]
    report = json.loads((tmp_path / "r.json").read_text())
    assert (report["rows_read"], report["rows_imported"], report["rows_skipped"]) == (4, 1, 3)
    assert report["unsubscribed"] == 1 and report["unsubscribed_skipped"] == 1
    assert "1 of them in rows --skip-unsubscribed left out" in result.output
    assert "is still unsubscribed" in result.output


@pytest.mark.parametrize("kind", KINDS)
def test_skipped_opt_outs_use_the_runs_read_of_kit_and_keep_kit_state_leaves_them(sandbox, tmp_path, kind):
    seed_created(sandbox.store, "old@example.com", "2023-03-01 09:00:00")
    source = write(tmp_path / "people.csv", SKIPPED)
    kept = invoke(["run", source, "--skip-unsubscribed", "--keep-kit-state"], env_for(sandbox, kind), cwd=tmp_path)
    assert kept.exit_code == 0, kept.output
    assert sandbox.store.state_of("old@example.com") == "active"
    assert "stays so" in kept.output
    before = len(sandbox.requests)
    result = invoke(["run", source, "--skip-unsubscribed", "--compare", "always"], env_for(sandbox, kind),
                    cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert sandbox.store.state_of("old@example.com") == "cancelled"
    lookups = [q for m, p, q, _ in sandbox.requests[before:] if m == "GET" and p == "/v4/subscribers"
               and "email_address" in json.dumps(q)]
    assert lookups == []  # the run's read of the whole account says who Kit holds active
    assert sandbox.store.find("new@example.com") is None


@pytest.mark.parametrize("kind", KINDS)
def test_the_brake_weighs_the_unsubscribes_of_skipped_people(sandbox, tmp_path, kind):
    """A broken export marking everyone unsubscribed is stopped, skipped or not: no undo takes one back."""
    for email in ("a@example.com", "b@example.com", "c@example.com", "ann@example.com"):
        seed_created(sandbox.store, email, "2023-03-01 09:00:00")
    source = write(tmp_path / "broken.csv", "Email,Status\nann@example.com,subscribed\na@example.com,unsubscribed\n"
                                            "b@example.com,unsubscribed\nc@example.com,unsubscribed\n")
    result = invoke(["run", source, "--skip-unsubscribed", "--max-changes", "10"], env_for(sandbox, kind),
                    cwd=tmp_path)
    assert result.exit_code == 1, result.output
    assert "the brake stopped the run before writing" in result.output
    assert "3 unsubscribes of people --skip-unsubscribed left out" in result.output
    assert unsubscribes(sandbox) == []
    assert all(sandbox.store.state_of(e) == "active" for e in ("a@example.com", "b@example.com"))


@pytest.mark.parametrize("kind", KINDS)
def test_a_state_file_run_that_does_not_read_kit_says_which_opt_outs_it_did_not_check(sandbox, tmp_path, kind):
    seed_created(sandbox.store, "old@example.com", "2023-03-01 09:00:00")
    source = write(tmp_path / "people.csv", PEOPLE)
    args = ["run", source, "--state", "s.db", "--compare", "never", "--report", "r.json"]
    first = invoke(args, env_for(sandbox, kind), cwd=tmp_path)
    assert first.exit_code == 0, first.output
    assert sandbox.store.state_of("old@example.com") == "cancelled"
    assert "not checked against Kit" not in first.output  # this run checked her: its upsert answered

    sandbox.store.resubscribe("old@example.com")
    before = len(sandbox.requests)
    again = invoke(args, env_for(sandbox, kind), cwd=tmp_path)
    assert again.exit_code == 0, again.output
    assert not [r for r in sandbox.requests[before:] if "old@example.com" in json.dumps(r)]  # no request added
    flat = " ".join(again.output.split())
    assert ("1 person the file says opted out was not checked against Kit this run: an earlier run saw the "
            "opt-out honoured, and a re-subscription in Kit since keeps them active; --compare always checks "
            "them") in flat
    assert json.loads((tmp_path / "r.json").read_text())["opt_outs_unchecked"] == 1
    assert sandbox.store.state_of("old@example.com") == "active"  # as the policy says of a re-subscription


def test_an_opt_out_the_run_memory_never_saw_honoured_is_checked_whatever_else_it_knows():
    from importer.decide.unsubscribes import Mode, owed
    from importer.records import Contact, KitState
    left = Contact("x@example.com", None, {}, [2], state=KitState.CANCELLED, confirmed=frozenset({"left"}))
    assert owed(left, Mode.HONOUR) and owed(left, Mode.FORCE)  # Kit held them not active, but not for this opt-out
    seen = Contact("x@example.com", None, {}, [2], state=KitState.CANCELLED,
                   confirmed=frozenset({"left", "honoured"}))
    assert not owed(seen, Mode.HONOUR) and not owed(seen, Mode.KEEP)


@pytest.mark.parametrize("kind", KINDS)
def test_a_nightly_skip_run_looks_up_a_skipped_opt_out_once_then_remembers_it_honoured(sandbox, tmp_path, kind):
    seed_created(sandbox.store, "old@example.com", "2023-03-01 09:00:00")
    source = write(tmp_path / "people.csv", SKIPPED)
    args = ["run", source, "--skip-unsubscribed", "--state", "s.db", "--compare", "never", "--report", "r.json"]
    first = invoke(args, env_for(sandbox, kind), cwd=tmp_path)
    assert first.exit_code == 0, first.output
    assert sandbox.store.state_of("old@example.com") == "cancelled"
    before = len(sandbox.requests)
    again = invoke(args, env_for(sandbox, kind), cwd=tmp_path)
    assert again.exit_code == 0, again.output
    assert not [r for r in sandbox.requests[before:] if "old@example.com" in json.dumps(r)]  # not looked up again
    flat = " ".join(again.output.split())
    assert "1 person --skip-unsubscribed left out was not checked against Kit this run" in flat
    assert json.loads((tmp_path / "r.json").read_text())["opt_outs_unchecked"] == 1
