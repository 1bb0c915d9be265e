"""The `kit-import` command line: options -> Settings -> library call; progress and summary.

Every user-facing error is `Error: <what>` and a line on how to fix it, exit status 1; a
traceback only with --verbose.
"""

from __future__ import annotations

import functools
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

import click
from click.core import ParameterSource
from tqdm import tqdm

from importer.config import (Settings, base_url_from_env, credentials_from_env, load_config, parse_field_spec,
                             parse_rate_limit, propose_config)
from importer.errors import ConfigError, ImporterError
from importer.kit import Credential, KitClient, RefreshGrant
from importer.kit.auth import API_KEY, OAUTH
from importer.kit.oauth import authorize
from importer.loader import LoadOptions, list_sheets, open_source
from importer.mapping import plan_columns
from importer.pipeline import import_file
from importer.resolver import fetch_fields
from importer.sandbox import DEMO_FIELDS, FIELD_MODES, SAMPLE_FIELDS, Behaviour, KitStore, Sandbox

EXIT_FAILED = 1
EXIT_REJECTED = 3
EXIT_INTERRUPTED = 130


_log_file: TextIO | None = None


def _say(message: str) -> None:
    tqdm.write(message, file=sys.stderr)
    if _log_file is not None:
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        _log_file.write("".join(f"{stamp} {line}\n" for line in message.splitlines()))
        _log_file.flush()


def _fail(error: ImporterError) -> None:
    _say(f"Error: {error}")
    if error.hint:
        _say(error.hint)


def friendly_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn library errors into one `Error:` line and an exit status; tracebacks only with --verbose."""

    @functools.wraps(command)
    def wrapper(*args: Any, verbose: bool = False, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except ImporterError as e:
            if verbose:
                raise
            _fail(e)
            sys.exit(EXIT_FAILED)
        except KeyboardInterrupt:
            _say("Interrupted.")
            sys.exit(EXIT_INTERRUPTED)
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except Exception as e:  # a bug or an environment fault: still one sentence, not a traceback
            if verbose:
                raise
            _say(f"Error: unexpected {type(e).__name__}: {e}")
            _say("Run again with --verbose for the details, and please report it.")
            sys.exit(EXIT_FAILED)

    return click.option("--verbose", is_flag=True, help="Show a traceback when something fails.")(wrapper)


def sandbox_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """--sandbox and --sandbox-auth, shared by the commands that talk to Kit."""
    command = click.option("--sandbox-auth", type=click.Choice(["oauth", "api-key"]), default="oauth",
                           show_default=True,
                           help="Which kind of credential to rehearse with in the sandbox.")(command)
    return click.option("--sandbox", is_flag=True,
                        help="Use a local Kit emulator (seeded with the sample fields) instead of Kit.")(command)


@contextmanager
def kit_target(sandbox: bool, sandbox_auth: str, names: dict[str, str] | None = None,
               token_file: Path | None = None) -> Iterator[tuple[Credential, RefreshGrant | None, str, Sandbox | None]]:
    """The credential (and how to refresh it), and the base URL: the environment's, under the
    names a config may give, or an in-process sandbox's."""
    if not sandbox:
        credential, grant = credentials_from_env(names, token_file)
        yield credential, grant, base_url_from_env(), None
        return
    with Sandbox() as emulator:
        emulator.seed_fields(SAMPLE_FIELDS)
        credential = Credential(OAUTH, emulator.access_token, "sandbox") if sandbox_auth == "oauth" else \
            Credential(API_KEY, emulator.api_key, "sandbox")
        yield credential, None, emulator.url, emulator


