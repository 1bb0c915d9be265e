"""Scheduled imports against the sandbox: only changes are sent, a killed run resumes, runs never
overlap, a broken export is braked, and the config file says where it is wrong."""

from __future__ import annotations

import csv
import json
import socket
import logging
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import write
from importer.sandbox import Behaviour, Sandbox
from helpers import env_for, generated, invoke


def writes(sandbox) -> list[str]:
    return [p for m, p, _, _ in sandbox.requests if m == "POST"]


def report_of(path: Path) -> dict:
    return json.loads(path.read_text())


def test_a_rerun_sends_nothing_and_a_changed_row_sends_only_itself(sandbox, tmp_path):
    env = env_for(sandbox)
    source = generated(tmp_path / "list.csv", 500)
    args = ["run", source, "--state", "kit.state", "--report", "r.json"]
    assert invoke(args, env, cwd=tmp_path).exit_code == 0
    assert len(sandbox.store.subscribers) == 500 and len(writes(sandbox)) == 5 + 15

    sandbox.requests.clear()
    again = invoke(args, env, cwd=tmp_path)
    assert again.exit_code == 0
    assert writes(sandbox) == []
    report = report_of(tmp_path / "r.json")
    assert (report["unchanged"], report["created"], report["updated"]) == (500, 0, 0)
    assert "Contacts:          500: 0 created, 0 updated, 500 unchanged" in again.output

    rows = list(csv.reader(source.open()))
    rows[10][3] = "Changed Co"        # a value: only a values request
    rows[20][1] = "Renamed"           # a first name: an upsert
    rows.append(["new@example.com", "New", "Person", "Fresh", "99999"])
    with source.open("w", newline="") as f:
        csv.writer(f).writerows(rows)
    sandbox.requests.clear()
    sandbox.store.clock = lambda: time.time() + 60  # tonight's run starts later, by Kit's clock
    assert invoke(args, env, cwd=tmp_path).exit_code == 0
    bodies = [b for m, _, _, b in sandbox.requests if m == "POST"]
    upserted = sorted(s["email_address"] for b in bodies for s in b.get("subscribers", []))
    assert upserted == ["new@example.com", "p19@example.com"]
    values = sorted((v["value"]) for b in bodies for v in b.get("custom_field_values", []))
    assert values == ["99999", "Changed Co", "Fresh", "Person"]
    report = report_of(tmp_path / "r.json")
    assert (report["unchanged"], report["created"], report["updated"]) == (498, 1, 2)
    state = sandbox.store.snapshot()
    assert state["p9@example.com"]["fields"]["Company"] == "Changed Co"
    assert state["p19@example.com"]["first_name"] == "Renamed"


def test_full_ignores_the_state(sandbox, tmp_path):
    env = env_for(sandbox)
    source = generated(tmp_path / "list.csv", 50)
    invoke(["run", source, "--state", "s.db"], env, cwd=tmp_path)
    sandbox.requests.clear()
    assert invoke(["run", source, "--state", "s.db", "--full"], env, cwd=tmp_path).exit_code == 0
    assert writes(sandbox) == ["/v4/bulk/subscribers", "/v4/bulk/custom_fields/subscribers",
                               "/v4/bulk/custom_fields/subscribers"]


def test_rows_that_failed_are_tried_again_next_time(sandbox, tmp_path):
    env = env_for(sandbox)
    sandbox.store.rejected_emails.add("p3@example.com")
    source = generated(tmp_path / "list.csv", 10)
    assert invoke(["run", source, "--state", "s.db"], env, cwd=tmp_path).exit_code == 3
    sandbox.store.rejected_emails.clear()
    sandbox.requests.clear()
    assert invoke(["run", source, "--state", "s.db"], env, cwd=tmp_path).exit_code == 0
    assert [s["email_address"] for m, _, _, b in sandbox.requests if m == "POST"
            for s in (b or {}).get("subscribers", [])] == ["p3@example.com"]


def test_a_state_file_made_against_another_sandbox_is_refused(sandbox, tmp_path):
    source = generated(tmp_path / "list.csv", 5)
    assert invoke(["run", source, "--state", "s.db"], env_for(sandbox), cwd=tmp_path).exit_code == 0
    with Sandbox() as fresh:  # a sandbox started later is a new account, as a fresh Kit account is
        fresh.seed_fields()
        result = invoke(["run", source, "--state", "s.db"], env_for(fresh), cwd=tmp_path)
    assert fresh.store.account_id != sandbox.store.account_id
    assert (result.exit_code, result.output) == (1, (
        f"Error: The state file s.db belongs to another Kit account (id {sandbox.store.account_id}, this "
        f"credential's is {fresh.store.account_id}).\n"
        "Use a separate --state file per account, or check the credential.\n"))
    assert fresh.store.subscribers == {}  # nothing was skipped as 'unchanged', nothing was written


