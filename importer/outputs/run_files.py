"""The files a run writes beside the report: the --diff CSV, the undo file before the first write, the failures CSV."""

from __future__ import annotations

import functools
import itertools
import tempfile
from collections.abc import Callable
from pathlib import Path

from importer.decide import freshness
from importer.decide.difference import Differ
from importer.decide.held import Account
from importer.errors import ConfigError
from importer.kit import KitClient
from importer.kit.reads import SubscriberPage
from importer.outputs.diff import write_diff
from importer.outputs.failures import output_delimiter, write_failures
from importer.outputs.report import RunReport
from importer.outputs.undo import other_account, save_undo, undo_account
from importer.outputs.undo_files import undo_path
from importer.read.files import RowSource
from importer.read.url import source_name
from importer.settings.declaration import Settings
from importer.decide.work import Work
from importer.read.consent import ConsentGuard
from importer.send.left_out import left_out_diff


def write_diff_file(settings: Settings, report: RunReport, work: Work, differ: Differ | None, delimiter: str,
                    guard: ConsentGuard | None = None) -> None:
    """Write the --diff CSV before anything is written, or say why there is none. The unsubscribes of rows
    --skip-unsubscribed left out (`guard`'s opt-outs) are changes too, listed after the file's contacts."""
    if settings.diff is None:
        return
    if differ is None:
        report.notes.append(f"{settings.named('diff')} needs a read of Kit, and Kit was {report.kit_read}; "
                            "no diff written")
        return
    try:
        extra = itertools.chain(left_out_diff(guard, differ, settings.consent, settings.named("skip_unsubscribed")),
                                itertools.chain.from_iterable(action.diff_lines() for action in work.actions))
        report.diff_changes = write_diff(settings.diff, work.comparisons(), extra, delimiter=delimiter)
    except OSError as e:
        raise ConfigError(f"The diff CSV cannot be written to {settings.diff}: {e.strerror}.",
                          f"Choose another {settings.named('diff')} path.") from None
    report.diff_path = str(settings.diff)


def is_source(path: Path, source: Path | None) -> bool:
    """Whether `path` is the very file being read (a failures CSV fed back in writes back onto itself);
    never for data handed over in memory (a DataFrame, dicts), which has no file."""
    if source is None:
        return False
    try:
        return path.resolve() == source.resolve() or (path.exists() and path.samefile(source))
    except OSError:
        return False


def remove_stale_failures(settings: Settings, report: RunReport) -> None:
    """Remove a failures CSV an earlier run left where this run's would go: a stale file must not look current."""
    path = settings.failures_file
    if not path.is_file():
        return
    try:
        path.unlink()
    except OSError as e:
        report.notes.append(f"the earlier failures file {path} could not be removed ({e.strerror}): "
                            "it is not from this run, which rejected no row")
        return
    report.failures_removed = str(path)


def write_failures_somewhere(path: Path, source: RowSource, errors: dict[int, list[str]], report: RunReport,
                              extra_column: bool) -> Path:
    """Write the failures CSV where asked or, if that fails, in the temp folder: the rows must not be lost."""
    try:
        write_failures(path, source.headers, source.rows(), errors, extra_column=extra_column,
                       delimiter=output_delimiter(source))
        return path
    except OSError as e:
        fallback = Path(tempfile.gettempdir()) / path.name
        write_failures(fallback, source.headers, source.rows(), errors, extra_column=extra_column,
                       delimiter=output_delimiter(source))
        report.notes.append(f"the failures CSV could not be written to {path} ({e.strerror}); "
                            f"it is at {fallback} instead")
        return fallback


def save_undo_file(client: KitClient, settings: Settings, work: Work, report: RunReport,
                    account: Account | None = None, delimiter: str = ",", *,
                    counted: SubscriberPage | None = None, account_id: Callable[[], int | None] = lambda: None) -> None:
    """The one step just before the first subscriber is written: save the undo file of what the run
    will change (after every check that can stop it, and after creating the fields it maps, which
    hold no value to restore). `account` is what the run read of Kit, if it did; `counted`, the page
    that asked Kit's total when it did not read on. The file stays
    marked incomplete until the run ends unstopped, so that a rerun after Ctrl-C keeps its lines, unless
    that file belongs to another Kit account (`account_id` gives this one's, asked at most once): then
    this run starts its own and says why."""
    extra = [line for action in work.actions for line in action.extra_undo_lines()]  # people not in the file
    if settings.no_undo or not (work.count or extra):
        return
    ours = functools.cache(account_id)
    refused: list[str] = []

    def resumable(path: Path) -> bool:
        theirs = undo_account(path)
        why = other_account(path, theirs, ours()) if theirs else None  # a file that names none: as before
        if why is not None:
            refused.append(f"started anew: the interrupted run's undo file {why}, so it is left as it was")
        return why is None

    path = undo_path(settings.undo, source_name(settings.source), settings.output_folder, resumable=resumable)
    saved = save_undo(client, path, lambda: iter(work), work.count, account, tags=work.include_tags,
                      consent=settings.consent, delimiter=delimiter,
                      form=any(not action.taken_back for action in work.actions), actions=work.actions, extra=extra,
                      counted=counted, account_id=ours)
    saved.not_resumed = "; ".join(refused)
    report.undo_file, report.undo_holds = str(saved.path) if saved.written else None, saved.describe()
    report.undo_saved = saved if saved.written else None
    if saved.how.startswith("read the whole account") and report.kit_read.startswith("not read"):
        # --full or --compare never compared nothing with Kit, but the account was read all the same
        report.kit_read = f"not compared{report.kit_read.removeprefix('not read')}; read for the undo file: {saved.how}"
    if saved.written and settings.state is not None:
        freshness.note_state(saved.path, Path(settings.state))  # for `kit-import undo` to tell the memory
