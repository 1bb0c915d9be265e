"""kit/tags.py endpoints and the taggings stages: every tagging traced back to its contact, refusals named."""

from __future__ import annotations

import json

import pytest
from responses import matchers

from conftest import BASE
from importer.errors import KitRequestError
from importer.kit import Tag, Tagged, Tagging, bulk_tag_subscribers, tag_subscriber
from importer.records import Contact, Outcome, Status
from importer.send.scheduler import Scheduler
from importer.send.actions.tags import BulkTaggings, SingleTaggings, Tags
from importer.send.stages import stages_for

VIP, NEWS = Tag(5, "VIP"), Tag(6, "Newsletter")
BOOK = {"vip": VIP, "newsletter": NEWS}
OLD = "2023-02-17T11:43:55Z"


def listed(sid):
    return {"id": sid, "first_name": "X", "email_address": f"s{sid}@example.com", "created_at": OLD, "tagged_at": OLD}


def outcome(sid, *tags, email=None):
    contact = Contact(email or f"s{sid}@example.com", None, {}, [sid + 1], tags=tags)
    return Outcome(contact, Status.UPDATED, subscriber_id=sid)


# --- endpoints ----------------------------------------------------------------------------

def test_bulk_tagging_sends_ids_and_parses_listings_and_failures_with_a_null_part(kit, oauth_client):
    kit.post(f"{BASE}/v4/bulk/tags/subscribers", match=[matchers.json_params_matcher(
        {"taggings": [{"tag_id": 5, "subscriber_id": 1}, {"tag_id": 6, "subscriber_id": 2}], "callback_url": None})],
        json={"subscribers": [listed(1)], "failures": [{"errors": ["Tag does not exist"],
                                                        "tagging": {"tag_id": None, "subscriber_id": 2}}]})
    result = bulk_tag_subscribers(oauth_client, [Tagging(5, 1), Tagging(6, 2)])
    assert result.items == [Tagging(None, 1)]
    assert [(f.item, f.text) for f in result.failures] == [(Tagging(None, 2), "Tag does not exist")]


@pytest.mark.parametrize("status, new", [(201, True), (200, False)], ids=["tagged", "had-it"])
def test_tagging_one_by_email_says_whether_the_tag_is_new(kit, key_client, status, new):
    kit.post(f"{BASE}/v4/tags/5/subscribers", match=[matchers.json_params_matcher({"email_address": "a@example.com"})],
             status=status, json={"subscriber": {**listed(9), "state": "active", "fields": {}}})
    assert tag_subscriber(key_client, 5, "a@example.com") == Tagged(9, new)


def test_tagging_one_that_kit_refuses_raises(kit, key_client):
    kit.post(f"{BASE}/v4/tags/5/subscribers", status=422, json={"errors": ["Subscriber not found"]})
    with pytest.raises(KitRequestError, match="Subscriber not found"):
        tag_subscriber(key_client, 5, "a@example.com")


# --- the bulk stage ----------------------------------------------------------------------

def settle_bulk(batch_outcomes, answer_json, kit, client):
    kit.post(f"{BASE}/v4/bulk/tags/subscribers", json=answer_json)
    stage = BulkTaggings(client, BOOK)
    batch = [item for o in batch_outcomes for item in stage.items(o)]
    try:
        answer = stage.send(batch)
    except KitRequestError as e:
        answer = e
    stage.settle(batch, answer)
    return json.loads(kit.calls[-1].request.body)


def test_taggings_pack_across_subscribers_and_a_refused_one_is_named(kit, oauth_client):
    a, b = outcome(1, "vip", "Newsletter"), outcome(2, "VIP")
    sent = settle_bulk([a, b], {"subscribers": [listed(1), listed(2)], "failures": [
        {"errors": ["Tag does not exist"], "tagging": {"tag_id": None, "subscriber_id": 1}}]}, kit, oauth_client)
    assert sent["taggings"] == [{"tag_id": 5, "subscriber_id": 1}, {"tag_id": 6, "subscriber_id": 1},
                                {"tag_id": 5, "subscriber_id": 2}]
    # b was listed for its one tagging, so VIP exists: the refusal without a tag is Newsletter's.
    assert a.problems == [("tag not applied", "Newsletter: Tag does not exist")] and a.tagged == ["VIP"]
    assert b.tagged == ["VIP"] and not b.problems


def test_a_refusal_without_the_tag_that_cannot_be_pinned_down_names_every_tag_it_may_be(kit, oauth_client):
    a = outcome(1, "vip", "Newsletter")
    settle_bulk([a], {"subscribers": [listed(1)], "failures": [
        {"errors": ["Tag does not exist"], "tagging": {"tag_id": None, "subscriber_id": 1}}]}, kit, oauth_client)
    assert a.problems == [("tag not applied", "VIP or Newsletter: Tag does not exist (Kit did not say which)")]
    assert a.tagged == []  # neither is remembered as applied: a rerun sends both again


