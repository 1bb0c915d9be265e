"""End to end: tags through the real CLI against the local Kit emulator, with both credentials."""

from __future__ import annotations

import json

import pytest

from conftest import write
from helpers import env_for, failures_of, invoke

MAILCHIMP = (
    '"Email Address","First Name","Last Name","MEMBER_RATING","TAGS"\n'
    '"ann@example.com","Ann","Lee","2","""VIP"",""Spring 2024"""\n'
    '"bo@example.com","Bo","Chen","4","""vip"""\n'
    '"cy@example.com","Cy","","1",""\n'
    '"ANN@example.com","","","2","""Donor"",""spring 2024"""\n'
)
IMPORTED = "Imported 2026-11"
TAG_WRITES = ("/v4/tags", "/v4/bulk/tags", "/v4/bulk/tags/subscribers")


def tag_writes(sandbox, since=0):
    """The requests that created tags or tagged subscribers."""
    return [(m, p) for m, p, _, _ in sandbox.requests[since:]
            if m == "POST" and (p in TAG_WRITES or (p.startswith("/v4/tags/") and p.endswith("/subscribers")))]


@pytest.mark.parametrize("kind", ["oauth", "api_key"])
def test_a_mailchimp_export_with_tags_and_a_tag_for_everyone(sandbox, tmp_path, kind):
    sandbox.store.add_tag("VIP")  # Kit has it already: matched ignoring case, not created again
    source = write(tmp_path / "members.csv", MAILCHIMP)
    result = invoke(["run", source, "--tag", IMPORTED], env_for(sandbox, kind), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    store = sandbox.store
    assert store.tags_of("ann@example.com") == {"VIP", "Spring 2024", "Donor", IMPORTED}
    assert store.tags_of("bo@example.com") == {"VIP", IMPORTED}
    assert store.tags_of("cy@example.com") == {IMPORTED}
    assert sorted(t.name for t in store.tags.values()) == sorted(["VIP", "Spring 2024", "Donor", IMPORTED])
    assert "Taggings:          7" in result.output
    assert f"Tags created:      Spring 2024, Donor, {IMPORTED}" in result.output
    assert "TAGS -> tags" in result.output
    if kind == "oauth":
        assert [p for _, p in tag_writes(sandbox)] == ["/v4/bulk/tags", "/v4/bulk/tags/subscribers"]
    else:
        writes = [p for _, p in tag_writes(sandbox)]
        assert writes.count("/v4/tags") == 3 and len(writes) == 3 + 7
        assert not any(p.startswith("/v4/bulk/") for _, p, _, _ in sandbox.requests)


@pytest.mark.parametrize("kind", ["oauth", "api_key"])
def test_a_tagging_kit_refuses_fails_every_row_of_that_contact_and_nothing_else(sandbox, tmp_path, kind):
    sandbox.store.add_tag("VIP")
    sandbox.store.refused_tags = {"vip"}  # as if someone deleted the tag in Kit during the run
    source = write(tmp_path / "members.csv", MAILCHIMP)
    result = invoke(["run", source, "--tag", IMPORTED], env_for(sandbox, kind), cwd=tmp_path)
    assert result.exit_code == 3, result.output
    rows = failures_of(tmp_path / "members.csv.failures.csv")
    message = "Tag does not exist" if kind == "oauth" else "Not Found"
    assert [(r[-2], r[-1]) for r in rows[1:]] == [("2", f"tag not applied: VIP: {message}"),
                                                  ("3", f"tag not applied: VIP: {message}"),
                                                  ("5", f"tag not applied: VIP: {message}")]
    assert sandbox.store.tags_of("ann@example.com") == {"Spring 2024", "Donor", IMPORTED}
    assert sandbox.store.tags_of("bo@example.com") == {IMPORTED}
    assert sandbox.store.tags_of("cy@example.com") == {IMPORTED}
    assert "Taggings:          5 (2 refused by Kit)" in result.output
    assert "tag not applied: 3" in result.output  # three rows rejected for that reason


@pytest.mark.parametrize("kind", ["oauth", "api_key"])
def test_a_rerun_with_a_state_file_sends_no_tagging_and_a_new_tag_alone(sandbox, tmp_path, kind):
    source = write(tmp_path / "members.csv", MAILCHIMP)
    state = tmp_path / "kit.state"
    env = env_for(sandbox, kind)
    assert invoke(["run", source, "--tag", IMPORTED, "--state", state], env, cwd=tmp_path).exit_code == 0
    before = len(sandbox.requests)
    again = invoke(["run", source, "--tag", "imported 2026-11", "--state", state], env, cwd=tmp_path)
    assert again.exit_code == 0, again.output
    assert tag_writes(sandbox, before) == []
    assert not [p for m, p, _, _ in sandbox.requests[before:] if m == "POST"]
    assert "Contacts:          3: 0 created, 0 updated, 3 unchanged" in again.output
    before = len(sandbox.requests)
    more = invoke(["run", source, "--tag", IMPORTED, "--tag", "Night 2", "--state", state], env, cwd=tmp_path)
    assert more.exit_code == 0, more.output
    posts = [p for m, p, _, _ in sandbox.requests[before:] if m == "POST"]
    # Kit has the subscribers (the state knows their ids): only the new tag is created and applied.
    assert "/v4/bulk/subscribers" not in posts and "/v4/subscribers" not in posts
    assert len(tag_writes(sandbox, before)) == (2 if kind == "oauth" else 1 + 3)
    assert all("Night 2" in sandbox.store.tags_of(e) for e in ("ann@example.com", "bo@example.com", "cy@example.com"))


# Reads include the account, which the real run's undo file names.
@pytest.mark.parametrize("kind, requests", [("oauth", 4 + 1 + 1 + 1 + 1), ("api_key", 4 + 3 + 3 + 7)])
def test_a_dry_run_lists_the_tags_it_would_create_and_counts_their_requests(sandbox, tmp_path, kind, requests):
    sandbox.store.add_tag("vip")
    source = write(tmp_path / "members.csv", MAILCHIMP)
    result = invoke(["run", source, "--tag", IMPORTED, "--dry-run"], env_for(sandbox, kind), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert f"Tags to create:    Spring 2024, Donor, {IMPORTED}" in result.output
    assert "Taggings to send:  7" in result.output
    assert f"Requests needed:   {requests} " in result.output
    assert [m for m, _, _, _ in sandbox.requests] == ["GET", "GET", "GET"] and len(sandbox.store.tags) == 1


def test_tags_are_created_only_after_every_check_that_could_stop_the_run(sandbox, tmp_path):
    source = write(tmp_path / "members.csv", MAILCHIMP + '"not-an-email","X","","","""Other"""\n')
    result = invoke(["run", source, "--tag", IMPORTED, "--max-rejects", "0"], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 1
    assert not sandbox.store.tags and tag_writes(sandbox) == []


def test_a_tags_column_mapped_with_field_is_a_custom_field_not_tags(sandbox, tmp_path):
    sandbox.store.add_field("Interests")
    source = write(tmp_path / "members.csv", MAILCHIMP)
    result = invoke(["run", source, "--field", "TAGS=Interests"], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert sandbox.store.tags_of("ann@example.com") == set() and not sandbox.store.tags
    assert sandbox.store.snapshot()["bo@example.com"]["fields"]["Interests"] == '"vip"'


def test_tags_column_and_tags_from_a_config(sandbox, tmp_path):
    write(tmp_path / "people.csv", "email,Labels\nann@example.com,\"a, b\"\nbo@example.com,\n")
    config = write(tmp_path / "nightly.toml", 'source = "people.csv"\ntags_column = "Labels"\ntags = ["Nightly"]\n')
    result = invoke(["run", "--config", config], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert sandbox.store.tags_of("ann@example.com") == {"a", "b", "Nightly"}
    assert sandbox.store.tags_of("bo@example.com") == {"Nightly"}


def test_init_proposes_the_tags_column(tmp_path):
    source = write(tmp_path / "members.csv", MAILCHIMP)
    result = invoke(["init", source, "--output", tmp_path / "n.toml"], cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert 'tags_column = "TAGS"' in (tmp_path / "n.toml").read_text()


def test_a_braked_run_does_not_claim_the_tags_it_never_created(sandbox, tmp_path):
    source = write(tmp_path / "members.csv", MAILCHIMP + '"not an email","Dee","","1",""\n')
    result = invoke(["run", source, "--tag", IMPORTED, "--max-rejects", "1"], env_for(sandbox, "oauth"), cwd=tmp_path)
    assert result.exit_code == 1, result.output
    assert not sandbox.store.tags  # the brake stopped the run before any tag was created
    assert "Tags created" not in result.output


GHOST = ("id,email,name,subscribed_to_emails,labels,tiers\n"
         "65a1,grace@example.com,Grace Hopper,true,Import 2024,Free\n"
         '65a3,ada@example.com,Ada Lovelace,true,"""Paid, Patron"", VIP",Premium\n'
         "65a4,alan@example.com,Alan Turing,true,,Premium\n")


def test_ghosts_labels_column_is_read_as_tags(sandbox, tmp_path):
    source = write(tmp_path / "ghost.csv", GHOST)
    result = invoke(["run", source], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert "labels -> tags" in result.output
    assert sandbox.store.tags_of("grace@example.com") == {"Import 2024"}
    assert sandbox.store.tags_of("ada@example.com") == {"Paid, Patron", "VIP"}
    assert sandbox.store.tags_of("alan@example.com") == set()


def test_a_labels_column_mapped_with_field_is_a_custom_field_not_tags(sandbox, tmp_path):
    sandbox.store.add_field("Segments")
    source = write(tmp_path / "ghost.csv", GHOST)
    result = invoke(["run", source, "--field", "labels=Segments"], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert not sandbox.store.tags
    assert sandbox.store.snapshot()["grace@example.com"]["fields"]["Segments"] == "Import 2024"


def test_google_contacts_labels_are_its_groups_not_tags(sandbox, tmp_path):
    source = write(tmp_path / "contacts.csv", "First Name,Labels,E-mail 1 - Value\n"
                                              "Gina,* myContacts ::: Friends,gina@example.com\n"
                                              "Hal,* myContacts,hal@example.com\n")
    result = invoke(["run", source, "--report", "r.json"], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert not sandbox.store.tags and "-> tags" not in result.output
    report = json.loads((tmp_path / "r.json").read_text())
    assert "Labels" in report["columns_ignored"]
