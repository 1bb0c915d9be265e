"""--when-removed: people an earlier run imported from the source that are no longer in it are
untagged or unsubscribed, with both credentials; a half-empty export is braked first; the dry run
and --diff list them; the undo file puts a removed tag back; a failures CSV never counts."""

from __future__ import annotations

import csv
import json

import pytest

from conftest import write
from helpers import env_for, invoke

HEADER = "Email,First Name\n"


def people(*numbers: int) -> str:
    return HEADER + "".join(f"p{n}@example.com,P{n}\n" for n in numbers)


def run(sandbox, tmp_path, kind, numbers, *extra, source="list.csv"):
    write(tmp_path / source, people(*numbers)) if source == "list.csv" else None
    return invoke(["run", source, "--state", "k.state", "--report", "r.json", *extra], env_for(sandbox, kind),
                  cwd=tmp_path)


def state_of(sandbox, email):
    return sandbox.store.find(email).state


@pytest.mark.parametrize("kind, removal_request", [("oauth", "/v4/bulk/tags/subscribers"),
                                                   ("api_key", "/v4/tags/")])
def test_people_who_left_are_untagged_and_the_undo_puts_the_tag_back(sandbox, tmp_path, kind, removal_request):
    untag = ["--tag", "Customers", "--when-removed", "untag:Customers"]
    first = run(sandbox, tmp_path, kind, range(10), *untag)
    assert first.exit_code == 0, first.output
    assert "it acts on those who leave from the next run" in first.output
    assert all(sandbox.store.tags_of(f"p{n}@example.com") == {"Customers"} for n in range(10))

    sandbox.requests.clear()
    second = run(sandbox, tmp_path, kind, range(8), *untag, "--undo", "u.csv")
    assert second.exit_code == 0, second.output
    assert "Left the source:   2 subscribers left the source: 2 untagged (Customers)" in second.output
    assert second.output.rstrip().endswith("; 2 subscribers who left the source untagged; no failures file written")
    assert sandbox.store.tags_of("p8@example.com") == set() == sandbox.store.tags_of("p9@example.com")
    assert sandbox.store.tags_of("p7@example.com") == {"Customers"}
    assert state_of(sandbox, "p9@example.com") == "active"
    deletes = [p for m, p, _, _ in sandbox.requests if m == "DELETE"]
    assert deletes and all(p.startswith(removal_request) for p in deletes)
    assert len(deletes) == (1 if kind == "oauth" else 2)
    report = json.loads((tmp_path / "r.json").read_text())
    assert (report["left_source"], report["removed"], report["removals_refused"]) == (2, 2, 0)

    third = run(sandbox, tmp_path, kind, range(8), *untag)  # they are not members any more
    assert third.exit_code == 0 and "Left the source" not in third.output

    undone = invoke(["undo", "u.csv"], env_for(sandbox, kind), cwd=tmp_path)
    assert undone.exit_code == 0, undone.output
    assert "2 put back" in undone.output
    assert sandbox.store.tags_of("p8@example.com") == {"Customers"} == sandbox.store.tags_of("p9@example.com")


@pytest.mark.parametrize("kind", ["oauth", "api_key"])
def test_people_who_left_are_unsubscribed_and_the_summary_says_it_cannot_be_undone(sandbox, tmp_path, kind):
    assert run(sandbox, tmp_path, kind, range(6), "--when-removed", "unsubscribe").exit_code == 0
    second = run(sandbox, tmp_path, kind, range(5), "--when-removed", "unsubscribe", "--undo", "u.csv")
    assert second.exit_code == 0, second.output
    assert "1 unsubscribed; an unsubscribe cannot be undone" in second.output
    assert state_of(sandbox, "p5@example.com") == "cancelled"
    assert state_of(sandbox, "p4@example.com") == "active"
    undone = invoke(["undo", "u.csv"], env_for(sandbox, kind), cwd=tmp_path)
    assert "Left unsubscribed" in undone.output and "p5@example.com" in undone.output
    assert state_of(sandbox, "p5@example.com") == "cancelled"


