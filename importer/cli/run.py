"""`kit-import run`: import a file (or a config's source) into Kit, with progress and a summary."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from importer.cli.logfile import open_log
from importer.cli.options import given_on_command_line, import_options, settings_from
from importer.cli.output import say
from importer.cli.progress import BarProgress
from importer.cli.signals import terminate_as_interrupt
from importer.cli.target import SEEDED, kit_target
from importer.settings.declaration import token_file_for
from importer.errors import ImporterError
from importer.outputs.run_end import RunEnd
from importer.outputs.report import RunReport
from importer.outputs.words import plural
from importer.read.url import redact
from importer.run import import_file
from importer.send.actions import notes_for
from importer.settings.config import load_config
from importer.settings.declaration import Settings
from importer.recheck import verify_target
from importer.verify import verify


@click.command("run")
@import_options("A TOML config for a scheduled import (see `kit-import init`); flags override it.")
def run_command(source: Path | None, config_path: Path | None, sandbox: bool, sandbox_auth: str, **flags: Any) -> None:
    """Import SOURCE into Kit, or the source named in --config.

    SOURCE is a text export, .csv, .tsv or .txt (encoding and delimiter detected), or an
    Excel workbook, .xlsx or .xlsm (the first sheet, or --sheet), at a path or an https://
    URL (a Google Sheets link is read as its CSV export). Subscribers are upserted
    by email with their first names, then custom field values are written; when reading
    what Kit holds costs fewer requests than it saves (--compare), only what differs is sent. Rows that cannot
    be imported go to a failures CSV with their row number and the reason; fix them and run
    the same command on that file.

    Examples:

    \b
        kit-import run contacts.csv --dry-run --diff changes.csv
        kit-import run contacts.xlsx --sheet Leads --field "Zip=Postal code"
        kit-import run contacts.csv.failures.csv
        kit-import run --config nightly.toml

    \b
    Exit status:
      0    every row imported
      1    the run failed: bad settings, an unreadable file, Kit refused or kept failing
      2    bad usage: an unknown option, a missing argument, a bad option value
      3    the run finished, but some rows were rejected: see the failures CSV
      130  interrupted (Ctrl-C)
      143  terminated (SIGTERM): stopped as by Ctrl-C
    """
    given = given_on_command_line(flags)
    log_path = given.get("log")
    early = EarlyReport(given.get("report"), source, given)
    with early, terminate_as_interrupt():
        if log_path:
            open_log(log_path)  # first, so that even a broken config is in the log
        config = load_config(config_path) if config_path else {}
        early.learn(config)
        names = config.get("credentials") or {}
        if source is not None:
            config["source"] = source
        if "source" not in config:
            raise click.UsageError("Name a SOURCE file, or a --config that names one.")
        if not log_path and config.get("log"):
            open_log(Path(config["log"]))
        token_file = token_file_for(names, config_path, given.get("state") or config.get("state"))
        with kit_target(sandbox, sandbox_auth, names, token_file) as (credential, grant, base_url, emulator):
            settings = settings_from(config, given, credential=credential, base_url=base_url,
                                             refresh=grant)
            progress = BarProgress()
            sandbox_undo_skipped = False
            if emulator is not None:
                say(f"Sandbox: a local Kit emulator at {emulator.url}, {SEEDED}; it stops when this run ends.")
                if "undo" not in given and not settings.no_undo:
                    # Its undo file could take back nothing once the emulator is gone.
                    settings.no_undo = sandbox_undo_skipped = True
                if settings.state is not None:
                    # The state would describe an emulator that no longer exists after this run.
                    say("Sandbox: the state file is not used, since this emulator starts empty each run; "
                         "rehearse nightly runs against `kit-import sandbox` in another shell instead.")
                    settings.state = None
            for note in notes_for(settings):
                say(f"Note: {note}")
            early.handed_over = True  # from here the library writes the report, whatever happens
            try:
                result = import_file(settings, progress=progress)
            finally:
                progress.close()
            if sandbox_undo_skipped and not settings.dry_run:
                result.notes.append(SANDBOX_NO_UNDO)
            say(result.summary())
            if emulator is not None:
                say(f"Sandbox now holds {plural(len(emulator.store.subscribers), 'subscriber')}.")
            say(result.closing_line())
            status: int = result.exit_status
            if settings.verify and not settings.dry_run and not result.stopped:
                target, saying = verify_target(settings)
                say(saying)
                if target is not None:
                    try:
                        checked = verify(target, confirmed=result.confirmed_writes, progress=progress)
                    finally:
                        progress.close()
                    say(checked.summary())
                    say(checked.closing_line())
                    status = status or checked.exit_status
    sys.exit(status)


SANDBOX_NO_UNDO = ("no undo file saved: the sandbox is gone after this run, so one could take nothing back "
                   "(--undo PATH saves one anyway)")

class EarlyReport:
    """Writes the --report JSON, keeps the run in the state file's history and sends the alerts, for an
    error raised before the library has the settings (no credential, a bad config value), once the
    flags or the config have said where."""

    def __init__(self, path: Path | None, source: Path | str | None, given: dict[str, Any] | None = None) -> None:
        self.path, self.source = path, source
        self.alerting = {k: v for k, v in (given or {}).items() if k in ALERT_KEYS}
        self.handed_over = False

    def learn(self, config: dict[str, Any]) -> None:
        """Take the report path, source and alerts from a loaded config, unless flags gave them."""
        self.path = self.path or config.get("report")
        self.source = self.source or config.get("source")
        self.alerting = {**{k: config[k] for k in ALERT_KEYS if k in config}, **self.alerting}

    def __enter__(self) -> EarlyReport:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: object) -> None:
        if self.handed_over or not isinstance(error, (ImporterError, KeyboardInterrupt)):
            return
        report = RunReport(source=redact(self.source or ""))
        report.failed(error)
        if self.path is not None:
            try:
                report.write_json(Path(self.path))
            except OSError:
                pass  # the error itself is what the user must see
        if any(self.alerting.get(key) for key in ("notify", "healthcheck", "state")):
            try:
                alerting = Settings(source=self.source or "-", **self.alerting)
            except ImporterError:
                return  # an alert setting itself is what is wrong: the error says so
            RunEnd(alerting, say).finish(report)  # the night is in the history, and alerted


ALERT_KEYS = ("notify", "notify_on", "notify_rejects", "healthcheck", "report", "state", "keep_history_days")
