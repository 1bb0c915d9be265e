"""What `run --verify` checks: the run's source, except a failures CSV fed back in, which the
run has just rewritten to the rows that still fail (or removed): checking it would check
nothing, and "Kit matches the file" over 0 contacts would reassure falsely. Its original
source is checked instead when it sits beside it, else the run says it did not verify."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from importer.settings.declaration import FAILURES_SUFFIX, Settings


def verify_target(settings: Settings) -> tuple[Settings | None, str]:
    """The settings whose source verify reads (None: nothing worth checking), and the line saying what it checks."""
    source = settings.source
    if not isinstance(source, Path) or not source.name.casefold().endswith(FAILURES_SUFFIX):
        return settings, "Verifying: reading back what Kit holds"
    original = source.with_name(source.name[:-len(FAILURES_SUFFIX)])
    if original.is_file():
        return (dataclasses.replace(settings, source=original),
                f"Verifying: reading back what Kit holds for {original.name}, the source of the failures CSV "
                f"{source.name}, which this run replaced with the rows that still fail, if any")
    return None, (f"Not verified: {source.name} is a failures CSV, which this run replaced with the rows that "
                  f"still fail, if any, and its source {original.name} is not beside it to check; run "
                  "`kit-import verify` on that source")
