"""Verify checks who is on the --form and each --sequence: the people a run adds (active in Kit and in
the file), read from each list once, page by page until all are found, and read again while the list lags."""

from __future__ import annotations

import csv
import json

import pytest

from conftest import write
from importer.kit import Credential, KitClient
from importer.sandbox import KitStore, Sandbox
from importer.settings.declaration import Settings
from importer.verify import verify
from helpers import Clock, env_for, invoke

FILE = ("Email,First Name,Status\n"
        "ann@example.com,Ann,subscribed\n"
        "bob@example.com,Bob,unsubscribed\n"
        "cy@example.com,Cy,\n")
RUN = ["--form", "Newsletter", "--sequence", "Welcome"]
MEMBER_READS = ("GET /v4/forms/{id}/subscribers", "GET /v4/sequences/{id}/subscribers")


def differences(path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def member_reads(report: dict) -> tuple[int, int]:
    return report["requests"].get(MEMBER_READS[0], 0), report["requests"].get(MEMBER_READS[1], 0)


@pytest.mark.parametrize("kind", ["oauth", "api_key"])
def test_verify_checks_the_form_and_sequence_a_run_filled_and_names_a_member_removed_behind_its_back(
        sandbox, store, tmp_path, kind):
    sandbox.seed_forms()
    sandbox.seed_sequences()
    env = env_for(sandbox, kind)
    write(tmp_path / "people.csv", FILE)
    assert invoke(["run", "people.csv", *RUN], env, cwd=tmp_path).exit_code == 0
    assert store.form_members(1) == store.sequences.members(1, store) == {"ann@example.com", "cy@example.com"}

    same = invoke(["verify", "people.csv", *RUN, "--settle", "0", "--report", "r.json"], env, cwd=tmp_path)
    assert same.exit_code == 0, same.output
    assert "Members checked:   2 in form Newsletter (id 1), 2 in sequence Welcome (id 1): the contacts active in " \
           "Kit and in the file\n" in same.output
    assert "Kit matches the file: 3 contacts checked, and 4 form or sequence memberships" in same.output
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["members_checked"] == {"form Newsletter (id 1)": 2, "sequence Welcome (id 1)": 2}
    # Each list read once (one page holds 1,000), plus the one read of the account's forms and sequences.
    assert member_reads(report) == (1, 1)
    assert report["requests"]["GET /v4/forms"] == report["requests"]["GET /v4/sequences"] == 1

    form = store.forms[1]
    cy = store.find("cy@example.com")
    del form.members[cy.id]  # behind kit-import's back: Kit's API cannot take anyone off a form
    ann = store.find("ann@example.com")
    del store.sequences.by_id[1].members[ann.id]
    changed = invoke(["verify", "people.csv", *RUN, "--settle", "0", "--report", "r.json"], env, cwd=tmp_path)
    assert changed.exit_code == 3, changed.output
    assert "cy@example.com: not in form Newsletter (id 1)" in changed.output
    assert "ann@example.com: not in sequence Welcome (id 1)" in changed.output
    assert "Differing:         2 contacts (2 differences: 1 form membership, 1 sequence membership)" in changed.output
    assert "Kit differs from the file: 2 differences in 2 contacts" in changed.output
    found = differences(tmp_path / "people.csv.verify.csv")
    why = ("not among the {}'s subscribers, read in full: a run adds each subscriber active in Kit and in the file")
    assert ["cy@example.com", "form", "", "Newsletter (id 1)", "missing", why.format("form")] in found
    assert ["ann@example.com", "sequence", "", "Welcome (id 1)", "missing", why.format("sequence")] in found
    assert len(found) == 3  # bob left: nobody adds him, so his absence is no difference
    assert member_reads(json.loads((tmp_path / "r.json").read_text())) == (1, 1)


def test_without_a_form_or_sequence_no_list_is_read(sandbox, store, tmp_path):
    sandbox.seed_forms()
    write(tmp_path / "people.csv", FILE)
    env = env_for(sandbox)
    assert invoke(["run", "people.csv", "--form", "Newsletter"], env, cwd=tmp_path).exit_code == 0
    result = invoke(["verify", "people.csv", "--settle", "0", "--report", "r.json"], env, cwd=tmp_path)
    assert result.exit_code == 0 and "Members checked" not in result.output
    report = json.loads((tmp_path / "r.json").read_text())
    assert "GET /v4/forms" not in report["requests"] and member_reads(report) == (0, 0)


def test_an_inactive_sequence_says_why_nobody_is_in_it(sandbox, store, tmp_path):
    store.sequences.add("Paused", active=False)
    write(tmp_path / "people.csv", FILE)
    env = env_for(sandbox)
    assert invoke(["run", "people.csv", "--sequence", "Paused"], env, cwd=tmp_path).exit_code == 3  # refused
    result = invoke(["verify", "people.csv", "--sequence", "Paused", "--settle", "0"], env, cwd=tmp_path)
    assert result.exit_code == 3, result.output
    found = differences(tmp_path / "people.csv.verify.csv")
    assert [row[0] for row in found[1:]] == ["ann@example.com", "cy@example.com"]
    assert found[1][5].endswith("; the sequence is inactive in Kit, which refuses every addition to it")


def test_member_lists_are_read_only_as_far_as_the_contacts_are_found(store, tmp_path):
    """2,500 earlier members: the run's own additions are on the first page (Kit lists the newest first),
    so that page is all verify reads; a missing member costs the whole list, 3 pages, and no more."""
    with Sandbox(store) as sb:
        sb.seed_forms()
        form = store.forms[1]
        for n in range(2500):
            sub, _ = store.upsert(f"earlier{n}@example.com", None, set_first_name=False)
            store.add_to_form(form, sub, None)
        write(tmp_path / "people.csv", FILE)
        assert invoke(["run", "people.csv", "--form", "Newsletter"], env_for(sb), cwd=tmp_path).exit_code == 0
        settings = Settings(tmp_path / "people.csv", form="Newsletter", settle=0, differences=tmp_path / "d.csv")
        client = KitClient(Credential("oauth", sb.access_token), sb.url)
        report = verify(settings, client=client)
        assert report.exit_status == 0, report.summary()
        assert report.requests[MEMBER_READS[0]] == 1

        del form.members[store.find("ann@example.com").id]
        report = verify(settings, client=KitClient(Credential("oauth", sb.access_token), sb.url))
        assert report.exit_status == 3
        assert report.requests[MEMBER_READS[0]] == 3  # 2,501 members, 1,000 a page



@pytest.fixture
def lagging(tmp_path):
    """Lists lag 30 s; Ann, Bob and Cy are in Kit (listed), so only the form and sequence lag after a run."""
    clock = Clock()
    with Sandbox(KitStore(list_lag=30, clock=clock)) as sb:
        sb.seed_forms()
        sb.seed_sequences()
        for email, name in (("ann@example.com", "Ann"), ("bob@example.com", "Bob"), ("cy@example.com", "Cy")):
            sb.store.upsert(email, name, set_first_name=True)
        sb.store.unsubscribe(sb.store.find("bob@example.com"))
        clock.sleep(60)
        write(tmp_path / "people.csv", FILE)
        assert invoke(["run", "people.csv", *RUN], env_for(sb), cwd=tmp_path).exit_code == 0
        yield sb, clock


def test_members_a_lagging_list_does_not_show_yet_are_read_again_until_it_does(lagging, tmp_path):
    sb, clock = lagging
    settings = Settings(tmp_path / "people.csv", form="Newsletter", sequences=["Welcome"],
                        differences=tmp_path / "d.csv")
    client = KitClient(Credential("oauth", sb.access_token), sb.url)
    report = verify(settings, client=client, sleep=clock.sleep, clock=clock)
    assert report.exit_status == 0, report.summary()
    assert report.differences == []
    assert report.waited_seconds == 30  # 2 + 4 + 8 + 16: the pauses a missing tag gets
    assert "a form's or a sequence's subscribers), which lag writes by up to 5 minutes" in report.summary()
    # the first read and one after each of the four pauses, each list one page
    assert (report.requests[MEMBER_READS[0]], report.requests[MEMBER_READS[1]]) == (5, 5)


def test_a_list_still_lagging_when_settle_runs_out_is_a_difference_unless_the_run_saw_kit_confirm_it(lagging,
                                                                                                    tmp_path):
    sb, clock = lagging
    settings = Settings(tmp_path / "people.csv", form="Newsletter", settle=10, differences=tmp_path / "d.csv")
    client = KitClient(Credential("oauth", sb.access_token), sb.url)
    report = verify(settings, client=client, sleep=clock.sleep, clock=clock)
    assert report.exit_status == 3
    assert [d.describe() for d in report.failing] == ["ann@example.com: not in form Newsletter (id 1)",
                                                      "cy@example.com: not in form Newsletter (id 1)"]
    assert report.failing[0].confirmed == ("not among the form's subscribers, read in full again after waiting 10 s "
                                           "for Kit's lists: a run adds each subscriber active in Kit and in the file")

    clock.now -= 10  # as if verify ran at once again, after a run that saw Kit confirm both additions
    confirmed = {("ann@example.com", "form:1"), ("cy@example.com", "form:1")}
    report = verify(settings, client=client, sleep=clock.sleep, clock=clock, confirmed=confirmed)
    assert report.exit_status == 0, report.summary()
    assert report.not_visible_contacts == 2
    assert report.differences[0].describe() == "ann@example.com: added to form Newsletter (id 1), not listed yet"
    assert report.differences[0].kind == "not visible yet"
