"""Tag names: cells split into names, names matched to Kit's tags, missing ones created after the checks."""

from __future__ import annotations

import json

import pytest

from conftest import BASE
from importer.kit import Tag
from importer.read.tags import TagBook, split_tags, unique

CREATED = "2023-02-17T11:43:55Z"


@pytest.mark.parametrize("cell, names", [
    ("VIP", ("VIP",)),
    ("VIP, Spring 2024", ("VIP", "Spring 2024")),
    ('"VIP","Spring 2024"', ("VIP", "Spring 2024")),
    ('"VIP", "Spring, 2024"', ("VIP", "Spring, 2024")),
    ('"VIP"', ("VIP",)),
    ("  vip ,VIP,, Vip ", ("vip",)),
    ("", ()),
    ("  ", ()),
    (",,", ()),
    ('"Half open, quote', ("Half open", "quote")),
    ('"Line\nbreak",Other', ("Line\nbreak", "Other")),
], ids=["one", "commas", "mailchimp-quoted", "comma-inside-quotes", "one-quoted", "dedupe-ignoring-case",
        "blank", "spaces", "only-commas", "unbalanced-quote", "line-break"])
def test_a_cell_splits_into_trimmed_names_once_each(cell, names):
    assert split_tags(cell) == names


def test_unique_keeps_the_first_spelling_and_order():
    assert unique(["b", " A ", "B", "a", ""]) == ("b", "A")


def test_the_book_uses_kits_spelling_and_holds_the_missing_names():
    book = TagBook([Tag(5, "VIP"), Tag(6, "Newsletter")], ["vip", "Spring 2024", "SPRING 2024", "newsletter"])
    assert book["Vip"] == Tag(5, "VIP")
    assert book.spelling("vip") == "VIP"
    assert book.missing == ["Spring 2024"]


def tags_created(names):
    return {"tags": [{"id": 70 + i, "name": n, "created_at": CREATED} for i, n in enumerate(names)], "failures": []}


def test_with_oauth_missing_tags_are_created_100_a_request(kit, oauth_client):
    names = [f"Tag {i}" for i in range(150)]
    kit.post(f"{BASE}/v4/bulk/tags", json=tags_created(names[:100]))
    kit.post(f"{BASE}/v4/bulk/tags", json=tags_created(names[100:]))
    book = TagBook([], names)
    assert book.create_missing(oauth_client) == names
    sent = [json.loads(c.request.body) for c in kit.calls]
    assert [len(b["tags"]) for b in sent] == [100, 50] and sent[0]["callback_url"] is None
    assert book["tag 149"].name == "Tag 149" and book.missing == []


def test_a_tag_a_bulk_answer_does_not_confirm_is_created_on_its_own(kit, oauth_client):
    kit.post(f"{BASE}/v4/bulk/tags", json={"tags": [{"id": 1, "name": "A", "created_at": CREATED}],
                                           "failures": [{"errors": ["Something went wrong"]}]})
    kit.post(f"{BASE}/v4/tags", json={"tag": {"id": 2, "name": "B", "created_at": CREATED}}, status=201)
    book = TagBook([], ["A", "B"])
    assert book.create_missing(oauth_client) == ["A", "B"]
    assert book["b"] == Tag(2, "B")


def test_with_an_api_key_each_missing_tag_is_one_request(kit, key_client):
    kit.post(f"{BASE}/v4/tags", json={"tag": {"id": 3, "name": "Imported", "created_at": CREATED}}, status=201)
    kit.post(f"{BASE}/v4/tags", json={"tag": {"id": 4, "name": "VIP", "created_at": CREATED}}, status=200)
    book = TagBook([], ["Imported", "vip"])
    assert book.create_missing(key_client) == ["Imported", "VIP"]  # Kit had "VIP" already: its spelling wins
    assert [json.loads(c.request.body) for c in kit.calls] == [{"name": "Imported"}, {"name": "vip"}]
    assert book["VIP"] == Tag(4, "VIP")


def test_reading_the_book_lists_kits_tags_only_when_tags_are_wanted(kit, oauth_client):
    assert TagBook.read(oauth_client, []).tags == {}
    kit.get(f"{BASE}/v4/tags", json={"tags": [{"id": 5, "name": "VIP", "created_at": CREATED}],
                                     "pagination": {"has_previous_page": False, "has_next_page": False,
                                                    "start_cursor": "a", "end_cursor": "b", "per_page": 1000}})
    book = TagBook.read(oauth_client, ["vip", "New"])
    assert book["vip"] == Tag(5, "VIP") and book.missing == ["New"]
