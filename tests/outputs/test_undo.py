"""Undo: the undo file a run saves before writing, and `kit-import undo` putting Kit back, end to end
against the sandbox (both credentials), plus the file's format and the DELETE endpoints."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import responses

from conftest import BASE, make_client, write
from importer.outputs.failures import neutralize
from importer.kit import Tagging, bulk_untag_subscribers, untag_subscriber
from importer.outputs.undo import COLUMNS, UndoLine, read_undo
from importer.outputs.undo_files import undo_files
from helpers import env_for, invoke

FILE = ('Email,First Name,Company,Last name,Tags\n'
        'ann@example.com,Annie,Beta,Ames,"VIP,Donor"\n'
        'bob@example.com,Bob,,Stoner,New\n'
        'cy@example.com,Cy,=Gamma,,\n')


def seed(store) -> None:
    """Ann: first name, Company, tag VIP; Bob: no first name, Last name; Dee: not in the file."""
    fields = {f.label: f for f in store.fields.values()}
    vip, _ = store.add_tag("VIP")
    ann, _ = store.upsert("ann@example.com", "Ann", set_first_name=True)
    ann.values[fields["Company"].id] = "Acme"
    store.tag(ann, vip.id)
    bob, _ = store.upsert("bob@example.com", None, set_first_name=True)
    bob.values[fields["Last name"].id] = "Stone"
    store.upsert("dee@example.com", "Dee", set_first_name=True)


def held(store) -> dict[str, tuple]:
    """Every subscriber's first name, non-blank values, tags and state (a cleared value is blank)."""
    snap = store.snapshot()
    return {email: (p["first_name"], {k: v for k, v in p["fields"].items() if v}, store.tags_of(email),
                    store.state_of(email)) for email, p in snap.items()}


def undo_of(folder: Path, source: str = "people.csv") -> Path:
    """The newest undo file a run of `source` saved in `folder` (each run saves its own, named for its time)."""
    found = undo_files(folder, source)
    assert found, f"no undo file of {source} in {folder}"
    return found[0]


def rows(path, account: bool = False) -> list[list[str]]:
    """The undo file's (or its failures CSV's) rows, header first; without the account column every line
    repeats (test_undo_account.py checks it) unless `account`."""
    with open(path, encoding="utf-8-sig", newline="") as f:
        found = list(csv.reader(f))
    if account or not found or "account_id" not in found[0]:
        return found
    at = found[0].index("account_id")
    return [row[:at] + row[at + 1:] for row in found]