def test_a_tag_pinned_as_refused_for_one_subscriber_explains_another_refusal(kit, oauth_client):
    a, b = outcome(1, "vip", "Newsletter"), outcome(2, "vip")
    settle_bulk([a, b], {"subscribers": [listed(1)], "failures": [
        {"errors": ["Tag does not exist"], "tagging": {"tag_id": None, "subscriber_id": 1}},
        {"errors": ["Tag does not exist"], "tagging": {"tag_id": None, "subscriber_id": 2}}]}, kit, oauth_client)
    assert b.problems == [("tag not applied", "VIP: Tag does not exist")]
    assert a.problems == [("tag not applied", "VIP: Tag does not exist")] and a.tagged == ["Newsletter"]


def test_a_failure_without_a_subscriber_goes_to_the_one_kit_did_not_list(kit, oauth_client):
    a, b = outcome(1, "vip"), outcome(2, "vip")
    settle_bulk([a, b], {"subscribers": [listed(2)], "failures": [
        {"errors": ["Subscriber does not exist"], "tagging": {"tag_id": 5, "subscriber_id": None}}]}, kit, oauth_client)
    assert a.problems == [("tag not applied", "VIP: Subscriber does not exist")]
    assert b.tagged == ["VIP"] and not b.problems


def test_a_tagging_kit_neither_lists_nor_fails_is_not_a_success(kit, oauth_client):
    a = outcome(1, "vip", "newsletter")
    settle_bulk([a], {"subscribers": [listed(1)], "failures": []}, kit, oauth_client)
    assert a.tagged == ["VIP"]
    assert a.problems == [("tag not applied", "Newsletter: Kit did not confirm the tagging")]


def test_a_refused_request_fails_each_of_its_taggings(kit, oauth_client):
    kit.post(f"{BASE}/v4/bulk/tags/subscribers", status=422, json={"errors": ["No taggings included for processing"]})
    stage = BulkTaggings(oauth_client, BOOK)
    a = outcome(1, "vip")
    batch = stage.items(a)
    with pytest.raises(KitRequestError) as refused:
        stage.send(batch)
    stage.settle(batch, refused.value)
    assert a.problems == [("tag not applied", "VIP: No taggings included for processing")]


def test_oauth_stages_tag_after_the_upserts_give_ids(kit, oauth_client):
    kit.post(f"{BASE}/v4/bulk/subscribers", json={"subscribers": [
        {"id": 1, "first_name": None, "email_address": "s1@example.com", "state": "active", "created_at": OLD}],
        "failures": []})
    kit.post(f"{BASE}/v4/bulk/tags/subscribers", json={"subscribers": [listed(1), listed(1)], "failures": []})
    contact = Contact("s1@example.com", None, {}, [2], tags=("VIP", "newsletter"))
    [done] = [o for batch in Scheduler(tagging_stages(oauth_client)).submit([contact]) for o in batch]
    assert done.tagged == ["VIP", "Newsletter"] and not done.problems


# --- the API-key stage ------------------------------------------------------------------

def test_api_key_stages_tag_each_subscriber_by_email_and_name_a_refusal(kit, key_client):
    kit.post(f"{BASE}/v4/subscribers", status=201, json={"subscriber": {
        "id": 1, "first_name": None, "email_address": "s1@example.com", "state": "active", "created_at": OLD,
        "fields": {}}})
    kit.post(f"{BASE}/v4/tags/5/subscribers", status=201, json={"subscriber": {**listed(1), "state": "active",
                                                                               "fields": {}}})
    kit.post(f"{BASE}/v4/tags/6/subscribers", status=404, json={"errors": ["Not Found"]})
    contact = Contact("s1@example.com", None, {}, [2], tags=("vip", "Newsletter"))
    stages = tagging_stages(key_client)
    assert isinstance(stages[-1], SingleTaggings)
    [done] = [o for batch in Scheduler(stages).submit([contact]) for o in batch]
    assert done.status is Status.CREATED and done.tagged == ["VIP"]
    assert done.problems == [("tag not applied", "Newsletter: Not Found")]


def test_a_known_subscriber_whose_only_change_is_tags_is_not_upserted_again(kit, key_client):
    kit.post(f"{BASE}/v4/tags/5/subscribers", status=200, json={"subscriber": {**listed(7), "state": "active",
                                                                               "fields": {}}})
    contact = Contact("s7@example.com", None, {}, [2], subscriber_id=7, tags=("VIP",))
    [done] = [o for batch in Scheduler(tagging_stages(key_client)).submit([contact]) for o in batch]
    assert done.tagged == ["VIP"] and [c.request.url for c in kit.calls] == [f"{BASE}/v4/tags/5/subscribers"]


def test_without_tags_no_taggings_stage_runs(oauth_client, key_client):
    assert not any(isinstance(s, (BulkTaggings, SingleTaggings)) for s in stages_for(oauth_client))
    assert not any(isinstance(s, (BulkTaggings, SingleTaggings)) for s in stages_for(key_client))
    assert Tags().stages(oauth_client) == [] and Tags().stages(key_client) == []  # no tag names: no stage


def tagging_stages(client):
    """The core stages and the tags action's, as a run with these tags has them."""
    return [*stages_for(client), (BulkTaggings if client.credential.can_bulk else SingleTaggings)(client, BOOK)]
