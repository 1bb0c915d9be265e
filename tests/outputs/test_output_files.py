"""Output files the user can find and open: one undo file per run, named for its time and never
replacing an earlier run's; every CSV written about a source uses its delimiter (a semicolon
source, as German Excel saves one, gets semicolons) in UTF-8 with a BOM, and reads back."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from conftest import write
from importer.outputs.undo_files import undo_files, undo_path
from importer.settings.config import load_config
from helpers import env_for, invoke

GERMAN = "E-Mail;Vorname;Company\nann@example.com;Änne;Acme\nkein-email;Bo;Beta\ncy@example.com;Cy;Gamma\n"


def test_each_run_saves_its_own_undo_file_named_for_its_time(sandbox, tmp_path):
    write(tmp_path / "c.csv", "Email,First name\nann@example.com,Ann\n")
    first = invoke(["run", "c.csv"], env_for(sandbox), cwd=tmp_path)
    assert first.exit_code == 0, first.output
    write(tmp_path / "c.csv", "Email,First name\nann@example.com,Annie\n")
    second = invoke(["run", "c.csv"], env_for(sandbox), cwd=tmp_path)
    assert second.exit_code == 0, second.output
    files = undo_files(tmp_path, "c.csv")
    assert len(files) == 2 and all(f.name.startswith("c.csv.2") and f.name.endswith(".undo.csv") for f in files)
    assert f"`kit-import undo {files[0].name}` takes this run back" in second.output
    assert f"`kit-import undo {files[1].name}` takes this run back" in first.output
    assert "created subscriber" in files[1].read_text(encoding="utf-8-sig")
    assert "Ann" in files[0].read_text(encoding="utf-8-sig")  # the second holds Kit's name before it


def test_undo_file_names(tmp_path):
    now = dt.datetime(2026, 12, 6, 4, 15, 42, tzinfo=dt.timezone(dt.timedelta(hours=1)))  # 03:15:42 UTC
    assert undo_path(None, "contacts.csv", tmp_path, now) == tmp_path / "contacts.csv.2026-12-06T0315Z.undo.csv"
    (tmp_path / "contacts.csv.2026-12-06T0315Z.undo.csv").write_text("x")
    assert undo_path(None, "contacts.csv", tmp_path, now).name == "contacts.csv.2026-12-06T031542Z.undo.csv"
    (tmp_path / "contacts.csv.2026-12-06T031542Z.undo.csv").write_text("x")
    assert undo_path(None, "contacts.csv", tmp_path, now).name == "contacts.csv.2026-12-06T031542Z-2.undo.csv"
    assert undo_path(tmp_path / "mine.csv", "contacts.csv", tmp_path, now) == tmp_path / "mine.csv"
    (tmp_path / "contacts.csv.2026-12-06T031542Z.undo.csv.incomplete").write_text("")
    assert undo_path(None, "contacts.csv", tmp_path, now).name == "contacts.csv.2026-12-06T031542Z.undo.csv"
    assert undo_path(None, "other.csv", tmp_path, now).name == "other.csv.2026-12-06T0315Z.undo.csv"


@pytest.fixture
def far_from_utc(monkeypatch):
    """This machine's clock in a zone whose date differs from UTC's right now (UTC+14 or UTC-12)."""
    zone = "Etc/GMT-14" if time.gmtime().tm_hour >= 10 else "Etc/GMT+12"
    monkeypatch.setenv("TZ", zone)
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_the_time_in_undo_file_names_and_the_date_in_config_paths_are_utc(far_from_utc, tmp_path):
    before = dt.datetime.now(dt.timezone.utc)
    name = undo_path(None, "c.csv", tmp_path).name
    after = dt.datetime.now(dt.timezone.utc)
    assert name in {f"c.csv.{t:%Y-%m-%dT%H%M}Z.undo.csv" for t in (before, after)}
    assert dt.date.today() != before.date()  # the zone's date is not UTC's: a local date would be caught
    config = write(tmp_path / "n.toml", 'source = "c.csv"\nreport = "r-{date}.json"\n')
    (tmp_path / "c.csv").write_text("Email\n")
    reports = {tmp_path / f"r-{t:%Y-%m-%d}.json" for t in (before, dt.datetime.now(dt.timezone.utc))}
    assert load_config(config)["report"] in reports


def _bytes_start(path) -> bytes:
    return path.read_bytes()[:3]


def test_every_csv_about_a_semicolon_source_uses_semicolons_and_a_bom(sandbox, tmp_path):
    write(tmp_path / "kunden.csv", GERMAN, encoding="cp1252")
    sandbox.store.upsert("cy@example.com", "Cyrus", set_first_name=True)
    result = invoke(["run", "kunden.csv", "--diff", "d.csv"], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 3, result.output
    failures = tmp_path / "kunden.csv.failures.csv"
    undo_file = undo_files(tmp_path, "kunden.csv")[0]
    for path in (failures, tmp_path / "d.csv", undo_file):
        assert _bytes_start(path) == b"\xef\xbb\xbf", path
        header = path.read_text(encoding="utf-8-sig").splitlines()[0]
        assert ";" in header and "," not in header, (path, header)
    lines = failures.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "E-Mail;Vorname;Company;row;error" and lines[1].startswith("kein-email;Bo;Beta;3;")
    assert "cy@example.com;" in undo_file.read_text(encoding="utf-8-sig")

    dry = invoke(["undo", undo_file.name, "--dry-run"], env_for(sandbox), cwd=tmp_path)
    assert dry.exit_code == 0 and "First names:       1 to restore" in dry.output, dry.output

    write(tmp_path / "kunden.csv.failures.csv", "\ufeffE-Mail;Vorname;Company;row;error\nbo@example.com;Bo;Beta;3;x\n")
    again = invoke(["run", "kunden.csv.failures.csv"], env_for(sandbox), cwd=tmp_path)
    assert again.exit_code == 0, again.output
    assert sandbox.store.snapshot()["bo@example.com"]["first_name"] == "Bo"

    sandbox.store.find("ann@example.com").first_name = "Hacked"
    checked = invoke(["verify", "kunden.csv", "--settle", "0"], env_for(sandbox), cwd=tmp_path)
    assert checked.exit_code == 3, checked.output
    differences = tmp_path / "kunden.csv.verify.csv"
    assert _bytes_start(differences) == b"\xef\xbb\xbf"
    assert differences.read_text(encoding="utf-8-sig").splitlines()[0].count(";") >= 3


def test_a_comma_tab_or_workbook_source_gets_commas(sandbox, tmp_path):
    write(tmp_path / "t.tsv", "Email\tFirst name\nnope\tBo\n")
    assert invoke(["run", "t.tsv"], env_for(sandbox), cwd=tmp_path).exit_code == 3
    assert (tmp_path / "t.tsv.failures.csv").read_text(encoding="utf-8-sig").splitlines()[0] == \
        "Email,First name,row,error"


def test_undo_with_no_file_lists_the_undo_files_and_what_each_takes_back(sandbox, tmp_path):
    none = invoke(["undo"], cwd=tmp_path)
    assert (none.exit_code, none.output) == (0, "No undo files in this folder: each run saves <source name>.<time>"
                                                ".undo.csv in the folder it runs in (a --config run: beside its "
                                                "config), or at its --undo PATH.\n")
    write(tmp_path / "c.csv", "Email,First name\nann@example.com,Ann\nbo@example.com,Bo\n")
    assert invoke(["run", "c.csv", "--undo", "c.csv.2026-12-05T0315Z.undo.csv"], env_for(sandbox),
                  cwd=tmp_path).exit_code == 0
    write(tmp_path / "c.csv", "Email,First name\nann@example.com,Annie\n")
    assert invoke(["run", "c.csv", "--undo", "c.csv.2026-12-06T0315Z.undo.csv", "--tag", "VIP"], env_for(sandbox),
                  cwd=tmp_path).exit_code == 0
    write(tmp_path / "other.csv.2026-12-01T0900.undo.csv", "email,subscriber_id,what,key,label,kit_value\n"
                                                           "cy@example.com,,created subscriber,,,\n")
    (tmp_path / "other.csv.2026-12-01T0900.undo.csv.incomplete").write_text("")
    listed = invoke(["undo"], cwd=tmp_path)
    assert listed.exit_code == 0, listed.output
    lines = listed.output.splitlines()
    assert lines[0] == "Undo files in this folder, newest first:"
    assert sorted(lines[1:4]) == sorted([
        "  c.csv.2026-12-06T0315Z.undo.csv     2026-12-06 03:15 UTC  1 first name, 1 tag; 1 created tag, which "
        "Kit's API cannot delete",
        "  c.csv.2026-12-05T0315Z.undo.csv     2026-12-05 03:15 UTC  2 created subscribers",
        "  other.csv.2026-12-01T0900.undo.csv  2026-12-01 09:00      1 created subscriber (its run did not finish)"])
    assert lines[4] == "Take one back with `kit-import undo FILE` (add --dry-run first to see what it restores)."
    of_source = invoke(["undo", "c.csv"], cwd=tmp_path)
    assert of_source.exit_code == 0 and of_source.output.startswith("Undo files of c.csv in this folder")
    assert "other.csv" not in of_source.output


def test_an_unsubscribe_is_listed_apart_as_what_undo_cannot_take_back(sandbox, tmp_path):
    """Undo never reverses an unsubscribe: neither the run's undo line nor the listing counts it as taken back."""
    env = env_for(sandbox)
    write(tmp_path / "c.csv", "Email,First name\nann@example.com,Ann\n")
    assert invoke(["run", "c.csv", "--undo", "c.csv.2026-12-05T0315.undo.csv"], env, cwd=tmp_path).exit_code == 0
    write(tmp_path / "c.csv", "Email,First name,Status\nann@example.com,Ann,unsubscribed\n")
    gone = invoke(["run", "c.csv", "--undo", "c.csv.2026-12-06T0315.undo.csv", "--state-column", "Status"], env,
                  cwd=tmp_path)
    assert gone.exit_code == 0, gone.output
    assert ("Undo file:         c.csv.2026-12-06T0315.undo.csv: nothing to take back; 1 unsubscribe undo cannot "
            "take back; Kit's values before the run: the run's own read of the account; `kit-import undo "
            "c.csv.2026-12-06T0315.undo.csv` lists the unsubscribes\n") in gone.output
    listed = invoke(["undo"], cwd=tmp_path).output.splitlines()
    assert sorted(listed[1:3]) == [
        "  c.csv.2026-12-05T0315.undo.csv  2026-12-05 03:15  1 created subscriber",
        "  c.csv.2026-12-06T0315.undo.csv  2026-12-06 03:15  nothing to take back; 1 unsubscribe undo cannot take back"]


