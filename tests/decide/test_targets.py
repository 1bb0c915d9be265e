"""The resolver: custom fields read once, missing ones created only when asked."""

from __future__ import annotations

import pytest
from responses import matchers

from conftest import BASE, KIT_FIELDS
from importer.errors import ConfigError
from importer.read.columns import plan_columns
from importer.records import CustomField
from importer.kit import list_custom_fields
from importer.decide.targets import create_held, hold_missing


def test_fields_are_read_from_every_page(kit, oauth_client):
    pagination = {"has_previous_page": False, "start_cursor": "a", "per_page": 1000}
    kit.get(f"{BASE}/v4/custom_fields", json={
        "custom_fields": [{"id": 1, "name": "ck_field_1_last_name", "key": "last_name", "label": "Last name"}],
        "pagination": {**pagination, "has_next_page": True, "end_cursor": "p1"}})
    kit.get(f"{BASE}/v4/custom_fields", match=[matchers.query_param_matcher({"per_page": "1000", "after": "p1"})],
            json={"custom_fields": [{"id": 2, "name": "ck_field_2_company", "key": "company", "label": "Company"}],
                  "pagination": {**pagination, "has_next_page": False, "end_cursor": "p2"}})
    assert list_custom_fields(oauth_client) == [CustomField(1, "last_name", "Last name"),
                                                CustomField(2, "company", "Company")]


def test_a_missing_field_stops_before_anything_is_written_and_names_the_closest(oauth_client):
    plan = plan_columns(["Email", "Zip"], KIT_FIELDS, field_specs=[("Zip", "Postal cod")])
    with pytest.raises(ConfigError, match=r"column 'Zip' -> 'Postal cod' \(closest: 'Postal code'\)") as caught:
        hold_missing(plan, KIT_FIELDS, create=False)
    assert caught.value.hint == "Fix the label in fields, or pass create_missing_fields=True to create it."


def test_missing_fields_are_held_as_placeholders_then_created(kit, oauth_client):
    plan = plan_columns(["Email", "Likes"], KIT_FIELDS, field_specs=[("Likes", "Interests")])
    assert hold_missing(plan, KIT_FIELDS, create=True) == ["Interests"]  # no request: kit has none registered yet
    placeholder = CustomField(-1, "", "Interests")
    assert plan.fields == [(1, placeholder)] and plan.missing == []
    assert plan.describe() == ["Email -> email", "Likes -> Interests (to be created)"]
    kit.post(f"{BASE}/v4/custom_fields", match=[matchers.json_params_matcher({"label": "Interests"})], status=201,
             json={"custom_field": {"id": 8, "name": "ck_field_8_interests", "key": "interests", "label": "Interests"}})
    real = CustomField(8, "interests", "Interests")
    assert create_held(oauth_client, plan) == {placeholder: real}
    assert plan.fields == [(1, real)]
