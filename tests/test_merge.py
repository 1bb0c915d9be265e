"""The merger: duplicate emails make one contact; blank and absent cells never overwrite."""

from __future__ import annotations

import pytest

from conftest import COMPANY, LAST_NAME
from importer.merge import ContactMerger
from importer.records import Contact


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
