"""The --diff CSV: one line per change a run makes (or would make) in Kit, formula-safe like the failures CSV.

Columns: email, what (subscriber, first name, a field's label, tag, state), change (new,
changed, cleared; for a state: changed is an unsubscribe, kept a subscriber left active, differs
a state the run never sends as Kit holds them not active), Kit's value before the run, the file's
value, and why (why a state is kept or differs). UTF-8 with BOM, written whole or not at all.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from pathlib import Path

from importer.decide.compare import Comparison, Kind
from importer.outputs.failures import write_csv

DIFF_COLUMNS = ("email", "what", "change", "kit_value", "file_value", "why")
# Kit's earlier value when only a digest of it was kept (a state file's cache, not re-read this run).
NOT_KEPT = "(not kept: Kit's value unchanged since the state file's read)"


def write_diff(path: Path, comparisons: Iterable[Comparison], extra: Iterable[tuple[str, ...]] = (), *,
               delimiter: str = ",") -> int:
    """Write every change of these comparisons that is not equal to Kit's, then the `extra` lines
    (--when-removed's, for people not in the file); returns the lines written."""
    return write_csv(path, DIFF_COLUMNS, itertools.chain(_lines(comparisons), extra), delimiter=delimiter)


def _lines(comparisons: Iterable[Comparison]) -> Iterator[tuple[str, ...]]:
    for comparison in comparisons:
        cached = comparison.held is None and comparison.changes[0].kind is Kind.EQUAL
        for change in comparison.changes:
            if change.kind is Kind.EQUAL:
                continue
            kit_value = change.kit_value
            if kit_value is None and cached and change.kind in (Kind.CHANGED, Kind.CLEARED):
                kit_value = NOT_KEPT
            yield (change.email, change.what, str(change.kind), kit_value or "", change.file_value or "",
                   change.why or "")