def hold_lock(path: Path, seconds: float) -> subprocess.Popen:
    """Another process holding the state's lock for `seconds`, as a running import would."""
    code = ("import sys, time; from filelock import FileLock; lock = FileLock(sys.argv[1]); lock.acquire(); "
            "print('held', flush=True); time.sleep(float(sys.argv[2]))")
    holder = subprocess.Popen([sys.executable, "-c", code, str(path) + ".lock", str(seconds)],
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_a_second_run_on_the_same_state_refuses_or_waits(sandbox, tmp_path):
    source = generated(tmp_path / "list.csv", 5)
    holder = hold_lock(tmp_path / "s.db", 30)
    refused = invoke(["run", source, "--state", "s.db"], env_for(sandbox), cwd=tmp_path)
    holder.kill()
    holder.wait()
    assert refused.exit_code == 1
    assert "Another kit-import run is using the state file" in refused.output
    assert sandbox.requests == []

    holder = hold_lock(tmp_path / "s.db", 1.0)
    started = time.monotonic()
    waited = invoke(["run", source, "--state", "s.db", "--wait"], env_for(sandbox), cwd=tmp_path)
    holder.wait()
    assert waited.exit_code == 0, waited.output
    assert time.monotonic() - started >= 0.5
    assert len(sandbox.store.subscribers) == 5


def test_the_brake_stops_a_file_that_would_blank_half_the_list(sandbox, tmp_path):
    env = env_for(sandbox)
    source = generated(tmp_path / "list.csv", 200)
    args = ["run", source, "--state", "s.db", "--blanks", "clear", "--max-changes", "20"]
    first = invoke(args, env, cwd=tmp_path)
    assert first.exit_code == 0 and "--max-changes applies from the next run" in first.output
    rows = list(csv.reader(source.open()))
    for row in rows[1:101]:
        row[2:] = ["", "", ""]
    with source.open("w", newline="") as f:
        csv.writer(f).writerows(rows)
    sandbox.requests.clear()
    braked = invoke(args + ["--report", "r.json"], env, cwd=tmp_path)
    assert braked.exit_code == 1
    assert ("the brake stopped the run before writing: 50.0% of the subscribers Kit holds would change, "
            "over the 20% that --max-changes allows") in braked.output
    assert writes(sandbox) == []
    assert sandbox.store.snapshot()["p0@example.com"]["fields"]["Company"] == "C0"
    assert report_of(tmp_path / "r.json")["exit_status"] == 1


def test_the_reject_brake(sandbox, tmp_path):
    source = write(tmp_path / "bad.csv", "Email\nnope\nalso-nope\ngood@example.com\n")
    result = invoke(["run", source, "--max-rejects", "50", "--report", "r.json"], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 1 and "66.7% of rows would be rejected" in result.output
    assert writes(sandbox) == []
    report = report_of(tmp_path / "r.json")  # the row held back is in the failures CSV: every row accounted for
    assert (report["rows_read"], report["rows_imported"], report["rows_rejected"]) == (3, 0, 3)
    assert "Rows read:         3: 0 imported, 2 rejected, 1 not sent\n" in result.output
    with (tmp_path / "bad.csv.failures.csv").open(encoding="utf-8-sig", newline="") as f:
        held = [r for r in csv.DictReader(f) if r["error"].startswith("not sent: the brake stopped the run")]
    assert [r["Email"] for r in held] == ["good@example.com"]


def test_a_dry_run_accounts_for_the_rows_it_would_import(sandbox, tmp_path):
    source = write(tmp_path / "d.csv", "Email\na@example.com\nA@example.com\nnope\n")
    result = invoke(["run", source, "--dry-run", "--report", "r.json"], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 3 and "Rows read:         3: 2 to import, 1 rejected" in result.output
    report = report_of(tmp_path / "r.json")
    assert (report["rows_imported"], report["rows_rejected"], report["contacts"]) == (2, 1, 1)


@pytest.mark.parametrize("behaviour", [Behaviour(latency=(0.05, 0.1))], ids=["slow-kit"])
def test_a_run_killed_midway_resumes_without_resending_acknowledged_chunks(sandbox, tmp_path, behaviour):
    source = generated(tmp_path / "list.csv", 3000)
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("KIT_")}, **env_for(sandbox)}
    command = [sys.executable, "-m", "importer", "run", str(source), "--state", "s.db", "--concurrency", "4"]
    child = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while len(writes(sandbox)) < 40 and time.monotonic() < deadline:
        time.sleep(0.01)
    child.send_signal(signal.SIGKILL)
    child.wait()
    first = [(p, b) for m, p, _, b in sandbox.requests if m == "POST"]
    assert 0 < len(first) < 30 + 90  # killed midway
    sandbox.requests.clear()
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    state = sandbox.store.snapshot()
    assert len(state) == 3000 and all(len(p["fields"]) == 3 for p in state.values())
    # Whatever the first run sent and had acknowledged is not sent again: the second run's
    # writes overlap the first's in at most the requests that were in flight (4 workers).
    again = [(p, b) for m, p, _, b in sandbox.requests if m == "POST"]
    sent_before = {json.dumps(b, sort_keys=True) for _, b in first}
    resent = [b for _, b in again if json.dumps(b, sort_keys=True) in sent_before]
    emails_before = {s["email_address"] for _, b in first for s in b.get("subscribers", [])}
    emails_again = {s["email_address"] for _, b in again for s in b.get("subscribers", [])}
    assert len(emails_before & emails_again) <= 4 * 100
    assert len(resent) <= 4
    # In all: the minimum, the requests in flight at the kill, and one partial values batch
    # (the rerun packs the values still owed into batches of its own).
    assert len(first) + len(again) <= 30 + 90 + 4 + 1


def test_config_file_runs_a_nightly_import_with_dated_paths(sandbox, tmp_path):
    (tmp_path / "exports").mkdir()
    generated(tmp_path / "exports" / "old.csv", 3)
    time.sleep(0.01)
    newest = generated(tmp_path / "exports" / "new.csv", 7)
    os.utime(newest)
    config = write(tmp_path / "nightly.toml", '''
source = "exports/*.csv"
blanks = "skip"
failures = "out/failures-{date}.csv"
report = "out/report-{date}.json"
log = "out/run-{date}.log"
max_changes = 90

[fields]
"Postal code" = "Postal code"
''')
    result = invoke(["run", "--config", config], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert len(sandbox.store.subscribers) == 7
    assert (tmp_path / "nightly.state").exists()
    today = time.strftime("%Y-%m-%d", time.gmtime())  # {date} is the UTC date
    assert report_of(tmp_path / "out" / f"report-{today}.json")["created"] == 7
    log = (tmp_path / "out" / f"run-{today}.log").read_text()
    assert "7 imported, 0 rejected" in log and log[:4] == today[:4]
    assert sandbox.access_token not in log


@pytest.mark.parametrize("text, message", [
    ('source = "x.csv"\nmax_changes = "lots"\n', "Error: max_changes in nightly.toml (line 2) must be a number, "
                                                  "not 'lots'.\n"),
    ('source = "x.csv"\n\nblank = "skip"\n', "Error: blank in nightly.toml (line 3) is not a setting kit-import knows "
                                             "(did you mean blanks?).\n"),
    ('source = "x.csv"\ndelimiter = ";;"\n', "Error: delimiter in nightly.toml (line 2) must be one character (or "
                                             "tab), not ';;'.\nFor example delimiter = \";\" or "
                                             "delimiter = \"tab\".\n"),
    ('source = "x.csv"\nencoding = "klingon"\n', "Error: encoding in nightly.toml (line 2) must be an encoding "
                                                 "Python knows, not 'klingon'.\n"),
    ('source = "x.csv"\nsheet = [\n', "Fix the TOML syntax"),
    ('source = "nothing-*.csv"\n', "Error: source in nightly.toml (line 1) matches no file"),
], ids=["wrong-type", "unknown-key", "delimiter", "encoding", "bad-toml", "glob-matches-nothing"])
def test_a_config_error_names_the_key_the_file_and_the_line(tmp_path, text, message):
    write(tmp_path / "nightly.toml", text)
    result = invoke(["run", "--config", "nightly.toml"], {"KIT_API_KEY": "k"}, cwd=tmp_path)
    assert result.exit_code == 1
    assert message in result.output


def test_flags_override_the_config(sandbox, tmp_path):
    source = generated(tmp_path / "list.csv", 4)
    config = write(tmp_path / "c.toml", f'source = "{source.name}"\nblanks = "clear"\nmax_rejects = 0\n')
    result = invoke(["run", "--config", config, "--max-rejects", "100", "--dry-run"], env_for(sandbox),
                    cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert "Dry run: 4 contacts" in result.output


def test_an_expired_token_is_refreshed_and_the_rotated_pair_saved_before_use(sandbox, tmp_path):
    source = generated(tmp_path / "list.csv", 30)
    spent = sandbox.refresh_token
    env = {"KIT_API_URL": sandbox.url, "KIT_ACCESS_TOKEN": sandbox.access_token, "KIT_REFRESH_TOKEN": spent,
           "KIT_CLIENT_ID": sandbox.client_id}
    sandbox.expire_access_tokens()
    args = ["run", source, "--state", "s.db", "--report", "r.json", "--log", "run.log"]
    first = invoke(args, env, cwd=tmp_path)
    assert first.exit_code == 0, first.output
    assert len(sandbox.store.subscribers) == 30 and sandbox.refreshes == 1
    token_file = tmp_path / "s.db.tokens.json"
    saved = json.loads(token_file.read_text())
    assert (saved["access_token"], saved["refresh_token"]) == (sandbox.access_token, sandbox.refresh_token)
    assert saved["refresh_token"] != spent
    assert token_file.stat().st_mode & 0o777 == 0o600

    # The environment's refresh token is spent now: the next run starts from the saved pair.
    sandbox.expire_access_tokens()
    generated(source, 31)
    second = invoke(args, env, cwd=tmp_path)
    assert second.exit_code == 0, second.output
    assert sandbox.refreshes == 2 and len(sandbox.store.subscribers) == 31

    produced = first.output + second.output + (tmp_path / "r.json").read_text() + (tmp_path / "run.log").read_text()
    for secret in (spent, saved["refresh_token"], saved["access_token"], sandbox.access_token, sandbox.refresh_token):
        assert secret not in produced


def test_a_refused_refresh_stops_the_run_with_how_to_fix_it(sandbox, tmp_path):
    source = generated(tmp_path / "list.csv", 3)
    env = {"KIT_API_URL": sandbox.url, "KIT_ACCESS_TOKEN": "stale", "KIT_REFRESH_TOKEN": "already-used",
           "KIT_CLIENT_ID": sandbox.client_id}
    result = invoke(["run", source, "--state", "s.db"], env, cwd=tmp_path)
    assert result.exit_code == 1
    assert "Kit refused to refresh the OAuth access token (HTTP 400" in result.output
    assert "already-used" not in result.output


def test_init_proposes_a_config_that_runs(sandbox, tmp_path):
    source = write(tmp_path / "export.csv", "Email Address,First Name,Company,Phone,OPTIN_TIME\n"
                                            "a@example.com,Ann,Acme,555,2024-01-01\n")
    made = invoke(["init", source, "-o", "nightly.toml"], env_for(sandbox), cwd=tmp_path)
    assert made.exit_code == 0, made.output
    text = (tmp_path / "nightly.toml").read_text()
    assert 'email_column = "Email Address"' in text and 'first_name_column = "First Name"' in text
    assert '"Company" = "Company"' in text
    assert '# "Phone" = "Phone"' in text and '# "OPTIN_TIME" = "OPTIN_TIME"' in text
    assert invoke(["init", source, "-o", "nightly.toml"], env_for(sandbox), cwd=tmp_path).exit_code == 1
    assert invoke(["run", "--config", "nightly.toml"], env_for(sandbox), cwd=tmp_path).exit_code == 0
    assert sandbox.store.snapshot()["a@example.com"] == {"first_name": "Ann", "fields": {"Company": "Acme"}}
    sandbox.requests.clear()
    assert invoke(["run", "--config", "nightly.toml"], env_for(sandbox), cwd=tmp_path).exit_code == 0
    assert writes(sandbox) == []


def test_auth_authorizes_with_pkce_on_a_loopback_redirect_and_saves_the_pair(sandbox, tmp_path):
    import requests

    from importer.kit.oauth import authorize

    def browser(url):  # the user approves: the sandbox redirects to the loopback callback
        threading.Thread(target=requests.get, args=(url,), kwargs={"timeout": 10}, daemon=True).start()

    token_file = tmp_path / "tokens.json"
    with socket.socket() as probe:  # a free loopback port, so parallel test runs never share one
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    pair = authorize(sandbox.client_id, sandbox.url, token_file, open_url=browser, port=port, timeout=20)
    saved = json.loads(token_file.read_text())
    assert saved["access_token"] == pair["access_token"] == sandbox.access_token
    assert saved["refresh_token"] == sandbox.refresh_token
    assert token_file.stat().st_mode & 0o777 == 0o600

    # A run with only the client id in its environment starts from the saved pair.
    source = generated(tmp_path / "list.csv", 3)
    env = {"KIT_API_URL": sandbox.url, "KIT_CLIENT_ID": sandbox.client_id, "KIT_TOKEN_FILE": str(token_file)}
    result = invoke(["run", source], env, cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert len(sandbox.store.subscribers) == 3


def test_the_change_brake_needs_kit_to_hold_some_contacts_or_a_state_that_has_seen_a_run(sandbox, tmp_path):
    source = generated(tmp_path / "list.csv", 10)
    result = invoke(["run", source, "--max-changes", "5"], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0
    assert "Kit holds none of this file's contacts yet: --max-changes applies from the next run" in result.output
    assert len(sandbox.store.subscribers) == 10
    blind = invoke(["run", source, "--max-changes", "5", "--compare", "never"], env_for(sandbox), cwd=tmp_path)
    assert blind.exit_code == 0
    assert "--max-changes needs a read of Kit or a state file (and no --full): not applied" in blind.output


def test_a_sandbox_rehearsal_does_not_use_the_state_file(tmp_path):
    source = generated(tmp_path / "list.csv", 4)
    result = invoke(["run", source, "--sandbox", "--state", "s.db"], cwd=tmp_path)
    assert result.exit_code == 0 and "the state file is not used" in result.output
    assert not (tmp_path / "s.db").exists()


def test_init_takes_the_reading_and_column_options_and_the_config_runs_with_them(sandbox, tmp_path):
    source = write(tmp_path / "export.csv", "Mailing list export\n"
                                            "Contact;Given;Zip;Member status\n"
                                            "a@example.com;Ann;83702;subscribed\n"
                                            "b@example.com;Bo;00501;unsubscribed\n", encoding="cp1252")
    made = invoke(["init", source, "-o", "nightly.toml", "--encoding", "cp1252", "--delimiter", ";",
                   "--header-row", "2", "--email-column", "Contact", "--first-name-column", "Given",
                   "--field", "Zip=Postal code", "--status-column", "Member status", "--skip-unsubscribed"],
                  env_for(sandbox), cwd=tmp_path)
    assert made.exit_code == 0, made.output
    text = (tmp_path / "nightly.toml").read_text()
    for line in ('encoding = "cp1252"', 'delimiter = ";"', "header_row = 2", 'email_column = "Contact"',
                 'first_name_column = "Given"', '"Zip" = "Postal code"', 'status_column = "Member status"',
                 "skip_unsubscribed = true"):
        assert line in text.splitlines(), line
    result = invoke(["run", "--config", "nightly.toml"], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert sandbox.store.snapshot() == {"a@example.com": {"first_name": "Ann", "fields": {"Postal code": "83702"}}}


def test_init_says_to_pass_email_column_and_then_honours_it(sandbox, tmp_path):
    source = write(tmp_path / "export.csv", "Contact,Name\na@example.com,Ann\n")
    refused = invoke(["init", source, "-o", "n.toml"], env_for(sandbox), cwd=tmp_path)
    assert refused.exit_code == 1 and "Name it with --email-column COLUMN." in refused.output
    made = invoke(["init", source, "-o", "n.toml", "--email-column", "Contact"], env_for(sandbox), cwd=tmp_path)
    assert made.exit_code == 0, made.output
    assert 'email_column = "Contact"' in (tmp_path / "n.toml").read_text()


def test_the_log_file_stamps_each_line_once(sandbox, tmp_path):
    source = generated(tmp_path / "list.csv", 3)
    result = invoke(["run", source, "--log", "logs/run.log"], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert re.search(r"^\d\d:\d\d:\d\d Reading rows$", result.output, re.M)  # the terminal keeps its own time
    lines = (tmp_path / "logs" / "run.log").read_text().splitlines()
    assert lines and all(re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d (?!\d\d:\d\d:\d\d )", line) for line in lines)
    assert any(line.endswith(" Reading rows") for line in lines)
    assert any(line.endswith("3 imported, 0 rejected; no failures file written") for line in lines)
    assert not logging.getLogger("kit_import").handlers


def test_wait_says_it_is_waiting_for_the_holder_and_when_it_got_the_lock(sandbox, tmp_path):
    source = generated(tmp_path / "list.csv", 5)
    today = time.strftime("%Y-%m-%d", time.gmtime())  # {date} is the UTC date
    (tmp_path / "s.db.lock.holder").write_text(f"{today} 03:15:02\n")  # as the holding run wrote it
    holder = hold_lock(tmp_path / "s.db", 1.0)
    waited = invoke(["run", source, "--state", "s.db", "--wait", "--log", "run.log"], env_for(sandbox), cwd=tmp_path)
    holder.wait()
    assert waited.exit_code == 0, waited.output
    assert "Another run holds s.db since 03:15:02; waiting." in waited.output
    assert re.search(r"Got s\.db at \d\d:\d\d:\d\d after waiting \d+ s; starting\.", waited.output)
    log = (tmp_path / "run.log").read_text()
    assert "Another run holds s.db since 03:15:02; waiting." in log and "; starting." in log
    assert not (tmp_path / "s.db.lock.holder").exists()  # the run removed its own record when it ended


def test_a_refused_credential_with_a_config_reaches_the_log_and_the_report(sandbox, tmp_path):
    source = generated(tmp_path / "list.csv", 5)
    config = write(tmp_path / "nightly.toml", f'source = "{source.name}"\nreport = "r.json"\nlog = "run.log"\n')
    env = {"KIT_API_URL": sandbox.url, "KIT_ACCESS_TOKEN": "revoked-token"}
    result = invoke(["run", "--config", config], env, cwd=tmp_path)
    assert result.exit_code == 1
    assert "Error: Kit rejected the OAuth access token (KIT_ACCESS_TOKEN) (HTTP 401" in result.output
    log = (tmp_path / "run.log").read_text()
    assert "Error: Kit rejected the OAuth access token (KIT_ACCESS_TOKEN) (HTTP 401" in log
    assert "revoked-token" not in log
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["exit_status"] == 1 and report["error"].startswith("Kit rejected the OAuth access token")


def test_a_broken_config_reaches_the_log_given_by_flag(tmp_path):
    config = write(tmp_path / "nightly.toml", "source = [unclosed\n")
    result = invoke(["run", "--config", config, "--log", "run.log"], cwd=tmp_path)
    assert result.exit_code == 1
    assert "Error: " in (tmp_path / "run.log").read_text()


def test_without_a_terminal_progress_lines_reach_the_log_at_each_tenth(sandbox, tmp_path):
    source = generated(tmp_path / "list.csv", 50)
    result = invoke(["run", source, "--log", "run.log"], env_for(sandbox, "api_key"), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    line = re.compile(r"^\S+ (\d\d:\d\d:\d\d) Importing contacts: (\d+) of 50 \((\d+)%\), (\d+) requests, "
                      r"(\d+\.\d req/s|rate not known yet), (about \d+ (s|min) left|done)$", re.M)
    found = line.findall((tmp_path / "run.log").read_text())
    assert [int(p) for _, _, p, *_ in found] == list(range(10, 101, 10))
    assert [int(done) for _, done, *_ in found] == [5 * k for k in range(1, 11)]
    assert int(found[-1][3]) >= 50  # one request per contact with an API key, after the field list
    assert found[-1][5] == "done"


def start_sandbox(*args: str) -> tuple[subprocess.Popen, dict[str, str]]:
    """`kit-import sandbox` in its own process; the environment it prints for a run."""
    server = subprocess.Popen([sys.executable, "-m", "importer", "sandbox", *args], stdout=subprocess.PIPE,
                              text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    env = {}
    for _ in range(3):
        text = server.stdout.readline()
        env.update(re.findall(r"(KIT_\w+)=(\S+)", text))
    return server, env


def test_sigterm_ends_a_run_like_ctrl_c_with_everything_written_and_143(tmp_path):
    source = generated(tmp_path / "list.csv", 40)
    server, printed = start_sandbox("--latency", "1")
    env = {**os.environ, "KIT_API_URL": printed["KIT_API_URL"], "KIT_API_KEY": printed["KIT_API_KEY"],
           "KIT_ACCESS_TOKEN": "", "KIT_IMPORT_STOP_GRACE": "0.1", "PYTHONUNBUFFERED": "1"}
    try:
        run = subprocess.Popen([sys.executable, "-m", "importer", "run", str(source), "--report", "r.json",
                                "--log", "run.log", "--concurrency", "4"], cwd=tmp_path, env=env,
                               stderr=subprocess.PIPE, text=True)
        seen = []
        for text in run.stderr:  # wait until a tenth is confirmed, with 4 more requests in flight
            seen.append(text)
            if "Importing contacts: " in text and "(10%)" in text:
                break
        time.sleep(0.3)
        started = time.monotonic()
        run.send_signal(signal.SIGTERM)
        rest = run.stderr.read()
        assert run.wait(10) == 143, "".join(seen) + rest
        assert time.monotonic() - started < 5
    finally:
        server.terminate()
        server.wait()
    assert "Stopped:           terminated (SIGTERM)" in rest
    assert re.search(r"\d+ imported, 0 rejected, \d+ not sent, 4 not confirmed \(may have been applied\) -> ", rest)
    report = json.loads((tmp_path / "r.json").read_text())
    assert (report["exit_status"], report["terminated"], report["rows_not_confirmed"]) == (143, True, 4)
    assert report["rows_read"] == report["rows_imported"] + report["rows_rejected"] == 40
    assert report["rows_rejected"] == report["rows_not_sent"] + 4
    with (tmp_path / "list.csv.failures.csv").open(newline="") as f:
        errors = [row["error"] for row in csv.DictReader(f)]
    assert errors.count("not confirmed (may have been applied): the run stopped: terminated (SIGTERM)") == 4
    assert errors.count("not sent: the run stopped: terminated (SIGTERM)") == report["rows_not_sent"] > 0
    assert "Stopped:           terminated (SIGTERM)" in (tmp_path / "run.log").read_text()


def test_a_config_s_fields_table_pins_what_a_scheduled_run_writes(sandbox, tmp_path):
    """A column left out of [fields] is not written once Kit gains a field of its name."""
    write(tmp_path / "c.csv", "Email,First Name,Company,Joined\nann@example.com,Ann,Acme,2021-01-01\n")
    write(tmp_path / "nightly.toml", 'source = "c.csv"\n\n[fields]\n"Company" = "Company"\n')
    sandbox.store.add_field("Joined")  # another import created it since init wrote the config
    result = invoke(["run", "--config", "nightly.toml"], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert sandbox.store.snapshot()["ann@example.com"]["fields"] == {"Company": "Acme"}
    assert "Joined: not listed in [fields] in nightly.toml (line 3)" in result.output


def test_a_configs_undo_files_go_beside_it_not_where_cron_runs(sandbox, tmp_path):
    home, night = tmp_path / "home", tmp_path / "night"
    home.mkdir()
    night.mkdir()
    write(night / "list.csv", "Email,First Name\na@example.com,Ann\n")
    write(night / "nightly.toml", 'source = "list.csv"\n')
    result = invoke(["run", "--config", str(night / "nightly.toml")], env_for(sandbox), cwd=home)
    assert result.exit_code == 0, result.output
    assert list(home.iterdir()) == []  # cron's working folder (say, $HOME) gathers nothing
    [saved] = night.glob("list.csv.*.undo.csv")
    assert f"Undo file:         {saved}: 1 created subscriber" in result.output
    listed = invoke(["undo"], env_for(sandbox), cwd=night)
    assert saved.name in listed.output


def test_a_configs_differences_csv_goes_beside_it_as_its_undo_files_do(sandbox, tmp_path):
    home, night = tmp_path / "home", tmp_path / "night"
    home.mkdir()
    night.mkdir()
    write(night / "list.csv", "Email,First Name\na@example.com,Ann\n")
    write(night / "nightly.toml", 'source = "list.csv"\n')
    result = invoke(["verify", "--config", str(night / "nightly.toml"), "--settle", "0"], env_for(sandbox), cwd=home)
    assert result.exit_code == 3, result.output  # Kit lacks the contact
    assert list(home.iterdir()) == []  # cron's working folder gathers nothing
    assert (night / "list.csv.verify.csv").is_file()
    assert f"-> {night / 'list.csv.verify.csv'}" in result.output


def test_a_configs_failures_csv_goes_beside_it_as_its_undo_files_do(sandbox, tmp_path):
    home, night = tmp_path / "home", tmp_path / "night"
    home.mkdir()
    night.mkdir()
    write(night / "list.csv", "Email,First Name\na@example.com,Ann\nnot an email,Bo\n")
    write(night / "nightly.toml", 'source = "list.csv"\nundo = "night.undo.csv"\n')
    result = invoke(["run", "--config", str(night / "nightly.toml")], env_for(sandbox), cwd=home)
    assert result.exit_code == 3, result.output
    assert list(home.iterdir()) == []  # cron's working folder gathers nothing
    assert (night / "list.csv.failures.csv").is_file()
    assert f"-> {night / 'list.csv.failures.csv'}" in result.output


@pytest.mark.parametrize("behaviour", [Behaviour(latency=(0.05, 0.1))], ids=["slow-kit"])
def test_a_first_night_killed_midway_resumes_under_max_changes(sandbox, tmp_path, behaviour):
    """init's max_changes = 20 never weighs a first night, nor so the run that finishes it after a kill."""
    source = generated(tmp_path / "list.csv", 3000)
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("KIT_")}, **env_for(sandbox)}
    command = [sys.executable, "-m", "importer", "run", str(source), "--state", "s.db", "--max-changes", "20",
               "--concurrency", "4"]
    child = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while len(writes(sandbox)) < 40 and time.monotonic() < deadline:
        time.sleep(0.01)
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert 0 < len(sandbox.store.subscribers) < 3000  # killed midway through the first night
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "the brake stopped" not in done.stderr
    assert "this run finishes one that did not finish, which --max-changes did not weigh (a first run): it does " \
        "not weigh this one either, and applies from the next run" in " ".join(done.stderr.split())
    assert len(sandbox.store.subscribers) == 3000
    # finished: the night after is weighed as any other
    write(source, re.sub(r",C(\d),", r",D\1,", source.read_text()))
    braked = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert braked.returncode == 1 and "the brake stopped the run before writing" in braked.stderr


def test_the_work_an_interrupted_run_left_is_not_counted_again_by_the_change_brake(sandbox, tmp_path):
    from importer.kit import Credential
    from importer.run import NoProgress, import_file
    from importer.settings.declaration import Settings

    class CtrlCAtFirstWrite(NoProgress):
        def advance(self, n=1, requests=None):
            if requests is not None:
                raise KeyboardInterrupt

    def people(changed: range) -> str:
        return "Email,First Name,Company\n" + "".join(
            f"n{i}@example.com,N{i},{'New' if i in changed else 'Old'} Co\n" for i in range(600))

    args = ["run", "list.csv", "--state", "s.db", "--max-changes", "20"]
    write(tmp_path / "list.csv", people(range(0)))
    assert invoke(args, env_for(sandbox), cwd=tmp_path).exit_code == 0
    write(tmp_path / "list.csv", people(range(300)))  # half the list changes, meant: --max-changes 100 once
    settings = Settings(source=tmp_path / "list.csv", credential=Credential("oauth", sandbox.access_token),
                        base_url=sandbox.url, state=tmp_path / "s.db", concurrency=1, max_changes=100,
                        failures=tmp_path / "f.csv", undo=tmp_path / "u.csv")
    stopped = import_file(settings, progress=CtrlCAtFirstWrite())
    assert stopped.interrupted and stopped.not_sent > 120  # over 20% of the list is left to send
    # new changes still count: the other half changing too is braked
    write(tmp_path / "list.csv", people(range(600)))
    braked = invoke(args, env_for(sandbox), cwd=tmp_path)
    assert braked.exit_code == 1 and "the brake stopped the run before writing: 50.0%" in braked.output
    # the interrupted run's own work is finished, not weighed again
    write(tmp_path / "list.csv", people(range(300)))
    resumed = invoke(args, env_for(sandbox), cwd=tmp_path)
    assert resumed.exit_code == 0, resumed.output
    assert "the run before this one did not finish: the " in resumed.output
    assert "it left to send are its work, not new changes, and --max-changes does not count them" in resumed.output
    company = next(f.id for f in sandbox.store.fields.values() if f.label == "Company")
    assert all(sandbox.store.find(f"n{i}@example.com").values[company] == "New Co" for i in range(300))


def test_a_braked_runs_rows_line_is_the_one_the_manual_shows(sandbox, tmp_path):
    """Rows Kit holds as the file says are imported (all unchanged) even in a run the brake stopped."""
    env = env_for(sandbox)
    people = ["Email,First Name"] + [f"p{n}@example.com,P{n}" for n in range(40)]
    write(tmp_path / "list.csv", "\n".join(people) + "\n")
    assert invoke(["run", "list.csv", "--state", "k.state"], env, cwd=tmp_path).exit_code == 0
    write(tmp_path / "list.csv", "\n".join(people[:21] + [p.replace(",P", ",Q") for p in people[21:]]) + "\n")
    result = invoke(["run", "list.csv", "--state", "k.state", "--max-changes", "20"], env, cwd=tmp_path)
    assert result.exit_code == 1, result.output
    shown = "Rows read: 40: 20 imported (20 unchanged), 0 rejected, 20 not sent"
    assert shown.replace(": ", ":" + " " * 9, 1) in result.output
    manual = " ".join((Path(__file__).resolve().parents[2] / "docs" / "nightly.md").read_text(encoding="utf-8").split())
    assert f"`{shown}`" in manual
