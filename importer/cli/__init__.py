"""The `kit-import` command line: the click group and one module per command.

Each command turns its options into Settings and calls the library; what it prints goes
through cli/output.py (and the --log file, cli/logfile.py), progress through cli/progress.py.
Every user-facing error is `Error: <what>` and a line on how to fix it, exit status 1 (2 for a
bad option value); a traceback only with --verbose.
"""

from __future__ import annotations

import click

from importer.cli.auth import auth_command
from importer.cli.fields import fields_command
from importer.cli.history import history_command
from importer.cli.init import init_command
from importer.cli.output import end_on_broken_pipe
from importer.cli.run import run_command
from importer.cli.sandbox import sandbox_command
from importer.cli.sheets import sheets_command
from importer.cli.undo import undo_command
from importer.cli.verify import verify_command

__all__ = ["cli", "main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kit-import")
def cli() -> None:
    """Import CSV, TSV and XLSX exports (or a Google Sheet) into a Kit (ConvertKit) account.

    Credentials come from the environment: KIT_ACCESS_TOKEN (OAuth; bulk requests, fast)
    or KIT_API_KEY (one request per contact). KIT_API_URL overrides https://api.kit.com.
    The README's recipes show each step with its output.

    Examples:

    \b
        kit-import run contacts.csv --sandbox
        kit-import run contacts.csv --dry-run --diff changes.csv
        kit-import verify contacts.csv
        kit-import run --config nightly.toml
    """


for _command in (run_command, verify_command, undo_command, init_command, auth_command, fields_command,
                 sheets_command, sandbox_command, history_command):
    cli.add_command(_command)


def main() -> None:
    """Console-script entry point; a closed output pipe ends the command quietly."""
    try:
        cli(prog_name="kit-import")
    except BrokenPipeError:  # raised where click does not catch it, e.g. while it prints an error
        end_on_broken_pipe()
