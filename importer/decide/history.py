"""Run history: every run's report, trimmed to its figures, kept in the state file (the run memory)
for `keep_history_days` and then trimmed; `kit-import history` reads it back.

A report is stored without personal data (the emails a report may list are left out) and with
every known secret scrubbed; its source is the redacted one the report already holds.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import sqlite3
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from importer.errors import ConfigError
from importer.outputs.report import RunReport

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    started TEXT NOT NULL,           -- ISO time, UTC
    ended TEXT NOT NULL,
    report TEXT NOT NULL             -- the trimmed report, JSON
);
"""
DEFAULT_KEEP_DAYS = 400
PERSONAL = ("state_conflict_emails", "kept_active")  # emails: never kept (their count is)
EMAIL = re.compile(r"[^\s@'\"<>(),;]+@[^\s@'\"<>(),;]+\.[A-Za-z]{2,}")


def trimmed(report: RunReport, secrets: Iterable[str] = ()) -> dict[str, Any]:
    """The report's figures and the lines it printed, as stored: no emails, no secret."""
    data = {k: v for k, v in report.to_dict().items() if k not in PERSONAL}
    data["printed"] = printed(report)
    text = EMAIL.sub("<email>", json.dumps(data, ensure_ascii=False, default=str))
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    return json.loads(text)


def printed(report: RunReport) -> list[str]:
    """The lines the run printed at its end, for `history N`: its error and hint when an error ended it,
    else its whole summary and closing line (what the report's figures alone cannot say again: the
    actions' lines, the words of its notes)."""
    if report.ended_by_error:
        return report.error_lines()
    return [*report.summary().splitlines(), report.closing_line()]


def record(path: Path, report: RunReport, started: dt.datetime, ended: dt.datetime, *,
           keep_days: int = DEFAULT_KEEP_DAYS, secrets: Iterable[str] = ()) -> int:
    """Keep one run in the state file's history, and trim runs older than `keep_days`; its id."""
    with _open(path) as db:
        cursor = db.execute("INSERT INTO runs (started, ended, report) VALUES (?, ?, ?)",
                            (started.isoformat(timespec="seconds"), ended.isoformat(timespec="seconds"),
                             json.dumps(trimmed(report, secrets), ensure_ascii=False)))
        oldest = (ended - dt.timedelta(days=keep_days)).isoformat(timespec="seconds")
        db.execute("DELETE FROM runs WHERE started < ?", (oldest,))
        return int(cursor.lastrowid or 0)


def runs(path: Path, limit: int | None = None) -> list[dict[str, Any]]:
    """The runs kept, newest first: id, started, ended and the trimmed report."""
    with _open(path, must_exist=True) as db:
        rows = db.execute("SELECT id, started, ended, report FROM runs ORDER BY id DESC LIMIT ?",
                          (limit if limit is not None else -1,)).fetchall()
    return [_row(row) for row in rows]


def one_run(path: Path, run_id: int) -> dict[str, Any]:
    """One kept run, or ConfigError saying which runs there are."""
    with _open(path, must_exist=True) as db:
        row = db.execute("SELECT id, started, ended, report FROM runs WHERE id = ?", (run_id,)).fetchone()
        span = db.execute("SELECT min(id), max(id) FROM runs").fetchone()
    if row is None:
        kept = f"runs {span[0]} to {span[1]} are kept" if span[0] is not None else "no run is kept yet"
        raise ConfigError(f"Run {run_id} is not in the history of {path}: {kept}.",
                          "List them with `kit-import history`.")
    return _row(row)


def as_report(data: dict[str, Any]) -> RunReport:
    """A stored report as a RunReport again, to print its summary."""
    fields = {f.name: f for f in dataclasses.fields(RunReport) if f.init}
    values = {k: v for k, v in data.items() if k in fields}
    for name, f in fields.items():
        if f.default_factory is Counter:
            values[name] = Counter(values.get(name) or {})
    return RunReport(**values)


def _row(row: tuple) -> dict[str, Any]:
    return {"run": row[0], "started": row[1], "ended": row[2], "report": json.loads(row[3])}


class _open:
    """The state file's history table, in one transaction."""

    def __init__(self, path: Path, must_exist: bool = False) -> None:
        self.path = Path(path)
        if must_exist and not self.path.is_file():
            raise ConfigError(f"There is no state file at {self.path}, so no history.",
                              "Name the state file of the runs with --state, or their --config.")

    def __enter__(self) -> sqlite3.Connection:
        try:
            self.db = sqlite3.connect(self.path, isolation_level=None, timeout=30)
            self.db.executescript(SCHEMA)
            self.db.execute("BEGIN")
        except sqlite3.DatabaseError as e:
            raise ConfigError(f"The state file {self.path} cannot be used: {e}.", "Check --state.") from None
        return self.db

    def __exit__(self, kind: object, error: object, tb: object) -> None:
        self.db.execute("COMMIT" if error is None else "ROLLBACK")
        self.db.close()
