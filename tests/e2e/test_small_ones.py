"""The small ones of issue 17: tags listed once ignoring case in Kit's spelling (quoted when they
hold a comma), the diff's word for a state the run will not change, and a column named exactly
like one of the account's custom fields."""

from __future__ import annotations

from conftest import write
from helpers import env_for, invoke


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