def test_a_half_empty_export_is_braked_before_anything_is_removed(sandbox, tmp_path):
    assert run(sandbox, tmp_path, "oauth", range(20), "--when-removed", "unsubscribe").exit_code == 0
    sandbox.requests.clear()
    braked = run(sandbox, tmp_path, "oauth", range(10), "--when-removed", "unsubscribe", "--max-changes", "20")
    assert braked.exit_code == 1
    assert "10 subscribers left the source" in braked.output and "over the 20% that --max-changes allows; if they " \
        "did leave, run once with --max-changes 100" in braked.output
    assert all(state_of(sandbox, f"p{n}@example.com") == "active" for n in range(20))
    assert not [p for m, p, _, _ in sandbox.requests if m in ("POST", "DELETE")]
    # it never says the active people who left were "not active already": the brake stopped it first
    assert "Left the source:   10 subscribers left the source: none unsubscribed, the run stopped first\n" \
        in braked.output
    # without --max-changes, more than half of the members leaving stops the run too
    unset = run(sandbox, tmp_path, "oauth", range(5), "--when-removed", "unsubscribe")
    assert unset.exit_code == 1 and "more than half" in unset.output
    # the members are as the last complete run left them: the whole export again removes no one
    whole = run(sandbox, tmp_path, "oauth", range(20), "--when-removed", "unsubscribe")
    assert whole.exit_code == 0 and "Left the source" not in whole.output


def test_the_dry_run_and_diff_list_the_removals(sandbox, tmp_path):
    untag = ["--tag", "Customers", "--when-removed", "untag:Customers"]
    assert run(sandbox, tmp_path, "oauth", range(4), *untag).exit_code == 0
    dry = run(sandbox, tmp_path, "oauth", range(3), *untag, "--dry-run", "--diff", "d.csv")
    assert dry.exit_code == 0, dry.output
    assert "1 would be untagged (Customers)" in dry.output
    rows = list(csv.reader((tmp_path / "d.csv").open(encoding="utf-8-sig")))
    assert ["p3@example.com", "tag", "removed", "Customers", "", "left the source"] in rows
    assert sandbox.store.tags_of("p3@example.com") == {"Customers"}


def test_a_failures_csv_never_counts_as_the_source(sandbox, tmp_path):
    assert run(sandbox, tmp_path, "oauth", range(4), "--when-removed", "unsubscribe").exit_code == 0
    write(tmp_path / "list.csv.failures.csv", "Email,First Name,row,error\np1@example.com,P1,3,bad\n")
    again = run(sandbox, tmp_path, "oauth", (), "--when-removed", "unsubscribe", source="list.csv.failures.csv")
    assert again.exit_code == 0, again.output
    assert "acts only on a complete source, and a failures CSV" in again.output
    assert all(state_of(sandbox, f"p{n}@example.com") == "active" for n in range(4))


def test_when_removed_takes_only_its_three_forms():
    result = invoke(["run", "x.csv", "--when-removed", "delete"])
    assert result.exit_code == 2 and "must be nothing, untag:TAG or unsubscribe" in result.output


def test_the_undo_listing_names_the_removed_tags_it_would_put_back(sandbox, tmp_path):
    untag = ["--tag", "Customers", "--when-removed", "untag:Customers"]
    assert run(sandbox, tmp_path, "oauth", range(4), *untag).exit_code == 0
    second = run(sandbox, tmp_path, "oauth", range(2), *untag)
    assert second.exit_code == 0 and "2 removed tags" in second.output
    listed = invoke(["undo"], env_for(sandbox), cwd=tmp_path)
    assert listed.exit_code == 0, listed.output
    assert listed.output.splitlines()[1].endswith("2 removed tags"), listed.output


def test_a_braked_untag_does_not_say_kit_lacks_the_tag(sandbox, tmp_path):
    untag = ["--tag", "Customers", "--when-removed", "untag:Customers"]
    assert run(sandbox, tmp_path, "oauth", range(10), *untag).exit_code == 0
    assert run(sandbox, tmp_path, "oauth", range(10), *untag).exit_code == 0
    braked = run(sandbox, tmp_path, "oauth", range(2), *untag)
    assert braked.exit_code == 1 and "more than half" in braked.output
    assert "Kit has no tag" not in braked.output
    assert "8 subscribers left the source: none untagged, the run stopped first" in braked.output


