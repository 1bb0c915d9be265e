"""Comparing with Kit (issue 12), end to end through the CLI against the sandbox: a re-import
sends nothing, a 1% change sends only it, drift is set back, the plan, --diff, the first-run
brake, and when a read does not pay."""

from __future__ import annotations

import csv
import json
import time

import pytest

from helpers import env_for, failures_of, invoke
from conftest import write

KINDS = ["oauth", "api_key"]
HEADER = ["Email", "First Name", "Last name", "Company", "Postal code"]


def people(n: int, changed: dict[int, str] | None = None) -> list[list[str]]:
    """n contacts with 3 values each; `changed` gives some of them another company."""
    changed = changed or {}
    return [[f"p{i}@example.com", f"P{i}", f"L{i}", changed.get(i, f"C{i % 7}"), f"{i:05d}"] for i in range(n)]


def csv_file(path, rows, header=HEADER):
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(header)
        out.writerows(rows)
    return path


def fast(kind: str) -> list[str]:
    """An API key's 120 a minute would make these runs take minutes: the sandbox takes more."""
    return ["--rate-limit", "100000"] if kind == "api_key" else []


def posts(sandbox, since: int = 0) -> list[tuple[str, object]]:
    return [(p, b) for m, p, _, b in sandbox.requests[since:] if m in ("POST", "PUT", "DELETE")]


def report_of(tmp_path, name: str = "r.json") -> dict:
    return json.loads((tmp_path / name).read_text())


@pytest.mark.parametrize("kind", KINDS)
def test_a_reimport_into_an_account_that_holds_the_file_sends_no_write(sandbox, tmp_path, kind):
    source = csv_file(tmp_path / "list.csv", people(150))
    env = env_for(sandbox, kind)
    assert invoke(["run", source, *fast(kind)], env, cwd=tmp_path).exit_code == 0
    before = len(sandbox.requests)
    again = invoke(["run", source, "--report", "r.json"], env, cwd=tmp_path)
    assert again.exit_code == 0, again.output
    assert posts(sandbox, before) == []
    report = report_of(tmp_path)
    assert (report["created"], report["updated"], report["unchanged"]) == (0, 0, 150)
    assert report["requests"] == {"GET /v4/custom_fields": 1, "GET /v4/subscribers": 1}
    assert report["kit_read"] == "150 subscribers in 1 request (one page held it all)"
    assert "Kit read:          150 subscribers in 1 request" in again.output


@pytest.mark.parametrize("kind", KINDS)
def test_one_percent_changed_sends_only_those_values(sandbox, tmp_path, kind):
    env = env_for(sandbox, kind)
    assert invoke(["run", csv_file(tmp_path / "list.csv", people(300)), *fast(kind)], env, cwd=tmp_path).exit_code == 0
    changed = {7: "Newco", 150: "Otherco", 299: "Thirdco"}
    source = csv_file(tmp_path / "list.csv", people(300, changed))
    before = len(sandbox.requests)
    result = invoke(["run", source, "--report", "r.json"], env, cwd=tmp_path)
    assert result.exit_code == 0, result.output
    sent = posts(sandbox, before)
    if kind == "oauth":  # values by subscriber id, no upsert: one bulk request of 3 values
        assert [p for p, _ in sent] == ["/v4/bulk/custom_fields/subscribers"]
        assert sorted(v["value"] for v in sent[0][1]["custom_field_values"]) == ["Newco", "Otherco", "Thirdco"]
    else:  # one upsert each, carrying only the changed value and no first name
        assert [p for p, _ in sent] == ["/v4/subscribers"] * 3
        assert all(list(b["fields"].values()) in (["Newco"], ["Otherco"], ["Thirdco"]) and "first_name" not in b
                   for _, b in sent)
    report = report_of(tmp_path)
    assert (report["created"], report["updated"], report["unchanged"], report["values_written"]) == (0, 3, 297, 3)
    assert sandbox.store.snapshot()["p150@example.com"]["fields"]["Company"] == "Otherco"


