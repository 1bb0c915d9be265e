"""How fresh the run memory's picture of Kit is: what an undo took back (forgotten, so the next run
sends it again), and when a run last read Kit for the subscribers the memory holds (a nightly run
whose read never pays re-reads them every `full_read_days`, so drift made in Kit's web app is found).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

from importer.decide.run_memory import RunMemory, digest
from importer.settings.declaration import FAILURES_SUFFIX

# Tables keyed by the email digest that say what Kit holds or was confirmed to hold.
_PER_EMAIL = ("contacts", "taggings", "states", "form_additions", "not_active", "honoured")
FULL_READ_AT = "full_read_at"


def forget(memory: RunMemory, emails: Iterable[str]) -> int:
    """Forget what the memory says Kit holds for these emails (an undo changed it): the next run
    compares them afresh and sends what Kit lacks, even from a sheet at a URL that did not change
    (its remembered download is forgotten too). Returns how many the memory held."""
    keys = sorted({digest(email.strip().casefold()) for email in emails})
    held = 0
    tables = {row[0] for row in memory.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    memory.forget_downloads()
    with memory.db:
        for key in keys:
            held += memory.db.execute("SELECT count(*) FROM contacts WHERE email = ?", (key,)).fetchone()[0]
            for table in _PER_EMAIL:
                if table in tables:
                    memory.db.execute(f"DELETE FROM {table} WHERE email = ?", (key,))
    return held


def forget_in(path: Path, emails: Iterable[str]) -> int:
    """`forget` in the state file at `path` (which must exist)."""
    memory = RunMemory(path)
    try:
        return forget(memory, emails)
    finally:
        memory.close()


def full_read_at(memory: RunMemory) -> dt.datetime | None:
    """When a run last read Kit for every subscriber the memory holds (UTC), or None: never."""
    row = memory.db.execute("SELECT value FROM meta WHERE key = ?", (FULL_READ_AT,)).fetchone()
    try:
        return dt.datetime.fromisoformat(row[0]) if row else None
    except ValueError:
        return None


def mark_full_read(memory: RunMemory, when: dt.datetime) -> None:
    """Note that Kit was read for every subscriber the memory holds, at `when`."""
    memory.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (FULL_READ_AT, when.isoformat()))


def full_read_due(memory: RunMemory, every_days: float, now: dt.datetime) -> bool:
    """Whether the memory's picture of Kit is older than `every_days` (or was never checked by a read):
    then the run reads Kit for its contacts even when the read does not pay. 0 days turns it off."""
    if every_days <= 0 or not len(memory):
        return False
    last = full_read_at(memory)
    return last is None or now - last >= dt.timedelta(days=every_days)


def describe(last: dt.datetime | None, now: dt.datetime) -> str:
    """`2026-11-29 03:15 UTC (7 days ago)`, or `never`."""
    if last is None:
        return "never"
    days = (now - last).total_seconds() / 86400
    ago = "today" if days < 1 else "1 day ago" if days < 2 else f"{int(days)} days ago"
    return f"{last:%Y-%m-%d %H:%M} UTC ({ago})"


def note_state(undo_file: Path, state: Path) -> None:
    """Beside an undo file, name the state file of the run that saved it (`<undo file>.state`), so
    that `kit-import undo` can tell that run's memory what it took back. The note lives until an
    undo of the file completes (`undo_run` removes it); a partial one keeps it for its resumption."""
    try:
        Path(f"{undo_file}.state").write_text(f"{Path(state).resolve()}\n", encoding="utf-8")
    except OSError:
        pass  # the undo still works; only the memory is not told (`kit-import undo --state` tells it)


def state_note(undo_file: Path) -> Path | None:
    """The note naming the run's state file: beside the undo file, or, for the failures CSV of a
    partial undo (`<undo file>.failures.csv`), beside the undo file it came from; None if none."""
    name = undo_file.name
    while True:
        note = undo_file.with_name(f"{name}.state")
        if note.is_file():
            return note
        if not name.casefold().endswith(FAILURES_SUFFIX) or len(name) == len(FAILURES_SUFFIX):
            return None
        name = name[:-len(FAILURES_SUFFIX)]


def state_for(undo_file: Path) -> Path | None:
    """The state file named beside an undo file (or the undo file whose failures CSV this is), if any
    (and still there)."""
    note = state_note(undo_file)
    try:
        named = Path(note.read_text(encoding="utf-8").strip()) if note is not None else None
    except OSError:
        return None
    return named if named is not None and named.is_file() else None