@pytest.mark.parametrize("when_removed", ["unsubscribe", "untag:Customers"])
def test_a_rejected_row_leaves_who_left_unknown_so_nobody_is_removed_that_night(sandbox, tmp_path, when_removed):
    removal = ["--tag", "Customers", "--when-removed", when_removed]
    assert run(sandbox, tmp_path, "oauth", range(10), *removal).exit_code == 0
    # a typo in p3's address: the row is rejected, so p3 may still be in the source, and is not gone
    write(tmp_path / "list.csv", people(*range(10)).replace("p3@example.com", "p3@example"))
    sandbox.requests.clear()
    typo = invoke(["run", "list.csv", "--state", "k.state", "--report", "r.json", *removal], env_for(sandbox),
                  cwd=tmp_path)
    assert typo.exit_code == 3, typo.output  # a rejected row, no brake: max_rejects is not lowered
    assert "Left the source:   not acted on: 1 row was rejected, so who left cannot be known; fix it and the next " \
        "run acts\n" in typo.output
    assert state_of(sandbox, "p3@example.com") == "active"
    assert sandbox.store.tags_of("p3@example.com") == {"Customers"}
    assert not [p for m, p, _, _ in sandbox.requests if m in ("POST", "DELETE") and "unsubscribe" in p + m]
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["removals"].startswith("not acted on: 1 row was rejected")
    assert (report["left_source"], report["removed"]) == (0, 0)
    # three bad rows: the same, in the plural
    write(tmp_path / "list.csv", people(*range(10)).replace("p1@example.com", "p1@").replace(
        "p2@example.com", "").replace("p3@example.com", "p3@example"))
    three = invoke(["run", "list.csv", "--state", "k.state", *removal], env_for(sandbox), cwd=tmp_path)
    assert "not acted on: 3 rows were rejected, so who left cannot be known; fix them and the next run acts" \
        in three.output
    assert all(state_of(sandbox, f"p{n}@example.com") == "active" for n in range(10))
    assert all(sandbox.store.tags_of(f"p{n}@example.com") == {"Customers"} for n in range(10))
    # fixed the next night, with p9 really gone: only p9 is removed
    fixed = run(sandbox, tmp_path, "oauth", range(9), *removal)
    assert fixed.exit_code == 0, fixed.output
    done = "1 unsubscribed" if when_removed == "unsubscribe" else "1 untagged (Customers)"
    assert f"1 subscriber left the source: {done}" in fixed.output
    gone = state_of(sandbox, "p9@example.com") == "cancelled" if when_removed == "unsubscribe" else \
        sandbox.store.tags_of("p9@example.com") == set()
    assert gone
    assert all(state_of(sandbox, f"p{n}@example.com") == "active" for n in range(9))
    assert all(sandbox.store.tags_of(f"p{n}@example.com") == {"Customers"} for n in range(9))


def test_an_address_anywhere_in_a_row_is_still_in_the_source(sandbox, tmp_path):
    assert run(sandbox, tmp_path, "oauth", range(4), "--when-removed", "unsubscribe").exit_code == 0
    # p3 is now left out by --skip-unsubscribed, written in angle brackets: still in the source
    write(tmp_path / "list.csv", "Email,First Name,Status\n" + "".join(
        f"p{n}@example.com,P{n},subscribed\n" for n in range(3)) + "P3 <P3@Example.com>,P3,unsubscribed\n")
    again = invoke(["run", "list.csv", "--state", "k.state", "--when-removed", "unsubscribe", "--skip-unsubscribed",
                    "--keep-kit-state"], env_for(sandbox), cwd=tmp_path)
    assert again.exit_code == 0, again.output
    assert "left the source" not in again.output
    assert state_of(sandbox, "p3@example.com") == "active"


def test_leavers_come_from_the_runs_read_of_the_account_as_the_manual_says(sandbox, tmp_path):
    unsubscribe = ["--when-removed", "unsubscribe"]
    assert run(sandbox, tmp_path, "oauth", range(6), *unsubscribe).exit_code == 0
    sandbox.requests.clear()
    read = run(sandbox, tmp_path, "oauth", range(5), *unsubscribe, "--compare", "always", "--max-changes", "100")
    assert read.exit_code == 0, read.output
    assert state_of(sandbox, "p5@example.com") == "cancelled"
    paths = [p for m, p, _, _ in sandbox.requests if m == "GET"]
    assert "/v4/subscribers" in paths and not any(p.startswith("/v4/subscribers/") for p in paths)  # none by id
    from pathlib import Path
    manual = " ".join((Path(__file__).resolve().parents[2] / "docs" / "actions.md").read_text().split())
    assert "When the run read the whole account, that read holds them and costs nothing more." in manual
    assert "Each leaver is read from Kit first" not in manual
