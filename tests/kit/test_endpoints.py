"""kit/ endpoint functions: the request each sends, and Kit's answers parsed into typed results."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import requests
from responses import matchers

from conftest import BASE
from importer.errors import KitFatalError, KitRequestError, KitUnavailableError
from importer.kit import (Account, FieldValue, Form, FormAddition, NewSubscriber, Subscriber, add_to_form,
                          bulk_add_to_form, bulk_set_values, bulk_upsert_subscribers, create_custom_field,
                          exchange_token, get_account, list_custom_fields, list_forms, unsubscribe_subscriber,
                          upsert_subscriber)
from importer.records import CustomField, KitState

CREATED = "2023-02-17T11:43:55Z"
WHEN = dt.datetime(2023, 2, 17, 11, 43, 55, tzinfo=dt.timezone.utc)


def test_bulk_upsert_parses_subscribers_and_failures_that_lost_their_email(kit, oauth_client):
    kit.post(f"{BASE}/v4/bulk/subscribers", match=[matchers.json_params_matcher(
        {"subscribers": [{"email_address": "a@example.com", "first_name": "Ann"}, {"email_address": "bad@x"}],
         "callback_url": None})],
        json={"subscribers": [{"id": 7, "first_name": "Ann", "email_address": "a@example.com", "state": "active",
                               "created_at": CREATED}, "not a dict"],
              "failures": [{"subscriber": {"first_name": None, "email_address": None, "state": "active",
                                           "created_at": None}, "errors": ["Email address is invalid"]}]})
    result = bulk_upsert_subscribers(oauth_client, [NewSubscriber("a@example.com", "Ann"), NewSubscriber("bad@x", "")])
    assert result.items == [Subscriber(7, "a@example.com", "Ann", WHEN, state=KitState.ACTIVE)]
    assert [(f.item.email, f.text) for f in result.failures] == [(None, "Email address is invalid")]
    assert not result.queued


@pytest.mark.parametrize("reply, queued, items", [
    ({"status": 202, "json": {}}, True, []),
    ({"status": 200, "body": "[]"}, False, []),
], ids=["202-queued", "body-not-an-object"])
def test_bulk_answers_that_confirm_nothing(kit, oauth_client, reply, queued, items):
    kit.post(f"{BASE}/v4/bulk/custom_fields/subscribers", **reply)
    result = bulk_set_values(oauth_client, [FieldValue(1, 2, "Acme")])
    assert (result.queued, result.items, result.failures) == (queued, items, [])


def test_bulk_values_parse_failures_with_a_null_subscriber(kit, oauth_client):
    kit.post(f"{BASE}/v4/bulk/custom_fields/subscribers",
             json={"custom_field_values": [{"subscriber_id": 1, "subscriber_custom_field_id": 2, "value": "Acme"}],
                   "failures": [{"errors": "Subscriber does not exist",
                                 "custom_field_value": {"subscriber_id": None, "subscriber_custom_field_id": 3,
                                                        "value": 2134}}]})
    result = bulk_set_values(oauth_client, [FieldValue(1, 2, "Acme"), FieldValue(9, 3, "2134")])
    assert result.items == [FieldValue(1, 2, "Acme")]
    assert [(f.item, f.messages) for f in result.failures] == [(FieldValue(None, 3, "2134"),
                                                                ("Subscriber does not exist",))]


@pytest.mark.parametrize("status, created, queued", [(201, True, False), (200, False, False), (202, False, True)])
def test_upsert_one_says_created_or_queued_and_keeps_the_echo_and_warnings(kit, key_client, status, created, queued):
    kit.post(f"{BASE}/v4/subscribers", match=[matchers.json_params_matcher(
        {"email_address": "a@example.com", "fields": {"company": "Acme"}})], status=status,
        json={"subscriber": {"id": 3, "first_name": None, "email_address": "a@example.com", "state": "active",
                             "created_at": CREATED, "fields": {"company": "Acme"}},
              "warnings": [{"message": "Custom field key 'x' does not exist"}, "plain"]})
    answer = upsert_subscriber(key_client, NewSubscriber("a@example.com"), {"company": "Acme"})
    assert (answer.created, answer.queued) == (created, queued)
    assert answer.subscriber == Subscriber(3, "a@example.com", None, WHEN, {"company": "Acme"}, KitState.ACTIVE)
    assert answer.warnings == ["Custom field key 'x' does not exist", "plain"]


def test_upsert_one_raises_kits_refusal(kit, key_client):
    kit.post(f"{BASE}/v4/subscribers", status=422, json={"errors": ["bio: Value is too long"]})
    with pytest.raises(KitRequestError) as caught:
        upsert_subscriber(key_client, NewSubscriber("a@example.com"), {"bio": "x" * 300})
    assert caught.value.errors == ["bio: Value is too long"]


def test_account_fields_and_field_creation(kit, oauth_client):
    kit.get(f"{BASE}/v4/account", json={"user": {"email": "a@kit.dev"}, "account": {"id": 42, "name": "Acme"}})
    kit.get(f"{BASE}/v4/custom_fields", json={"custom_fields": [{"id": 1, "key": "company", "label": "Company"}],
                                             "pagination": {"has_next_page": False, "end_cursor": "x"}})
    kit.post(f"{BASE}/v4/custom_fields", status=201,
             json={"custom_field": {"id": 8, "name": "ck_field_8_interests", "key": "interests", "label": "Interests"}})
    assert get_account(oauth_client) == Account(42, "Acme")
    assert list_custom_fields(oauth_client) == [CustomField(1, "company", "Company")]
    assert create_custom_field(oauth_client, "Interests") == CustomField(8, "interests", "Interests")
    assert oauth_client.stats.by_endpoint == {"GET /v4/account": 1, "GET /v4/custom_fields": 1,
                                              "POST /v4/custom_fields": 1}


def test_a_field_creation_answer_without_a_field_is_an_error_not_a_crash(kit, oauth_client):
    kit.post(f"{BASE}/v4/custom_fields", status=200, json={})
    with pytest.raises(KitUnavailableError, match="holds no field"):
        create_custom_field(oauth_client, "Interests")


REFRESH = {"grant_type": "refresh_token", "client_id": "app", "refresh_token": "r1"}
CODE = {"grant_type": "authorization_code", "client_id": "app", "code": "c", "redirect_uri": "http://127.0.0.1:1/cb",
        "code_verifier": "v"}


@pytest.mark.parametrize("body", [REFRESH, CODE], ids=["refresh", "authorization-code"])
def test_one_token_exchange_serves_the_refresh_and_the_authorization(body):
    import responses

    with responses.RequestsMock() as mock:
        mock.post(f"{BASE}/v4/oauth/token", match=[matchers.json_params_matcher(body)],
                  json={"access_token": "a2", "refresh_token": "r2", "expires_in": 7200, "token_type": "Bearer"})
        pair = exchange_token(BASE, body)
        assert "Authorization" not in mock.calls[0].request.headers
    assert (pair.access_token, pair.refresh_token, pair.expires_in) == ("a2", "r2", 7200.0)
    assert "a2" not in repr(pair) and "r2" not in repr(pair)


@pytest.mark.parametrize("reply, error, message", [
    ({"status": 400, "json": {"error": "invalid_grant", "error_description": "The refresh token is invalid"}},
     KitFatalError, "Kit refused to refresh the OAuth access token (HTTP 400: The refresh token is invalid)"),
    ({"status": 200, "json": {"access_token": "only-half"}}, KitFatalError, "(HTTP 200: OK)"),
    ({"body": requests.ConnectionError("down")}, KitUnavailableError, "could not be reached to refresh"),
], ids=["refused", "half-a-pair", "unreachable"])
def test_a_failed_token_exchange_is_typed_and_says_what_to_do(reply, error, message):
    import responses

    with responses.RequestsMock() as mock:
        mock.post(f"{BASE}/v4/oauth/token", **reply)
        with pytest.raises(error) as caught:
            exchange_token(BASE, REFRESH)
    assert message in str(caught.value) and caught.value.hint


# --- states, unsubscribes and forms (issue 11) ---------------------------------------------

@pytest.mark.parametrize("state, sent", [(None, None), (KitState.ACTIVE, None), (KitState.CANCELLED, "cancelled"),
                                         (KitState.BOUNCED, "bounced")])
def test_a_new_subscribers_state_is_sent_but_never_active(kit, oauth_client, key_client, state, sent):
    expected = {"email_address": "a@example.com", **({"state": sent} if sent else {})}
    kit.post(f"{BASE}/v4/bulk/subscribers", match=[matchers.json_params_matcher(
        {"subscribers": [expected], "callback_url": None})], json={"subscribers": [], "failures": []})
    kit.post(f"{BASE}/v4/subscribers", match=[matchers.json_params_matcher(expected)], status=201,
             json={"subscriber": {"id": 3, "first_name": None, "email_address": "a@example.com",
                                  "state": sent or "active", "created_at": CREATED, "fields": {}}})
    bulk_upsert_subscribers(oauth_client, [NewSubscriber("a@example.com", None, state)])
    answer = upsert_subscriber(key_client, NewSubscriber("a@example.com", None, state))
    assert answer.subscriber.state is (state or KitState.ACTIVE)


def test_a_state_kit_import_does_not_know_is_none(kit, oauth_client):
    kit.post(f"{BASE}/v4/bulk/subscribers", json={"subscribers": [
        {"id": 7, "first_name": None, "email_address": "a@example.com", "state": "paused", "created_at": CREATED}],
        "failures": []})
    assert bulk_upsert_subscribers(oauth_client, [NewSubscriber("a@example.com")]).items[0].state is None


def test_unsubscribe_posts_to_the_subscriber_and_a_404_is_a_request_error(kit, key_client):
    kit.post(f"{BASE}/v4/subscribers/7/unsubscribe", status=204)
    kit.post(f"{BASE}/v4/subscribers/8/unsubscribe", status=404, json={"errors": ["Not Found"]})
    unsubscribe_subscriber(key_client, 7)
    with pytest.raises(KitRequestError, match=re.escape("POST /v4/subscribers/{id}/unsubscribe")):
        unsubscribe_subscriber(key_client, 8)
    assert key_client.stats.by_endpoint == {"POST /v4/subscribers/{id}/unsubscribe": 2}


def test_list_forms_reads_every_page(kit, key_client):
    page = {"has_previous_page": False, "start_cursor": "a", "per_page": 1000}
    form = {"created_at": CREATED, "type": "embed", "format": None, "embed_js": "", "embed_url": "",
            "archived": False, "uid": "u"}
    kit.get(f"{BASE}/v4/forms", match=[matchers.query_param_matcher({"per_page": "1000"})],
            json={"forms": [{"id": 51, "name": "Sign up", **form}],
                  "pagination": {**page, "has_next_page": True, "end_cursor": "b"}})
    kit.get(f"{BASE}/v4/forms", match=[matchers.query_param_matcher({"per_page": "1000", "after": "b"})],
            json={"forms": [{"id": 50, "name": "Lead gen", **form, "type": "hosted"}],
                  "pagination": {**page, "has_next_page": False, "end_cursor": "c"}})
    assert list_forms(key_client) == [Form(51, "Sign up", "embed"), Form(50, "Lead gen", "hosted")]


def test_bulk_add_to_form_parses_additions_and_failures_with_a_null_side(kit, oauth_client):
    kit.post(f"{BASE}/v4/bulk/forms/subscribers", match=[matchers.json_params_matcher(
        {"additions": [{"form_id": 5, "subscriber_id": 1, "referrer": "https://example.com/a"},
                       {"form_id": 5, "subscriber_id": 2}], "callback_url": None})],
        json={"subscribers": [{"id": 1, "first_name": "Ann", "email_address": "a@example.com", "created_at": CREATED,
                               "added_at": CREATED, "referrer": "https://example.com/a",
                               "referrer_utm_parameters": {}}],
              "failures": [{"errors": ["Subscriber does not exist"],
                            "subscription": {"form_id": 5, "subscriber_id": None, "referrer": ""}}]})
    result = bulk_add_to_form(oauth_client, [FormAddition(5, 1, "https://example.com/a"), FormAddition(5, 2)])
    assert [a.subscriber_id for a in result.items] == [1]
    assert [(f.item.form_id, f.item.subscriber_id, f.text) for f in result.failures] == \
        [(5, None, "Subscriber does not exist")]


def test_add_to_form_by_email_with_a_referrer(kit, key_client):
    kit.post(f"{BASE}/v4/forms/5/subscribers", match=[matchers.json_params_matcher(
        {"email_address": "a@example.com", "referrer": "https://example.com/a"})], status=201,
        json={"subscriber": {"id": 1, "first_name": None, "email_address": "a@example.com", "state": "active",
                             "created_at": CREATED, "added_at": CREATED, "fields": {}, "referrer": "",
                             "referrer_utm_parameters": {}}})
    kit.post(f"{BASE}/v4/forms/6/subscribers", status=404, json={"errors": ["Not Found"]})
    assert add_to_form(key_client, 5, "a@example.com", "https://example.com/a").id == 1
    with pytest.raises(KitRequestError):
        add_to_form(key_client, 6, "a@example.com")
