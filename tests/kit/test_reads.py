"""kit/reads.py: the subscriber list's pages and cursors, the total, a read by id, a subscriber's tags."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from responses import matchers

from conftest import BASE
from importer.errors import KitRequestError, KitUnavailableError
from importer.kit import (HeldSubscriber, HeldTag, get_subscriber, get_subscriber_tags, iter_subscribers,
                          list_subscribers)
from importer.records import KitState

WHEN = dt.datetime(2023, 2, 17, 11, 43, 55, tzinfo=dt.timezone.utc)


def sub(n: int, **extra) -> dict:
    return {"id": n, "first_name": f"P{n}", "email_address": f"p{n}@example.com", "state": "active",
            "created_at": "2023-02-17T11:43:55Z", "fields": {"company": f"Co{n}", "last_name": None}, **extra}


def page(subs: list[dict], cursor: str | None, **extra) -> dict:
    return {"subscribers": subs, "pagination": {"has_previous_page": False, "has_next_page": cursor is not None,
                                                "start_cursor": "WzFd", "end_cursor": cursor or "WzJd",
                                                "per_page": 1000, **extra}}


def test_one_page_asks_every_state_1000_a_page_with_tags_total_and_an_iso_time(kit, oauth_client):
    kit.get(f"{BASE}/v4/subscribers", match=[matchers.query_param_matcher(
        {"status": "all", "per_page": "1000", "include": "tags", "include_total_count": "true",
         "updated_after": "2023-02-17T10:43:55Z"})],
        json=page([sub(1, tags=[{"id": 3, "name": "VIP"}, {"id": None, "name": None}])], "WzJd", total_count=2500))
    since = dt.datetime(2023, 2, 17, 11, 43, 55, 999, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    got = list_subscribers(oauth_client, include_tags=True, updated_after=since, total_count=True)
    assert got.total_count == 2500 and got.next_cursor == "WzJd"
    assert got.subscribers == [HeldSubscriber(1, "p1@example.com", "P1", KitState.ACTIVE,
                                              {"company": "Co1", "last_name": None}, (HeldTag(3, "VIP"),), WHEN)]


def test_a_page_without_tags_asked_has_tags_none_and_the_last_page_no_cursor(kit, key_client):
    kit.get(f"{BASE}/v4/subscribers", match=[matchers.query_param_matcher({"status": "all", "per_page": "1000"})],
            json=page([sub(1)], None, total_count=1))
    got = list_subscribers(key_client)
    assert got.subscribers[0].tags is None
    assert (got.next_cursor, got.total_count) == (None, None)  # a total not asked for is not trusted


@pytest.mark.parametrize("odd, expected", [
    ({"id": "7"}, None),
    ({"email_address": None}, None),
    ({"email_address": "  "}, None),
    ({"first_name": ""}, {"first_name": None}),
    ({"state": "sleeping"}, {"state": None}),
    ({"created_at": "yesterday"}, {"created_at": None}),
    ({"fields": None}, {"fields": {}}),
    ({"fields": {"score": 87, "vip": True, "category": "One"}}, {"fields": {"score": "87", "vip": "true",
                                                                          "category": "One"}}),
    ({"tags": "VIP"}, {"tags": None}),
], ids=["string-id", "null-email", "blank-email", "empty-first-name", "unknown-state", "bad-time", "null-fields",
        "non-text-values", "tags-not-a-list"])
def test_subscribers_are_parsed_leniently(odd, expected):
    parsed = HeldSubscriber.parse(sub(1) | odd)
    if expected is None:
        assert parsed is None
    else:
        assert parsed == dataclasses.replace(HeldSubscriber.parse(sub(1)), **expected)


def test_iterating_follows_cursors_and_keeps_what_parses(kit, oauth_client):
    kit.get(f"{BASE}/v4/subscribers", match=[matchers.query_param_matcher({"status": "all", "per_page": "1000"})],
            json=page([sub(1), {"id": 2}], "A"))
    kit.get(f"{BASE}/v4/subscribers", match=[matchers.query_param_matcher(
        {"status": "all", "per_page": "1000", "after": "A"})], json=page([sub(3)], "B"))
    kit.get(f"{BASE}/v4/subscribers", match=[matchers.query_param_matcher(
        {"status": "all", "per_page": "1000", "after": "B"})], json=page([], None))
    assert [s.id for s in iter_subscribers(oauth_client)] == [1, 3]


def test_the_total_is_asked_on_the_first_page_only(kit, oauth_client):
    kit.get(f"{BASE}/v4/subscribers", match=[matchers.query_param_matcher(
        {"status": "all", "per_page": "1000", "include_total_count": "true"})], json=page([sub(1)], "A", total_count=2))
    kit.get(f"{BASE}/v4/subscribers", match=[matchers.query_param_matcher(
        {"status": "all", "per_page": "1000", "after": "A"})], json=page([sub(2)], None))
    assert [s.id for s in iter_subscribers(oauth_client, total_count=True)] == [1, 2]


def test_a_cursor_seen_twice_stops_the_read(kit, oauth_client):
    kit.get(f"{BASE}/v4/subscribers", json=page([sub(1)], "A"))
    with pytest.raises(KitUnavailableError, match="same page cursor twice"):
        list(iter_subscribers(oauth_client))
    assert len(kit.calls) == 2  # the page after A names A again: stop rather than loop


def test_a_subscriber_by_id_or_none_when_kit_has_none(kit, oauth_client):
    kit.get(f"{BASE}/v4/subscribers/1", json={"subscriber": sub(1)})
    kit.get(f"{BASE}/v4/subscribers/2", status=404, json={"errors": ["Not Found"]})
    assert get_subscriber(oauth_client, 1).first_name == "P1"
    assert get_subscriber(oauth_client, 2) is None


def test_other_refusals_of_a_read_by_id_are_raised(kit, oauth_client):
    kit.get(f"{BASE}/v4/subscribers/1", json={"subscriber": sub(1)})
    kit.get(f"{BASE}/v4/subscribers/2", status=422, json={"errors": ["Bad id"]})
    get_subscriber(oauth_client, 1)
    with pytest.raises(KitRequestError) as raised:
        get_subscriber(oauth_client, 2)
    assert raised.value.status == 422


def test_a_subscribers_tags_follow_their_cursors_and_none_when_kit_has_no_subscriber(kit, oauth_client):
    tags = "/v4/subscribers/5/tags"
    kit.get(f"{BASE}{tags}", match=[matchers.query_param_matcher({"per_page": "1000"})],
            json={"tags": [{"id": 108, "name": "Tag B", "tagged_at": "2023-02-17T10:43:55Z"}],
                  "pagination": {"has_previous_page": False, "has_next_page": True, "start_cursor": "Wzhd",
                                 "end_cursor": "Wzdd", "per_page": 1000}})
    kit.get(f"{BASE}{tags}", match=[matchers.query_param_matcher({"per_page": "1000", "after": "Wzdd"})],
            json={"tags": [{"id": 109, "name": " Tag A ", "tagged_at": "2023-02-17T10:43:55Z"}],
                  "pagination": {"has_previous_page": True, "has_next_page": False, "start_cursor": "Wzed",
                                 "end_cursor": "Wzed", "per_page": 1000}})
    kit.get(f"{BASE}/v4/subscribers/6/tags", status=404, json={"errors": ["Not Found"]})
    assert get_subscriber_tags(oauth_client, 5) == (HeldTag(108, "Tag B"), HeldTag(109, "Tag A"))
    assert get_subscriber_tags(oauth_client, 6) is None
