"""A spreadsheet at a URL: Google links become export links, the download is bounded and
conditional, every failure is one sentence, and no secret in the address is ever shown.
Every download is from a local server on 127.0.0.1."""

from __future__ import annotations

import io
import json

import openpyxl
import pytest

from importer.errors import InputError
from importer.read import url as url_module
from importer.read.remote import open_any
from importer.read.url import download, export_url, redact, source_name
from helpers import env_for, invoke
from webserver import Answer, WebServer, sheet

CSV = "Email,First Name,Company\na@example.com,Ann,Acme\nb@example.com,Bob,Beta\n"
SECRET = "tok3nS3cretValue99"


@pytest.fixture
def web():
    with WebServer() as server:
        yield server


@pytest.fixture
def google_is_local(monkeypatch):
    """The local server stands in for docs.google.com: no test ever reaches Google."""
    monkeypatch.setattr(url_module, "GOOGLE_HOSTS", ("127.0.0.1",))
    monkeypatch.setattr(url_module, "SIGN_IN_HOSTS", ("localhost",))


@pytest.mark.parametrize("link, export", [
    ("https://docs.google.com/spreadsheets/d/1AbCdEfGhIjKlMnOp/edit#gid=42",
     "https://docs.google.com/spreadsheets/d/1AbCdEfGhIjKlMnOp/export?format=csv&gid=42"),
    ("https://docs.google.com/spreadsheets/d/1AbCdEfGhIjKlMnOp/edit?gid=7",
     "https://docs.google.com/spreadsheets/d/1AbCdEfGhIjKlMnOp/export?format=csv&gid=7"),
    ("https://docs.google.com/spreadsheets/d/1AbCdEfGhIjKlMnOp/edit?usp=sharing",
     "https://docs.google.com/spreadsheets/d/1AbCdEfGhIjKlMnOp/export?format=csv"),
    ("https://docs.google.com/spreadsheets/d/e/2PACX-1vQxyz/pubhtml?gid=3",
     "https://docs.google.com/spreadsheets/d/e/2PACX-1vQxyz/pub?gid=3&output=csv&single=true"),
    ("https://docs.google.com/spreadsheets/d/e/2PACX-1vQxyz/pub?output=csv",
     "https://docs.google.com/spreadsheets/d/e/2PACX-1vQxyz/pub?output=csv"),
    ("https://example.com/exports/list.csv?token=abc", "https://example.com/exports/list.csv?token=abc"),
])
def test_a_google_sheets_link_becomes_its_export_link(link, export):
    got, note = export_url(link)
    assert got == export
    assert (note is None) == ("google" not in link)


def test_sheets_of_a_google_link_reads_its_whole_workbook():
    link = "https://docs.google.com/spreadsheets/d/1AbCdEfGhIjKlMnOp/edit#gid=42"
    assert export_url(link, "xlsx")[0] == "https://docs.google.com/spreadsheets/d/1AbCdEfGhIjKlMnOp/export?format=xlsx"
    published = "https://docs.google.com/spreadsheets/d/e/2PACX-1vQxyz/pubhtml?gid=3"
    assert export_url(published, "xlsx")[0] == "https://docs.google.com/spreadsheets/d/e/2PACX-1vQxyz/pub?gid=3&output=xlsx"


def test_redaction_hides_query_secrets_userinfo_and_token_like_segments():
    shown = redact(f"https://user:pass@example.com/d/{SECRET}/list.csv?gid=4&token={SECRET}&key={SECRET}")
    assert SECRET not in shown and "pass" not in shown and "user" not in shown
    assert shown == "https://example.com/d/tok3…/list.csv?gid=4&token=***&key=***"
    assert redact(f"https://hooks.slack.com/services/T0/B0/{SECRET}", keep_path=False) == "https://hooks.slack.com/…"
    assert redact("contacts.csv") == "contacts.csv"
    assert source_name(f"https://example.com/a/list.csv?token={SECRET}") == "list.csv"
    assert source_name("https://docs.google.com/spreadsheets/d/1AbCdEfGhIjKlMnOp/edit#gid=42") == \
        "google-sheet-gid42.csv"


