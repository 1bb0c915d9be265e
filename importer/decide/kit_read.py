"""Whether a run reads what Kit holds (it pays, or something needs it), how, and the comparison it feeds."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from importer.decide import freshness
from importer.decide.difference import Differ
from importer.decide.held import count_subscribers, read_account, read_cost, read_for, read_pays, write_cost
from importer.decide.run_memory import RunMemory
from importer.decide.unsubscribes import HONOURED, Mode, opted_out
from importer.kit import KitClient
from importer.kit.reads import SubscriberPage
from importer.outputs.report import RunReport
from importer.outputs.words import plural
from importer.read.consent import ConsentGuard
from importer.records import Contact
from importer.send.actions import Action
from importer.settings.declaration import CompareMode, Settings
from importer.progress import Progress
from importer.decide.work import Work

# Kit's list lags writes by seconds to minutes: a refresh of the state's cache reads from this
# long before the last read began, so that nothing written just before it is missed.
LIST_LAG_MARGIN = dt.timedelta(minutes=10)


class KitRead(NamedTuple):
    """What `read_kit` settled: the comparison when it read Kit; else, when it asked Kit's total and
    chose not to read on, that counting page, which the undo file's read decides on instead of asking again."""

    differ: Differ | None
    counted: SubscriberPage | None = None


def note_unchecked(report: RunReport, settings: Settings, contacts: Iterable[Contact], state: RunMemory | None) -> None:
    """A state-file run that does not read Kit: say how many of the file's opt-outs it did not check against
    Kit (an earlier run saw them honoured), so the summary never implies it knows their state now."""
    if state is None or settings.consent is Mode.KEEP:
        return
    unchecked = sum(1 for c in contacts if opted_out(c.state) and HONOURED in state.confirmed(c.email))
    if unchecked:
        were = "was" if unchecked == 1 else "were"
        report.opt_outs_unchecked = unchecked
        since = "a re-subscription in Kit since keeps them active" if settings.consent is Mode.HONOUR else \
            "a re-subscription in Kit since is unsubscribed again only by a run that reads Kit"
        report.notes.append(f"{plural(unchecked, 'person', 'people')} the file says opted out {were} not checked "
                            f"against Kit this run: an earlier run saw the opt-out honoured, and {since}; "
                            f"{settings.named('compare')} always checks them")


def opt_outs(guard: ConsentGuard | None) -> int:
    """Rows the file says opted out: each may be an unsubscribe, which no undo takes back."""
    return sum(sum(said.values()) for state, said in guard.said.items() if state.opted_out) if guard else 0


def read_kit(client: KitClient, settings: Settings, report: RunReport, blind: Work, state: RunMemory | None,
              progress: Progress, actions: list[Action], opt_outs: int = 0) -> KitRead:
    """Read what Kit holds when it pays (or --compare always), and say in the report how or why not.

    With a state file that holds an earlier read, only the subscribers updated since it (less
    Kit's list lag) are read, and the cache stands for the rest. Otherwise the first page asks
    Kit's total: an account read in that one page (an empty one, say) is read; a bigger one only
    when reading it costs fewer requests than the `blind` run's writes, which it could save; and
    whatever it costs when --max-changes must weigh the unsubscribes the file's `opt_outs` may send
    (no undo takes one back) and no state file can.
    """
    mode = settings.compare
    if mode is CompareMode.NEVER:  # a dry run sends nothing: it says what a real run would
        is_sent = "would be sent" if settings.dry_run else "is sent"
        report.kit_read = f"not read ({settings.named('compare')} never): the whole file {is_sent}"
        return KitRead(None)
    if settings.full and mode is CompareMode.AUTO:
        sends = "would send" if settings.dry_run else "sends"
        report.kit_read = f"not read: {settings.named('full')} {sends} the whole file"
        return KitRead(None)
    options: dict[str, Any] = dict(state=state, actions=actions, consent=settings.consent)
    include_tags = blind.include_tags
    since = state.read_at() if state is not None and not settings.full else None
    if state is not None and not settings.full and _full_read_due(state, settings, report):
        # The memory's picture of Kit is due for its re-read: the file's subscribers are read whatever it
        # costs (at the cheaper of a whole read and one lookup each), so drift in Kit is found and set back.
        account, how = read_for(client, blind.count, lambda: (c.email for c in blind), include_tags=include_tags)
        report.kit_read = f"{how}: the state file's picture of Kit is due for its re-read " \
                          f"(every {settings.full_read_days:g} days)"
        return KitRead(Differ(account, **options))
    if since is not None:
        account = read_account(client, include_tags=include_tags, updated_after=since - LIST_LAG_MARGIN,
                               progress=_reading(progress))
        report.kit_read = (f"{plural(len(account), 'subscriber')} updated since the state file's read of "
                           f"{since:%Y-%m-%d %H:%M} UTC (less {LIST_LAG_MARGIN.seconds // 60} minutes for Kit's list "
                           f"lag), in {plural(account.requests, 'request')}; the state file stands for the others")
        return KitRead(Differ(account, refreshed=True, **options))
    return _when_it_pays(client, settings, report, blind, state, progress, opt_outs, options)


