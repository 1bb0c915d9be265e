"""Column planning: which column is which, found in common exports or named by the user."""

from __future__ import annotations

import pytest

from conftest import COMPANY, KIT_FIELDS, LAST_NAME, POSTAL
from importer.errors import ConfigError
from importer.read.columns import plan_columns
from importer.records import CustomField, Row


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
    assert caught.value.hint == "Name it with email_column='COLUMN'."  # a Python caller's words


def test_columns_matching_kit_fields_by_label_or_key_are_mapped_and_the_rest_ignored():
    plan = plan_columns(["Email", "LAST NAME", "company", "postal_code", "MEMBER_RATING"], KIT_FIELDS)
    assert plan.fields == [(1, LAST_NAME), (2, COMPANY), (3, POSTAL)]
    assert plan.ignored == [("MEMBER_RATING", "export metadata: map it with fields=[('MEMBER_RATING', 'Label')]")]


def test_explicit_field_mappings_win_and_unknown_labels_are_missing():
    plan = plan_columns(["Mail", "Notes", "Zip", "Org"], KIT_FIELDS, email_column="mail",
                        field_specs=[("zip", "Postal Code"), ("Org", "Organisation")])
    assert plan.fields == [(2, POSTAL)]
    assert plan.missing == [(3, "Organisation")]
    assert plan.ignored == [("Notes", "no Kit field matches: map it with fields=[('Notes', 'Label')]")]


@pytest.mark.parametrize("header, kit_field", [
    ("Zip", POSTAL), ("ZIP code", POSTAL), ("Postleitzahl", POSTAL), ("Surname", LAST_NAME),
    ("Family Name", LAST_NAME), ("Nachname", LAST_NAME), ("Organization", COMPANY),
])
def test_a_synonym_maps_to_the_kit_field_of_that_meaning_and_says_so(header, kit_field):
    plan = plan_columns(["Email", header], KIT_FIELDS)
    assert plan.fields == [(1, kit_field)]
    assert plan.describe()[-1] == f"{header} -> {kit_field.label} ({kit_field.key}), a synonym"


def test_a_column_named_exactly_like_a_field_wins_over_a_synonym_before_it():
    plan = plan_columns(["Email", "Zip", "Postal code"], KIT_FIELDS)
    assert plan.fields == [(2, POSTAL)]
    assert plan.ignored == [("Zip", "Kit field Postal code is fed by Postal code")]


def test_metadata_named_like_a_kit_field_says_it_is_held_back():
    status = CustomField(9, "status", "Status")
    plan = plan_columns(["Email", "Status", "Signup Date"], [status], claimed={})
    assert plan.ignored == [
        ("Status",
         "export metadata, though named like the Kit field Status: map it with fields=[('Status', 'Status')]"),
        ("Signup Date", "export metadata: map it with fields=[('Signup Date', 'Label')]"),
    ]


def rows_of(*lines: tuple[str, ...], start: int = 2) -> list[Row]:
    return [Row(start + i, cells) for i, cells in enumerate(lines)]


def test_with_no_email_header_the_column_of_mostly_addresses_is_taken_and_said():
    samples = rows_of(*[("Ann", f"ann{i}@example.com") for i in range(9)], ("Bo", "not an address"))
    plan = plan_columns(["Name", "Contact"], [], samples=samples)
    assert plan.email == 1
    assert plan.describe()[0] == ("Contact -> email (no email header kit-import knows, so its cells decided: "
                                  "9 of 10 sampled are addresses)")


def test_a_column_with_too_few_addresses_is_not_taken_for_the_email():
    samples = rows_of(*[("Ann", f"ann{i}@example.com") for i in range(7)], *[("Bo", "n/a")] * 3)
    with pytest.raises(ConfigError, match="No email column found"):
        plan_columns(["Name", "Contact"], [], samples=samples)


def test_a_title_row_read_as_the_header_suggests_the_real_header_row():
    samples = rows_of(("", ""), ("Email", "Name"), ("ann@example.com", "Ann"), start=2)
    with pytest.raises(ConfigError, match="Row 3 holds 'Email'") as caught:
        plan_columns(["Subscribers", "May 2024"], [], samples=samples)
    assert caught.value.hint == "Pass header_row=3 to read the header from row 3."


def test_an_unknown_column_name_lists_the_valid_ones():
    with pytest.raises(ConfigError, match="fields names a column 'Zipcode' that the file does not have") as caught:
        plan_columns(["Email", "Zip"], KIT_FIELDS, field_specs=[("Zipcode", "Postal code")])
    assert caught.value.hint == "Columns in the file: 'Email', 'Zip'."


def test_a_failures_csv_is_read_without_its_row_and_error_columns():
    plan = plan_columns(["Email", "Company", "row", "error"], KIT_FIELDS)
    assert plan.fields == [(1, COMPANY)] and plan.ignored == []
