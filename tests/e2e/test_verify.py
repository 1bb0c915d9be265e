"""Verify: `kit-import verify` and `run --verify` against the sandbox, with Kit's list lagging writes."""

from __future__ import annotations

import csv

import pytest

from conftest import write
from importer.kit import Credential, KitClient
from importer.sandbox import KitStore
from importer.settings.declaration import Settings
from importer.verify import verify
from helpers import Clock, env_for, invoke

FILE = ('Email,First Name,Company,Tags,Status\n'
        'ann@example.com,Ann,Acme,VIP,subscribed\n'
        'bob@example.com,Bob,Beta,,unsubscribed\n'
        'cy@example.com,Cy,@Gamma,"VIP,Donor",\n')


def differences(path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


@pytest.mark.parametrize("kind", ["oauth", "api_key"])
def test_verify_passes_after_an_import_and_names_a_value_changed_behind_the_tools_back(sandbox, store, tmp_path,
                                                                                      kind):
    env = env_for(sandbox, kind)
    write(tmp_path / "people.csv", FILE)
    assert invoke(["run", "people.csv", "--tag", "Batch"], env, cwd=tmp_path).exit_code == 0
    same = invoke(["verify", "people.csv", "--tag", "Batch", "--settle", "0"], env, cwd=tmp_path)
    assert same.exit_code == 0, same.output
    assert "Kit matches the file: 3 contacts checked" in same.output
    assert "Confirmed:" not in same.output  # nothing differed in the list, so nothing was read again
    assert not (tmp_path / "people.csv.verify.csv").exists()

    ann = store.find("ann@example.com")
    company = next(f for f in store.fields.values() if f.label == "Company")
    ann.values[company.id] = "Hacked"
    store.changed(ann)
    vip = next(t for t in store.tags.values() if t.name == "VIP")
    store.untag(store.find("cy@example.com"), vip.id)
    store.find("bob@example.com").state = "active"  # the file says he left; Kit holds him active
    store.find("ann@example.com").state = "cancelled"  # she left in Kit: reported, but never re-activated
    changed = invoke(["verify", "people.csv", "--tag", "Batch", "--settle", "0"], env, cwd=tmp_path)
    assert changed.exit_code == 3, changed.output
    assert "ann@example.com: Company: Kit holds 'Hacked', the file says 'Acme'" in changed.output
    assert "cy@example.com: tag 'VIP' missing" in changed.output
    found = differences(tmp_path / "people.csv.verify.csv")
    assert found[0] == ["email", "what", "kit_value", "file_value", "difference", "confirmed"]
    assert ["ann@example.com", "Company", "Hacked", "Acme", "changed", "confirmed by id"] in found
    assert ["cy@example.com", "tag", "", "VIP", "new", "confirmed by its tag list after waiting 0 s for Kit's lists"] \
        in found
    assert ["bob@example.com", "state", "active", "cancelled", "changed", "confirmed by id"] in found
    assert ["ann@example.com", "state", "cancelled", "active", "differs", "confirmed by id"] in found
    assert "Differing:         3 contacts (3 differences: 1 value, 1 state, 1 tag)" in changed.output
    assert "ann@example.com: state: Kit holds 'cancelled', the file says 'active' (kit-import never" in changed.output


def test_a_state_kit_keeps_is_listed_apart_and_the_figures_add_up(sandbox, store, tmp_path):
    """Bob left in Kit; the file says active: kit-import never re-activates, so he is neither matching nor
    differing but under his own label, and no confirmation is called 'matching after all' for him."""
    env = env_for(sandbox)
    write(tmp_path / "people.csv", "Email,First Name,Status\nann@example.com,Ann,subscribed\n"
                                   "bob@example.com,Bob,subscribed\ncy@example.com,Cy,\ndee@example.com,Dee,\n")
    assert invoke(["run", "people.csv"], env, cwd=tmp_path).exit_code == 0
    store.find("bob@example.com").state = "cancelled"
    result = invoke(["verify", "people.csv", "--settle", "0"], env, cwd=tmp_path)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    start = next(n for n, line in enumerate(lines) if line.startswith("Matching:"))
    assert lines[start:start + 5] == [
        "Matching:          3",
        "Differing:         0 contacts",
        "Not re-activated:  1 contact not active in Kit whom the file gives another state: listed, not a "
        "difference, since kit-import never re-activates anyone",
        "  bob@example.com: state: Kit holds 'cancelled', the file says 'active'",
        "Confirmed:         1 contact read again by id, since Kit's list lags writes (0 matching after all)"]
    assert lines[-1] == ("Kit matches the file: 4 contacts checked; 1 not re-activated, listed in "
                         "people.csv.verify.csv")


def test_someone_the_file_says_left_whom_kit_holds_active_is_a_difference_with_the_policys_reason(sandbox, store,
                                                                                                   tmp_path):
    """The Mailchimp rehearsal: subscribed then unsubscribed exports, no state file. The run leaves Pat active
    (Kit created Pat after the file's unsubscribe time), but Kit will email Pat, whom the file says opted out:
    a difference, with the policy's reason, not a false 'not active in Kit'. --keep-kit-state expects it."""
    env = env_for(sandbox)
    write(tmp_path / "subscribed.csv", "Email Address,First Name\npat@example.com,Pat\nkim@example.com,Kim\n")
    write(tmp_path / "unsubscribed.csv",
          "Email Address,First Name,UNSUB_TIME\npat@example.com,Pat,2024-05-02 09:00:00\n")
    assert invoke(["run", "subscribed.csv"], env, cwd=tmp_path).exit_code == 0
    assert invoke(["run", "unsubscribed.csv"], env, cwd=tmp_path).exit_code == 0
    assert store.state_of("pat@example.com") == "active"
    result = invoke(["verify", "unsubscribed.csv", "--settle", "0"], env, cwd=tmp_path)
    assert result.exit_code == 3, result.output
    assert ("Differing:         1 contact (1 difference: 1 state)\n"
            "  pat@example.com: state: Kit holds 'active', the file says 'cancelled' (left active: created in Kit "
            "after the file's unsubscribe time; run with --unsubscribe if an earlier import created them)\n") \
        in result.output
    assert "Not re-activated" not in result.output
    assert ["pat@example.com", "state", "active", "cancelled", "kept", "confirmed by id"] in \
        differences(tmp_path / "unsubscribed.csv.verify.csv")

    kept = invoke(["verify", "unsubscribed.csv", "--settle", "0", "--keep-kit-state"], env, cwd=tmp_path)
    assert kept.exit_code == 0, kept.output
    assert ("Left active:       1 contact active in Kit whom the file gives another state, as the run leaves them: "
            "listed, not a difference\n"
            "  pat@example.com: state: Kit holds 'active', the file says 'cancelled' (kept as Kit has it by "
            "--keep-kit-state)\n") in kept.output
    assert kept.output.endswith("Kit matches the file: 1 contact checked; 1 left active, listed in "
                                "unsubscribed.csv.verify.csv\n")


def test_a_subscriber_missing_from_kit_and_a_formula_in_the_csv(sandbox, store, tmp_path):
    env = env_for(sandbox)
    write(tmp_path / "people.csv", FILE)
    result = invoke(["verify", "people.csv", "--settle", "0", "--differences", "diff.csv"], env, cwd=tmp_path)
    assert result.exit_code == 3
    found = differences(tmp_path / "diff.csv")
    assert ["cy@example.com", "subscriber", "", "cy@example.com", "missing",
            "not found by email after waiting 0 s for Kit's lists"] in found
    assert "3 missing subscribers" in result.output


def test_run_verify_checks_what_it_imported(sandbox, store, tmp_path):
    write(tmp_path / "people.csv", FILE)
    result = invoke(["run", "people.csv", "--verify"], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert "Kit matches the file: 3 contacts checked" in result.output


@pytest.mark.parametrize("store", [KitStore(list_lag=0.4)])
def test_run_verify_under_a_real_list_lag_gives_no_false_difference(sandbox, store, tmp_path):
    write(tmp_path / "people.csv", FILE)
    result = invoke(["run", "people.csv", "--verify", "--settle", "10"], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert "Kit matches the file" in result.output and "waited" in result.output



CLOCKS = {"oauth": Clock(), "api_key": Clock()}


@pytest.mark.parametrize("store, kind", [(KitStore(list_lag=90, clock=clock), kind) for kind, clock in CLOCKS.items()],
                         ids=list(CLOCKS))
def test_verify_under_a_minute_and_a_half_of_list_lag_confirms_instead_of_reporting(sandbox, store, tmp_path, kind):
    CLOCK = CLOCKS[kind]
    env = env_for(sandbox, kind)
    write(tmp_path / "people.csv", FILE)
    assert invoke(["run", "people.csv"], env, cwd=tmp_path).exit_code == 0
    ann = store.find("ann@example.com")
    company = next(f for f in store.fields.values() if f.label == "Company")
    old_value = ann.values[company.id]
    CLOCK.sleep(120)  # Ann is listed now; a later change is not yet
    ann.values[company.id] = "Changed"
    store.changed(ann)
    ann.values[company.id] = old_value
    store.changed(ann)
    secret = sandbox.access_token if kind == "oauth" else sandbox.api_key
    client = KitClient(Credential(kind, secret), sandbox.url)
    settings = Settings(tmp_path / "people.csv", differences=tmp_path / "d.csv", settle=300)
    report = verify(settings, client=client, sleep=CLOCK.sleep, clock=CLOCK)
    assert report.differences == [] and report.exit_status == 0
    assert report.confirmed_by_id == 0  # the list already shows every subscriber as the file says

    store.upsert("dee@example.com", "Dee", set_first_name=True)  # created now: the list does not show her
    write(tmp_path / "more.csv", FILE + "dee@example.com,Dee,,,\n")
    settings = Settings(tmp_path / "more.csv", differences=tmp_path / "d.csv", settle=300)
    report = verify(settings, client=client, sleep=CLOCK.sleep, clock=CLOCK)
    assert report.differences == [], [d.describe() for d in report.differences]
    assert report.waited_seconds >= 90 and report.confirmed_by_id == 1

    store.upsert("eve@example.com", "Eve", set_first_name=True)
    eve = store.find("eve@example.com")
    write(tmp_path / "eve.csv", "Email,First Name\neve@example.com,Evelyn\n")
    report = verify(Settings(tmp_path / "eve.csv", differences=tmp_path / "d.csv", settle=20), client=client,
                    sleep=CLOCK.sleep, clock=CLOCK)
    assert eve.first_name == "Eve"
    assert [d.describe() for d in report.differences] == ["eve@example.com: not in Kit"]  # not listed within 20 s


FIVE = "Email,First Name,Company\n" + "".join(f"p{n}@example.com,P{n},Acme\n" for n in range(5))


def _five_changed_in_kit(store, env, tmp_path) -> None:
    write(tmp_path / "five.csv", FIVE)
    assert invoke(["run", "five.csv"], env, cwd=tmp_path).exit_code == 0
    company = next(f for f in store.fields.values() if f.label == "Company")
    for n in range(5):
        sub = store.find(f"p{n}@example.com")
        sub.values[company.id] = "Changed"
        store.changed(sub)


def test_verify_says_how_far_its_confirming_is(sandbox, store, tmp_path):
    env = env_for(sandbox)
    _five_changed_in_kit(store, env, tmp_path)
    result = invoke(["verify", "five.csv", "--settle", "0"], env, cwd=tmp_path)
    assert result.exit_code == 3, result.output
    said = [line[9:] for line in result.output.splitlines() if "Confirming differences by id" in line]
    assert said[0] == "Confirming differences by id: 5"
    assert said[1].startswith("Confirming differences by id: 1 of 5 (20%), ")
    assert said[-1].startswith("Confirming differences by id: 5 of 5 (100%), ") and said[-1].endswith(", done")


def test_ctrl_c_while_verify_confirms_prints_and_writes_what_it_found_so_far(sandbox, store, tmp_path):
    env = env_for(sandbox)
    _five_changed_in_kit(store, env, tmp_path)

    class CtrlCOnTheThird:
        def __init__(self):
            self.done, self.phases = 0, []

        def phase(self, name, total):
            self.phases.append((name, total))

        def advance(self, n=1, requests=None):
            self.done += n
            if self.done == 3:
                raise KeyboardInterrupt

        def log(self, message):
            pass

    told = CtrlCOnTheThird()
    settings = Settings(tmp_path / "five.csv", credential=Credential("oauth", sandbox.access_token),
                        base_url=sandbox.url, settle=0, differences=tmp_path / "d.csv")
    report = verify(settings, progress=told)
    assert told.phases == [("Confirming differences by id", 5)]
    assert report.exit_status == 130 and report.stopped == "interrupted (Ctrl-C)"
    assert (report.confirmed_by_id, report.interrupted_unconfirmed, report.differing_contacts) == (3, 2, 5)
    found = differences(tmp_path / "d.csv")[1:]
    assert [row[-1] for row in found].count("confirmed by id") == 3
    assert [row[-1] for row in found].count("not confirmed: verify was stopped before it was confirmed") == 2
    assert report.closing_line() == ("Verify stopped before it finished (interrupted (Ctrl-C)): 5 differences in "
                                     f"5 contacts so far -> {tmp_path / 'd.csv'}")
    assert "Stopped:           interrupted (Ctrl-C): what was checked so far is above" in report.summary()
    assert "2 contacts not confirmed: interrupted (Ctrl-C) first" in report.summary()
