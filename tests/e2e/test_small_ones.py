"""The small ones of issue 17: tags listed once ignoring case in Kit's spelling (quoted when they
hold a comma), the diff's word for a state the run will not change, and a column named exactly
like one of the account's custom fields."""

from __future__ import annotations

import json

from conftest import write
from helpers import SALESFORCE, env_for, invoke


def test_tags_to_add_are_listed_once_ignoring_case_in_kits_spelling_and_quoted_with_a_comma(sandbox, tmp_path):
    sandbox.store.add_tag("VIP")
    source = write(tmp_path / "c.csv", "Email,Tags\nann@example.com,vip\nbo@example.com,VIP\ncy@example.com,Vip\n")
    result = invoke(["run", source, "--dry-run", "--compare", "always", "--tag", "Imported, Nov"], env_for(sandbox),
                    cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert 'Tags to add:       6 ("Imported, Nov" 3, VIP 3)\n' in result.output
    assert 'Tags to create:    "Imported, Nov"\n' in result.output


def test_a_column_named_like_one_of_the_accounts_fields_is_mapped_even_when_exports_use_the_name(sandbox, tmp_path):
    sandbox.seed_fields(["Plan"])
    source = write(tmp_path / "s.csv", "email,name,plan,status\nann@example.com,Ann,founding,subscribed\n")
    result = invoke(["run", source], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert ("plan -> Plan (plan), named like the account's field (exports also use the name for their own data)"
            in result.output)
    assert sandbox.store.snapshot()["ann@example.com"]["fields"] == {"Plan": "founding"}


def test_metadata_named_like_a_field_is_still_held_back_without_the_field_or_for_consent():
    from importer.records import CustomField
    from importer.read.columns import plan_columns

    plan = plan_columns(["Email", "Plan", "Status"], [CustomField(9, "status", "Status")], claimed={})
    assert [h for h, _ in plan.ignored] == ["Plan", "Status"] and plan.fields == []
    plan = plan_columns(["Email", "Plan"], [CustomField(7, "plan", "Plan")], claimed={})
    assert plan.fields == [(1, CustomField(7, "plan", "Plan"))] and plan.metadata_named == {1}


def test_the_diff_never_says_changed_for_a_state_the_run_will_not_change(sandbox, tmp_path):
    import csv

    store = sandbox.store
    store.upsert("left@example.com", "Left", set_first_name=True)
    store.find("left@example.com").state = "cancelled"  # the file says active: never re-activated
    store.upsert("stay@example.com", "Stay", set_first_name=True)  # active; the file says unsubscribed
    source = write(tmp_path / "c.csv", "Email,First name,Status\nleft@example.com,Left,active\n"
                                       "stay@example.com,Stay,unsubscribed\n")
    result = invoke(["run", source, "--dry-run", "--keep-kit-state", "--diff", "d.csv"], env_for(sandbox),
                    cwd=tmp_path)
    assert result.exit_code == 0, result.output
    with open(tmp_path / "d.csv", encoding="utf-8-sig", newline="") as f:
        states = {row["email"]: row["change"] for row in csv.DictReader(f) if row["what"] == "state"}
    assert states == {"left@example.com": "differs", "stay@example.com": "kept"}


def test_every_differs_and_kept_line_of_the_diff_says_why(sandbox, tmp_path):
    """An unconfirmed subscriber (inactive in Kit) whom the file now says unsubscribed: `differs`,
    with an empty `why`; every `differs` and `kept` line says why."""
    import csv

    store = sandbox.store
    store.upsert("unconf@example.com", "Una", set_first_name=True, state="inactive")
    store.upsert("gone@example.com", "Gone", set_first_name=True, state="cancelled")
    store.upsert("stay@example.com", "Stay", set_first_name=True)
    source = write(tmp_path / "c.csv", "Email,Status\nunconf@example.com,unsubscribed\ngone@example.com,active\n"
                                       "stay@example.com,unsubscribed\n")
    result = invoke(["run", source, "--dry-run", "--keep-kit-state", "--diff", "d.csv"], env_for(sandbox),
                    cwd=tmp_path)
    assert result.exit_code == 0, result.output
    with open(tmp_path / "d.csv", encoding="utf-8-sig", newline="") as f:
        why = {row["email"]: (row["change"], row["why"]) for row in csv.DictReader(f) if row["what"] == "state"}
    assert why == {
        "unconf@example.com": ("differs", "not active in Kit already: no unsubscribe to send, and kit-import sends "
                                          "no other state"),
        "gone@example.com": ("differs", "not active in Kit: kit-import never re-activates anyone, and Kit's API "
                                        "cannot"),
        "stay@example.com": ("kept", "kept as Kit has it by --keep-kit-state")}


def test_a_salesforce_reports_footer_is_set_aside_said_and_counted_and_no_row_is_rejected(sandbox, tmp_path):
    """The standard Salesforce report footer below a blank row rejected 5 rows as `missing email`, exit 3,
    every night. Set aside, the footer lines are counted apart from the rows read, as blank rows are."""
    source = write(tmp_path / "sf.csv", SALESFORCE)
    result = invoke(["run", source, "--report", "r.json"], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "r.json").read_text())
    assert (report["rows_read"], report["rows_imported"], report["rows_rejected"], report["blank_rows"],
            report["footer_rows"]) == (2, 2, 0, 1, 4)
    assert report["footer_lines"][1].startswith("Copyright (c) 2000-2024")
    assert ('Note:              4 footer lines below the data set aside, not read as people: "Contacts and Accounts", '
            '"Copyright (c) 2000-2024 salesforce.co..." ... and 2 more (r.json lists them all)') in result.output
    assert "Rows read:         2: 2 imported, 0 rejected (+1 blank, skipped)" in result.output
    assert not (tmp_path / "sf.csv.failures.csv").exists()
