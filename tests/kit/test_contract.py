"""The contract checker itself: it must reject what Kit's document rejects, or the contract
checks on every other test (see the `kit` and `sandbox` fixtures) prove nothing."""

from __future__ import annotations

import pytest

import kit_contract

GOOD = {
    ("POST", "/v4/bulk/subscribers"): {"subscribers": [{"email_address": "a@example.com", "first_name": "Ann"}],
                                       "callback_url": None},
    ("POST", "/v4/bulk/custom_fields/subscribers"): {
        "custom_field_values": [{"subscriber_id": 1, "subscriber_custom_field_id": 2, "value": "Acme"}],
        "callback_url": None},
    ("POST", "/v4/subscribers"): {"email_address": "a@example.com", "first_name": "Ann",
                                  "fields": {"last_name": "Lamarr"}},
    ("POST", "/v4/custom_fields"): {"label": "Interests"},
    ("POST", "/v4/tags"): {"name": "Imported 2026-11"},
    ("POST", "/v4/bulk/tags"): {"tags": [{"name": "VIP"}, {"name": "Spring 2024"}], "callback_url": None},
    ("POST", "/v4/bulk/tags/subscribers"): {"taggings": [{"tag_id": 5, "subscriber_id": 1}], "callback_url": None},
    ("POST", "/v4/tags/5/subscribers"): {"email_address": "a@example.com"},
    ("POST", "/v4/sequences/301/subscribers"): {"email_address": "a@example.com"},
}

BAD = [
    ("POST", "/v4/bulk/custom_fields/subscribers",
     {"custom_field_values": [{"subscriber_id": 1, "subscriber_custom_field_id": 2, "value": "x"}]},
     "'callback_url' is a required property"),
    ("POST", "/v4/bulk/custom_fields/subscribers",
     {"custom_field_values": [{"subscriber_id": 1, "subscriber_custom_field_id": 2, "value": 5}], "callback_url": None},
     "5 is not of type 'string'"),
    ("POST", "/v4/bulk/custom_fields/subscribers",
     {"custom_field_values": [{"subscriber_id": 1, "value": "x"}], "callback_url": None},
     "'subscriber_custom_field_id' is a required property"),
    ("POST", "/v4/bulk/subscribers", {"subscribers": [{"email_address": "a@example.com", "first_name": 7}]},
     "7 is not of type 'string'"),
    ("POST", "/v4/bulk/subscribers", {"callback_url": None}, "'subscribers' is a required property"),
    ("POST", "/v4/subscribers", {"first_name": "Ann"}, "'email_address' is a required property"),
    ("POST", "/v4/subscribers", {"email_address": "a@example.com", "state": "gone"}, "'gone' is not one of"),
    ("POST", "/v4/custom_fields", {}, "'label' is a required property"),
    ("POST", "/v4/bulk/tags/subscribers", {"taggings": [{"tag_id": 5}]}, "'subscriber_id' is a required property"),
    ("POST", "/v4/bulk/tags", {"tags": [{"title": "VIP"}]}, "'name' is a required property"),
    ("POST", "/v4/tags/5/subscribers", {}, "'email_address' is a required property"),
    ("POST", "/v4/sequences/301/subscribers", {"email": "a@example.com"}, "'email_address' is a required property"),
]


@pytest.fixture(autouse=True)
def _spec():
    kit_contract.require_spec()


@pytest.mark.parametrize("method, path", list(GOOD), ids=lambda v: str(v))
def test_bodies_the_client_sends_validate(method, path):
    assert kit_contract.problems(method, path, GOOD[(method, path)]) == []


@pytest.mark.parametrize("method, path, body, message", BAD,
                         ids=[f"{p}-{m.split(' ')[0]}" for _, p, _, m in BAD])
def test_the_validator_really_rejects_bad_bodies(method, path, body, message):
    # Kit's schemas use `nullable: true` without a type (quirk 1 in kit-api/README.md), which
    # makes some validators accept anything; these cases prove this one does not.
    assert any(message in p for p in kit_contract.problems(method, path, body))


def test_query_parameters_must_be_declared():
    assert kit_contract.problems("GET", "/v4/custom_fields", None, {"per_page": "1000", "after": "x"}) == []
    assert kit_contract.problems("GET", "/v4/custom_fields", None, {"page": "2"}) == \
        ["query parameter 'page' is not declared"]


def test_paths_outside_the_document_are_reported():
    with pytest.raises(AssertionError, match="not in Kit's OpenAPI document"):
        kit_contract.problems("POST", "/v4/subscriber", {})


def test_operations_only_the_whole_document_describes_are_checked_too():
    # Tags, forms and unsubscribes are only in Kit's whole v4 document, not in the pages' subset.
    assert kit_contract.problems("POST", "/v4/tags/12/subscribers", {"email_address": "a@example.com"}) == []
    assert kit_contract.problems("POST", "/v4/subscribers/349/unsubscribe", {}) == []
    assert kit_contract.problems("POST", "/v4/subscribers/349/unsubscribe", None) == []
    assert any("is not of type 'integer'" in p for p in kit_contract.problems(
        "POST", "/v4/bulk/tags/subscribers", {"taggings": [{"tag_id": "VIP", "subscriber_id": 1}]}))


def test_a_request_must_satisfy_both_documents_where_both_describe_it():
    # Both describe POST /v4/bulk/subscribers; the whole document adds `state` with its enum.
    assert kit_contract.problems("POST", "/v4/bulk/subscribers", {"subscribers": [
        {"email_address": "a@example.com", "state": "cancelled"}], "callback_url": None}) == []
    assert any("'gone' is not one of" in p for p in kit_contract.problems("POST", "/v4/bulk/subscribers", {
        "subscribers": [{"email_address": "a@example.com", "state": "gone"}], "callback_url": None}))


def test_the_sequence_reads_ask_only_what_kits_document_declares():
    assert kit_contract.problems("GET", "/v4/sequences", None, {"per_page": "1000", "after": "x"}) == []
    assert kit_contract.problems("GET", "/v4/sequences/301/subscribers", None,
                                 {"status": "all", "per_page": "1000", "include_total_count": "true"}) == []


def test_a_query_parameter_either_document_declares_is_allowed():
    # `include` (for tags) is declared by the whole document only.
    assert kit_contract.problems("GET", "/v4/subscribers", None,
                                 {"status": "all", "include": "tags", "include_total_count": "true"}) == []
