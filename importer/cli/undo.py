"""`kit-import undo`: take back the run that saved an undo file."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from importer.cli.output import friendly_errors, say
from importer.cli.target import kit_target, sandbox_options, token_file_for
from importer.kit import KitClient
from importer.outputs.undo import read_undo, undo, write_undo_failures


@click.command("undo")
@click.argument("undo_file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--unsubscribe-created", is_flag=True,
              help="Also unsubscribe the subscribers the run created (Kit's API cannot delete them).")
@click.option("--dry-run", is_flag=True, help="Say what would be restored, removed and listed; send nothing.")
@click.option("--failures", type=click.Path(path_type=Path, dir_okay=False), metavar="PATH",
              help="Where to write the undo lines Kit refused (default: <undo file>.failures.csv).")
@sandbox_options
@friendly_errors
def undo_command(undo_file: Path, unsubscribe_created: bool, dry_run: bool, failures: Path | None, sandbox: bool,
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
    lines = read_undo(undo_file)
    if dry_run:
        result = undo(lines, None, path=str(undo_file), dry_run=True, unsubscribe_created=unsubscribe_created)
    else:
        with kit_target(sandbox, sandbox_auth, token_file=token_file_for({}, None, None)) as (credential, grant,
                                                                                             base_url, _):
            client = KitClient(credential, base_url, grant=grant)
            result = undo(lines, client, path=str(undo_file), unsubscribe_created=unsubscribe_created)
    if result.failed:
        target = failures or undo_file.with_name(undo_file.name + ".failures.csv")
        write_undo_failures(target, result.failed)
        result.failures_path = str(target)
    say(result.summary())
    say(result.closing_line())
    sys.exit(result.exit_status)