def test_created_and_updated_come_from_what_kit_held_not_from_created_at(sandbox, tmp_path):
    # Kit's clock runs ahead: a subscriber it held already looks created during the run by its created_at.
    store = sandbox.store
    store.clock = lambda: time.time() + 3600
    store.upsert("old@example.com", "Old", set_first_name=True)
    source = csv_file(tmp_path / "c.csv", [["old@example.com", "Renamed", "L", "C", "1"],
                                           ["new@example.com", "New", "L", "C", "2"]])
    result = invoke(["run", source, "--report", "r.json"], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert (report_of(tmp_path)["created"], report_of(tmp_path)["updated"]) == (1, 1)
    assert store.snapshot()["old@example.com"]["first_name"] == "Renamed"


@pytest.mark.parametrize("kind", KINDS)
def test_drift_made_in_kit_is_set_back_and_counted_with_a_state_file(sandbox, tmp_path, kind):
    env = env_for(sandbox, kind)
    source = csv_file(tmp_path / "list.csv", people(20))
    args = ["run", source, "--state", "s.db", "--no-undo"]  # (an undo file reads what the refresh did not)
    assert invoke(args, env, cwd=tmp_path).exit_code == 0
    assert invoke(args, env, cwd=tmp_path).exit_code == 0  # the state now caches what Kit holds
    store = sandbox.store
    sub = store.find("p3@example.com")
    company = store.field_by_label("Company")
    sub.values[company.id] = "Edited in Kit's web app"
    sub.first_name = "Pete"
    store.changed(sub)
    before = len(sandbox.requests)
    result = invoke(args + ["--report", "r.json"], env, cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert store.snapshot()["p3@example.com"] == {"first_name": "P3", "fields": {
        "Last name": "L3", "Company": "C3", "Postal code": "00003"}}
    report = report_of(tmp_path)
    assert report["drift_corrected"] == 2 and report["updated"] == 1 and report["unchanged"] == 19
    assert "Drift corrected:   2 values changed in Kit since the last run, set again to the file's" in result.output
    reads = [q for m, p, q, _ in sandbox.requests[before:] if m == "GET" and p == "/v4/subscribers"]
    assert len(reads) == 1 and "updated_after" in reads[0]  # only what changed since the last read
    assert "updated since the state file's read" in report["kit_read"]


def test_a_refresh_takes_unchanged_subscribers_from_the_cache_and_sends_a_file_change(sandbox, tmp_path):
    env = env_for(sandbox)
    args = ["run", csv_file(tmp_path / "list.csv", people(30)), "--state", "s.db"]
    sandbox.store.clock = lambda: time.time() - 3600  # the first import an hour ago, by Kit's clock
    assert invoke(args, env, cwd=tmp_path).exit_code == 0
    sandbox.store.clock = time.time
    assert invoke(args, env, cwd=tmp_path).exit_code == 0  # nothing updated since the first read: all cached
    source = csv_file(tmp_path / "list.csv", people(30, {4: "Changed"}) + [["z@example.com", "Z", "", "", ""]])
    before = len(sandbox.requests)
    result = invoke(["run", source, "--state", "s.db", "--report", "r.json", "--diff", "d.csv"], env, cwd=tmp_path)
    assert result.exit_code == 0, result.output
    report = report_of(tmp_path)
    assert (report["created"], report["updated"], report["unchanged"]) == (1, 1, 29)
    assert [p for p, _ in posts(sandbox, before)] == ["/v4/bulk/subscribers", "/v4/bulk/custom_fields/subscribers"]
    lines = failures_of(tmp_path / "d.csv")
    assert lines[1][:3] == ["p4@example.com", "Company", "changed"] and "not kept" in lines[1][3]


def test_the_dry_run_plan_counts_per_column_new_changed_equal_and_cleared_and_the_tags(sandbox, tmp_path):
    env = env_for(sandbox)
    assert invoke(["run", csv_file(tmp_path / "list.csv", people(4))], env, cwd=tmp_path).exit_code == 0
    rows = people(4, {1: "Moved"})
    rows[2][2] = ""  # a blank Last name clears Kit's with --blanks clear
    rows.append(["new@example.com", "New", "L", "C", "9"])
    source = csv_file(tmp_path / "list.csv", rows)
    before = len(sandbox.requests)
    dry = invoke(["run", source, "--dry-run", "--blanks", "clear", "--tag", "VIP", "--report", "r.json"], env,
                 cwd=tmp_path)
    assert dry.exit_code == 0, dry.output
    assert posts(sandbox, before) == []
    out = dry.output
    assert "Subscribers:       1 new, 4 existing" in out
    assert "  first name: 1 new, 0 changed, 4 equal to Kit's" in out
    assert "  Company: 1 new, 1 changed, 3 equal to Kit's" in out
    assert "  Last name: 1 new, 0 changed, 3 equal to Kit's, 1 cleared" in out
    assert "  Postal code: 1 new, 0 changed, 4 equal to Kit's" in out
    assert "Tags to add:       5 (VIP 5)" in out
    # reads: fields, subscribers, tags; writes: 1 tag creation, 1 upsert, 1 values request, 1 tagging request
    assert "Requests needed:   8 (4 reads and 4 writes" in out  # and the account, for the undo file
    report = report_of(tmp_path)
    assert report["plan_columns"]["Company"] == {"new": 1, "changed": 1, "equal": 3}
    assert (report["new_subscribers"], report["existing_subscribers"]) == (1, 4)


def test_diff_lists_each_change_with_kits_value_and_the_files_and_is_formula_safe(sandbox, tmp_path):
    env = env_for(sandbox)
    assert invoke(["run", csv_file(tmp_path / "list.csv", people(3))], env, cwd=tmp_path).exit_code == 0
    rows = people(3, {0: "=HYPERLINK(\"http://x\")"})
    rows[1][1] = "Paula"
    rows.append(["new@example.com", "New", "", "Acme", ""])
    source = csv_file(tmp_path / "list.csv", rows)
    dry = invoke(["run", source, "--dry-run", "--diff", "changes.csv", "--tag", "VIP"], env, cwd=tmp_path)
    assert dry.exit_code == 0, dry.output
    raw = (tmp_path / "changes.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = failures_of(tmp_path / "changes.csv")
    assert lines[0] == ["email", "what", "change", "kit_value", "file_value", "why"]
    body = [line[:5] for line in lines[1:] if line[5] == ""]
    assert ["p0@example.com", "Company", "changed", "C0", "'=HYPERLINK(\"http://x\")"] in body
    assert ["p1@example.com", "first name", "changed", "P1", "Paula"] in body
    assert ["new@example.com", "subscriber", "new", "", "new@example.com"] in body
    assert ["new@example.com", "Company", "new", "", "Acme"] in body
    assert ["p2@example.com", "tag", "new", "", "VIP"] in body
    assert len(body) == 2 + 2 + 4 + 1  # the two edits, the new one and its value, VIP on all four
    assert "Diff:              9 changes -> changes.csv" in dry.output
    assert sandbox.store.snapshot()["p0@example.com"]["fields"]["Company"] == "C0"  # a dry run writes nothing


def test_the_first_run_brake_weighs_kits_own_data_without_a_state_file(sandbox, tmp_path):
    env = env_for(sandbox)
    assert invoke(["run", csv_file(tmp_path / "list.csv", people(40))], env, cwd=tmp_path).exit_code == 0
    broken = people(40)
    for row in broken[:20]:
        row[2:] = ["", "", ""]
    source = csv_file(tmp_path / "list.csv", broken)
    before = len(sandbox.requests)
    result = invoke(["run", source, "--blanks", "clear", "--max-changes", "25"], env, cwd=tmp_path)
    assert result.exit_code == 1, result.output
    assert ("the brake stopped the run before writing: 50.0% of the subscribers Kit holds would change, "
            "over the 25% that --max-changes allows; if the changes are meant, run once with --max-changes 100") \
        in result.output  # what to do next when the changes are meant
    assert posts(sandbox, before) == []
    # Nothing was written: the 20 rows Kit holds as the file says are unchanged, not "imported".
    assert "Rows read:         40: 20 imported (20 unchanged), 0 rejected, 20 not sent\n" in result.output
    small = invoke(["run", csv_file(tmp_path / "list.csv", people(40, {1: "X"})), "--max-changes", "25"], env,
                   cwd=tmp_path)
    assert small.exit_code == 0, small.output


def test_auto_does_not_read_an_account_much_larger_than_the_file_and_says_why(sandbox, tmp_path):
    for i in range(2500):
        sandbox.store.upsert(f"someone{i}@example.com", None, set_first_name=False)
    source = csv_file(tmp_path / "c.csv", people(3))
    # (--no-undo: an undo file would look up the 3 contacts' values before the run itself)
    result = invoke(["run", source, "--no-undo", "--report", "r.json"], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    why = ("not read: the account holds 2,500 subscribers: reading it (3 requests) costs more than the 2 writes "
           "it could save")
    assert report_of(tmp_path)["kit_read"] == why
    assert f"Kit read:          {why}" in result.output
    reads = [q for m, p, q, _ in sandbox.requests if p == "/v4/subscribers" and m == "GET"]
    assert len(reads) == 1 and reads[0].get("include_total_count") == "true"  # the counting page only
    assert report_of(tmp_path)["created"] == 3

    forced = invoke(["run", source, "--compare", "always", "--report", "r.json"], env_for(sandbox), cwd=tmp_path)
    assert forced.exit_code == 0 and report_of(tmp_path)["unchanged"] == 3
    assert report_of(tmp_path)["kit_read"] == "2,503 subscribers in 3 requests (it was asked for)"


def test_the_undo_file_decides_on_the_counting_page_the_run_already_asked(sandbox, tmp_path):
    """A run that asks Kit's total and does not read on hands that page to the undo file's read,
    which looks the contacts up without asking Kit's total a second time."""
    for i in range(2500):
        sandbox.store.upsert(f"someone{i}@example.com", None, set_first_name=False)
    source = csv_file(tmp_path / "c.csv", people(2))
    before = len(sandbox.requests)
    result = invoke(["run", source, "--report", "r.json"], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    report = report_of(tmp_path)
    assert report["kit_read"].startswith("not read: the account holds 2,500 subscribers")
    assert "looked up 2 subscribers by email, one request each" in report["undo_holds"]
    reads = [q for m, p, q, _ in sandbox.requests[before:] if p == "/v4/subscribers" and m == "GET"]
    assert [q.get("include_total_count") for q in reads].count("true") == 1  # Kit's total, asked once
    assert sorted(q.get("email_address") for q in reads if "email_address" in q) == ["p0@example.com",
                                                                                     "p1@example.com"]
    assert report["requests"]["GET /v4/subscribers"] == 3  # the counting page and two lookups


def test_compare_never_sends_the_whole_file_without_reading(sandbox, tmp_path):
    source = csv_file(tmp_path / "c.csv", people(5))
    env = env_for(sandbox)
    assert invoke(["run", source], env, cwd=tmp_path).exit_code == 0
    before = len(sandbox.requests)
    result = invoke(["run", source, "--compare", "never", "--no-undo", "--report", "r.json"], env, cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert [p for m, p, _, _ in sandbox.requests[before:] if m == "GET"] == ["/v4/custom_fields"]
    report = report_of(tmp_path)
    assert report["created"] + report["updated"] == 5 and report["values_written"] == 15
    config = write(tmp_path / "n.toml", 'source = "c.csv"\ncompare = "never"\n')
    dry = invoke(["run", "--config", config, "--dry-run", "--diff", "d.csv"], env, cwd=tmp_path)
    assert dry.exit_code == 0, dry.output
    assert (f"Note:              --diff needs a read of Kit, which compare in {config} (line 2) never rules out: "
            "--diff ignored\n") in dry.output and not (tmp_path / "d.csv").exists()
    full = invoke(["run", source, "--full", "--dry-run", "--state", "s.db"], env, cwd=tmp_path)
    assert "Kit read:          not read: --full would send the whole file\n" in full.output


def test_a_braked_run_leaves_the_drift_it_saw_for_the_run_that_sets_it_back(sandbox, tmp_path):
    env = env_for(sandbox)
    args = ["run", csv_file(tmp_path / "list.csv", people(5)), "--state", "s.db", "--no-undo"]
    assert invoke(args, env, cwd=tmp_path).exit_code == 0
    store = sandbox.store
    sub = store.find("p1@example.com")
    sub.values[store.field_by_label("Company").id] = "Hacked Inc"
    store.changed(sub)
    braked = invoke(args + ["--max-changes", "10", "--report", "r.json"], env, cwd=tmp_path)
    assert braked.exit_code == 1 and report_of(tmp_path)["drift_corrected"] == 0  # nothing was set back
    assert "Drift corrected" not in braked.output
    fixed = invoke(args + ["--report", "r.json"], env, cwd=tmp_path)
    assert fixed.exit_code == 0, fixed.output
    assert store.snapshot()["p1@example.com"]["fields"]["Company"] == "C1"
    assert report_of(tmp_path)["drift_corrected"] == 1
