"""The file's opt-outs honoured by default (issue 15), end to end through the CLI against the sandbox with
both credentials: the unsubscribe time older than Kit's subscriber, the nightly rerun after a re-subscription
in Kit, --keep-kit-state and --unsubscribe, the brake, the dry run's figures, --diff and undo."""

from __future__ import annotations

import calendar
import json
import time

import pytest

from importer.outputs.undo_files import undo_files
from conftest import write
from helpers import env_for, failures_of, invoke

KINDS = ["oauth", "api_key"]
# A Mailchimp "unsubscribed" export: every row opted out, at UNSUB_TIME (UTC, written without a zone).
UNSUBSCRIBED = ("Email Address,First Name,UNSUB_TIME\n"
                "newer@example.com,Nia,2024-01-15 10:00:00\n"   # Kit created her in June: she came back
                "older@example.com,Olga,2024-01-15 10:00:00\n")  # Kit created her in 2023: honoured


def at(when: str):
    """A sandbox clock stopped at this UTC time (Kit's created_at of what it creates then)."""
    seconds = calendar.timegm(time.strptime(when, "%Y-%m-%d %H:%M:%S"))
    return lambda: seconds


def seed_created(store, email: str, when: str, state: str = "active") -> None:
    clock, store.clock = store.clock, at(when)
    store.upsert(email, None, set_first_name=False, state=state)
    store.clock = clock


def unsubscribes(sandbox, since: int = 0) -> list[str]:
    return [p for m, p, _, _ in sandbox.requests[since:] if m == "POST" and p.endswith("/unsubscribe")]


def sent_active(sandbox) -> bool:
    return any('"state": "active"' in json.dumps(b) for m, _, _, b in sandbox.requests if m == "POST")


def report_of(tmp_path, name: str = "r.json") -> dict:
    return json.loads((tmp_path / name).read_text())


# A Mailchimp "cleaned" export: every row bounced, at CLEAN_TIME. A bounce is no opt-out: no line may say so.
CLEANED = ("Email Address,First Name,CLEAN_TIME\n"
           "newer@example.com,Nia,2024-01-15 10:00:00\n"
           "older@example.com,Olga,2024-01-15 10:00:00\n")


