"""The Differ (a contact against a read or the state's cache), the Tally it fills, the state as a
cache of a read, and the --diff CSV: unit tests, no request sent."""

from __future__ import annotations

import csv
import datetime as dt

from conftest import COMPANY, LAST_NAME
from importer.decide.held import Account
from importer.decide.compare import Kind
from importer.outputs.diff import NOT_KEPT, write_diff
from importer.decide.difference import Differ
from importer.kit.reads import HeldSubscriber, HeldTag
from importer.decide.tally import Tally
from importer.records import Contact, KitState
from importer.decide.run_memory import RunMemory
from importer.decide.unsubscribes import Kept, Mode

FIELDS = {f.key: f for f in (LAST_NAME, COMPANY)}


def held(sid: int, email: str, first: str | None = None, tags: tuple[str, ...] | None = (), **values: str | None):
    return HeldSubscriber(sid, email, first, KitState.ACTIVE, dict(values),
                          None if tags is None else tuple(HeldTag(None, t) for t in tags), None)


def account(*subscribers: HeldSubscriber) -> Account:
    return Account({s.email.casefold(): s for s in subscribers}, total=len(subscribers),
                   started_at=dt.datetime(2026, 11, 22, 3, 0, tzinfo=dt.timezone.utc))


def contact(email: str, first: str | None = None, tags: tuple[str, ...] = (), **values: str) -> Contact:
    by_key = {LAST_NAME.key: LAST_NAME, COMPANY.key: COMPANY}
    return Contact(email, first, {by_key[k]: v for k, v in values.items()}, [2], tags=tags)


def test_a_plan_counts_per_column_and_keeps_only_what_is_sent_to_existing_subscribers():
    differ = Differ(account(held(1, "ann@example.com", "Ann", tags=("VIP",), last_name="Lee", company="Acme")))
    plan = Tally()
    for c in (contact("ann@example.com", "Ann", ("vip", "New"), last_name="Lee", company="Beta"),
              contact("bo@example.com", "Bo", last_name="Ray")):
        plan.add(*differ.compare(c))
    assert plan.columns() == {"first name": {"equal": 1, "new": 1}, "Company": {"changed": 1},
                              "Last name": {"equal": 1, "new": 1}, "tag": {"equal": 1, "new": 1}}
    assert (plan.created, plan.existing, plan.changed_contacts, plan.changed_existing) == (["bo@example.com"], 1, 2, 1)
    assert [(c.what, c.kind, c.kit_value, c.file_value) for c in plan.changes] == [
        ("Company", Kind.CHANGED, "Acme", "Beta"), ("tag", Kind.NEW, None, "New")]
    assert dict(plan.tags) == {"New": 1}


def test_an_opt_out_is_an_unsubscribe_by_default_and_with_keep_kit_state_is_listed_not_sent():
    kit = held(1, "old@example.com", "Old")
    leaving = Contact("old@example.com", "Old", {}, [2], state=KitState.CANCELLED)
    plan = Tally()
    plan.add(*Differ(account(kit)).compare(leaving))
    assert (plan.changed_contacts, plan.changed_existing, plan.unsubscribes) == (1, 1, ["old@example.com"])
    asked = Differ(account(kit)).difference(leaving)
    # Kit holds them active (the read says so): the unsubscribe goes by id, with no upsert to learn the state
    assert asked is not None and asked.subscriber_id == 1 and asked.state is KitState.CANCELLED
    assert "active" in asked.confirmed
    kept = Tally()
    kept.add(*Differ(account(kit), consent=Mode.KEEP).compare(leaving))
    assert (kept.changed_contacts, kept.unsubscribes) == (0, [])
    assert kept.kept_active == [("old@example.com", Kept.KEEP_KIT_STATE.value)]


def test_absence_of_consent_never_unsubscribes_whatever_the_mode():
    kit = held(1, "pen@example.com", "Pen")
    pending = Contact("pen@example.com", "Pen", {}, [2], state=KitState.INACTIVE)
    for mode in Mode:
        plan = Tally()
        comparison, _ = Differ(account(kit), consent=mode).compare(pending)
        plan.add(comparison)
        assert comparison.difference is None and (plan.unsubscribes, plan.kept_active) == ([], [])
        [state] = [c for c in comparison.changes if c.what == "state"]
        assert (state.kind, state.sent) == (Kind.KEPT, False) and "absence of consent" in state.why


def test_the_state_caches_a_read_and_a_refresh_counts_drift_and_falls_back_on_the_cache(tmp_path):
    state = RunMemory(tmp_path / "s.db")
    assert state.read_at() is None
    first = account(held(1, "ann@example.com", "Ann", last_name="Lee", company="Acme"),
                    held(2, "bo@example.com", "Bo", tags=("VIP",), last_name="Ray"))
    state.cache(first.subscribers.values(), FIELDS, first.started_at)
    assert state.read_at() == first.started_at
    # Ann's company was edited in Kit: the refresh sees her only; Bo comes from the cache.
    refresh = account(held(1, "ann@example.com", "Ann", last_name="Lee", company="Edited"))
    differ = Differ(refresh, refreshed=True, state=state)
    plan = Tally()
    for c in (contact("ann@example.com", "Ann", last_name="Lee", company="Acme"),
              contact("bo@example.com", "Bo", ("vip",), last_name="Ray", company="New"),
              contact("cy@example.com", "Cy")):
        plan.add(*differ.compare(c))
    assert plan.drift == 1 and plan.created == ["cy@example.com"] and plan.existing == 2
    ann, bo = (differ.difference(contact(e, **v)) for e, v in (("ann@example.com", {"company": "Acme"}),
                                                               ("bo@example.com", {"company": "New"})))
    assert ann.fields == {COMPANY: "Acme"} and ann.subscriber_id == 1
    assert bo.fields == {COMPANY: "New"} and bo.subscriber_id == 2
    assert not differ.is_new("bo@example.com") and differ.is_new("cy@example.com")
    assert differ.difference(contact("bo@example.com", "Bo", ("VIP",), last_name="Ray")) is None

    path = tmp_path / "d.csv"
    assert write_diff(path, (differ.compare(c)[0] for c in (
        contact("bo@example.com", "Bo", last_name="=1+1", company="New"),
        contact("ann@example.com", "Ann", company="Acme")))) == 3
    with path.open(encoding="utf-8-sig", newline="") as f:
        lines = list(csv.reader(f))[1:]
    assert lines == [["bo@example.com", "Last name", "changed", NOT_KEPT, "'=1+1", ""],
                     ["bo@example.com", "Company", "new", "", "New", ""],
                     ["ann@example.com", "Company", "changed", "Edited", "Acme", ""]]
    state.close()
