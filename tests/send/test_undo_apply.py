"""Undo applies its lines through the scheduler: several requests in flight, Ctrl-C stopping it with every
line left in its failures CSV, and a request Kit keeps failing failing only its own lines."""

from __future__ import annotations

import os
import signal
import threading

import pytest
from responses import matchers

from conftest import BASE, make_client
from helpers import failures_of
from importer.kit import Credential, KitClient
from importer.outputs.undo import FIELD, FIRST_NAME, TAG, UndoLine
from importer.records import REASON_NOT_CONFIRMED, REASON_NOT_SENT
from importer.sandbox import Behaviour
from importer.send.stages import undo as undo_stages
from importer.send.undo import undo
from importer.undo import undo_run

COUNT = 12


def seeded(store, count: int = COUNT) -> list[UndoLine]:
    """`count` subscribers whose Company a run set to "New Co": their lines put back "Old Co"."""
    company = next(f for f in store.fields.values() if f.label == "Company")
    lines = []
    for i in range(count):
        person, _ = store.upsert(f"p{i}@example.com", f"P{i}", set_first_name=True)
        person.values[company.id] = "New Co"
        lines.append(UndoLine(f"p{i}@example.com", person.id, FIELD, company.key, "Company", "Old Co"))
    return lines


def client_of(sandbox, kind: str) -> KitClient:
    secret = sandbox.access_token if kind == "oauth" else sandbox.api_key
    return KitClient(Credential(kind, secret), sandbox.url)


def companies(store) -> dict[str, str | None]:
    return {email: p["fields"].get("Company") for email, p in store.snapshot().items()}


class InFlight:
    """Wraps a kit/ call the undo stages make, counting the most requests ever in flight at once; a
    request for an email in `stuck` waits (up to 10 s) for `release`."""

    def __init__(self, call, stuck: frozenset[str] = frozenset()) -> None:
        self.call, self.stuck = call, stuck
        self.now = self.most = 0
        self.lock = threading.Lock()
        self.started: set[str] = set()
        self.all_stuck = threading.Event()
        self.release = threading.Event()

    def __call__(self, client, subscriber, values):
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)
            self.started.add(subscriber.email)
            if self.stuck <= self.started and self.stuck:
                self.all_stuck.set()
        try:
            if subscriber.email in self.stuck:
                self.release.wait(10)
            return self.call(client, subscriber, values)
        finally:
            with self.lock:
                self.now -= 1


@pytest.mark.parametrize("behaviour", [Behaviour(latency=(0.05, 0.1))], ids=["slow-kit"])
def test_undo_has_several_requests_in_flight_and_sends_no_more_than_before(sandbox, store, monkeypatch, behaviour):
    lines = seeded(store)
    watch = InFlight(undo_stages.upsert_subscriber)
    monkeypatch.setattr(undo_stages, "upsert_subscriber", watch)
    report = undo(lines, client_of(sandbox, "api_key"), concurrency=4)
    assert watch.most > 1  # concurrent, not one request after another
    assert report.failed == [] and report.restored[FIELD] == COUNT
    assert set(companies(store).values()) == {"Old Co"}
    assert report.requests == 1 + COUNT  # the field list, then one upsert per subscriber: as before


@pytest.mark.parametrize("behaviour", [Behaviour(latency=(0.02, 0.05))], ids=["slow-kit"])
def test_with_oauth_each_kind_is_still_filled_100_a_request(sandbox, store, behaviour):
    lines = seeded(store, 250)
    names = [UndoLine(line.email, line.subscriber_id, FIRST_NAME, kit_value=None) for line in lines]
    report = undo(lines + names, client_of(sandbox, "oauth"))
    assert report.failed == [] and report.restored[FIELD] == 250 and report.cleared[FIRST_NAME] == 250
    posts = [p for m, p, _, _ in sandbox.requests if m == "POST"]
    assert posts.count("/v4/bulk/custom_fields/subscribers") == 3 and posts.count("/v4/bulk/subscribers") == 3
    assert set(companies(store).values()) == {"Old Co"}


def test_ctrl_c_mid_undo_leaves_the_lines_not_sent_and_not_confirmed_in_its_failures_csv(
        sandbox, store, tmp_path, monkeypatch):
    monkeypatch.setenv("KIT_IMPORT_STOP_GRACE", "0.3")
    lines = seeded(store)
    undo_file = tmp_path / "people.csv.undo.csv"
    from importer.outputs.failures import write_csv
    from importer.outputs.undo import COLUMNS
    write_csv(undo_file, COLUMNS, (line.cells() for line in lines))
    stuck = frozenset({"p1@example.com", "p2@example.com"})
    watch = InFlight(undo_stages.upsert_subscriber, stuck)
    monkeypatch.setattr(undo_stages, "upsert_subscriber", watch)

    def ctrl_c() -> None:
        if watch.all_stuck.wait(10):
            os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=ctrl_c, daemon=True).start()
    try:
        report = undo_run(undo_file, client=client_of(sandbox, "api_key"))
    finally:
        watch.release.set()
    assert report.exit_status == 130 and report.stopped == "interrupted (Ctrl-C)"
    failed = {row[0]: row[-1] for row in failures_of(tmp_path / "people.csv.undo.csv.failures.csv")[1:]}
    assert {e for e, why in failed.items() if why.startswith(REASON_NOT_CONFIRMED)} == set(stuck)
    not_sent = {e for e, why in failed.items() if why.startswith(REASON_NOT_SENT)}
    restored = {e for e, company in companies(store).items() if company == "Old Co"}
    assert "p0@example.com" in restored and not_sent and not restored & set(failed)
    assert restored | set(failed) == {line.email for line in lines}  # every line accounted for, once
    assert report.restored[FIELD] == len(restored)
    assert "Stopped:" in report.summary() and "not undone" in report.closing_line()


def test_kit_failing_after_every_retry_fails_only_that_subscribers_upsert(kit):
    client = make_client("api_key", "s3cret-key")
    kit.get(f"{BASE}/v4/custom_fields", json={"custom_fields": [{"id": 7, "name": "company", "key": "company",
                                                                  "label": "Company"}],
                                             "pagination": {"has_next_page": False}})
    kit.post(f"{BASE}/v4/subscribers", status=503, json={"errors": ["Service unavailable"]},
             match=[matchers.json_params_matcher({"email_address": "b@example.com"}, strict_match=False)])
    for email in ("a@example.com", "c@example.com"):
        kit.post(f"{BASE}/v4/subscribers", status=200,
                 json={"subscriber": {"id": 1, "first_name": None, "email_address": email, "state": "active",
                                      "created_at": "2023-02-17T11:43:55Z", "fields": {"company": "Old"}}},
                 match=[matchers.json_params_matcher({"email_address": email}, strict_match=False)])
    lines = [UndoLine(f"{p}@example.com", i, FIELD, "company", "Company", "Old") for i, p in enumerate("abc", 1)]
    lines.append(UndoLine("b@example.com", 2, TAG, "VIP"))
    kit.get(f"{BASE}/v4/tags", json={"tags": [{"id": 5, "name": "VIP", "created_at": "2023-02-17T11:43:55Z"}],
                                     "pagination": {"has_next_page": False}})
    kit.delete(f"{BASE}/v4/tags/5/subscribers/2", status=204)
    report = undo(lines, client)
    assert [(line.email, line.what) for line, _ in report.failed] == [("b@example.com", FIELD)]
    assert report.restored[FIELD] == 2 and report.restored[TAG] == 1 and report.exit_status == 3
