"""Every count says what it counts: on every run shape, the summary's Rows and Contacts lines and the
closing line add up, and the summary and closing line count the same rows the same way.

rows:     read = imported (those Kit had already said as "unchanged") + rejected + skipped + not sent
          + not confirmed
contacts: contacts = created + updated + unchanged + failed (refused by Kit) + not sent + not confirmed;
          in a dry run, to send + unchanged
"""

from __future__ import annotations

import json
import re

import pytest

from conftest import SAMPLES, write
from importer.send import submit as submitting
from importer.errors import Terminated
from helpers import env_for, invoke

SAMPLE = SAMPLES / "subscribers.csv"


def counted(text: str) -> tuple[int, dict[str, int]]:
    """`62: 57 imported (1 unchanged), 5 rejected` -> (62, {"imported": 57, "rejected": 5})."""
    total, _, rest = text.partition(": ")
    parts = {}
    for part in rest.split(", "):
        n, word = re.match(r"([\d,]+) ([a-z ]+)", part).groups()
        parts[word.strip()] = int(n.replace(",", ""))
    return int(total.replace(",", "")), parts


def labelled(output: str, label: str) -> str:
    [found] = [line[19:] for line in output.splitlines() if line.startswith(f"{label}:")]
    return re.sub(r" \((\+[\d,]+ blank|[\d,]+ rows? merged)[^)]*\)$", "", found)


def check(output: str, report: dict) -> dict[str, int]:
    """The identities on the printed lines and on the report; the rows' parts."""
    rows_total, rows = counted(labelled(output, "Rows read"))
    assert rows_total == sum(rows.values()) == report["rows_read"], output
    closing = output.rstrip().splitlines()[-1]
    found = re.search(r"([\d,]+) rows?: ([^;.]*?)(?: ->|;|\.|$)", closing)
    assert found, closing
    closing_total, closing_rows = counted(f"{found.group(1)}: {found.group(2).replace(' (not subscribed)', '')}")
    assert (closing_total, closing_rows) == (rows_total, rows), (closing, output)
    contacts_total, contacts = counted(labelled(output, "Contacts"))
    assert contacts_total == sum(contacts.values()) == report["contacts"], output
    assert report["rows_read"] == report["rows_imported"] + report["rows_rejected"] + report["rows_skipped"]
    assert rows.get("imported", rows.get("to import", 0)) == report["rows_imported"]
    assert rows.get("not sent", 0) == report["rows_not_sent"]
    if "Values written:" in output:
        assert "failed" not in labelled(output, "Values written")  # Kit refused none of them
    return rows


def interrupt_after(monkeypatch, contacts: int, error: type[BaseException]) -> None:
    """Stop the run (Ctrl-C or SIGTERM) once `contacts` contacts have been settled."""
    real, seen = submitting.tally, [0]

    def tally(*args, **kwargs):
        seen[0] += 1
        if seen[0] == contacts + 1:
            raise error()
        return real(*args, **kwargs)

    monkeypatch.setattr(submitting, "tally", tally)


def run(args, env, tmp_path) -> tuple[str, dict, int]:
    result = invoke(["run", *args, "--report", "r.json"], env, cwd=tmp_path)
    return result.output, json.loads((tmp_path / "r.json").read_text()), result.exit_code


@pytest.mark.parametrize("kind", ["oauth", "api_key"])
def test_every_run_shape_adds_up(sandbox, tmp_path, monkeypatch, kind):
    env = env_for(sandbox, kind)
    source = write(tmp_path / "people.csv", SAMPLE.read_text(encoding="utf-8"))

    output, report, status = run([source, "--dry-run"], env, tmp_path)
    assert status == 3 and check(output, report) == {"to import": 57, "rejected": 5}

    output, report, status = run([source, "--max-rejects", "1"], env, tmp_path)
    assert status == 1 and check(output, report) == {"imported": 0, "rejected": 5, "not sent": 57}
    assert output.count("the brake stopped the run") == 1 and report["error"] == report["stopped"]

    with monkeypatch.context() as patch:
        interrupt_after(patch, 20, KeyboardInterrupt)
        output, report, status = run([source], env, tmp_path)
    assert status == 130
    rows = check(output, report)
    assert rows["imported"] >= 20 and rows["rejected"] == 5  # a cut batch is finished, the rest not sent

    others = write(tmp_path / "others.csv", re.sub(r"([\w.+-]+)@", r"\1+t@", SAMPLE.read_text(encoding="utf-8")))
    with monkeypatch.context() as patch:
        interrupt_after(patch, 10, Terminated)
        output, report, status = run([others, "--compare", "always"], env, tmp_path)
    assert status == 143
    rows = check(output, report)
    assert rows["imported"] >= 10 and rows["rejected"] == 5

    output, report, status = run([source, "--state", "s.db"], env, tmp_path)
    assert status == 3 and check(output, report) == {"imported": 57, "rejected": 5}

    output, report, status = run([source, "--state", "s.db"], env, tmp_path)  # unchanged rerun
    assert status == 3 and check(output, report) == {"imported": 57, "rejected": 5}
    assert "57 imported (57 unchanged), 5 rejected" in output.splitlines()[-1]
    assert labelled(output, "Contacts") == "56: 0 created, 0 updated, 56 unchanged"

    fixed = tmp_path / "people.csv.failures.csv"
    output, report, status = run([fixed], env, tmp_path)  # fed back in unfixed: the same 5 rows fail again
    assert status == 3 and check(output, report) == {"imported": 0, "rejected": 5}


def test_an_unsubscribe_only_contact_sends_no_upsert(sandbox, tmp_path):
    sandbox.store.upsert("ann@example.com", "Ann", set_first_name=True)
    source = write(tmp_path / "c.csv", "Email,First Name,Status\nann@example.com,Ann,unsubscribed\n")
    output, report, status = run([source], env_for(sandbox), tmp_path)
    assert status == 0, output
    assert sandbox.store.state_of("ann@example.com") == "cancelled"
    assert sorted(report["requests"]) == ["GET /v4/account", "GET /v4/custom_fields", "GET /v4/subscribers",
                                          "POST /v4/subscribers/{id}/unsubscribe"]
    assert check(output, report) == {"imported": 1, "rejected": 0}
    assert output.rstrip().endswith("1 row: 1 imported, 0 rejected; 1 subscriber unsubscribed; no failures file "
                                    "written")
    lines = output.splitlines()
    contacts = next(n for n, line in enumerate(lines) if line.startswith("Contacts:"))
    assert lines[contacts + 1].startswith("Unsubscribed:")  # the consent lines come right after the counts
