"""`kit-import undo`: take back the run that saved an undo file."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from importer.cli.output import friendly_errors, say
from importer.cli.target import sandbox_client, sandbox_options
from importer.undo import undo_run


@click.command("undo")
@click.argument("undo_file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--unsubscribe-created", is_flag=True,
              help="Also unsubscribe the subscribers the run created (Kit's API cannot delete them).")
@click.option("--dry-run", is_flag=True, help="Say what would be restored, removed and listed; send nothing.")
@click.option("--failures", type=click.Path(path_type=Path, dir_okay=False), metavar="PATH",
              help="Where to write the undo lines Kit refused (default: <undo file>.failures.csv).")
@click.option("--state", type=click.Path(path_type=Path, dir_okay=False), metavar="PATH",
              help="The run's state file, told what was taken back so the next run sends it again (default: "
                   "the one the run named beside its undo file).")
@sandbox_options
@friendly_errors
def undo_command(undo_file: Path, unsubscribe_created: bool, dry_run: bool, failures: Path | None,
                 state: Path | None, sandbox: bool,
                 sandbox_auth: str) -> None:
    """Take back the run that saved UNDO_FILE (its <source name>.undo.csv, or its --undo PATH).

    It restores the first names and custom field values the run changed to Kit's values
    before it (clearing those that were blank), removes the tags the run added, and lists the
    subscribers it created, which Kit's API cannot delete: --unsubscribe-created unsubscribes
    them. An unsubscribe the run made is not reversed: kit-import never makes anyone active.

    Examples:

    \b
        kit-import undo contacts.csv.undo.csv --dry-run
        kit-import undo contacts.csv.undo.csv
        kit-import undo contacts.csv.undo.csv --unsubscribe-created

    \b
    Exit status:
      0    everything in the file was undone
      1    the undo could not run: an unreadable undo file, Kit refused the credential
      3    Kit refused some lines: see the failures CSV
    """
    with sandbox_client(sandbox, sandbox_auth) as client:
        result = undo_run(undo_file, client=client, dry_run=dry_run, unsubscribe_created=unsubscribe_created,
                          failures=failures, state=state)
    say(result.summary())
    say(result.closing_line())
    sys.exit(result.exit_status)