def test_a_csv_tsv_and_workbook_at_a_url_are_read_like_files(web):
    web.route("/list.csv", Answer(200, CSV.encode("cp1252"), {"Content-Type": "text/csv"}))
    web.route("/list.tsv", Answer(200, CSV.replace(",", "\t").encode(), {"Content-Type": "text/tab-separated-values"}))
    book = openpyxl.Workbook()
    book.active.title = "Leads"
    for row in CSV.strip().splitlines():
        book.active.append(row.split(","))
    data = io.BytesIO()
    book.save(data)
    web.route("/book", Answer(200, data.getvalue(), {"Content-Type": "application/octet-stream"}))
    for path, described in [("/list.csv", "comma"), ("/list.tsv", "tab"), ("/book", "sheet 'Leads'")]:
        source = open_any(web.url + path)
        try:
            assert described in source.describe()
            assert source.headers == ("Email", "First Name", "Company")
            assert [r.cells[0] for r in source.rows()] == ["a@example.com", "b@example.com"]
        finally:
            source.close()
        assert not source.download.path


@pytest.mark.parametrize("answer, words", [
    (Answer(404), "answered HTTP 404"),
    (Answer(500), "answered HTTP 500"),
    (Answer(200, b"<!DOCTYPE html><html>hi</html>", {"Content-Type": "text/html"}), "web page, not a spreadsheet"),
    (Answer(302, headers={"Location": "/loop"}), "redirected more than 5 times"),
    (Answer(200, b"x" * 3000, {"Content-Type": "text/csv"}), "is 3,000 bytes, over the 1,048 bytes download limit"),
])
def test_each_failure_is_one_sentence(web, answer, words):
    web.route("/loop", answer)
    web.route("/f.csv", answer)
    with pytest.raises(InputError) as e:
        download(f"{web.url}/f.csv?token={SECRET}", max_bytes=1024 * 1024 // 1000)
    assert words in str(e.value) and SECRET not in str(e.value) + e.value.hint
    assert str(e.value).count(". ") == 0


def test_a_body_over_the_limit_is_stopped_while_streaming(web):
    body = b"Email\n" + b"a@example.com\n" * 200_000  # no Content-Length: chunked is what a stream looks like
    web.route("/big.csv", Answer(200, body, {"Content-Type": "text/csv", "Content-Length": ""}))
    with pytest.raises(InputError, match="download was stopped"):
        download(web.url + "/big.csv", max_bytes=100_000)


def test_a_timeout_and_an_unreachable_or_plain_http_host_are_one_sentence(web):
    import time

    def slow(seen):
        time.sleep(1.5)
        return Answer(200, CSV.encode())

    web.route("/slow.csv", slow)
    with pytest.raises(InputError, match="did not answer within 1 seconds"):
        download(web.url + "/slow.csv", timeout=1)
    with pytest.raises(InputError, match="not an https:// address"):
        download("http://example.com/list.csv")
    with pytest.raises(InputError, match="could not be reached"):
        download("http://127.0.0.1:9/list.csv", timeout=2)


def test_a_tls_failure_is_one_sentence(monkeypatch):
    import requests

    def refuse(*args, **kwargs):
        raise requests.exceptions.SSLError("certificate verify failed")

    monkeypatch.setattr(requests.Session, "get", refuse)
    with pytest.raises(InputError, match=r"TLS certificate of https://example\.com/list\.csv could not be verified"):
        download("https://example.com/list.csv")


def test_a_private_google_sheet_says_how_to_share_it(web, google_is_local):
    web.route("/spreadsheets/d/PRIVATE/export", Answer(302, headers={"Location": "http://localhost/ServiceLogin"}))
    web.route("/spreadsheets/d/HTML/export", Answer(200, b"<html>Sign in</html>", {"Content-Type": "text/html"}))
    for doc in ("PRIVATE", "HTML"):
        result = invoke(["run", f"{web.url}/spreadsheets/d/{doc}/edit#gid=0", "--dry-run", "--sandbox"])
        assert result.exit_code == 1, result.output
        assert "is private" in result.output and "Publish it" in result.output
        assert "Traceback" not in result.output


def test_a_google_style_url_200_then_304_then_changed(sandbox, web, google_is_local, tmp_path):
    """The nightly case: the first run imports, the second costs one request to the sheet and none
    to Kit, the third (the sheet changed) imports the change."""
    served = {"text": CSV, "etag": '"v1"'}
    web.route("/spreadsheets/d/DOC/export", lambda seen: sheet(served["text"], served["etag"])(seen))
    link = f"{web.url}/spreadsheets/d/DOC/edit#gid=5"
    args = ["run", link, "--state", "kit.state", "--report", "r.json"]
    first = invoke(args, env_for(sandbox), cwd=tmp_path)
    assert first.exit_code == 0, first.output
    assert "read as its CSV export (sheet gid=5)" in first.output
    assert web.seen[-1].path == "/spreadsheets/d/DOC/export?format=csv&gid=5"
    assert len(sandbox.store.subscribers) == 2

    sandbox.requests.clear()
    asked = len(web.seen)
    second = invoke(args, env_for(sandbox), cwd=tmp_path)
    assert second.exit_code == 0, second.output
    assert len(web.seen) == asked + 1 and web.seen[-1].headers.get("If-None-Match") == '"v1"'
    assert web.seen[-1].headers.get("If-Modified-Since") == "Sun, 06 Dec 2026 03:00:00 GMT"
    assert sandbox.requests == []
    assert "source unchanged since" in second.output
    assert "Columns ignored" not in second.output  # no column was read
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["source_unchanged_since"] and report["requests_sent"] == 0 and report["exit_status"] == 0

    served.update(text=CSV + "c@example.com,Cid,Gamma\n", etag='"v2"')
    third = invoke(args, env_for(sandbox), cwd=tmp_path)
    assert third.exit_code == 0, third.output
    assert "unchanged since" not in third.output
    assert sorted(s.email_address for s in sandbox.store.subscribers.values())[-1] == "c@example.com"
    assert list(tmp_path.glob("google-sheet-gid5.csv.*.undo.csv"))


def test_a_run_that_did_not_finish_downloads_again(sandbox, web, tmp_path):
    web.route("/list.csv", sheet(CSV))
    args = ["run", web.url + "/list.csv", "--state", "kit.state", "--dry-run"]
    assert invoke(args, env_for(sandbox), cwd=tmp_path).exit_code == 0
    assert invoke(args, env_for(sandbox), cwd=tmp_path).exit_code == 0
    assert all("If-None-Match" not in s.headers for s in web.seen)  # a dry run never relies on an earlier one


def test_init_verify_and_sheets_read_urls(sandbox, web, tmp_path):
    web.route("/list.csv", Answer(200, CSV.encode(), {"Content-Type": "text/csv"}))
    book = openpyxl.Workbook()
    book.active.title = "First"
    book.create_sheet("Second")
    data = io.BytesIO()
    book.save(data)
    web.route("/book.xlsx", Answer(200, data.getvalue()))
    listed = invoke(["sheets", web.url + "/book.xlsx"])
    assert listed.exit_code == 0 and listed.output.split() == ["1", "First", "2", "Second"]
    source = f"{web.url}/list.csv?token={SECRET}"
    made = invoke(["init", source, "--output", "n.toml"], env_for(sandbox), cwd=tmp_path)
    assert made.exit_code == 0, made.output
    assert f'source = "{source}"' in (tmp_path / "n.toml").read_text()
    assert invoke(["run", "--config", "n.toml"], env_for(sandbox), cwd=tmp_path).exit_code == 0
    checked = invoke(["verify", "--config", "n.toml", "--settle", "0"], env_for(sandbox), cwd=tmp_path)
    assert checked.exit_code == 0, checked.output
    assert SECRET not in made.output + checked.output


def _nightly(web, tmp_path):
    served = {"text": CSV, "etag": '"v1"'}
    web.route("/list.csv", lambda seen: sheet(served["text"], served["etag"])(seen))
    return served, ["run", web.url + "/list.csv", "--state", "kit.state", "--report", "r.json"]


def test_an_undo_since_the_last_run_downloads_an_unchanged_sheet_and_sets_it_again(sandbox, web, tmp_path):
    served, args = _nightly(web, tmp_path)
    assert invoke(args, env_for(sandbox), cwd=tmp_path).exit_code == 0
    served.update(text=CSV.replace("Acme", "Acme Two"), etag='"v2"')
    night = invoke([*args, "--undo", "u.csv"], env_for(sandbox), cwd=tmp_path)
    assert night.exit_code == 0, night.output
    assert sandbox.store.snapshot()["a@example.com"]["fields"]["Company"] == "Acme Two"
    undone = invoke(["undo", "u.csv"], env_for(sandbox), cwd=tmp_path)
    assert undone.exit_code == 0, undone.output
    assert sandbox.store.snapshot()["a@example.com"]["fields"]["Company"] == "Acme"
    # the sheet is unchanged, but the undo took back what the last run set: the next run sets it again
    again = invoke(args, env_for(sandbox), cwd=tmp_path)
    assert again.exit_code == 0, again.output
    assert "unchanged since" not in again.output
    assert "If-None-Match" not in web.seen[-1].headers
    assert sandbox.store.snapshot()["a@example.com"]["fields"]["Company"] == "Acme Two"
    # and the night after, with nothing due, the unchanged sheet costs one request again
    sandbox.requests.clear()
    quiet = invoke(args, env_for(sandbox), cwd=tmp_path)
    assert "source unchanged since" in quiet.output and sandbox.requests == []


def test_a_due_full_read_of_kit_is_not_skipped_because_the_sheet_is_unchanged(sandbox, web, tmp_path):
    import datetime as dt
    import sqlite3

    _, args = _nightly(web, tmp_path)
    assert invoke(args, env_for(sandbox), cwd=tmp_path).exit_code == 0
    week_ago = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=8)).isoformat()
    with sqlite3.connect(tmp_path / "kit.state") as db:
        db.execute("UPDATE meta SET value = ? WHERE key = 'full_read_at'", (week_ago,))
    sub = sandbox.store.find("a@example.com")
    sub.first_name = "Changed in Kit"  # drift made in Kit's web app, which only a read of Kit finds
    due = invoke(args, env_for(sandbox), cwd=tmp_path)
    assert due.exit_code == 0, due.output
    assert "unchanged since" not in due.output
    assert "due for its re-read" in due.output
    assert sandbox.store.find("a@example.com").first_name == "Ann"


