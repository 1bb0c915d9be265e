"""RunMemory: what Kit has per email, bound to one account, journaled per acknowledged answer."""

from __future__ import annotations

import pytest

from conftest import COMPANY, LAST_NAME
from importer.errors import ConfigError
from importer.records import Contact, Outcome, Status
from importer.decide.run_memory import RunMemory


@pytest.fixture
def state(tmp_path):
    store = RunMemory(tmp_path / "nightly.state")
    yield store
    store.close()


def ann(first="Ann", fields=None) -> Contact:
    return Contact("Ann@Example.com", first, fields or {COMPANY: "Acme", LAST_NAME: "Lee"}, [2])


def settle(state: RunMemory, contact: Contact, subscriber_id: int = 7, unwritten=()) -> None:
    outcome = Outcome(contact, Status.CREATED, subscriber_id, unwritten=set(unwritten))
    state.upserted([outcome])
    state.settled([outcome])


def test_a_state_file_is_bound_to_the_first_account_and_refuses_another(state, tmp_path):
    state.bind_account(48213977, "Ann's newsletter")
    state.bind_account(48213977)  # the same account again: fine
    with pytest.raises(ConfigError, match="belongs to another Kit account") as caught:
        state.bind_account(1)
    assert "separate --state file per account" in caught.value.hint
    state.close()
    with pytest.raises(ConfigError, match="another Kit account"):  # remembered across runs
        RunMemory(tmp_path / "nightly.state").bind_account(2)


def test_an_unknown_contact_goes_whole_and_a_settled_one_not_at_all(state):
    assert state.changes(ann()) == ann()
    settle(state, ann())
    assert state.changes(ann()) is None
    assert state.changes(Contact("ann@example.COM", "Ann", {COMPANY: "Acme"}, [9])) is None  # email case aside
    assert len(state) == 1


def test_only_changed_values_go_with_the_known_subscriber_id(state):
    settle(state, ann())
    change = state.changes(ann(fields={COMPANY: "Beta", LAST_NAME: "Lee"}))
    assert change == Contact("Ann@Example.com", None, {COMPANY: "Beta"}, [2], subscriber_id=7,
                             confirmed=frozenset({"created here"}))  # a run created Ann: her created_at is its
    renamed = state.changes(ann("Annie"))
    assert renamed.first_name == "Annie" and renamed.subscriber_id is None and renamed.fields == {}


def test_a_value_kit_did_not_write_is_sent_again(state):
    settle(state, ann(), unwritten=[LAST_NAME])
    assert state.changes(ann()).fields == {LAST_NAME: "Lee"}


def test_an_upsert_journaled_before_its_values_resends_only_the_values(state):
    state.upserted([Outcome(ann(), Status.CREATED, 7)])  # the run stopped before the values went
    change = state.changes(ann())
    assert change.fields == {COMPANY: "Acme", LAST_NAME: "Lee"} and change.subscriber_id == 7


def test_the_file_keeps_fingerprints_never_emails_or_values(state, tmp_path):
    settle(state, ann())
    state.close()
    raw = (tmp_path / "nightly.state").read_bytes().lower()
    assert b"example.com" not in raw and b"acme" not in raw and b"lee" not in raw


def test_a_file_that_is_not_a_state_is_refused_with_a_hint(tmp_path):
    (tmp_path / "bad.state").write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(ConfigError, match="cannot be used") as caught:
        RunMemory(tmp_path / "bad.state")
    assert "Move it aside" in caught.value.hint
