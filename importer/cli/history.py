"""`kit-import history`: the runs a state file keeps, newest first, or one run's whole summary."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from importer.cli.output import friendly_errors
from importer.decide import history
from importer.outputs.summary import duration
from importer.settings.config import load_config


@click.command("history")
@click.argument("run", type=click.IntRange(min=1), required=False)
@click.option("--state", type=click.Path(path_type=Path, dir_okay=False), metavar="PATH",
              help="The state file of the runs.")
@click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False), metavar="FILE",
              help="The config of the runs: its state file (by default beside it).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table (or a summary).")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True, metavar="N",
              help="Show the N newest runs.")
@friendly_errors
def history_command(run: int | None, state: Path | None, config_path: Path | None, as_json: bool,
                    limit: int) -> None:
    """List the past runs kept in a state file, newest first, or show RUN's whole summary.

    Without --state or --config, it reads the one state file in the current folder.

    Every run with a state file keeps its report's figures there (start, end, source, counts,
    requests, exit status and why it stopped) and the summary it printed, for keep_history_days
    (400 by default). No email and no secret is kept.

    Examples:

    \b
        kit-import history --config nightly.toml
        kit-import history --state nightly.state --limit 5 --json
        kit-import history 12 --config nightly.toml
    """
    path = _state_of(state, config_path)
    if run is not None:
        kept = history.one_run(path, run)
        if as_json:
            click.echo(json.dumps(kept, indent=2, ensure_ascii=False))
            return
        click.echo(f"Run {kept['run']}: started {_when(kept['started'])}, ended {_when(kept['ended'])} UTC, "
                   f"exit status {kept['report'].get('exit_status')}")
        if kept["report"].get("printed"):  # the lines as the run printed them
            click.echo("\n".join(kept["report"]["printed"]))
            return
        report = history.as_report(kept["report"])  # a run kept before its lines were
        if report.ended_by_error:  # it printed only its error and hint: no summary
            click.echo("\n".join(report.error_lines()))
            return
        click.echo(report.summary())
        click.echo(report.closing_line())
        return
    kept_runs = history.runs(path, limit)
    if as_json:
        click.echo(json.dumps(kept_runs, indent=2, ensure_ascii=False))
        return
    if not kept_runs:
        click.echo(f"No run is kept in {path} yet.")
        return
    click.echo(table(kept_runs))


def _state_of(state: Path | None, config_path: Path | None) -> Path:
    if state is not None and config_path is not None:
        raise click.UsageError("Give --state or --config, not both.")
    if state is not None:
        return state
    if config_path is None:
        return _the_state_here(Path())
    return Path(load_config(config_path)["state"])


def _the_state_here(folder: Path) -> Path:
    """The one state file in `folder`, said on stderr; a usage error naming them when there are none or several."""
    found = sorted(p for p in folder.glob("*.state") if _is_sqlite(p))  # not an undo file's `.state` note
    if len(found) == 1:
        click.echo(f"State file: {found[0]} (the only one in this folder)", err=True)
        return found[0]
    listed = f" This folder holds {', '.join(p.name for p in found)}." if found else ""
    raise click.UsageError(f"Name the state file with --state PATH, or the runs' --config FILE.{listed}")


def _is_sqlite(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            return f.read(16) == b"SQLite format 3\x00"
    except OSError:
        return False


COLUMNS = ("Run", "Started (UTC)", "Took", "Exit", "Rows", "Imported", "Rejected", "Not sent", "Created", "Updated",
           "Requests", "Source")


def table(kept: list[dict[str, Any]]) -> str:
    """The runs as aligned columns, the last one the source and what was special about the run."""
    rows = [COLUMNS]
    for entry in kept:
        r = entry["report"]
        rows.append((str(entry["run"]), _when(entry["started"]), duration(r.get("elapsed_seconds", 0.0)),
                     str(r.get("exit_status", "")), f"{r.get('rows_read', 0):,}", f"{r.get('rows_imported', 0):,}",
                     f"{_refused(r):,}", f"{_unsent(r):,}", f"{r.get('created', 0):,}", f"{r.get('updated', 0):,}",
                     f"{r.get('requests_sent', 0):,}", _what(r)))
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS) - 1)]
    return "\n".join("  ".join(cell.ljust(w) if i == 1 else cell.rjust(w) for i, (cell, w) in
                               enumerate(zip(row, widths))) + "  " + row[-1] for row in rows)


def _unsent(r: dict[str, Any]) -> int:
    """Rows a stopped run never sent, or sent without an answer: counted apart, as the closing line does."""
    return int(r.get("rows_not_sent", 0)) + int(r.get("rows_not_confirmed", 0))


def _refused(r: dict[str, Any]) -> int:
    """Rows refused (the report's `rows_rejected` also counts the unsent ones of a stopped run)."""
    return int(r.get("rows_rejected", 0)) - _unsent(r)


def _what(r: dict[str, Any]) -> str:
    extra = ("dry run" if r.get("dry_run") else None,
             f"unchanged since {r['source_unchanged_since']}" if r.get("source_unchanged_since") else None,
             f"stopped: {r['stopped']}" if r.get("stopped") else None,
             f"error: {r['error']}" if r.get("error") and r.get("error") != r.get("stopped") else None)
    words = "; ".join(e for e in extra if e)
    return f"{r.get('source', '')}" + (f" ({words})" if words else "")


def _when(iso: str) -> str:
    return iso[:16].replace("T", " ")
