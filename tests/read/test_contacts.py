"""Rows -> contacts or rejections, one for one, following a column plan."""

from __future__ import annotations

from conftest import COMPANY, KIT_FIELDS, LAST_NAME
from importer.read.contacts import map_rows
from importer.read.columns import plan_columns
from importer.read.merge import ContactMerger
from importer.records import Contact, Rejection, Row


def test_rows_map_to_contacts_and_rejections_one_for_one():
    plan = plan_columns(["Email", "First Name", "Company", "Last name"], KIT_FIELDS)
    rows = [Row(2, ("a@example.com", " Ann ", "Acme", "")), Row(3, ("nope", "X", "", "")),
            Row(4, ("b@example.com", "", "", "")), Row(5, ("c@example.com", "Cy", "x", "y", "z"), "ragged row: 1 cell")]
    out = list(map_rows(rows, plan))
    # Blank cells come out as "" (what a blank means is the merger's decision, below).
    assert out == [Contact("a@example.com", "Ann", {COMPANY: "Acme", LAST_NAME: ""}, [2]),
                   Rejection(3, "invalid email", "'nope' is missing an @"),
                   Contact("b@example.com", None, {COMPANY: "", LAST_NAME: ""}, [4]),
                   Rejection(5, "ragged row", "1 cell")]


def test_a_short_rows_missing_cells_are_absent_not_blank():
    plan = plan_columns(["Email", "First Name", "Company", "Last name"], KIT_FIELDS)
    rows = [Row(2, ("a@example.com", "Ann", "")), Row(3, ("b@example.com",)), Row(4, ())]
    assert list(map_rows(rows, plan)) == [Contact("a@example.com", "Ann", {COMPANY: ""}, [2]),
                                          Contact("b@example.com", None, {}, [3]), Rejection(4, "missing email")]


def test_blanks_clear_sends_empty_values_but_never_a_blank_first_name():
    plan = plan_columns(["Email", "First Name", "Company"], KIT_FIELDS)
    merger = ContactMerger([COMPANY], clear_blanks=True)
    for contact in map_rows([Row(2, ("a@example.com", "", ""))], plan):
        merger.add(contact)
    [contact] = merger.contacts()
    assert contact.first_name is None and contact.fields == {COMPANY: ""}


def test_a_long_cell_is_sent_as_it_is():
    plan = plan_columns(["Email", "Company"], KIT_FIELDS)
    [contact] = map_rows([Row(2, ("a@example.com", "x" * 150_000))], plan)
    assert contact.fields == {COMPANY: "x" * 150_000}
