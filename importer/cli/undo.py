"""`kit-import undo`: take back the run that saved an undo file, or list the undo files here."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from importer.cli.output import friendly_errors, say
from importer.cli.reports import CommandReport, open_logs
from importer.cli.signals import terminate_as_interrupt
from importer.cli.target import sandbox_client, sandbox_options
from importer.errors import ConfigError
from importer.outputs.undo import read_undo
from importer.outputs.undo_files import listing
from importer.undo import undo_run


@click.command("undo")
@click.argument("undo_file", type=click.Path(path_type=Path, dir_okay=False), required=False)
@click.option("--unsubscribe-created", is_flag=True,
              help="Also unsubscribe the subscribers the run created (Kit's API cannot delete them).")
@click.option("--dry-run", is_flag=True, help="Say what would be restored, removed and listed; send nothing.")
@click.option("--failures", type=click.Path(path_type=Path, dir_okay=False), metavar="PATH",
              help="Where to write the undo lines Kit refused (default: <undo file>.failures.csv).")
@click.option("--state", type=click.Path(path_type=Path, dir_okay=False), metavar="PATH",
              help="The run's state file, told what was taken back so the next run sends it again (default: "
                   "the one the run named beside its undo file).")
@click.option("--report", type=click.Path(path_type=Path, dir_okay=False), metavar="PATH",
              help="Also write what was undone (or the error that stopped it) as JSON here.")
@click.option("--log", type=click.Path(path_type=Path, dir_okay=False), metavar="PATH",
              help="Also append the timestamped summary to this file.")
@sandbox_options
@friendly_errors
def undo_command(undo_file: Path | None, unsubscribe_created: bool, dry_run: bool, failures: Path | None,
                 state: Path | None, report: Path | None, log: Path | None, sandbox: bool, sandbox_auth: str) -> None:
    """Take back the run that saved UNDO_FILE (its <source name>.<time>.undo.csv, or its --undo PATH).

    Without UNDO_FILE, or given the source a run imported, it lists the undo files in the
    current folder (of that source), newest first, with what each would take back.

    It restores the first names and custom field values the run changed to Kit's values
    before it (clearing those that were blank), removes the tags the run added, and lists the
    subscribers it created, which Kit's API cannot delete: --unsubscribe-created unsubscribes
    them. An unsubscribe the run made is not reversed: kit-import never makes anyone active.
    Requests go several at a time, at the rate limit; Ctrl-C stops cleanly, every line left
    in the failures CSV (not sent, or sent and not confirmed).

    Examples:

    \b
        kit-import undo
        kit-import undo contacts.csv.2026-12-06T0315Z.undo.csv --dry-run
        kit-import undo contacts.csv.2026-12-06T0315Z.undo.csv
        kit-import undo contacts.csv.2026-12-06T0315Z.undo.csv --unsubscribe-created

    \b
    Exit status:
      0    everything in the file was undone (or the undo files were listed)
      1    the undo could not run: an unreadable undo file, Kit refused the credential
      3    Kit refused some lines: see the failures CSV
      130  interrupted (Ctrl-C): the lines left are in the failures CSV
      143  terminated (SIGTERM): stopped as by Ctrl-C
    """
    open_logs(log)
    if undo_file is None or _source_not_undo(undo_file):
        _list(undo_file)
        return
    with CommandReport("undo", report, undo_file=undo_file) as reported, \
            sandbox_client(sandbox, sandbox_auth) as client, terminate_as_interrupt():
        result = undo_run(undo_file, client=client, dry_run=dry_run, unsubscribe_created=unsubscribe_created,
                          failures=failures, state=state)
    say(result.summary())
    say(result.closing_line())
    reported.done(result)
    sys.exit(result.exit_status)


def _source_not_undo(path: Path) -> bool:
    """Whether `path` is a source a run imported (it has undo files, and is none itself) rather than an undo file."""
    if not listing(path.parent, path.name):
        return False
    try:
        read_undo(path)
    except ConfigError:
        return True
    return False


def _list(source: Path | None) -> None:
    """Say which undo files there are (of `source`, beside it), newest first, and what each would take back."""
    folder = source.parent if source is not None else Path()
    found = listing(folder, source.name if source is not None else None)
    where = f"of {source.name} " if source is not None else ""
    place = "this folder" if folder == Path() else str(folder)
    if not found:
        say(f"No undo files {where}in {place}: each run saves <source name>.<time>.undo.csv in the folder it "
            "runs in (a --config run: beside its config), or at its --undo PATH.")
        return
    say(f"Undo files {where}in {place}, newest first:")
    width, saved_width = max(len(str(item.path)) for item in found), max(len(item.saved) for item in found)
    for item in found:
        say(item.line(width, saved_width))
    say("Take one back with `kit-import undo FILE` (add --dry-run first to see what it restores).")
