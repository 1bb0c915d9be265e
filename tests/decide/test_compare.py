"""compare.py: one file contact against Kit's subscriber, table-driven: the changes and the difference to send."""

from __future__ import annotations

import pytest

from importer.decide.compare import FIRST_NAME, STATE, SUBSCRIBER, TAG, Change, Kind, compare, tally
from importer.kit import HeldSubscriber, HeldTag
from importer.records import Contact, CustomField, KitState

COMPANY = CustomField(2, "company", "Company")
CITY = CustomField(4, "city", "City")


def held(first: str | None = "Ann", state: KitState | None = KitState.ACTIVE, tags: tuple[str, ...] | None = (),
         **fields: str | None) -> HeldSubscriber:
    return HeldSubscriber(42, "Ann@Example.com", first, state, {"company": "Acme", "city": None, **fields},
                          None if tags is None else tuple(HeldTag(i, t) for i, t in enumerate(tags)), None)


def contact(first: str | None = None, fields: dict | None = None, tags: tuple[str, ...] = (),
            state: KitState | None = None) -> Contact:
    return Contact("ann@example.com", first, fields or {}, [7], tags=tags, state=state)


def items(comparison) -> list[tuple[str, Kind, str | None, str | None]]:
    return [(c.what, c.kind, c.kit_value, c.file_value) for c in comparison.changes if c.what != SUBSCRIBER]


CASES = [
    # id, file contact, Kit's subscriber, expected items (without the subscriber line), the difference
    ("new-subscriber", contact("Ann", {COMPANY: "Acme", CITY: ""}, ("VIP",), KitState.CANCELLED), None,
     [(FIRST_NAME, Kind.NEW, None, "Ann"), ("Company", Kind.NEW, None, "Acme"), (TAG, Kind.NEW, None, "VIP")],
     Contact("ann@example.com", "Ann", {COMPANY: "Acme"}, [7], tags=("VIP",), state=KitState.CANCELLED)),
    ("all-equal", contact("Ann", {COMPANY: " Acme "}, ("vip",), KitState.ACTIVE), held(tags=("VIP",)),
     [(FIRST_NAME, Kind.EQUAL, "Ann", "Ann"), ("Company", Kind.EQUAL, "Acme", "Acme"), (TAG, Kind.EQUAL, "VIP", "vip")],
     None),
    ("changed-value", contact(None, {COMPANY: "Initech"}), held(),
     [("Company", Kind.CHANGED, "Acme", "Initech")],
     Contact("ann@example.com", None, {COMPANY: "Initech"}, [7], subscriber_id=42)),
    ("new-value", contact(None, {CITY: "Oslo"}), held(),
     [("City", Kind.NEW, None, "Oslo")], Contact("ann@example.com", None, {CITY: "Oslo"}, [7], subscriber_id=42)),
    ("blank-skip-sends-nothing", contact(None, {}), held(), [], None),
    ("blank-clear-clears-a-value", contact(None, {COMPANY: "", CITY: ""}), held(),
     [("Company", Kind.CLEARED, "Acme", None)], Contact("ann@example.com", None, {COMPANY: ""}, [7], subscriber_id=42)),
    ("blank-clear-of-a-blank-kit-value", contact(None, {COMPANY: ""}), held(company="  "), [], None),
    ("first-name-changed", contact("Annie", {COMPANY: "Acme"}), held(),
     [(FIRST_NAME, Kind.CHANGED, "Ann", "Annie"), ("Company", Kind.EQUAL, "Acme", "Acme")],
     Contact("ann@example.com", "Annie", {}, [7])),  # an upsert: no id, so the first name goes with it
    ("first-name-new", contact("Ann"), held(first=None), [(FIRST_NAME, Kind.NEW, None, "Ann")],
     Contact("ann@example.com", "Ann", {}, [7])),
    ("blank-first-name-never-sent", contact("  "), held(), [], None),
    ("tags-ignoring-case", contact(tags=("vip", "Buyer")), held(tags=("VIP", "Old")),
     [(TAG, Kind.EQUAL, "VIP", "vip"), (TAG, Kind.NEW, None, "Buyer")],
     Contact("ann@example.com", None, {}, [7], subscriber_id=42, tags=("Buyer",))),
    ("tags-not-read-are-all-new", contact(tags=("VIP",)), held(tags=None), [(TAG, Kind.NEW, None, "VIP")],
     Contact("ann@example.com", None, {}, [7], subscriber_id=42, tags=("VIP",))),
    ("leaving-is-a-change", contact(state=KitState.CANCELLED), held(),
     [(STATE, Kind.CHANGED, "active", "cancelled")],
     Contact("ann@example.com", None, {}, [7], subscriber_id=42, state=KitState.CANCELLED)),
    ("never-reactivated", contact(state=KitState.ACTIVE), held(state=KitState.CANCELLED),
     [(STATE, Kind.DIFFERS, "cancelled", "active")], None),
    ("bounced-vs-cancelled-only-reported", contact(state=KitState.CANCELLED), held(state=KitState.BOUNCED),
     [(STATE, Kind.DIFFERS, "bounced", "cancelled")], None),
    ("kit-state-unknown", contact(state=KitState.CANCELLED), held(state=None), [], None),
    ("case-sensitive-values", contact(None, {COMPANY: "ACME"}), held(),
     [("Company", Kind.CHANGED, "Acme", "ACME")], Contact("ann@example.com", None, {COMPANY: "ACME"}, [7],
                                                          subscriber_id=42)),
]


@pytest.mark.parametrize("file, kit, expected, difference", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_compare(file, kit, expected, difference):
    comparison = compare(file, kit)
    assert items(comparison) == expected
    assert comparison.difference == difference
    assert comparison.differs == (difference is not None)
    subscriber = comparison.changes[0]
    assert (subscriber.what, subscriber.kind) == (SUBSCRIBER, Kind.NEW if kit is None else Kind.EQUAL)


def test_changes_carry_the_field_and_say_whether_they_are_sent():
    comparison = compare(contact("Ann", {COMPANY: "Initech"}, state=KitState.ACTIVE), held(state=KitState.CANCELLED))
    assert [(c.what, c.sent) for c in comparison.changes] == [
        (SUBSCRIBER, False), (FIRST_NAME, False), ("Company", True), (STATE, False)]
    assert comparison.changes[2] == Change("ann@example.com", "Company", Kind.CHANGED, "Acme", "Initech", COMPANY)


def test_emails_match_ignoring_case_and_another_email_is_refused():
    assert compare(Contact("ANN@EXAMPLE.COM", None, {}, [1]), held()).difference is None
    with pytest.raises(ValueError):
        compare(Contact("bob@example.com", None, {}, [1]), held())


def test_tally_counts_per_item_and_kind_for_the_plan():
    changes = [c for f, k in [(contact("Ann", {COMPANY: "Acme"}), None),
                              (contact("Ann", {COMPANY: "Initech", CITY: ""}, ("VIP",)), held(city="Oslo"))]
               for c in compare(f, k).changes]
    assert tally(changes) == {(SUBSCRIBER, Kind.NEW): 1, (SUBSCRIBER, Kind.EQUAL): 1, (FIRST_NAME, Kind.NEW): 1,
                              (FIRST_NAME, Kind.EQUAL): 1, ("Company", Kind.NEW): 1, ("Company", Kind.CHANGED): 1,
                              ("City", Kind.CLEARED): 1, (TAG, Kind.NEW): 1}