def test_a_run_that_was_interrupted_leaves_the_next_run_to_finish_an_unchanged_sheet(sandbox, web, tmp_path):
    import datetime as dt
    import sqlite3

    from importer.kit import Credential
    from importer.run import NoProgress, import_file
    from importer.settings.declaration import Settings

    class CtrlCAtFirstWrite(NoProgress):
        def advance(self, n=1, requests=None):
            if requests is not None:
                raise KeyboardInterrupt

    served, args = _nightly(web, tmp_path)
    served["text"] = "Email,First Name,Company\n" + "".join(f"n{i}@example.com,N{i},Co\n" for i in range(300))
    assert invoke(args, env_for(sandbox), cwd=tmp_path).exit_code == 0
    company = next(f.id for f in sandbox.store.fields.values() if f.label == "Company")
    for i in range(300):  # changed in Kit's web app; the weekly full read finds it and sets it back
        sandbox.store.find(f"n{i}@example.com").values[company] = "Drifted"
    week_ago = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=8)).isoformat()
    with sqlite3.connect(tmp_path / "kit.state") as db:
        db.execute("UPDATE meta SET value = ? WHERE key = 'full_read_at'", (week_ago,))
    settings = Settings(source=web.url + "/list.csv", credential=Credential("oauth", sandbox.access_token),
                        base_url=sandbox.url, state=tmp_path / "kit.state", concurrency=1,
                        failures=tmp_path / "f.csv", undo=tmp_path / "u.csv")
    stopped = import_file(settings, progress=CtrlCAtFirstWrite())  # Ctrl-C after the first batch
    assert stopped.interrupted and stopped.rows_not_sent > 0
    assert any(sandbox.store.find(f"n{i}@example.com").values[company] == "Drifted" for i in range(300))
    # the sheet is unchanged, but the interrupted run left work: the next run downloads it and finishes
    resumed = invoke(args, env_for(sandbox), cwd=tmp_path)
    assert resumed.exit_code == 0, resumed.output
    assert "unchanged since" not in resumed.output
    assert all(sandbox.store.find(f"n{i}@example.com").values[company] == "Co" for i in range(300))
    finished = invoke(args, env_for(sandbox), cwd=tmp_path)
    assert "source unchanged since" in finished.output  # now it finished: nothing is due
