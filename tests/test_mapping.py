"""Column planning: which column is which, found in common exports or named by the user."""

from __future__ import annotations

import pytest

from conftest import COMPANY, KIT_FIELDS, LAST_NAME, POSTAL
from importer.errors import ConfigError
from importer.mapping import plan_columns


@pytest.mark.parametrize("headers, email, first", [
    (["Email Address", "First Name", "Last Name"], "Email Address", "First Name"),  # Mailchimp
    (["email_address", "first_name", "state"], "email_address", "first_name"),       # Kit
    (["E-mail 1 - Value", "Given Name", "Family Name"], "E-mail 1 - Value", "Given Name"),  # Google
    (["Email", "FirstName", "LastName"], "Email", "FirstName"),                       # HubSpot
    (["  E-Mail ", "Vorname", "Nachname"], "  E-Mail ", "Vorname"),
    (["email", "name"], "email", "name"),                                             # Substack: a lone name
], ids=["mailchimp", "kit", "google-contacts", "hubspot", "german", "substack"])
def test_email_and_first_name_columns_are_found_in_common_exports(headers, email, first):
    plan = plan_columns(headers, [])
    assert headers[plan.email] == email
    assert (headers[plan.first_name] if plan.first_name is not None else None) == first


def test_no_email_column_lists_the_columns():
    with pytest.raises(ConfigError, match="No email column found") as caught:
        plan_columns(["Name", "Phone"], [])
    assert "--email-column" in caught.value.hint


def test_columns_matching_kit_fields_by_label_or_key_are_mapped_and_the_rest_ignored():
    plan = plan_columns(["Email", "LAST NAME", "company", "postal_code", "MEMBER_RATING"], KIT_FIELDS)
    assert plan.fields == [(1, LAST_NAME), (2, COMPANY), (3, POSTAL)]
    assert plan.ignored == ["MEMBER_RATING"]


def test_explicit_field_mappings_win_and_unknown_labels_are_missing():
    plan = plan_columns(["Mail", "Surname", "Zip", "Org"], KIT_FIELDS, email_column="mail",
                        field_specs=[("zip", "Postal Code"), ("Org", "Organisation")])
    assert plan.fields == [(2, POSTAL)]
    assert plan.missing == [(3, "Organisation")]
    assert plan.ignored == ["Surname"]


def test_an_unknown_column_name_lists_the_valid_ones():
    with pytest.raises(ConfigError, match="--field names a column 'Zipcode'") as caught:
        plan_columns(["Email", "Zip"], KIT_FIELDS, field_specs=[("Zipcode", "Postal code")])
    assert caught.value.hint == "Columns in the file: 'Email', 'Zip'."


def test_a_failures_csv_is_read_without_its_row_and_error_columns():
    plan = plan_columns(["Email", "Company", "row", "error"], KIT_FIELDS)
    assert plan.fields == [(1, COMPANY)] and plan.ignored == []