class BarProgress:
    """Progress bars on a terminal (tqdm hides them elsewhere): rows or contacts done and the
    current request rate; plain timestamped lines when not a terminal."""

    RATE_WINDOW = 10.0  # seconds of history behind the request rate shown

    def __init__(self) -> None:
        self.bar: tqdm | None = None
        self.tty = sys.stderr.isatty()
        self._sent: list[tuple[float, int]] = []

    def phase(self, name: str, total: int | None) -> None:
        self.close()
        if not self.tty:
            _say(f"{time.strftime('%H:%M:%S')} {name}" + (f": {total:,}" if total is not None else ""))
        self.bar = tqdm(total=total, desc=name, unit=" rows" if total is None else " contacts",
                        disable=None, file=sys.stderr, leave=False, dynamic_ncols=True)

    def advance(self, n: int = 1, requests: int | None = None) -> None:
        if self.bar is None or self.bar.disable:
            return
        self.bar.update(n)
        if requests is not None:
            now = time.monotonic()
            self._sent = [(t, r) for t, r in self._sent if now - t <= self.RATE_WINDOW] + [(now, requests)]
            (t0, r0) = self._sent[0]
            if now > t0:
                self.bar.set_postfix_str(f"{(requests - r0) / (now - t0):.1f} req/s", refresh=False)

    def log(self, message: str) -> None:
        _say(message)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kit-import")
def cli() -> None:
    """Import CSV, TSV and XLSX exports into a Kit (ConvertKit) account.

    Credentials come from the environment: KIT_ACCESS_TOKEN (OAuth; bulk requests, fast)
    or KIT_API_KEY (one request per contact). KIT_API_URL overrides https://api.kit.com.
    """


@cli.command()
@click.argument("source", type=click.Path(path_type=Path, dir_okay=True), required=False)
@click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False), metavar="FILE",
              help="A TOML config for a scheduled import (see `kit-import init`); flags override it.")
@click.option("--sheet", metavar="NAME", help="Workbook sheet to read, by name or number (default: the first).")
@click.option("--encoding", metavar="NAME", help="Text encoding of a CSV (default: detected).")
@click.option("--delimiter", metavar="CHAR", help="CSV delimiter: ',' ';' '|' or tab (default: detected).")
@click.option("--header-row", type=click.IntRange(min=1), metavar="N",
              help="Row number of the header (default: detected; a title above it is skipped).")
@click.option("--email-column", metavar="COLUMN", help="Column holding the email (default: detected).")
@click.option("--first-name-column", metavar="COLUMN", help="Column holding the first name (default: detected).")
@click.option("--field", "fields", multiple=True, metavar='"COLUMN=Label"',
              help="Map a column to a Kit custom field by label or key (repeatable). Columns named like an "
                   "existing field are mapped without it.")
@click.option("--create-missing-fields", is_flag=True, help="Create --field labels that Kit does not have yet.")
@click.option("--blanks", type=click.Choice(["skip", "clear"]), default="skip", show_default=True,
              help="skip: a blank cell leaves Kit's value alone; clear: a blank cell clears it.")
@click.option("--failures", type=click.Path(path_type=Path, dir_okay=False), metavar="PATH",
              help="Where to write rejected rows (default: ./<source name>.failures.csv).")
@click.option("--report", type=click.Path(path_type=Path, dir_okay=False), metavar="PATH",
              help="Also write the run's figures as JSON here.")
@click.option("--log", "log_path", type=click.Path(path_type=Path, dir_okay=False), metavar="PATH",
              help="Also append this run's timestamped log lines and summary to this file.")
@click.option("--dry-run", is_flag=True, help="Read, map, validate and plan with read-only requests; write nothing.")
@click.option("--state", "state_path", type=click.Path(path_type=Path, dir_okay=False), metavar="PATH",
              help="SQLite state of what Kit has: send only new and changed contacts, resume after a crash, "
                   "and never overlap another run on the same state (default with --config: beside it).")
@click.option("--full", is_flag=True, help="Send everything, ignoring what the state says Kit has.")
@click.option("--wait", is_flag=True, help="If another run holds the state, wait for it instead of exiting 1.")
@click.option("--max-changes", type=click.FloatRange(0, 100), metavar="PERCENT",
              help="Write nothing (exit 1) if more than this share of contacts would change: a broken export.")
@click.option("--max-rejects", type=click.FloatRange(0, 100), metavar="PERCENT",
              help="Write nothing (exit 1) if more than this share of rows would be rejected.")
@click.option("--rate-limit", metavar="N[/SECONDS]",
              help="Requests allowed per rolling window for this credential, e.g. 600 or 600/60 (default: "
                   "Kit's 600 a minute for OAuth, 120 for an API key, less 3%).")
@click.option("--concurrency", type=click.IntRange(1, 256), metavar="N",
              help="Requests in flight at once (default: enough to use the rate limit fully when Kit takes "
                   "1.5 s to answer: 18 for OAuth, 4 for an API key).")