def _when_it_pays(client: KitClient, settings: Settings, report: RunReport, blind: Work, state: RunMemory | None,
                  progress: Progress, opt_outs: int, options: dict[str, Any]) -> KitRead:
    """A whole read of Kit, when it costs fewer requests than the writes it could save, or when --diff,
    the brake over unsubscribes or the undo file needs it anyway; else no comparison, saying why not
    (with the counting page, when it was asked, for the undo file to decide on)."""
    mode, include_tags = settings.compare, blind.include_tags
    bulk = client.credential.can_bulk
    writes = write_cost(blind.count, blind.values, 0, client.credential) + \
        sum(action.read_saves(blind.counts[action.name], bulk) for action in blind.actions)
    brake = settings.max_changes is not None and opt_outs and settings.consent is not Mode.KEEP and \
        (state is None or not len(state))
    # --diff, and the brake over unsubscribes, need the read, whatever it costs
    weighs = mode is CompareMode.AUTO and settings.diff is None and not brake
    # The undo file needs Kit's values of what the run sends: when it would read the whole account for
    # them, that read is made here instead and serves the comparison too (never two reads of one account).
    undo = not settings.no_undo and not settings.dry_run and blind.count > 0
    if weighs and writes <= 1 and not undo:
        report.kit_read = "not read: the file needs one write at most, which no read can save"
        return KitRead(None)
    first = count_subscribers(client, include_tags=include_tags)
    total = first.total_count if first.total_count is not None else len(first.subscribers)
    decision = read_pays(total, writes)
    for_undo = undo and read_cost(total) <= blind.count  # the undo file's read_for would read it all
    if weighs and first.next_cursor is not None and first.total_count is not None and not decision.pays \
            and not for_undo:
        report.kit_read = f"not read: {decision.why}"
        return KitRead(None, counted=first)
    account = read_account(client, include_tags=include_tags, first=first, progress=_reading(progress))
    why = "it was asked for" if mode is CompareMode.ALWAYS else "one page held it all" \
        if first.next_cursor is None else decision.why
    if mode is CompareMode.AUTO and first.next_cursor is not None and not decision.pays:
        needs = f"{settings.named('diff')} needs" if settings.diff is not None else \
            f"{settings.named('max_changes')} weighs the file's {plural(opt_outs, 'opt-out')} against it" \
            if not weighs else "the undo file needs"
        why = f"{needs} it, though it costs more than the {plural(writes, 'write')} it could save" if not weighs \
            else "the undo file needs it, so it is compared too"
    report.kit_read = f"{plural(len(account), 'subscriber')} in {plural(account.requests, 'request')} ({why})"
    return KitRead(Differ(account, **options))


def _full_read_due(state: RunMemory, settings: Settings, report: RunReport) -> bool:
    """Whether the state file's picture of Kit is older than --full-read-days; says when it was last read."""
    now = dt.datetime.now(dt.timezone.utc)
    report.last_full_read = freshness.describe(freshness.full_read_at(state), now)
    return freshness.full_read_due(state, settings.full_read_days, now)


def _reading(progress: Progress) -> Callable[[int, int | None], None]:
    """A read_account progress callback that moves the run's progress along."""
    shown = [0]
    progress.phase("Reading Kit", None)

    def advance(read: int, total: int | None) -> None:
        progress.advance(read - shown[0])
        shown[0] = read

    return advance