@pytest.mark.parametrize("kind", KINDS)
def test_a_cleaned_export_is_said_in_words_true_of_a_bounce(sandbox, tmp_path, kind):
    """The policy is the opt-outs' (Kit's newer subscriber is kept active), but the lines say bounced, not opted out."""
    seed_created(sandbox.store, "newer@example.com", "2024-06-01 09:00:00")
    seed_created(sandbox.store, "older@example.com", "2023-03-01 09:00:00")
    source = write(tmp_path / "cleaned.csv", CLEANED)
    dry = invoke(["run", source, "--dry-run", "--compare", "always"], env_for(sandbox, kind), cwd=tmp_path)
    assert dry.exit_code == 0, dry.output
    assert "Unsubscribes:      1 (active in Kit, bounced in the file)\n" in dry.output
    assert ("Left active:       1 subscriber the file says not to email (1 bounced), left active in Kit (1 created "
            "in Kit after the file's bounce time; listed in the report as kept_active)\n") in dry.output
    assert dry.output.endswith("; 1 bounced in the file left active in Kit. Nothing was written to Kit.\n")
    result = invoke(["run", source, "--report", "r.json"], env_for(sandbox, kind), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert (sandbox.store.state_of("newer@example.com"), sandbox.store.state_of("older@example.com")) == \
        ("active", "cancelled")
    assert ("Unsubscribed:      1 subscriber active in Kit whom the file says not to email (1 bounced: Kit's API "
            "cannot set bounced or complained, so they were unsubscribed)\n") in result.output
    assert "; 1 bounced in the file left active in Kit; no failures file written\n" in result.output
    assert "opted out" not in dry.output + result.output
    # The report's reasons are the policy's own words, as a scheduler reads them.
    assert report_of(tmp_path)["kept_active"] == [{"email": "newer@example.com",
                                                   "reason": "created in Kit after the file's unsubscribe time"}]


@pytest.mark.parametrize("kind", KINDS)
def test_an_unsubscribe_time_older_than_kits_subscriber_keeps_them_active(sandbox, tmp_path, kind):
    seed_created(sandbox.store, "newer@example.com", "2024-06-01 09:00:00")
    seed_created(sandbox.store, "older@example.com", "2023-03-01 09:00:00")
    source = write(tmp_path / "unsubscribed.csv", UNSUBSCRIBED)
    result = invoke(["run", source, "--report", "r.json"], env_for(sandbox, kind), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert sandbox.store.state_of("newer@example.com") == "active"
    assert sandbox.store.state_of("older@example.com") == "cancelled"
    assert unsubscribes(sandbox) == [f"/v4/subscribers/{sandbox.store.find('older@example.com').id}/unsubscribe"]
    report = report_of(tmp_path)
    assert report["kept_active"] == [{"email": "newer@example.com",
                                      "reason": "created in Kit after the file's unsubscribe time"}]
    assert report["unsubscribed"] == 1
    assert ("Left active:       1 subscriber the file says opted out, left active in Kit (1 created in Kit after "
            "the file's unsubscribe time; listed in the report as kept_active)") in result.output
    assert not sent_active(sandbox)

    forced = invoke(["run", source, "--unsubscribe", "--report", "r.json"], env_for(sandbox, kind), cwd=tmp_path)
    assert forced.exit_code == 0, forced.output
    assert sandbox.store.state_of("newer@example.com") == "cancelled"  # --unsubscribe: every opt-out
    assert report_of(tmp_path)["kept_active"] == []


def test_an_unsubscribe_time_within_a_day_of_kits_creation_without_a_zone_is_honoured(sandbox, tmp_path):
    """02:00 in the file may be 14:00 UTC (UTC-12): Kit's 09:00 creation is not surely later, so she goes."""
    seed_created(sandbox.store, "newer@example.com", "2024-01-15 09:00:00")
    source = write(tmp_path / "u.csv", "Email Address,UNSUB_TIME\nnewer@example.com,2024-01-15 02:00:00\n")
    result = invoke(["run", source], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert sandbox.store.state_of("newer@example.com") == "cancelled"


PEOPLE = "Email,First Name,Status\nann@example.com,Ann,subscribed\nold@example.com,Old,unsubscribed\n"


@pytest.mark.parametrize("kind", KINDS)
def test_a_nightly_rerun_after_a_resubscription_in_kit_keeps_them_active(sandbox, tmp_path, kind):
    seed_created(sandbox.store, "old@example.com", "2023-03-01 09:00:00")
    source = write(tmp_path / "people.csv", PEOPLE)
    # Kit is read every night (the state file then reads only what changed since), as a nightly config does
    args = ["run", source, "--state", "s.db", "--compare", "always", "--report", "r.json"]
    first = invoke(args, env_for(sandbox, kind), cwd=tmp_path)
    assert first.exit_code == 0, first.output
    assert sandbox.store.state_of("old@example.com") == "cancelled"

    sandbox.store.resubscribe("old@example.com")  # signs up again through a Kit form
    before = len(sandbox.requests)
    again = invoke(args, env_for(sandbox, kind), cwd=tmp_path)
    assert again.exit_code == 0, again.output
    assert sandbox.store.state_of("old@example.com") == "active"
    assert unsubscribes(sandbox, before) == []
    assert report_of(tmp_path)["kept_active"] == [
        {"email": "old@example.com", "reason": "re-subscribed in Kit since an earlier run saw the opt-out"}]
    assert "1 re-subscribed in Kit since an earlier run saw the opt-out" in again.output
    assert invoke(args, env_for(sandbox, kind), cwd=tmp_path).exit_code == 0  # and on every night after
    assert sandbox.store.state_of("old@example.com") == "active"
    checked = invoke(["verify", source, "--state", "s.db"], env_for(sandbox, kind), cwd=tmp_path)
    # Judged as the run judged: they opted in again in Kit, so the file is stale about them. Listed, not a
    # difference: a nightly `run --verify` must not fail every night after someone re-subscribes.
    assert checked.exit_code == 0, checked.output
    assert "old@example.com: state: Kit holds 'active', the file says 'cancelled'" in checked.output
    assert "re-subscribed in Kit since an earlier run saw the opt-out" in checked.output
    assert invoke(["verify", source], env_for(sandbox, kind), cwd=tmp_path).exit_code == 3  # without the memory
    kept = invoke(["verify", source, "--state", "s.db", "--keep-kit-state"], env_for(sandbox, kind), cwd=tmp_path)
    assert kept.exit_code == 0, kept.output

    forced = invoke(args + ["--unsubscribe"], env_for(sandbox, kind), cwd=tmp_path)
    assert forced.exit_code == 0, forced.output
    assert sandbox.store.state_of("old@example.com") == "cancelled"


@pytest.mark.parametrize("kind", KINDS)
def test_a_nightly_row_that_flips_to_unsubscribed_is_unsubscribed_in_kit(sandbox, tmp_path, kind):
    """The issue's cron job: a row turned Unsubscribed overnight no longer stays mailable with exit 0."""
    source = write(tmp_path / "people.csv", PEOPLE.replace("unsubscribed", "subscribed"))
    args = ["run", source, "--state", "s.db", "--report", "r.json"]
    assert invoke(args, env_for(sandbox, kind), cwd=tmp_path).exit_code == 0
    assert sandbox.store.state_of("old@example.com") == "active"
    write(tmp_path / "people.csv", PEOPLE)
    sandbox.store.clock = lambda: time.time() + 60
    result = invoke(args, env_for(sandbox, kind), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert sandbox.store.state_of("old@example.com") == "cancelled"
    assert report_of(tmp_path)["unsubscribed"] == 1
    assert invoke(args + ["--compare", "never"], env_for(sandbox, kind), cwd=tmp_path).exit_code == 0
    assert sandbox.store.state_of("old@example.com") == "cancelled"


def test_a_nightly_flip_is_unsubscribed_without_reading_kit_too(sandbox, tmp_path):
    """With --compare never the state file says the row changed: the upsert's answer shows Kit's state."""
    source = write(tmp_path / "people.csv", PEOPLE.replace("unsubscribed", "subscribed"))
    args = ["run", source, "--state", "s.db", "--compare", "never"]
    assert invoke(args, env_for(sandbox), cwd=tmp_path).exit_code == 0
    write(tmp_path / "people.csv", PEOPLE)
    result = invoke(args, env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert sandbox.store.state_of("old@example.com") == "cancelled"


@pytest.mark.parametrize("kind", KINDS)
def test_the_brake_stops_an_export_that_marks_everyone_unsubscribed_before_anything_is_written(
        sandbox, tmp_path, kind):
    rows = [f"p{i}@example.com,P{i},subscribed" for i in range(10)]
    source = write(tmp_path / "list.csv", "Email,First Name,Status\n" + "\n".join(rows) + "\n")
    assert invoke(["run", source], env_for(sandbox, kind), cwd=tmp_path).exit_code == 0
    write(tmp_path / "list.csv", "Email,First Name,Status\n" + "\n".join(r.replace("subscribed", "unsubscribed")
                                                                      for r in rows) + "\n")
    before = len(sandbox.requests)
    sandbox.store.clock = lambda: time.time() + 60
    result = invoke(["run", source, "--max-changes", "20", "--report", "r.json"], env_for(sandbox, kind),
                    cwd=tmp_path)
    assert result.exit_code == 1, result.output
    assert "100.0% of the subscribers Kit holds would change" in result.output
    assert [m for m, _, _, _ in sandbox.requests[before:] if m != "GET"] == []
    assert {sandbox.store.state_of(f"p{i}@example.com") for i in range(10)} == {"active"}


PLAN = ("Email Address,First Name,UNSUB_TIME\n"
        "newer@example.com,Nia,2024-01-15 10:00:00\n"   # Kit: active, created later: stays active
        "older@example.com,Olga,2024-01-15 10:00:00\n"  # Kit: active, created before: unsubscribed
        "gone@example.com,Gil,2024-01-15 10:00:00\n"    # Kit: cancelled already
        "fresh@example.com,Fay,2024-01-15 10:00:00\n")  # Kit: none: created cancelled


def seed_plan(store) -> None:
    seed_created(store, "newer@example.com", "2024-06-01 09:00:00")
    seed_created(store, "older@example.com", "2023-03-01 09:00:00")
    seed_created(store, "gone@example.com", "2023-03-01 09:00:00", state="cancelled")


@pytest.mark.parametrize("kind", KINDS)
def test_the_dry_run_shows_the_consent_outcome_and_the_diff_lists_each_state_change(sandbox, tmp_path, kind):
    seed_plan(sandbox.store)
    source = write(tmp_path / "u.csv", PLAN)
    dry = invoke(["run", source, "--dry-run", "--diff", "changes.csv", "--report", "r.json"],
                 env_for(sandbox, kind), cwd=tmp_path)
    assert dry.exit_code == 0, dry.output
    report = report_of(tmp_path)
    assert (report["planned_states"], report["planned_unsubscribes"]) == ({"cancelled": 1}, 1)
    assert report["kept_active"] == [{"email": "newer@example.com",
                                      "reason": "created in Kit after the file's unsubscribe time"}]
    assert "States:            new subscribers: 1 cancelled (UNSUB_TIME set)" in dry.output
    assert "Unsubscribes:      1 (active in Kit, opted out in the file)" in dry.output
    assert "Left active:       1 subscriber the file says opted out, left active in Kit" in dry.output
    assert dry.output.splitlines()[-1].endswith("; 1 opted out in the file left active in Kit. Nothing was "
                                                "written to Kit.")
    states = [line for line in failures_of(tmp_path / "changes.csv")[1:] if line[1] == "state"]
    assert sorted(states) == [  # gone@ is cancelled in Kit as in the file: no change
        ["newer@example.com", "state", "kept", "active", "cancelled",
         "created in Kit after the file's unsubscribe time"],
        ["older@example.com", "state", "changed", "active", "cancelled", ""]]
    assert [m for m, _, _, _ in sandbox.requests if m != "GET"] == []

    blind = invoke(["run", source, "--dry-run", "--compare", "never", "--report", "r.json"], env_for(sandbox, kind),
                   cwd=tmp_path)
    assert blind.exit_code == 0, blind.output
    report = report_of(tmp_path)
    assert (report["planned_states"], report["planned_unsubscribes"]) == ({"cancelled": 4}, 4)
    assert "Unsubscribes:      up to 4 (those Kit holds active)" in blind.output

    real = invoke(["run", source, "--report", "r.json"], env_for(sandbox, kind), cwd=tmp_path)
    assert real.exit_code == 0, real.output
    assert (report_of(tmp_path)["unsubscribed"], report_of(tmp_path)["states_set"]) == (1, {"cancelled": 1})


def test_undo_lists_the_unsubscribes_a_run_made_and_says_it_cannot_reverse_them(sandbox, tmp_path):
    seed_plan(sandbox.store)
    write(tmp_path / "u.csv", PLAN)
    assert invoke(["run", "u.csv"], env_for(sandbox), cwd=tmp_path).exit_code == 0
    undone = invoke(["undo", undo_files(tmp_path, "u.csv")[0].name], env_for(sandbox), cwd=tmp_path)
    assert undone.exit_code == 0, undone.output
    assert "Left unsubscribed: 1 (the run unsubscribed them; kit-import never makes anyone active)" \
        in undone.output
    assert "  older@example.com" in undone.output
    assert sandbox.store.state_of("older@example.com") == "cancelled"
    assert not sent_active(sandbox)


MAILCHIMP_SUBSCRIBED = "Email Address,First Name,OPTIN_TIME\nuna@example.com,Una,2023-01-05 10:00:00\n"
MAILCHIMP_UNSUBSCRIBED = "Email Address,First Name,UNSUB_TIME\nuna@example.com,Una,2024-03-01 09:00:00\n"


@pytest.mark.parametrize("kind", KINDS)
def test_a_subscriber_an_earlier_run_created_from_an_older_export_is_no_newer_opt_in(sandbox, tmp_path, kind):
    """The issue's Mailchimp case: the subscribed export went in first (Kit created Una today, after her
    UNSUB_TIME), then the unsubscribed export. With a state file the tool knows it created her: honoured."""
    write(tmp_path / "subscribed.csv", MAILCHIMP_SUBSCRIBED)
    write(tmp_path / "unsubscribed.csv", MAILCHIMP_UNSUBSCRIBED)
    assert invoke(["run", "subscribed.csv", "--state", "s.db"], env_for(sandbox, kind), cwd=tmp_path).exit_code == 0
    sandbox.store.clock = lambda: time.time() + 60
    result = invoke(["run", "unsubscribed.csv", "--state", "s.db", "--report", "r.json"], env_for(sandbox, kind),
                    cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert sandbox.store.state_of("una@example.com") == "cancelled"
    assert (report_of(tmp_path)["unsubscribed"], report_of(tmp_path)["kept_active"]) == (1, [])
    assert "Left active" not in result.output


def test_without_a_state_file_a_subscriber_created_after_the_unsubscribe_time_looks_like_a_newer_opt_in(
        sandbox, tmp_path):
    """Without a run memory Kit's created_at is all there is: said in the summary, and --unsubscribe overrides."""
    write(tmp_path / "subscribed.csv", MAILCHIMP_SUBSCRIBED)
    write(tmp_path / "unsubscribed.csv", MAILCHIMP_UNSUBSCRIBED)
    assert invoke(["run", "subscribed.csv"], env_for(sandbox), cwd=tmp_path).exit_code == 0
    result = invoke(["run", "unsubscribed.csv"], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert sandbox.store.state_of("una@example.com") == "active"
    assert "1 created in Kit after the file's unsubscribe time" in result.output
    assert invoke(["run", "unsubscribed.csv", "--unsubscribe"], env_for(sandbox), cwd=tmp_path).exit_code == 0
    assert sandbox.store.state_of("una@example.com") == "cancelled"


@pytest.mark.parametrize("kind", KINDS)
def test_a_subscriber_the_file_says_subscribed_but_kit_holds_cancelled_is_said_never_reactivated(
        sandbox, tmp_path, kind):
    seed_created(sandbox.store, "ann@example.com", "2024-01-01 00:00:00", state="cancelled")
    source = write(tmp_path / "list.csv", "Email,Status\nann@example.com,subscribed\nbo@example.com,subscribed\n")
    result = invoke(["run", source, "--compare", "always", "--report", "r.json"], env_for(sandbox, kind),
                    cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert ("Not re-activated:  1 subscriber the file says subscribed is not active in Kit (1 cancelled): Kit's API "
            "cannot re-subscribe anyone; they can opt in again through a Kit form") in result.output
    assert report_of(tmp_path)["not_reactivated"] == {"cancelled": 1}
    assert sandbox.store.state_of("ann@example.com") == "cancelled" and not sent_active(sandbox)