@pytest.mark.parametrize("kind", ["oauth", "api_key"])
def test_undo_restores_the_earlier_state_field_by_field_and_tag_by_tag(sandbox, store, tmp_path, kind):
    seed(store)
    before = held(store)
    env = env_for(sandbox, kind)
    write(tmp_path / "people.csv", FILE)
    result = invoke(["run", "people.csv", "--tag", "Batch"], env, cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert f"Undo file:         {undo_of(tmp_path).name}: " in result.output
    assert store.snapshot()["ann@example.com"]["fields"] == {"Company": "Beta", "Last name": "Ames"}
    assert store.tags_of("ann@example.com") == {"VIP", "Donor", "Batch"}

    lines = {(r[0], r[2], r[3]): r for r in rows(undo_of(tmp_path))[1:]}
    ann_id = str(store.find("ann@example.com").id)
    assert lines[("ann@example.com", "field", "company")] == ["ann@example.com", ann_id, "field", "company", "Company",
                                                               "Acme"]
    assert lines[("ann@example.com", "field", "last_name")][5] == ""  # Kit had none: undo clears it
    assert lines[("ann@example.com", "first name", "")][5] == "Ann"
    assert lines[("bob@example.com", "first name", "")][5] == ""
    assert ("ann@example.com", "tag", "VIP") not in lines  # she had it: undo must leave it
    assert {k[2] for k in lines if k[1] == "tag"} == {"Donor", "Batch", "New"}
    assert lines[("cy@example.com", "created subscriber", "")][1] == ""
    assert not any(k[0] == "dee@example.com" for k in lines)

    undone = invoke(["undo", undo_of(tmp_path).name], env, cwd=tmp_path)
    assert undone.exit_code == 0, undone.output
    after = held(store)
    assert {e: v for e, v in after.items() if e != "cy@example.com"} == before
    assert "cy@example.com" in undone.output and "Created by run:    1 (" in undone.output
    assert store.state_of("cy@example.com") == "active"  # listed, not unsubscribed unless asked


def test_unsubscribe_created_unsubscribes_only_the_subscribers_the_run_created(sandbox, store, tmp_path):
    seed(store)
    env = env_for(sandbox)
    write(tmp_path / "people.csv", FILE)
    assert invoke(["run", "people.csv"], env, cwd=tmp_path).exit_code == 0
    dry = invoke(["undo", undo_of(tmp_path).name, "--unsubscribe-created", "--dry-run"], env, cwd=tmp_path)
    assert dry.exit_code == 0, dry.output
    assert "Dry run: nothing was written to Kit." in dry.output
    assert store.snapshot()["ann@example.com"]["fields"]["Company"] == "Beta"  # the dry run changed nothing
    result = invoke(["undo", undo_of(tmp_path).name, "--unsubscribe-created"], env, cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert "Created by run:    1 (Kit's API cannot delete a subscriber; 1 unsubscribed)\n" in result.output
    assert result.output.endswith("\n8 changes undone\n")  # 3 values, 2 first names, 2 tags, and the unsubscribe
    assert store.state_of("cy@example.com") == "cancelled"
    assert {store.state_of(e) for e in ("ann@example.com", "bob@example.com", "dee@example.com")} == {"active"}
    assert store.snapshot()["ann@example.com"]["fields"]["Company"] == "Acme"


def test_unsubscribe_created_counts_only_the_unsubscribes_it_sent(sandbox, store, tmp_path):
    """A subscriber the run created already unsubscribed (a Mailchimp unsubscribed or cleaned export) is
    not unsubscribed again: the summary says so, and the closing line counts only what undo changed."""
    env = env_for(sandbox)
    write(tmp_path / "gone.csv", "Email,Status\ngone@example.com,unsubscribed\nok@example.com,subscribed\n")
    assert invoke(["run", "gone.csv", "--state-column", "Status"], env, cwd=tmp_path).exit_code == 0
    undo_file = undo_of(tmp_path, "gone.csv").name
    dry = invoke(["undo", undo_file, "--unsubscribe-created", "--dry-run"], env, cwd=tmp_path)
    assert ("Created by run:    2 (Kit's API cannot delete a subscriber; 2 to unsubscribe if Kit holds them "
            "active)\n") in dry.output
    result = invoke(["undo", undo_file, "--unsubscribe-created"], env, cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert ("Created by run:    2 (Kit's API cannot delete a subscriber; 1 unsubscribed, 1 already not active in "
            "Kit)\n") in result.output
    assert result.output.endswith("\n1 change undone\n")
    assert store.state_of("ok@example.com") == "cancelled" and store.state_of("gone@example.com") == "cancelled"


def test_undo_path_no_undo_and_a_rerun_with_nothing_to_change(sandbox, store, tmp_path):
    env = env_for(sandbox)
    write(tmp_path / "people.csv", FILE)
    result = invoke(["run", "people.csv", "--undo", "saved/first.csv"], env, cwd=tmp_path)
    assert result.exit_code == 0, result.output
    saved = rows(tmp_path / "saved" / "first.csv")
    assert [r[2] for r in saved[1:]].count("created subscriber") == 3
    assert len(saved) == 4 + [r[2] for r in saved].count("created tag")  # and the tags the run created in Kit
    skipped = invoke(["run", "people.csv", "--no-undo", "--compare", "never", "--report", "r.json"], env,
                     cwd=tmp_path)
    assert skipped.exit_code == 0
    assert not list(tmp_path.glob("*.undo.csv"))
    assert "GET /v4/subscribers" not in (tmp_path / "r.json").read_text()


def test_a_line_kit_refuses_goes_to_the_undo_failures_csv_and_exits_3(sandbox, store, tmp_path):
    seed(store)
    env = env_for(sandbox)
    write(tmp_path / "people.csv", FILE)
    assert invoke(["run", "people.csv"], env, cwd=tmp_path).exit_code == 0
    undo_file = undo_of(tmp_path)
    text = undo_file.read_text(encoding="utf-8-sig")
    undo_file.write_text(text + "ann@example.com,1,field,gone_field,Gone,x\n", encoding="utf-8-sig")
    result = invoke(["undo", undo_file.name], env, cwd=tmp_path)
    assert result.exit_code == 3, result.output
    failed = rows(undo_file.with_name(undo_file.name + ".failures.csv"))
    assert failed[0] == [*COLUMNS, "error"]
    assert failed[1][:4] == ["ann@example.com", "1", "field", "gone_field"]
    assert "no custom field with the key 'gone_field'" in failed[1][6]
    assert store.snapshot()["ann@example.com"]["fields"]["Company"] == "Acme"  # the rest was undone


def test_the_undo_file_is_formula_safe_and_reads_back_exactly(tmp_path):
    line = UndoLine("ann@example.com", 7, "field", "company", "Company", "=SUM(A1)")
    path = tmp_path / "u.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        out = csv.writer(f)
        out.writerow(COLUMNS)
        out.writerow(line.cells())
    assert rows(path)[1][5] == neutralize("=SUM(A1)") == "'=SUM(A1)"
    assert read_undo(path) == [line]


@pytest.mark.parametrize("text, message", [
    ("email,what\nann@example.com,field\n", "is not an undo file"),
    (",".join(COLUMNS) + "\nann@example.com,x,field,company,Company,\n", "line 2 is not an undo line"),
])
def test_a_file_that_is_not_an_undo_file_is_one_sentence_and_exit_1(tmp_path, text, message):
    write(tmp_path / "u.csv", text)
    result = invoke(["undo", "u.csv", "--dry-run"], cwd=tmp_path)
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output


def test_bulk_untag_sends_the_taggings_and_reads_failures(kit):
    kit.add(responses.DELETE, f"{BASE}/v4/bulk/tags/subscribers", status=200, json={"failures": [
        {"errors": ["Subscriber does not exist"], "tagging": {"tag_id": 5, "subscriber_id": None}}]})
    result = bulk_untag_subscribers(make_client(), [Tagging(5, 1), Tagging(6, 2)])
    assert result.items == [Tagging(6, 2)]
    assert [f.messages for f in result.failures] == [("Subscriber does not exist",)]
    assert kit.calls[0].request.body  # the POST's body: `taggings`


def test_untag_one_subscriber_with_an_api_key(kit):
    kit.add(responses.DELETE, f"{BASE}/v4/tags/5/subscribers/9", status=204)
    untag_subscriber(make_client("api_key"), 5, 9)


def test_undo_summary_is_aligned_in_plain_words_and_leaves_out_what_is_zero(sandbox, store, tmp_path):
    seed(store)
    env = env_for(sandbox)
    write(tmp_path / "people.csv", FILE)
    assert invoke(["run", "people.csv", "--tag", "Batch"], env, cwd=tmp_path).exit_code == 0
    dry = invoke(["undo", undo_of(tmp_path).name, "--dry-run"], env, cwd=tmp_path)
    assert dry.exit_code == 0, dry.output
    assert dry.output == (
        f"Undo file:         {undo_of(tmp_path).name}\n"
        "Values:            3 to restore (1 to clear: Kit had none before the run)\n"
        "First names:       2 to restore (1 to clear: Kit had none before the run)\n"
        "Tags:              4 to remove\n"
        "Created by run:    1 (Kit's API cannot delete a subscriber; --unsubscribe-created unsubscribes them)\n"
        "  cy@example.com\n"
        "Tags created:      Donor, Batch, New (Kit's API cannot delete a tag: delete it in Kit if it is not wanted)\n"
        "Dry run: nothing was written to Kit.\n")
    done = invoke(["undo", undo_of(tmp_path).name], env, cwd=tmp_path)
    assert done.exit_code == 0, done.output
    lines = done.output.splitlines()
    assert lines[-2].startswith("Elapsed:           ") and lines[-2].endswith(" s")
    assert lines[:-2] + lines[-1:] == [
        f"Undo file:         {undo_of(tmp_path).name}",
        "Values:            3 restored (1 cleared: Kit had none before the run)",
        "First names:       2 restored (1 cleared: Kit had none before the run)",
        "Tags:              4 removed",
        "Created by run:    1 (Kit's API cannot delete a subscriber; --unsubscribe-created unsubscribes them)",
        "  cy@example.com",
        "Tags created:      Donor, Batch, New (Kit's API cannot delete a tag: delete it in Kit if it is not wanted)",
        "Requests sent:     6",  # GET /v4/account first: the undo file names its account
        "9 changes undone"]


def test_an_undo_of_values_only_has_no_first_name_tag_or_created_line(tmp_path):
    undo_file = tmp_path / "u.csv"
    undo_file.write_text("email,subscriber_id,what,key,label,kit_value\n"
                         "ann@example.com,1,field,company,Company,Acme\n", encoding="utf-8")
    result = invoke(["undo", undo_file, "--dry-run"])
    assert result.output == ("Undo file:         " + str(undo_file) + "\n"
                             "Values:            1 to restore\n"
                             "Dry run: nothing was written to Kit.\n")


STATUS_FILE = "Email,First Name,Status\nst2@example.com,St,unsubscribed\n"


@pytest.mark.parametrize("compare", ["auto", "never"])
def test_with_keep_kit_state_the_undo_file_records_no_state_a_file_says_changed(sandbox, store, tmp_path, compare):
    """Kit holds st2 active, the file says unsubscribed: with --keep-kit-state nothing is sent, so nothing to list;
    by default the unsubscribe is sent, and undo lists it as one it cannot take back."""
    store.upsert("st2@example.com", "Old", set_first_name=True)
    env = env_for(sandbox)
    write(tmp_path / "st.csv", STATUS_FILE)
    result = invoke(["run", "st.csv", "--state-column", "Status", "--compare", compare, "--keep-kit-state"], env,
                    cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert store.state_of("st2@example.com") == "active"
    assert [r[2] for r in rows(undo_of(tmp_path, "st.csv"))[1:]] == ["first name"]
    undone = invoke(["undo", undo_of(tmp_path, "st.csv").name, "--dry-run"], env, cwd=tmp_path)
    assert "unsubscribed" not in undone.output.replace("--unsubscribe-created", "")

    again = invoke(["run", "st.csv", "--state-column", "Status", "--compare", compare], env, cwd=tmp_path)
    assert again.exit_code == 0, again.output
    assert store.state_of("st2@example.com") == "cancelled"
    state_lines = [r for r in rows(undo_of(tmp_path, "st.csv"))[1:] if r[2] == "state"]
    assert state_lines == [["st2@example.com", str(store.find("st2@example.com").id), "state", "", "", "active"]]
    undone = invoke(["undo", undo_of(tmp_path, "st.csv").name, "--dry-run"], env, cwd=tmp_path)
    assert ("Left unsubscribed: 1 (the run unsubscribed them; kit-import never makes anyone active)"
            in undone.output)


def test_a_run_with_nothing_to_undo_keeps_the_earlier_undo_file(sandbox, store, tmp_path):
    store.add_form("Newsletter")
    env = env_for(sandbox)
    write(tmp_path / "people.csv", FILE)
    assert invoke(["run", "people.csv", "--state", "s.db"], env, cwd=tmp_path).exit_code == 0
    undo_file = undo_of(tmp_path)
    first = undo_file.read_bytes()
    again = invoke(["run", "people.csv", "--state", "s.db", "--form", "Newsletter"], env, cwd=tmp_path)
    assert again.exit_code == 0, again.output
    assert "Undo file:         none saved: nothing this run changes can be undone (its form additions cannot be " \
           "taken back)\n" in again.output
    assert undo_file.read_bytes() == first and undo_files(tmp_path) == [undo_file]


def test_kit_failing_after_every_retry_fails_only_that_requests_lines(kit):
    """A 5xx that outlasts the retries (KitUnavailableError) is those lines' failure; the rest is still undone."""
    from importer.outputs.undo import TAG
    from importer.send.undo import undo

    client = make_client("oauth")  # no waiting between its retries
    kit.get(f"{BASE}/v4/custom_fields", json={"custom_fields": [{"id": 7, "name": "company", "key": "company",
                                                                  "label": "Company"}],
                                             "pagination": {"has_next_page": False}})
    kit.post(f"{BASE}/v4/bulk/custom_fields/subscribers", status=503, json={"errors": ["Service unavailable"]})
    kit.get(f"{BASE}/v4/tags", json={"tags": [{"id": 5, "name": "VIP", "created_at": "2023-02-17T11:43:55Z"}],
                                     "pagination": {"has_next_page": False}})
    kit.delete(f"{BASE}/v4/bulk/tags/subscribers", json={"subscribers": [{"id": 1}], "failures": []})
    lines = [UndoLine("a@example.com", 1, "field", "company", "Company", "Acme"),
             UndoLine("a@example.com", 1, TAG, "VIP")]
    report = undo(lines, client)
    assert [line.what for line, _ in report.failed] == ["field"] and report.restored[TAG] == 1
