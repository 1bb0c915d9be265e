"""What a blank cell means, decided here: whether a file value is sent, given what Kit holds or may hold.

- None, "" and whitespace are all blank, to Kit too; values compare as Kit stores them (trimmed).
- Reading the file (`Blanks.keeps`, asked by the merge): a blank cell goes into its contact only
  with --blanks clear, to clear Kit's value; otherwise it says nothing. A cell absent from a row
  shorter than its header is not blank: the merge never sends it.
- Against Kit (`verdict`, asked by the comparison with Kit's value or the run memory's digest of
  it): a value Kit holds already is equal and not sent; a blank the merge kept clears Kit's value,
  and is nothing at all when Kit holds none.
- A blank first name is never sent (`name`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Verdict(StrEnum):
    """What a file value does to Kit's (the comparison's `Kind` has the same words)."""

    NOTHING = "nothing"  # blank in the file and in Kit: not even a change to list
    NEW = "new"          # Kit holds none
    CHANGED = "changed"  # Kit holds another
    CLEARED = "cleared"  # a blank (with --blanks clear) clears Kit's
    EQUAL = "equal"      # Kit holds it already: nothing to send


def blank(value: str | None) -> bool:
    """None, "" and whitespace are all blank to Kit."""
    return value is None or not value.strip()


def stored(value: str | None) -> str:
    """A value as Kit stores it: trimmed text, blank as ""."""
    return value.strip() if value else ""


def name(value: str | None) -> str | None:
    """A first name to send, or None: a blank one never is."""
    return None if blank(value) else value


def verdict(value_blank: bool, kit_blank: bool, equal: bool) -> Verdict:
    """A file value that the merge kept against Kit's: blank or not, Kit's blank or not, and equal to Kit's."""
    if value_blank:
        return Verdict.NOTHING if kit_blank else Verdict.CLEARED
    if kit_blank:
        return Verdict.NEW
    return Verdict.EQUAL if equal else Verdict.CHANGED


@dataclass(frozen=True)
class Blanks:
    """The run's blank-cell policy: `clear` (--blanks clear) makes a blank cell clear Kit's value."""

    clear: bool = False

    def keeps(self, cell: str) -> bool:
        """Whether a cell read from the file goes into its contact, to be sent: a value, or a blank that clears."""
        return bool(cell.strip()) or self.clear

    @staticmethod
    def against(value: str | None, kit_value: str | None) -> Verdict:
        """A contact's value (as the merge kept it) against the value Kit holds."""
        return verdict(blank(value), blank(kit_value), stored(kit_value) == stored(value))