@sandbox_options
@friendly_errors
def run(source: Path | None, config_path: Path | None, sandbox: bool, sandbox_auth: str, log_path: Path | None,
        **flags: Any) -> None:
    """Import SOURCE (.csv, .tsv, .xlsx) into Kit, or the source named in --config.

    Subscribers are upserted by email with their first names, then custom field values
    are written. Rows that cannot be imported go to a failures CSV with their row number
    and the reason; fix them and run the same command on that file.

    Exit status: 0 all imported, 1 the run failed, 2 bad usage, 3 some rows rejected,
    130 interrupted.
    """
    ctx = click.get_current_context()
    given = {name: value for name, value in flags.items()
             if ctx.get_parameter_source(name) is ParameterSource.COMMANDLINE}
    config = load_config(config_path) if config_path else {}
    names = config.get("credentials") or {}
    if source is not None:
        config["source"] = source
    if "source" not in config:
        raise click.UsageError("Name a SOURCE file, or a --config that names one.")
    log_path = log_path or config.get("log")
    state = given.get("state_path") or config.get("state")
    token_file = token_file_for(names, config_path, state)
    with run_log(log_path), kit_target(sandbox, sandbox_auth, names, token_file) as (credential, grant, base_url,
                                                                                    emulator):
        settings = settings_from({**config, **given}, credential, base_url)
        settings.refresh = grant
        progress = BarProgress()
        if emulator is not None:
            _say(f"Sandbox: a local Kit emulator at {emulator.url}, fields {', '.join(SAMPLE_FIELDS)}; "
                 "it stops when this run ends.")
            if settings.state_path is not None:
                # The state would describe an emulator that no longer exists after this run.
                _say("Sandbox: the state file is not used, since this emulator starts empty each run; rehearse "
                     "nightly runs against `kit-import sandbox` in another shell instead.")
                settings.state_path = None
        try:
            result = import_file(settings, progress=progress)
        finally:
            progress.close()
        _say(result.summary())
        if emulator is not None:
            _say(f"Sandbox now holds {len(emulator.store.subscribers):,} subscribers.")
        _say(result.closing_line())
        if result.stopped and not result.interrupted:
            _say(f"Error: the import stopped: {result.stopped}")
    sys.exit(result.exit_status)


def token_file_for(names: dict[str, str], config_path: Path | None, state: Path | None) -> Path:
    """Where a refreshed OAuth pair is saved: the config's token_file, KIT_TOKEN_FILE, beside
    the state file, or ./kit-import.tokens.json."""
    if names.get("token_file"):
        base = config_path.resolve().parent if config_path else Path.cwd()
        return base / names["token_file"]
    if os.environ.get("KIT_TOKEN_FILE"):
        return Path(os.environ["KIT_TOKEN_FILE"])
    if state is not None:
        return Path(state).with_name(Path(state).name + ".tokens.json")
    return Path("kit-import.tokens.json")


@contextmanager
def run_log(path: Path | None) -> Iterator[None]:
    """While a run lasts, also append what it says (timestamped) to `path`."""
    global _log_file
    if path is None:
        yield
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _log_file = path.open("a", encoding="utf-8")
    except OSError as e:
        raise ImporterError(f"The log file {path} cannot be written: {e.strerror}.", "Check --log.") from None
    try:
        yield
    finally:
        _log_file.close()
        _log_file = None


def settings_from(options: dict[str, Any], credential: Credential, base_url: str) -> Settings:
    """Settings from a config file's values with the command line's on top."""
    fields = options.get("fields") or ()
    specs = [parse_field_spec(f) for f in fields] if not isinstance(fields, dict) else \
        [(column.strip(), label.strip()) for column, label in fields.items()]
    sheet = options.get("sheet")
    settings = Settings(
        source=options["source"], credential=credential, base_url=base_url,
        load=LoadOptions(sheet=None if sheet is None else str(sheet), encoding=options.get("encoding"),
                         delimiter=options.get("delimiter"), header_row=options.get("header_row")),
        email_column=options.get("email_column"), first_name_column=options.get("first_name_column"),
        fields=specs, create_missing_fields=bool(options.get("create_missing_fields")),
        blanks=options.get("blanks") or "skip", failures_path=options.get("failures"),
        report_path=options.get("report"), dry_run=bool(options.get("dry_run")),
        concurrency=options.get("concurrency"), state_path=options.get("state_path") or options.get("state"),
        full=bool(options.get("full")), wait=bool(options.get("wait")),
        max_changes=options.get("max_changes"), max_rejects=options.get("max_rejects"))
    if options.get("rate_limit"):
        settings.rate_limit, settings.rate_window = parse_rate_limit(str(options["rate_limit"]))
    return settings


