"""`kit-import init`: inspect a file and write a commented config for a scheduled import."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from importer.cli.options import SOURCE, given_on_command_line, setting_options, settings_from
from importer.cli.output import friendly_errors, say
from importer.cli.target import sandbox_client, sandbox_options
from importer.propose import NO_CREDENTIAL, propose_config
from importer.settings.declaration import Group


@click.command("init")
@click.argument("source", type=SOURCE)
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False), default=Path("nightly.toml"),
              show_default=True, help="Where to write the config.")
@setting_options(Group.READ)
@setting_options(Group.COLUMNS)
@click.option("--force", is_flag=True, help="Overwrite the output file if it exists.")
@sandbox_options
@friendly_errors
def init_command(source: Path, output: Path, force: bool, sandbox: bool, sandbox_auth: str, **options: Any) -> None:
    """Inspect SOURCE and write a commented TOML config for a scheduled import.

    It proposes the detected email and first-name columns, maps the columns that match
    the account's custom fields (read with the credential, if one is set), and lists the
    other columns commented out. The reading and column options given are written into it.

    Examples:

    \b
        kit-import init contacts.csv
        kit-import init contacts.xlsx --sheet Leads --output leads.toml
        kit-import init contacts.csv --sandbox --force
    """
    given = settings_from({}, given_on_command_line(options), source=source)
    with sandbox_client(sandbox, sandbox_auth) as client:
        proposal = propose_config(given, output=output, force=force, client=client)
    for note in proposal.notes:
        say(note if note == NO_CREDENTIAL else f"Note: {note}")
    click.echo(proposal.summary())
