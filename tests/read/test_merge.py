"""The merger: duplicate emails make one contact; blank and absent cells never overwrite."""

from __future__ import annotations

import pytest

from conftest import COMPANY, LAST_NAME
from importer.read.merge import ContactMerger
from importer.records import Contact, KitState


@pytest.mark.parametrize("clear", [False, True], ids=["blanks-skip", "blanks-clear"])
def test_absent_cells_are_never_sent_and_never_override_a_duplicate(clear):
    merger = ContactMerger([COMPANY, LAST_NAME], clear_blanks=clear)
    merger.add(Contact("a@example.com", "Ann", {COMPANY: "Acme", LAST_NAME: "Lee"}, [2]))
    merger.add(Contact("a@example.com", None, {}, [3]))  # a short row: both cells absent
    merger.add(Contact("b@example.com", None, {COMPANY: ""}, [4]))  # Last name absent, Company blank
    merger.add(Contact("c@example.com", None, {}, [5]))
    merger.add(Contact("c@example.com", None, {LAST_NAME: ""}, [6]))  # a blank after an absent cell
    a, b, c = merger.contacts()
    assert a.fields == {COMPANY: "Acme", LAST_NAME: "Lee"}
    assert b.fields == ({COMPANY: ""} if clear else {})
    assert c.fields == ({LAST_NAME: ""} if clear else {})
    assert merger.value_count() == (4 if clear else 2)
    assert merger.rows == 5


def test_duplicates_merge_case_insensitively_and_later_non_blank_cells_win():
    merger = ContactMerger()
    merger.add(Contact("Ann@example.com", "Ann", {COMPANY: "Acme", LAST_NAME: "Lee"}, [2]))
    merger.add(Contact("b@example.com", None, {}, [3]))
    merger.add(Contact("ANN@EXAMPLE.COM", None, {COMPANY: "Beta", LAST_NAME: ""}, [7]))
    assert merger.merged == 1
    [ann, b] = list(merger.contacts())
    assert ann == Contact("Ann@example.com", "Ann", {COMPANY: "Beta", LAST_NAME: "Lee"}, [2, 7])
    assert b.email == "b@example.com"


def test_tags_add_up_across_duplicate_rows_once_per_name_ignoring_case():
    merger = ContactMerger()
    merger.add(Contact("ann@example.com", "Ann", {}, [2], tags=("VIP", "Spring 2024")))
    merger.add(Contact("ANN@example.com", None, {}, [5], tags=("vip", "Webinar")))
    (ann,) = merger.contacts()
    assert ann.tags == ("VIP", "Spring 2024", "Webinar") and ann.first_name == "Ann" and ann.rows == [2, 5]


@pytest.mark.parametrize("first, second, merged", [
    (KitState.CANCELLED, KitState.ACTIVE, KitState.CANCELLED),  # nobody who left is made active by another row
    (KitState.ACTIVE, KitState.BOUNCED, KitState.BOUNCED),
    (KitState.CANCELLED, KitState.BOUNCED, KitState.BOUNCED),
    (KitState.COMPLAINED, None, KitState.COMPLAINED),  # a row that says nothing changes nothing
    (None, KitState.ACTIVE, KitState.ACTIVE),
    (None, None, None),
])
def test_a_state_that_is_not_active_wins_over_active(first, second, merged):
    merger = ContactMerger()
    merger.add(Contact("bo@example.com", None, {}, [2], state=first))
    merger.add(Contact("bo@example.com", None, {}, [3], state=second))
    assert next(merger.contacts()).state == merged