@cli.command()
@click.argument("source", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False), default=Path("nightly.toml"),
              show_default=True, help="Where to write the config.")
@click.option("--sheet", metavar="NAME", help="Workbook sheet to read, by name or number (default: the first).")
@click.option("--force", is_flag=True, help="Overwrite the output file if it exists.")
@sandbox_options
@friendly_errors
def init(source: Path, output: Path, sheet: str | None, force: bool, sandbox: bool, sandbox_auth: str) -> None:
    """Inspect SOURCE and write a commented TOML config for a scheduled import.

    It proposes the detected email and first-name columns, maps the columns that match
    the account's custom fields (read with the credential, if one is set), and lists the
    other columns commented out.
    """
    if output.exists() and not force:
        raise ImporterError(f"{output} exists already.", "Pass --force to overwrite it, or --output another path.")
    opened = open_source(source, LoadOptions(sheet=sheet))
    kit_fields, known = [], False
    try:
        with kit_target(sandbox, sandbox_auth, token_file=token_file_for({}, None, None)) as (credential, grant,
                                                                                             base_url, _):
            kit_fields, known = fetch_fields(KitClient(credential, base_url, grant=grant)), True
    except ConfigError:
        _say("No Kit credential set: columns are listed but not matched to Kit's custom fields.")
    plan = plan_columns(opened.headers, kit_fields)
    output.write_text(propose_config(source, plan, opened.describe(), output, sheet=opened.sheet if sheet else None,
                                     fields_known=known), encoding="utf-8")
    click.echo(f"Wrote {output}: email <- {opened.headers[plan.email]!r}, {len(plan.fields)} columns mapped to "
               f"Kit fields, {len(plan.ignored)} left commented out. Check it, then: "
               f"kit-import run --config {output}")


@cli.command()
@click.option("--client-id", envvar="KIT_CLIENT_ID", required=True, help="Your Kit app's client id [KIT_CLIENT_ID].")
@click.option("--client-secret", envvar="KIT_CLIENT_SECRET", help="The app's client secret, if it has one "
              "[KIT_CLIENT_SECRET].")
@click.option("--port", type=click.IntRange(1024, 65535), default=8765, show_default=True,
              help="Loopback port for Kit's redirect: add http://127.0.0.1:PORT/callback to the app's redirect URIs.")
@click.option("--token-file", type=click.Path(path_type=Path, dir_okay=False), default=Path("kit-import.tokens.json"),
              show_default=True, help="Where to save the token pair (a config's token_file, or beside its state).")
@click.option("--no-browser", is_flag=True, help="Only print the address to open.")
@friendly_errors
def auth(client_id: str, client_secret: str | None, port: int, token_file: Path, no_browser: bool) -> None:
    """Authorize kit-import once in a browser (OAuth with PKCE) and save the token pair.

    Scheduled runs then read the pair from the token file and, with KIT_CLIENT_ID set,
    renew it themselves.
    """
    import webbrowser

    def show(url: str) -> None:
        click.echo(f"Open this address and approve kit-import (waiting for Kit's answer on 127.0.0.1:{port}):\n{url}")
        if not no_browser:
            webbrowser.open(url)

    authorize(client_id, base_url_from_env(), token_file, open_url=show, client_secret=client_secret, port=port)
    click.echo(f"Saved the token pair to {token_file} (mode 0600). Scheduled runs read it from there; keep "
               "KIT_CLIENT_ID set so they can renew it.")


