"""The mapper: which column is which, emails, duplicates, blanks."""

from __future__ import annotations

import pytest

from conftest import COMPANY, EXAMPLES, KIT_FIELDS, LAST_NAME, POSTAL
from importer.errors import ConfigError
from hypothesis import given, settings
from hypothesis import strategies as st

from importer.mapping import ContactMerger, check_email, map_rows, plan_columns, validated
from importer.records import Contact, CustomField, Rejection, Row


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
    assert plan.ignored == [("MEMBER_RATING", 'export metadata: map it with --field "MEMBER_RATING=Label"')]


def test_explicit_field_mappings_win_and_unknown_labels_are_missing():
    plan = plan_columns(["Mail", "Notes", "Zip", "Org"], KIT_FIELDS, email_column="mail",
                        field_specs=[("zip", "Postal Code"), ("Org", "Organisation")])
    assert plan.fields == [(2, POSTAL)]
    assert plan.missing == [(3, "Organisation")]
    assert plan.ignored == [("Notes", 'no Kit field matches: map it with --field "Notes=Label"')]


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
        ("Status", 'export metadata, though named like the Kit field Status: map it with --field "Status=Status"'),
        ("Signup Date", 'export metadata: map it with --field "Signup Date=Label"'),
    ]


def rows_of(*lines: tuple[str, ...], start: int = 2) -> list[Row]:
    return [Row(start + i, cells) for i, cells in enumerate(lines)]


def test_with_no_email_header_the_column_of_mostly_addresses_is_taken_and_said():
    samples = rows_of(*[("Ann", f"ann{i}@example.com") for i in range(9)], ("Bo", "not an address"))
    plan = plan_columns(["Name", "Contact"], [], samples=samples)
    assert plan.email == 1
    assert plan.describe()[0] == "Contact -> email (no header says email; 9 of 10 cells sampled are email addresses)"


def test_a_column_with_too_few_addresses_is_not_taken_for_the_email():
    samples = rows_of(*[("Ann", f"ann{i}@example.com") for i in range(7)], *[("Bo", "n/a")] * 3)
    with pytest.raises(ConfigError, match="No email column found"):
        plan_columns(["Name", "Contact"], [], samples=samples)


def test_a_title_row_read_as_the_header_suggests_the_real_header_row():
    samples = rows_of(("", ""), ("Email", "Name"), ("ann@example.com", "Ann"), start=2)
    with pytest.raises(ConfigError, match="Row 3 holds 'Email'") as caught:
        plan_columns(["Subscribers", "May 2024"], [], samples=samples)
    assert caught.value.hint == "Pass --header-row 3 to read the header from row 3."


def test_an_unknown_column_name_lists_the_valid_ones():
    with pytest.raises(ConfigError, match="--field names a column 'Zipcode'") as caught:
        plan_columns(["Email", "Zip"], KIT_FIELDS, field_specs=[("Zipcode", "Postal code")])
    assert caught.value.hint == "Columns in the file: 'Email', 'Zip'."


def test_a_failures_csv_is_read_without_its_row_and_error_columns():
    plan = plan_columns(["Email", "Company", "row", "error"], KIT_FIELDS)
    assert plan.fields == [(1, COMPANY)] and plan.ignored == []


@pytest.mark.parametrize("raw, email", [
    ("  Ann@Example.COM ", "Ann@example.com"),
    ("mailto:bo@example.com", "bo@example.com"),
    ("Cy Young <cy@example.com>", "cy@example.com"),
    ("dee@bücher.example", "dee@xn--bcher-kva.example"),
], ids=["trim-and-domain-case", "mailto", "display-name", "unicode-domain"])
def test_fixable_emails_are_normalised(raw, email):
    assert check_email(raw).email == email


@pytest.mark.parametrize("raw, reason, detail", [
    ("", "missing email", ""),
    ("   ", "missing email", ""),
    ("tom at example.com", "invalid email", "'tom at example.com' is missing an @"),
    ("a b@example.com", "invalid email", "'a b@example.com' contains spaces"),
    ("sam@example", "invalid email", "'sam@example': the domain has no dot"),
    ("lee..park@example.com", "invalid email", "it has two dots in a row"),
    ("a@b@example.com", "invalid email", "'a@b@example.com' has more than one @"),
    ("@example.com", "invalid email", "nothing before the @"),
    ("x@mail.test", "invalid email", "reserved name"),
    ("ab(c)@example.com", "invalid email", "invalid characters before the @-sign"),
], ids=["empty", "blank", "no-at", "spaces", "no-dot-in-domain", "double-dot", "two-ats", "no-local-part",
        "reserved-domain", "bad-characters"])
def test_invalid_emails_say_why(raw, reason, detail):
    check = check_email(raw)
    assert check.email is None and check.reason == reason and detail in check.detail