def test_undo_failures_of_a_semicolon_undo_file_use_semicolons(sandbox, tmp_path):
    undo_file = write(tmp_path / "k.csv.2026-12-06T0315.undo.csv",
                      "\ufeffemail;subscriber_id;what;key;label;kit_value\nann@example.com;1;field;gone;Gone;x\n")
    result = invoke(["undo", undo_file.name], env_for(sandbox), cwd=tmp_path)
    assert result.exit_code == 3, result.output
    failures = tmp_path / (undo_file.name + ".failures.csv")
    assert failures.read_text(encoding="utf-8-sig").splitlines()[0] == \
        "email;subscriber_id;what;key;label;kit_value;account_id;error"


def test_a_library_call_writes_only_where_it_is_told_and_names_each_file_in_the_report(sandbox, tmp_path,
                                                                                    monkeypatch):
    from importer import import_rows
    from importer.kit import Credential

    here, there = tmp_path / "here", tmp_path / "there"
    here.mkdir()
    there.mkdir()
    monkeypatch.chdir(here)
    rows = [{"Email": "ann@example.com"}, {"Email": "nope"}]
    credential = Credential("oauth", sandbox.access_token)
    told = import_rows(rows, credential=credential, base_url=sandbox.url, failures=there / "f.csv",
                       undo=there / "u.csv")
    assert (told.failures_path, told.undo_file) == (str(there / "f.csv"), str(there / "u.csv"))
    assert sorted(p.name for p in there.iterdir()) == ["f.csv", "u.csv"] and list(here.iterdir()) == []
    untold = import_rows([{"Email": "bo@example.com"}, {"Email": "nope"}], credential=credential,
                         base_url=sandbox.url)
    written = sorted(p.name for p in here.iterdir())
    assert written[1] == "rows.failures.csv" and written[0].startswith("rows.2") and len(written) == 2
    assert (untold.failures_path, untold.undo_file) == ("rows.failures.csv", written[0])