@cli.command("fields")
@sandbox_options
@friendly_errors
def fields_command(sandbox: bool, sandbox_auth: str) -> None:
    """List the account's custom fields: id, key and label."""
    with kit_target(sandbox, sandbox_auth, token_file=token_file_for({}, None, None)) as (credential, grant,
                                                                                         base_url, _):
        client = KitClient(credential, base_url, grant=grant)
        found = fetch_fields(client)
    if not found:
        click.echo("The account has no custom fields.")
        return
    width = max(len(f.key) for f in found)
    click.echo(f"{'id':>8}  {'key':<{width}}  label")
    for f in found:
        click.echo(f"{f.id:>8}  {f.key:<{width}}  {f.label}")


@cli.command()
@click.argument("source", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@friendly_errors
def sheets(source: Path) -> None:
    """List the sheets of a workbook, numbered for --sheet."""
    for number, name in enumerate(list_sheets(source), start=1):
        click.echo(f"{number}  {name}")


@cli.command("sandbox")
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default="a free port",
              help="Port on 127.0.0.1 to serve on.")
@click.option("--field-mode", type=click.Choice(FIELD_MODES), default="key-error", show_default=True,
              help="How the one-subscriber upsert reads `fields` (Kit's pages differ; see the README).")
@click.option("--latency", metavar="MIN-MAX", default="0", show_default=True,
              help="Seconds each answer takes, uniformly drawn, e.g. 0.3-1.5 as Kit's do.")
@click.option("--rate-limit", metavar="N[/SECONDS]",
              help="Answer 429 'Retry later' past N requests per rolling window per credential, e.g. 600/60.")
@click.option("--faults", metavar="KIND=SHARE,...", default="",
              help="Inject faults: 5xx=0.05 (server errors), drop=0.02 (connection dropped after the "
                   "request was applied), 413=0.01 (bulk queue full).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed for latency and faults.")
@click.option("--max-value-length", type=click.IntRange(min=1), metavar="N",
              help="Refuse custom field values longer than N characters, as a stricter Kit might "
                   "(default: every length is kept; Kit's pages state no limit).")
@friendly_errors
def sandbox_command(port: int, field_mode: str, latency: str, rate_limit: str | None, faults: str,
                    seed: int, max_value_length: int | None) -> None:
    """Serve the local Kit emulator on 127.0.0.1 until Ctrl-C.

    It starts with a few custom fields and no subscribers, accepts the sandbox credentials
    it prints, and keeps its state in memory only.
    """
    behaviour = parse_behaviour(latency, rate_limit, faults, seed)
    try:
        emulator = Sandbox(KitStore(field_mode=field_mode, max_value_length=max_value_length), port=port,
                           behaviour=behaviour)
    except OSError as e:
        raise ImporterError(f"Cannot serve on 127.0.0.1:{port}: {e.strerror}.", "Choose another --port.") from None
    emulator.seed_fields(DEMO_FIELDS)
    click.echo(f"Kit sandbox serving on {emulator.url} (Ctrl-C stops it). In another shell:")
    click.echo(f"  export KIT_API_URL={emulator.url}")
    click.echo(f"  export KIT_ACCESS_TOKEN={emulator.access_token}   # or: KIT_API_KEY={emulator.api_key}")
    try:
        emulator.server.serve_forever()
    except KeyboardInterrupt:
        click.echo(f"\nStopped; it held {len(emulator.store.subscribers):,} subscribers.")
    finally:
        emulator.server.server_close()


def parse_behaviour(latency: str, rate_limit: str | None, faults: str, seed: int) -> Behaviour:
    """The sandbox's --latency, --rate-limit, --faults and --seed as a Behaviour."""
    try:
        lo, _, hi = latency.partition("-")
        span = (float(lo), float(hi or lo))
    except ValueError:
        raise click.BadParameter(f"{latency!r} is not SECONDS or MIN-MAX.", param_hint="--latency") from None
    shares = {"5xx": 0.0, "drop": 0.0, "413": 0.0}
    for part in filter(None, (p.strip() for p in faults.split(","))):
        kind, _, share = part.partition("=")
        try:
            if kind not in shares:
                raise ValueError
            shares[kind] = float(share)
        except ValueError:
            raise click.BadParameter(f"{part!r} is not 5xx=, drop= or 413= a share such as 0.05.",
                                     param_hint="--faults") from None
    limit = parse_rate_limit(rate_limit) if rate_limit else None
    return Behaviour(latency=span, rate_limit=limit, errors=shares["5xx"], drops=shares["drop"],
                     queue_full=shares["413"], seed=seed)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="kit-import")

