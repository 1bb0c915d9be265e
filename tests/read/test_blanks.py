"""The blank policy (read/blanks.py), one owner for the merge and the comparison; and the one chunker."""

from __future__ import annotations

import pytest

from importer.decide.compare import Kind, compare
from importer.kit import BULK_LIMIT, batched, batches
from importer.kit.reads import HeldSubscriber
from importer.read.blanks import Blanks, Verdict
from importer.read.merge import ContactMerger
from importer.records import Contact, CustomField

COMPANY = CustomField(1, "company", "Company")


@pytest.mark.parametrize("value, kit, verdict", [
    ("Acme", None, Verdict.NEW), ("Acme", " ", Verdict.NEW), (" Acme ", "Acme", Verdict.EQUAL),
    ("Beta", "Acme", Verdict.CHANGED), ("", "Acme", Verdict.CLEARED), ("  ", None, Verdict.NOTHING),
])
def test_a_kept_value_against_kits(value, kit, verdict):
    assert Blanks.against(value, kit) is verdict


def test_a_blank_cell_is_kept_only_to_clear():
    assert not Blanks().keeps("  ") and Blanks(clear=True).keeps("  ") and Blanks().keeps("x")


@pytest.mark.parametrize("clear, sent", [(False, {}), (True, {COMPANY: ""})])
def test_the_merge_and_the_comparison_ask_the_same_policy(clear, sent):
    merger = ContactMerger([COMPANY], blanks=Blanks(clear=clear))
    merger.add(Contact("a@example.com", None, {COMPANY: " "}, [2]))
    [contact] = merger.contacts()
    assert contact.fields == sent
    held = HeldSubscriber(1, "a@example.com", None, None, {"company": "Acme"}, None, None)
    kinds = [c.kind for c in compare(contact, held).changes if c.field is COMPANY]
    assert kinds == ([Kind.CLEARED] if clear else [])


def test_one_chunker_fills_requests_to_kits_bulk_limit():
    items = list(range(2 * BULK_LIMIT + 1))
    assert [len(b) for b in batched(items)] == [BULK_LIMIT, BULK_LIMIT, 1] and batches(len(items)) == 3
    assert list(batched([])) == [] and batches(0) == 0


def test_one_matcher_pairs_a_bulk_answer_with_its_items_in_any_order():
    from importer.kit import match
    matched = match(["a", "b", "a", "c"], [("c", "C"), ("a", "A1")], [("b", "refused"), (None, "no name")])
    assert matched.done == [(3, "C"), (0, "A1")] and matched.failed == [(1, "refused")]
    assert matched.unnamed == ["no name"] and matched.left == [2]  # the second `a` Kit did not confirm
