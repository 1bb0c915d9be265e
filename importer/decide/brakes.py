"""The brakes: why a run must write nothing (a broken export, most likely), decided before the first write."""

from __future__ import annotations

from importer.decide.run_memory import RunMemory
from importer.decide.tally import Tally
from importer.outputs.report import RunReport
from importer.settings.declaration import Settings
from importer.decide.work import Work
from importer.outputs.words import plural


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
        before = state.unfinished_run() if state is not None else None
        named = settings.named("max_changes")
        if before is not None and before.exempt:
            report.notes.append(f"this run finishes one that did not finish, which {named} did not weigh (a first "
                                f"run): it does not weigh this one either, and applies from the next run")
            return None
        if kit_plan is not None:
            # Against Kit's own data: the share of the subscribers it holds that this run would change.
            if not kit_plan.existing:
                report.notes.append(f"Kit holds none of this file's contacts yet: {named} applies from the next run")
                return None
            left = sum(map(before.holds, kit_plan.changed_emails)) if before is not None else 0
            _note_unfinished(report, named, left)
            return _over_changes(settings, 100 * (kit_plan.changed_existing - left) / kit_plan.existing,
                                 "of the subscribers Kit holds")
        if state is None or settings.full:
            report.notes.append(f"{settings.named('max_changes')} needs a read of Kit or a state file (and no "
                                f"{settings.named('full')}): not applied")
            return None
        if not len(state):
            report.notes.append(f"first run on this state file: {settings.named('max_changes')} "
                                "applies from the next run")
            return None
        left = sum(before.holds(contact.email) for contact in work) if before is not None else 0
        _note_unfinished(report, named, left)
        return _over_changes(settings, 100 * (work.count - left) / report.contacts, "of contacts")
    return None


def exempt(state: RunMemory | None, kit_plan: Tally | None) -> bool:
    """Whether the change brake leaves this run alone as a first run: Kit held none of its contacts, or
    (without a read of Kit) the state file had seen no run. Its resumption is exempt too."""
    if kit_plan is not None:
        return not kit_plan.existing
    return state is not None and not len(state)


def _note_unfinished(report: RunReport, named: str, left: int) -> None:
    if left:
        report.notes.append(f"the run before this one did not finish: the {plural(left, 'contact')} it left to "
                            f"send are its work, not new changes, and {named} does not count them")


def _over_changes(settings: Settings, share: float, of_what: str) -> str | None:
    """The change brake's reason when `share` percent of `of_what` would change, over --max-changes."""
    limit = settings.max_changes
    if limit is None or share <= limit:
        return None
    return (f"the brake stopped the run before writing: {share:.1f}% {of_what} would change, "
            f"over the {limit:g}% that {settings.named('max_changes')} allows{MEANT}")
