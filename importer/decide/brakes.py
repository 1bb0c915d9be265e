"""The brakes: why a run must write nothing (a broken export, most likely), decided before the first write."""

from __future__ import annotations

from importer.decide.run_memory import RunMemory
from importer.decide.tally import Tally
from importer.outputs.report import RunReport
from importer.settings.declaration import Settings
from importer.decide.work import Work


# What to do when the brake's changes are meant (a tag or form for everyone, a value every row changes).
MEANT = "; if the changes are meant, run once with --max-changes 100"


def brake(settings: Settings, report: RunReport, work: Work, state: RunMemory | None,
           kit_plan: Tally | None = None) -> str | None:
    """Why this run must not write anything (a broken export, most likely), or None. What
    changes is known against Kit's own data when the run read it, else against a state file."""
    if settings.max_rejects is not None and report.rows_read:
        share = 100 * report.rows_rejected / report.rows_read
        if share > settings.max_rejects:
            return (f"the brake stopped the run before writing: {share:.1f}% of rows would be rejected, "
                    f"over the {settings.max_rejects:g}% that {settings.named('max_rejects')} allows")
    if settings.max_changes is not None and report.contacts:
        if kit_plan is not None:
            # Against Kit's own data: the share of the subscribers it holds that this run would change.
            if not kit_plan.existing:
                report.notes.append(f"Kit holds none of this file's contacts yet: {settings.named('max_changes')} "
                                    "applies from the next run")
                return None
            return _over_changes(settings, 100 * kit_plan.changed_existing / kit_plan.existing,
                                 "of the subscribers Kit holds")
        if state is None or settings.full:
            report.notes.append(f"{settings.named('max_changes')} needs a read of Kit or a state file (and no "
                                f"{settings.named('full')}): not applied")
            return None
        if not len(state):
            report.notes.append(f"first run on this state file: {settings.named('max_changes')} "
                                "applies from the next run")
            return None
        return _over_changes(settings, 100 * work.count / report.contacts, "of contacts")
    return None


def _over_changes(settings: Settings, share: float, of_what: str) -> str | None:
    """The change brake's reason when `share` percent of `of_what` would change, over --max-changes."""
    limit = settings.max_changes
    if limit is None or share <= limit:
        return None
    return (f"the brake stopped the run before writing: {share:.1f}% {of_what} would change, "
            f"over the {limit:g}% that {settings.named('max_changes')} allows{MEANT}")
