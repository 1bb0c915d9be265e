"""The unsubscribe policy (decide/unsubscribes.py): who the file's opt-outs unsubscribe, who stays active and why."""

from __future__ import annotations

import datetime as dt

import pytest

from importer.decide.unsubscribes import CREATED_HERE, HONOURED, Kept, Mode, decide, may_unsubscribe, outlook
from importer.records import Contact, KitState

UTC = dt.timezone.utc
LEFT = dt.datetime(2024, 1, 15, 10, 0, tzinfo=UTC)  # the file's unsubscribe time
BEFORE, AFTER = LEFT - dt.timedelta(days=30), LEFT + dt.timedelta(days=30)  # Kit's creation


def person(state: KitState | None, at: dt.datetime | None = None, confirmed: frozenset[str] = frozenset()) -> Contact:
    return Contact("p@example.com", None, {}, [2], state=state, unsubscribed_at=at, confirmed=confirmed)


@pytest.mark.parametrize("state", [KitState.CANCELLED, KitState.BOUNCED, KitState.COMPLAINED])
def test_an_explicit_opt_out_unsubscribes_a_subscriber_kit_holds_active(state):
    verdict = decide(person(state), KitState.ACTIVE, BEFORE)
    assert verdict.unsubscribe and verdict.kept is None


@pytest.mark.parametrize("mode", list(Mode))
@pytest.mark.parametrize("state", [KitState.INACTIVE, KitState.ACTIVE, None])
def test_absence_of_consent_or_an_opt_in_never_unsubscribes_and_is_no_exception(state, mode):
    verdict = decide(person(state, LEFT), KitState.ACTIVE, BEFORE, mode)
    assert not verdict.unsubscribe and verdict.kept is None


@pytest.mark.parametrize("mode", list(Mode))
@pytest.mark.parametrize("kit", [KitState.CANCELLED, KitState.BOUNCED, KitState.INACTIVE, None])
def test_nobody_kit_does_not_hold_active_is_unsubscribed_or_counted_kept(kit, mode):
    verdict = decide(person(KitState.CANCELLED), kit, BEFORE, mode)
    assert not verdict.unsubscribe and verdict.kept is None


def test_a_subscriber_kit_created_after_the_files_unsubscribe_time_stays_active():
    assert decide(person(KitState.CANCELLED, LEFT), KitState.ACTIVE, AFTER).kept is Kept.NEWER_IN_KIT
    assert decide(person(KitState.CANCELLED, LEFT), KitState.ACTIVE, BEFORE).unsubscribe
    assert decide(person(KitState.CANCELLED, LEFT), KitState.ACTIVE, LEFT).unsubscribe  # not after: honoured
    assert decide(person(KitState.CANCELLED, LEFT), KitState.ACTIVE, None).unsubscribe  # Kit gave no time
    assert decide(person(KitState.CANCELLED), KitState.ACTIVE, AFTER).unsubscribe  # the file gave no time
    created_here = person(KitState.CANCELLED, LEFT, frozenset({CREATED_HERE}))  # a run imported an older export
    assert decide(created_here, KitState.ACTIVE, AFTER).unsubscribe
    naive = AFTER.replace(tzinfo=None)  # a creation time without a zone is Kit's UTC
    assert decide(person(KitState.CANCELLED, LEFT), KitState.ACTIVE, naive).kept is Kept.NEWER_IN_KIT


def test_a_person_an_earlier_run_saw_the_opt_out_honoured_for_and_now_active_resubscribed_in_kit():
    honoured = frozenset({HONOURED})
    assert decide(person(KitState.CANCELLED, confirmed=honoured), KitState.ACTIVE, BEFORE).kept is Kept.RESUBSCRIBED
    assert not may_unsubscribe(person(KitState.CANCELLED, confirmed=honoured), Mode.HONOUR)
    assert may_unsubscribe(person(KitState.CANCELLED, confirmed=honoured), Mode.FORCE)


def test_keep_kit_state_keeps_every_opt_out_and_unsubscribe_honours_every_one():
    newer = person(KitState.CANCELLED, LEFT, frozenset({HONOURED}))
    assert decide(newer, KitState.ACTIVE, AFTER, Mode.FORCE).unsubscribe
    assert decide(person(KitState.BOUNCED), KitState.ACTIVE, BEFORE, Mode.KEEP).kept is Kept.KEEP_KIT_STATE
    assert not may_unsubscribe(person(KitState.CANCELLED), Mode.KEEP)


def test_the_outlook_before_a_read_counts_states_and_candidates():
    contacts = [person(KitState.CANCELLED), person(KitState.BOUNCED), person(KitState.INACTIVE), person(None),
                # an earlier run saw this opt-out honoured (Kit held them not active): no upsert
                person(KitState.CANCELLED, confirmed=frozenset({"left", "honoured"}))]
    states, candidates = outlook(contacts, Mode.HONOUR)
    assert (states, candidates) == ({KitState.CANCELLED: 2, KitState.BOUNCED: 1, KitState.INACTIVE: 1, None: 1}, 2)
    assert outlook(contacts, Mode.KEEP)[1] == 0