def test_rows_map_to_contacts_and_rejections_one_for_one():
    plan = plan_columns(["Email", "First Name", "Company", "Last name"], KIT_FIELDS)
    rows = [Row(2, ("a@example.com", " Ann ", "Acme", "")), Row(3, ("nope", "X", "", "")),
            Row(4, ("b@example.com", "", "", "")), Row(5, ("c@example.com", "Cy", "x", "y", "z"), "ragged row: 1 cell")]
    out = list(map_rows(rows, plan))
    # Blank cells come out as "" (what a blank means is the merger's decision, below).
    assert out == [Contact("a@example.com", "Ann", {COMPANY: "Acme", LAST_NAME: ""}, [2]),
                   Rejection(3, "invalid email", "'nope' is missing an @"),
                   Contact("b@example.com", None, {COMPANY: "", LAST_NAME: ""}, [4]),
                   Rejection(5, "ragged row", "1 cell")]


def test_a_short_rows_missing_cells_are_absent_not_blank():
    plan = plan_columns(["Email", "First Name", "Company", "Last name"], KIT_FIELDS)
    rows = [Row(2, ("a@example.com", "Ann", "")), Row(3, ("b@example.com",)), Row(4, ())]
    assert list(map_rows(rows, plan)) == [Contact("a@example.com", "Ann", {COMPANY: ""}, [2]),
                                          Contact("b@example.com", None, {}, [3]), Rejection(4, "missing email")]


@pytest.mark.parametrize("clear", [False, True], ids=["blanks-skip", "blanks-clear"])
def test_absent_cells_are_never_sent_and_never_override_a_duplicate(clear):
    merger = ContactMerger([COMPANY, LAST_NAME], clear_blanks=clear)
    merger.add(Contact("a@example.com", "Ann", {COMPANY: "Acme", LAST_NAME: "Lee"}, [2]))
    merger.add(Contact("a@example.com", None, {}, [3]))  # a short row: both cells absent
    merger.add(Contact("b@example.com", None, {COMPANY: ""}, [4]))  # Last name absent, Company blank
    merger.add(Contact("c@example.com", None, {}, [5]))
    merger.add(Contact("c@example.com", None, {LAST_NAME: ""}, [6]))  # a blank after an absent cell
    a, b, c = merger.contacts()
    assert a.fields == {COMPANY: "Acme", LAST_NAME: "Lee"}
    assert b.fields == ({COMPANY: ""} if clear else {})
    assert c.fields == ({LAST_NAME: ""} if clear else {})
    assert merger.value_count() == (4 if clear else 2)
    assert merger.rows == 5


def test_blanks_clear_sends_empty_values_but_never_a_blank_first_name():
    plan = plan_columns(["Email", "First Name", "Company"], KIT_FIELDS)
    merger = ContactMerger([COMPANY], clear_blanks=True)
    for contact in map_rows([Row(2, ("a@example.com", "", ""))], plan):
        merger.add(contact)
    [contact] = merger.contacts()
    assert contact.first_name is None and contact.fields == {COMPANY: ""}


def test_a_long_cell_is_sent_as_it_is():
    plan = plan_columns(["Email", "Company"], KIT_FIELDS)
    [contact] = map_rows([Row(2, ("a@example.com", "x" * 150_000))], plan)
    assert contact.fields == {COMPANY: "x" * 150_000}


def test_duplicates_merge_case_insensitively_and_later_non_blank_cells_win():
    merger = ContactMerger()
    merger.add(Contact("Ann@example.com", "Ann", {COMPANY: "Acme", LAST_NAME: "Lee"}, [2]))
    merger.add(Contact("b@example.com", None, {}, [3]))
    merger.add(Contact("ANN@EXAMPLE.COM", None, {COMPANY: "Beta", LAST_NAME: ""}, [7]))
    assert merger.merged == 1
    [ann, b] = list(merger.contacts())
    assert ann == Contact("Ann@example.com", "Ann", {COMPANY: "Beta", LAST_NAME: "Lee"}, [2, 7])
    assert b.email == "b@example.com"


local_chars = st.sampled_from(list("abcXYZ019.!#$%&'*+/=?^_`{|}~-\"(),:;<>[\\]é "))
domain_chars = st.sampled_from(list("abcxyz019.-_éü") + ["test", "com", "local", "example", "xn--"])


@settings(max_examples=EXAMPLES * 3, deadline=None)
@given(st.lists(local_chars, min_size=0, max_size=70).map("".join),
       st.lists(domain_chars, min_size=0, max_size=30).map("".join))
def test_the_fast_path_agrees_with_email_validator(local, domain):
    text = f"{local}@{domain}".strip()
    fast = check_email(text)
    own_checks = ("contains spaces", "more than one @", "missing an @")  # said before email-validator is asked
    if "<" not in text and not any(check in fast.detail for check in own_checks):
        assert fast == validated(text, text)
