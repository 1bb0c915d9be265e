"""People who left the source: the subscribers earlier runs on this state file imported from it that
are no longer in it, for --when-removed.

The run memory keeps the members of the source's last complete run (digests of their emails
and Kit's subscriber ids, never a readable email). A run over a complete source (not a failures
CSV, not empty, no row rejected while reading) finds who left by comparing; only a run that
finished without a stop replaces the members, keeping those whose removal Kit has not confirmed
so that the next run tries again. A rejected row leaves an email unknown (a typo'd address, an
unreadable or ragged row, an unknown state): its person may still be in the source, so on such a
night nobody counts as gone and the members stay as they were.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from importer.decide.run_memory import RunMemory, digest
from importer.read.files import RowSource
from importer.outputs.words import plural
from importer.read.merge import ContactMerger

MEMBERS = "CREATE TABLE IF NOT EXISTS members (email TEXT PRIMARY KEY, subscriber_id INTEGER NOT NULL);"
NOTHING, UNTAG, UNSUBSCRIBE = "nothing", "untag", "unsubscribe"


@dataclass
class Leaver:
    """One subscriber who left the source: Kit's id, and the email once read from Kit."""

    key: str  # digest of the folded email
    subscriber_id: int
    email: str | None = None


def parse_when_removed(value: object) -> tuple[str, str | None]:
    """`nothing`, `unsubscribe` or `untag:TAG` -> (mode, tag name); ValueError with the problem."""
    text = str(value).strip()
    mode, colon, tag = text.partition(":")
    mode = mode.strip().lower()
    if mode in (NOTHING, UNSUBSCRIBE) and not colon:
        return mode, None
    if mode == UNTAG and tag.strip():
        return UNTAG, tag.strip()
    raise ValueError(f"must be nothing, untag:TAG or unsubscribe, not {text!r}")


# An address anywhere in a cell: `Grace <grace@example.com>`, `mailto:grace@example.com`, a list of them.
_ADDRESS = re.compile(r"[^\s<>,;:\"'()\[\]]+@[^\s<>,;:\"'()\[\]]+")


def rejected_reading(rejected: int) -> str:
    """`1 row was rejected, so who left cannot be known; fix it and the next run acts`."""
    one = rejected == 1
    return (f"{plural(rejected, 'row')} {'was' if one else 'were'} rejected, so who left cannot be known; "
            f"fix {'it' if one else 'them'} and the next run acts")


def incomplete(source: RowSource, rows_read: int) -> str | None:
    """Why this source cannot tell who left (a failures CSV, no rows), or None: it is complete."""
    if getattr(source, "original_numbers", None) is not None:
        return "a failures CSV holds only the rows that failed"
    if not rows_read:
        return "an export with no rows"
    return None


def present(source: RowSource, email_column: int, contacts: ContactMerger) -> set[str]:
    """Digests of every email the source holds: its contacts', every email cell of every row, and
    every address in any cell of any row or footer line (rejected and left-out rows included), so that
    nobody whose email is still in it counts as gone."""
    keys = {digest(contact.email.casefold()) for contact in contacts.contacts()}
    for cells in _lines(source):
        if email_column < len(cells) and (cell := cells[email_column].strip()):
            keys.add(digest(cell.casefold()))
        for cell in cells:
            if "@" in cell:
                keys.update(digest(found.strip(".").casefold()) for found in _ADDRESS.findall(cell))
    return keys


def _lines(source: RowSource) -> Iterator[list[str] | tuple[str, ...]]:
    """Every row's cells, streamed (a source's rows may not fit in memory), then each footer line, which
    the source knows only once its rows are read."""
    for row in source.rows():
        yield row.cells
    for line in getattr(source, "footer", None) or ():
        yield [line]


def members(memory: RunMemory) -> dict[str, int]:
    """The source's members as its last complete run left them: digest -> subscriber id."""
    memory.db.executescript(MEMBERS)
    return dict(memory.db.execute("SELECT email, subscriber_id FROM members").fetchall())


def leavers(memory: RunMemory, keys: set[str]) -> tuple[list[Leaver], int]:
    """Who left (members not among `keys`), and how many members there were."""
    known = members(memory)
    return [Leaver(key, sid) for key, sid in sorted(known.items()) if key not in keys], len(known)


def remember(memory: RunMemory, keys: Iterable[str], still_members: Iterable[Leaver]) -> int:
    """Replace the members with the present emails Kit holds (their ids from the run memory), and the
    leavers not removed yet; returns the members kept."""
    memory.db.executescript(MEMBERS)
    rows = []
    for key in keys:
        found = memory.db.execute("SELECT subscriber_id FROM contacts WHERE email = ?", (key,)).fetchone()
        if found is not None and found[0] is not None:
            rows.append((key, found[0]))
    rows += [(leaver.key, leaver.subscriber_id) for leaver in still_members]
    with memory.db:
        memory.db.execute("DELETE FROM members")
        memory.db.executemany("INSERT OR REPLACE INTO members VALUES (?, ?)", rows)
    return len(rows)
