"""The holes in honouring the file's opt-outs, closed end to end against the sandbox: an upsert Kit
queues (202) without a state, --skip-unsubscribed, and a state-file run that does not read Kit."""

from __future__ import annotations

from importer.sandbox import routes
from conftest import write
from helpers import env_for, failures_of, invoke
from test_unsubscribe_default import seed_created, unsubscribes

KINDS = ["oauth", "api_key"]
PEOPLE = "Email,First Name,Status\nann@example.com,Ann,subscribed\nold@example.com,Old,unsubscribed\n"


def queue_upserts(monkeypatch, echo) -> None:
    """Kit answers every single upsert 202 (queued), applied, with `echo(subscriber json)` as its body."""
    create = routes._create_subscriber

    def queued(store, body):
        _, reply = create(store, body)
        return 202, echo(reply["subscriber"])
    monkeypatch.setattr(routes, "_create_subscriber", queued)


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
