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
