"""Alerts: --notify on each --notify-on mode, Slack's shape, healthcheck pings in order, and a
failing webhook that never changes the exit status. Webhooks are a local server on 127.0.0.1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import write
from importer.outputs import alerts as alerts_module
from helpers import env_for, invoke
from webserver import Answer, WebServer

GOOD = "Email,First Name\na@example.com,Ann\nb@example.com,Bob\n"
ONE_BAD = GOOD + "not-an-email,Cid\n"
HOOK = "/hook/T0/B0/s3cretHookPath1234"


@pytest.fixture
def web(monkeypatch):
    monkeypatch.setattr(alerts_module, "RETRY_PAUSE", 0.0)
    with WebServer() as server:
        server.route(HOOK, Answer(200, b"ok"))
        for path in ("/hc", "/hc/start", "/hc/fail"):
            server.route(path, Answer(200, b"OK"))
        yield server


def alerts(web) -> list[dict]:
    return [json.loads(s.body) for s in web.seen if s.path == HOOK]


@pytest.mark.parametrize("mode, clean, rejects, failure", [
    ("failure", 0, 0, 1),
    ("problems", 0, 1, 1),
    ("always", 1, 1, 1),
])
def test_notify_sends_on_each_mode(sandbox, web, tmp_path, mode, clean, rejects, failure):
    write(tmp_path / "good.csv", GOOD)
    write(tmp_path / "bad.csv", ONE_BAD)
    hook = web.url + HOOK
    sent = []
    for source, expected_exit in (("good.csv", 0), ("bad.csv", 3), ("missing.csv", 1)):
        before = len(alerts(web))
        result = invoke(["run", source, "--notify", hook, "--notify-on", mode, "--report", "r.json"],
                        env_for(sandbox), cwd=tmp_path)
        assert result.exit_code == expected_exit, result.output
        sent.append(len(alerts(web)) - before)
    assert sent == [clean, rejects, failure]
    last = alerts(web)[-1]
    assert last["exit_status"] == 1 and last["source"] == "missing.csv" and "does not exist" in last["error"]
    assert last["report"].endswith("r.json") and last["problem"] == "failed"
    assert set(last["counts"]) >= {"rows_read", "rows_imported", "rows_rejected", "created", "updated"}


def test_notify_rejects_sets_the_share_that_is_a_problem(sandbox, web, tmp_path):
    write(tmp_path / "bad.csv", ONE_BAD)  # 1 row of 3 rejected: 33%
    hook = web.url + HOOK
    assert invoke(["run", "bad.csv", "--notify", hook, "--notify-rejects", "50"], env_for(sandbox),
                  cwd=tmp_path).exit_code == 3
    assert alerts(web) == []
    assert invoke(["run", "bad.csv", "--notify", hook, "--notify-rejects", "20"], env_for(sandbox),
                  cwd=tmp_path).exit_code == 3
    assert alerts(web)[0]["problem"] == "33.3% of rows rejected, over 20%"


def test_a_slack_webhook_gets_slacks_text_shape(sandbox, web, tmp_path, monkeypatch):
    monkeypatch.setattr(alerts_module, "SLACK_HOSTS", ("127.0.0.1",))  # the local server plays Slack's host
    write(tmp_path / "bad.csv", ONE_BAD)
    result = invoke(["run", "bad.csv", "--notify", web.url + HOOK, "--notify-on", "always"], env_for(sandbox),
                    cwd=tmp_path)
    assert result.exit_code == 3
    [seen] = [s for s in web.seen if s.path == HOOK]
    body = json.loads(seen.body)
    assert list(body) == ["text"]
    assert body["text"].startswith("kit-import bad.csv: exit 3 (33.3% of rows rejected, over 1%)")
    assert "2 created" in body["text"]


def test_healthcheck_pings_start_then_success_or_fail_in_order(sandbox, web, tmp_path):
    write(tmp_path / "good.csv", GOOD)
    hc = web.url + "/hc"
    assert invoke(["run", "good.csv", "--healthcheck", hc], env_for(sandbox), cwd=tmp_path).exit_code == 0
    assert invoke(["run", "missing.csv", "--healthcheck", hc], env_for(sandbox), cwd=tmp_path).exit_code == 1
    assert [s.path for s in web.seen] == ["/hc/start", "/hc", "/hc/start", "/hc/fail"]
    assert all(s.method == "POST" for s in web.seen)
    assert b"2 imported" in web.seen[1].body


def test_a_failing_webhook_is_tried_three_times_and_changes_no_exit_status(sandbox, web, tmp_path):
    web.route(HOOK, Answer(500, b"down"))
    web.route("/hc", Answer(503))
    write(tmp_path / "good.csv", GOOD)
    result = invoke(["run", "good.csv", "--notify", web.url + HOOK, "--notify-on", "always", "--healthcheck",
                     web.url + "/hc", "--log", "run.log"], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert [s.path for s in web.seen].count(HOOK) == 3 and [s.path for s in web.seen].count("/hc") == 3
    log = (tmp_path / "run.log").read_text()
    assert "The alert to http://127.0.0.1:" in log and "failed 3 times (HTTP 500)" in log
    assert "s3cretHookPath1234" not in log + result.output


def test_an_error_before_the_run_starts_still_alerts(web, tmp_path):
    write(tmp_path / "good.csv", GOOD)
    write(tmp_path / "n.toml", f'source = "good.csv"\nnotify = ["{web.url + HOOK}"]\nhealthcheck = "{web.url}/hc"\n')
    result = invoke(["run", "--config", "n.toml"], {}, cwd=tmp_path)  # no credential
    assert result.exit_code == 1
    assert "No Kit credential" in alerts(web)[0]["error"]
    assert [s.path for s in web.seen if s.path.startswith("/hc")] == ["/hc/fail"]


def test_a_notify_url_must_be_https_and_its_secret_is_not_echoed():
    result = invoke(["run", "x.csv", "--notify", "http://example.com/hooks/s3cretHookPath1234"])
    assert result.exit_code == 2
    assert "must be an https:// URL" in result.output and "s3cretHookPath1234" not in result.output


def test_an_alert_counts_unsent_rows_apart_from_rejected_ones(sandbox, web, tmp_path, monkeypatch):
    write(tmp_path / "bad.csv", ONE_BAD)  # 1 row refused, so the brake leaves the 2 others unsent
    args = ["run", "bad.csv", "--max-rejects", "10", "--notify", web.url + HOOK]
    result = invoke(args, env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 1 and "1 rejected, 2 not sent" in result.output
    counts = alerts(web)[0]["counts"]
    assert (counts["rows_rejected"], counts["rows_not_sent"]) == (1, 2)  # as the closing line says, not 3 rejected
    monkeypatch.setattr(alerts_module, "SLACK_HOSTS", ("127.0.0.1",))
    assert invoke(args, env_for(sandbox), cwd=tmp_path).exit_code == 1
    assert "3 rows read, 0 created, 0 updated, 1 rejected, 2 not sent, " in json.loads(web.seen[-1].body)["text"]


def test_a_failed_runs_alerts_lead_with_its_error_and_hint(sandbox, web, tmp_path):
    write(tmp_path / "renamed.csv", "E-post,First Name\na@example.com,Ann\nb@example.com,Bob\n")
    result = invoke(["run", "renamed.csv", "--email-column", "Email", "--notify", web.url + HOOK,
                     "--healthcheck", web.url + "/hc"], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 1, result.output
    error = next(line for line in result.output.splitlines() if line.startswith("Error: "))
    hint = result.output.splitlines()[result.output.splitlines().index(error) + 1]
    [fail] = [s for s in web.seen if s.path == "/hc/fail"]
    said = fail.body.decode().splitlines()
    assert said[:2] == [error, hint] and "0 data rows" not in fail.body.decode()
    summary = alerts(web)[0]["summary"].splitlines()
    assert summary[:2] == [error, hint] and "0 data rows" not in alerts(web)[0]["summary"]


def test_the_line_saying_a_ping_was_sent_ends_once(sandbox, web, tmp_path):
    write(tmp_path / "good.csv", GOOD)
    result = invoke(["run", "good.csv", "--healthcheck", web.url + "/hc"], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    said = [line for line in result.output.splitlines() if line.startswith("Healthcheck ping sent to ")]
    assert len(said) == 2 and all(line.endswith("/…") for line in said)  # the start and the end


@pytest.mark.parametrize("url", ["http://127.0.0.1:18733/x", "http://localhost:18733/x", "http://[::1]:18733/x"])
def test_plain_http_alerts_are_accepted_on_this_machine_as_the_manual_says(url):
    from importer.settings.declaration import parse_webhook

    assert parse_webhook(url) == url
    manual = " ".join((Path(__file__).resolve().parents[2] / "docs" / "nightly.md").read_text().split())
    assert "plain http is accepted only on this machine: 127.0.0.1, `localhost` or `::1`." in manual
