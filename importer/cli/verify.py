"""`kit-import verify`: check that Kit holds what a file says."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from importer.cli.options import FLAG_ORIGINS, given_on_command_line, import_options, settings_from
from importer.cli.output import say
from importer.cli.progress import BarProgress
from importer.cli.reports import CommandReport, open_logs
from importer.cli.signals import terminate_as_interrupt
from importer.cli.target import kit_target
from importer.settings.declaration import token_file_for
from importer.settings.config import load_config
from importer.verify import verify


# Settings that only steer what an import writes: verify reads the file and Kit, and writes none of it.
WRITE_ONLY = ("dry_run", "full", "wait", "max_changes", "max_rejects", "undo", "no_undo", "diff", "failures",
              "verify", "compare")


@click.command("verify")
@import_options("The TOML config of the import to check; flags override it.")
def verify_command(source: Path | None, config_path: Path | None, sandbox: bool, sandbox_auth: str,
                   **flags: Any) -> None:
    """Check that Kit holds what SOURCE says: every contact, first name, value, tag and state, and with
    --form or --sequence, that each subscriber a run adds is on the form and in each sequence.

    It takes the options of `run`, so the command line that imported a file checks it; the
    options that only steer writing (--dry-run, --full, --max-changes, --diff, ...) are
    ignored, and a note says which. Every difference the subscriber list shows is confirmed by reading the subscriber
    by id, since Kit's lists lag writes (up to 5 minutes); what only a list shows (a subscriber
    looked up by email, a subscriber's tags, a form's or a sequence's subscribers) is read again
    with doubling pauses for at most --settle seconds before it is called a difference. A form's
    or a sequence's subscribers are read once, page by page until every subscriber a run adds to
    it is found: those active in Kit and in the file. The differences go to a CSV
    (--differences, default <source name>.verify.csv).

    Examples:

    \b
        kit-import verify contacts.csv
        kit-import verify contacts.xlsx --sheet Leads --field "Zip=Postal code" --tag "Imported 2026-11"
        kit-import verify --config nightly.toml --settle 120
        kit-import verify contacts.csv --form Newsletter --sequence Welcome

    \b
    Exit status:
      0    Kit holds what the file says
      1    the check could not run: bad settings, an unreadable file, Kit refused or kept failing
      3    Kit differs from the file: see the differences CSV
      130  interrupted (Ctrl-C): what was checked so far is printed and in the differences CSV
      143  terminated (SIGTERM): as for 130
    """
    given = given_on_command_line(flags)
    open_logs(given.get("log"))
    idle = [name for name in WRITE_ONLY if name in given]
    if idle:  # accepted, so that the command line of a run checks it, but never in silence
        say(f"Note: {', '.join(FLAG_ORIGINS.flag(name) for name in idle)} only steer{'s' if len(idle) == 1 else ''} "
            "what an import writes: verify ignores "
            f"{'it' if len(idle) == 1 else 'them'}")
        given = {name: value for name, value in given.items() if name not in WRITE_ONLY}
    with CommandReport("verify", given.get("report"), source=source) as reported, terminate_as_interrupt():
        config = load_config(config_path) if config_path else {}
        reported.learn(config)
        open_logs(None if given.get("log") else config.get("log"))
        names = config.get("credentials") or {}
        if source is not None:
            config["source"] = source
        if "source" not in config:
            raise click.UsageError("Name a SOURCE file, or a --config that names one.")
        token_file = token_file_for(names, config_path, given.get("state") or config.get("state"))
        with kit_target(sandbox, sandbox_auth, names, token_file) as (credential, grant, base_url, _):
            settings = settings_from(config, given, credential=credential, base_url=base_url, refresh=grant)
            progress = BarProgress()
            try:
                result = verify(settings, progress=progress)
            finally:
                progress.close()
    say(result.summary())
    say(result.closing_line())
    reported.done(result)
    sys.exit(result.exit_status)
