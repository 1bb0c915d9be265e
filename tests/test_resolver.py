"""The resolver: custom fields read once, missing ones created only when asked."""

from __future__ import annotations

import pytest
from responses import matchers

from conftest import BASE, KIT_FIELDS
from importer.errors import ConfigError
from importer.mapping import plan_columns
from importer.records import CustomField
from importer.resolver import fetch_fields, resolve_missing


def test_fields_are_read_from_every_page(kit, oauth_client):
    pagination = {"has_previous_page": False, "start_cursor": "a", "per_page": 1000}
    kit.get(f"{BASE}/v4/custom_fields", json={
        "custom_fields": [{"id": 1, "name": "ck_field_1_last_name", "key": "last_name", "label": "Last name"}],
        "pagination": {**pagination, "has_next_page": True, "end_cursor": "p1"}})
    kit.get(f"{BASE}/v4/custom_fields", match=[matchers.query_param_matcher({"per_page": "1000", "after": "p1"})],
            json={"custom_fields": [{"id": 2, "name": "ck_field_2_company", "key": "company", "label": "Company"}],
                  "pagination": {**pagination, "has_next_page": False, "end_cursor": "p2"}})
    assert fetch_fields(oauth_client) == [CustomField(1, "last_name", "Last name"), CustomField(2, "company", "Company")]


def test_a_missing_field_stops_before_anything_is_written_and_names_the_closest(oauth_client):
    plan = plan_columns(["Email", "Zip"], KIT_FIELDS, field_specs=[("Zip", "Postal cod")])
    with pytest.raises(ConfigError, match=r"column 'Zip' -> 'Postal cod' \(closest: 'Postal code'\)") as caught:
        resolve_missing(oauth_client, plan, KIT_FIELDS, create=False)
    assert "--create-missing-fields" in caught.value.hint


def test_missing_fields_are_created_when_asked(kit, oauth_client):
    kit.post(f"{BASE}/v4/custom_fields", match=[matchers.json_params_matcher({"label": "Interests"})], status=201,
             json={"custom_field": {"id": 8, "name": "ck_field_8_interests", "key": "interests", "label": "Interests"}})
    plan = plan_columns(["Email", "Likes"], KIT_FIELDS, field_specs=[("Likes", "Interests")])
    assert resolve_missing(oauth_client, plan, KIT_FIELDS, create=True) == ["Interests"]
    assert plan.fields == [(1, CustomField(8, "interests", "Interests"))] and plan.missing == []


def test_a_dry_run_only_says_what_it_would_create(oauth_client):
    plan = plan_columns(["Email", "Likes"], KIT_FIELDS, field_specs=[("Likes", "Interests")])
    assert resolve_missing(oauth_client, plan, KIT_FIELDS, create=True, dry_run=True) == ["Interests"]
    assert plan.missing == [(1, "Interests")]
