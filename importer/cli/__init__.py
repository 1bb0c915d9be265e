"""The `kit-import` command line: options -> Settings -> library call; progress and summary.

Every user-facing error is `Error: <what>` and a line on how to fix it, exit status 1 (2 for a
bad option value, refused by click before anything runs); a traceback only with --verbose.
"""

from __future__ import annotations

import functools
import logging
import math
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import click
from click.core import ParameterSource
from tqdm import tqdm

from importer.settings.config import load_config, propose_config
from importer.read.consent import find_status_columns, sample
from importer.errors import ConfigError, ConflictingSettings, ImporterError, Terminated
from importer.kit import Credential, CredentialKind, KitClient, RefreshGrant, list_custom_fields
from importer.kit.oauth import authorize
from importer.read.files import list_sheets, open_source
from importer.read.columns import plan_columns
from importer.run import import_file
from importer.outputs.undo import read_undo, undo, write_undo_failures
from importer.verify import verify
from importer.outputs.report import ExitStatus, RunReport
from importer.sandbox import FIELD_MODES, SAMPLE_FIELDS, SAMPLE_FORMS, Behaviour, KitStore, Sandbox
from importer.settings.origins import FLAG, Origins
from importer.outputs.words import plural
from importer.settings.declaration import (Declared, Group, Invalid, Settings, base_url_from_env, check_value,
                               credentials_from_env, declarations, default_of, parse_rate_limit)

log = logging.getLogger("kit_import")
_say_lock = threading.Lock()  # progress lines may come from a timer thread
_log_handler: logging.Handler | None = None


def _say(message: str, *, screen: bool = True, stamp_terminal: bool = False) -> None:
    """Tell the user on stderr (unless `screen` is False) and the --log file; `stamp_terminal` puts
    the time before the terminal line (the file's lines are stamped by its formatter)."""
    with _say_lock:
        if screen:
            tqdm.write(f"{time.strftime('%H:%M:%S')} {message}" if stamp_terminal else message, file=sys.stderr)
        log.info(message)


def _fail(error: ImporterError) -> None:
    _say(f"Error: {error}")
    if error.hint:
        _say(error.hint)


def friendly_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn library errors into one `Error:` line and an exit status; tracebacks only with --verbose."""

    @functools.wraps(command)
    def wrapper(*args: Any, verbose: bool = False, **kwargs: Any) -> Any:
        try:
            return _guarded(command, verbose, *args, **kwargs)
        finally:
            _close_log()  # after the error is written to it

    return click.option("--verbose", is_flag=True, help="Show a traceback when something fails.")(wrapper)


def setting_option(name: str, declared: Declared) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The click option of one declared setting: its flag, type, default and help come from the declaration."""
    kwargs: dict[str, Any] = {"help": declared.help, "metavar": declared.metavar, "multiple": declared.multiple}
    if declared.value is bool:
        kwargs.update(is_flag=True, metavar=None)
    elif declared.choices:
        kwargs.update(type=click.Choice(declared.choices), default=str(default_of(name)), show_default=True)
    elif declared.value is Path:
        kwargs["type"] = click.Path(path_type=Path, dir_okay=False)
    elif declared.value is int:
        kwargs["type"] = click.IntRange(int(declared.low), None if declared.high is None else int(declared.high)) \
            if declared.low is not None else int
    elif declared.value is float:
        kwargs["type"] = click.FloatRange(declared.low, declared.high) if declared.low is not None else float
    if declared.parse is not None:
        kwargs["callback"] = functools.partial(check_flag, name, declared)
    return click.option(declared.flag or "--" + name.replace("_", "-"), name, **kwargs)


FLAG_ORIGINS = Origins(frame=FLAG, flags={name: d.flag for name, d in declarations() if d.flag})


def check_flag(name: str, declared: Declared, ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """Check a flag's value by its declaration before anything runs: a bad one is a usage error (exit 2)."""
    for one in (value if declared.multiple else () if value is None else (value,)):
        try:
            check_value(declared, [one] if declared.multiple else one)
        except Invalid as e:
            raise click.BadParameter(f"{e.problem}. {e.hint(name, FLAG_ORIGINS)}".strip(), ctx, param) from None
    return value


def setting_options(group: Group) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The options of one group of settings (reading the file, its columns, the run), as one decorator."""

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        for name, declared in reversed(list(declarations(group))):
            command = setting_option(name, declared)(command)
        return command

    return decorate


def given_on_command_line(values: dict[str, Any]) -> dict[str, Any]:
    """The options the user typed, so that a default never overrides a config's value."""
    ctx = click.get_current_context()
    return {name: value for name, value in values.items()
            if ctx.get_parameter_source(name) is ParameterSource.COMMANDLINE}


def settings_from(config: dict[str, Any], given: dict[str, Any], **fixed: Any) -> Settings:
    """Settings from a config's values with the command line's on top. Settings that cannot go
    together, all typed on the command line, are bad usage (exit 2), as a bad option value is."""
    try:
        return Settings.from_options(config, given, **fixed)
    except ConflictingSettings as e:
        if e.names and all(name in given for name in e.names):
            raise click.UsageError(f"{e} {e.hint}") from None
        raise


SANDBOX_AUTH = {kind.value.replace("_", "-"): kind for kind in CredentialKind}  # --sandbox-auth word -> kind
SEEDED = (f"fields {', '.join(SAMPLE_FIELDS)} and the single opt-in form{'s' if len(SAMPLE_FORMS) > 1 else ''} "
          f"{', '.join(SAMPLE_FORMS)}")  # what every sandbox starts with


def _guarded(command: Callable[..., Any], verbose: bool, *args: Any, **kwargs: Any) -> Any:
    """Run a command; say what ended it, on stderr and in the --log file."""
    try:
        return command(*args, **kwargs)
    except ImporterError as e:
        if verbose:
            raise
        _fail(e)
        sys.exit(ExitStatus.FAILED)
    except Terminated:
        _say("Terminated (SIGTERM).")
        sys.exit(ExitStatus.TERMINATED)
    except KeyboardInterrupt:
        _say("Interrupted.")
        sys.exit(ExitStatus.INTERRUPTED)
    except BrokenPipeError:
        end_on_broken_pipe()
    except (click.exceptions.Exit, click.ClickException, SystemExit):
        raise
    except Exception as e:  # a bug or an environment fault: still one sentence, not a traceback
        if verbose:
            raise
        _say(f"Error: unexpected {type(e).__name__}: {e}")
        _say("Run again with --verbose for the details, and please report it.")
        sys.exit(ExitStatus.FAILED)


def sandbox_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """--sandbox and --sandbox-auth, shared by the commands that talk to Kit."""
    command = click.option("--sandbox-auth", type=click.Choice(list(SANDBOX_AUTH)),
                           default=CredentialKind.OAUTH.value, show_default=True,
                           help="Which kind of credential to rehearse with in the sandbox.")(command)
    return click.option("--sandbox", is_flag=True,
                        help="Use a local Kit emulator (seeded with the sample fields and form) instead of "
                             "Kit.")(command)


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
        emulator.seed_forms(SAMPLE_FORMS)
        kind = SANDBOX_AUTH[sandbox_auth]
        credential = Credential(kind, emulator.access_token if kind is CredentialKind.OAUTH else emulator.api_key,
                                "sandbox")
        yield credential, None, emulator.url, emulator


class BarProgress:
    """Progress bars on a terminal (tqdm hides them elsewhere): rows or contacts done and the
    current request rate. Without a terminal, timestamped lines instead: the phase, then for
    the import at each 10% and at least every `every` seconds, contacts done, requests sent,
    rate and time left. Those lines also go to the --log file (on a terminal, only there)."""

    RATE_WINDOW = 10.0  # seconds of history behind the request rate shown
    EVERY = 30.0  # seconds at most between two progress lines when nobody watches a bar

    def __init__(self, every: float = EVERY) -> None:
        self.bar: tqdm | None = None
        self.tty = sys.stderr.isatty()
        self.every = every
        self._sent: list[tuple[float, int]] = []
        self._name, self._total, self._done, self._requests = "", 0, 0, 0
        self._started = self._last_line = 0.0
        self._tenths = 0
        self._lock = threading.Lock()
        self._quiet = threading.Event()
        self._ticker: threading.Thread | None = None

    def phase(self, name: str, total: int | None) -> None:
        self.close()
        if not self.tty:
            _say(name + (f": {total:,}" if total is not None else ""), stamp_terminal=True)
        self.bar = tqdm(total=total, desc=name, unit=" rows" if total is None else " contacts",
                        disable=None, file=sys.stderr, leave=False, dynamic_ncols=True)
        self._sent = []
        if total:  # the import itself: worth a line now and then
            self._name, self._total, self._done, self._tenths = name, total, 0, 0
            self._started = self._last_line = time.monotonic()
            self._quiet = threading.Event()
            self._ticker = threading.Thread(target=self._tick, name="progress-lines", daemon=True)
            self._ticker.start()

    def advance(self, n: int = 1, requests: int | None = None) -> None:
        now = time.monotonic()
        if requests is not None:
            self._sent = [(t, r) for t, r in self._sent if now - t <= self.RATE_WINDOW] + [(now, requests)]
        if self._ticker is not None:
            with self._lock:
                self._done += n
                self._requests = requests if requests is not None else self._requests
                tenths = 10 * self._done // self._total
                due, self._tenths = tenths > self._tenths, max(tenths, self._tenths)
            if due:
                self._line()
        if self.bar is None or self.bar.disable:
            return
        self.bar.update(n)
        if rate := self.rate():
            self.bar.set_postfix_str(f"{rate:.1f} req/s", refresh=False)

    def rate(self) -> float | None:
        """Requests per second over the last RATE_WINDOW seconds, once two counts are known."""
        if len(self._sent) < 2 or self._sent[-1][0] <= self._sent[0][0]:
            return None
        (t0, r0), (t1, r1) = self._sent[0], self._sent[-1]
        return (r1 - r0) / (t1 - t0)

    def progress_line(self) -> str:
        """`Importing contacts: 4,000 of 10,000 (40%), 212 requests, 9.8 req/s, about 10 min left`."""
        with self._lock:
            done, total, requests = self._done, self._total, self._requests
        elapsed = time.monotonic() - self._started
        rate = self.rate()
        if not rate and done >= total and requests and elapsed > 0:  # a short run: its average at the end
            rate = requests / elapsed
        left = f"about {_duration(elapsed * (total - done) / done)} left" if done and done < total else \
            ("done" if done >= total else "time left not known yet")
        return (f"{self._name}: {done:,} of {total:,} ({100 * done // total}%), "
                f"{requests:,} requests, " + (f"{rate:.1f} req/s" if rate is not None else "rate not known yet") +
                f", {left}")

    def _line(self) -> None:
        self._last_line = time.monotonic()
        _say(self.progress_line(), screen=not self.tty, stamp_terminal=True)

    def _tick(self) -> None:
        """A line at least every `every` seconds, even while every request is waiting on Kit."""
        quiet = self._quiet
        while not quiet.wait(max(0.0, self._last_line + self.every - time.monotonic())):
            if time.monotonic() - self._last_line >= self.every:
                self._line()

    def log(self, message: str) -> None:
        _say(message)

    def close(self) -> None:
        self._quiet.set()
        self._ticker = None
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def _duration(seconds: float) -> str:
    """`45 s`, `12 min`, `2 h 5 min`: time left, to the precision that matters."""
    if seconds < 90:
        return f"{max(1, round(seconds))} s"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)} min"
    return f"{int(seconds // 3600)} h {round(seconds % 3600 / 60)} min"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kit-import")
def cli() -> None:
    """Import CSV, TSV and XLSX exports into a Kit (ConvertKit) account.

    Credentials come from the environment: KIT_ACCESS_TOKEN (OAuth; bulk requests, fast)
    or KIT_API_KEY (one request per contact). KIT_API_URL overrides https://api.kit.com.

    Examples:

    \b
        kit-import run contacts.csv --sandbox
        kit-import run contacts.csv --dry-run
        kit-import run contacts.csv
        kit-import init contacts.csv
    """


def import_options(config_help: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """SOURCE, --config and every setting of an import: what `run` takes, and `verify` with it, so that
    the command line that imported a file can check it."""

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        for option in reversed((
                click.argument("source", type=click.Path(path_type=Path, dir_okay=True), required=False),
                click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False),
                             metavar="FILE", help=config_help),
                setting_options(Group.READ), setting_options(Group.COLUMNS), setting_options(Group.RUN),
                sandbox_options, friendly_errors)):
            command = option(command)
        return command

    return decorate


@cli.command()
@import_options("A TOML config for a scheduled import (see `kit-import init`); flags override it.")
def run(source: Path | None, config_path: Path | None, sandbox: bool, sandbox_auth: str, **flags: Any) -> None:
    """Import SOURCE into Kit, or the source named in --config.

    SOURCE is a text export, .csv, .tsv or .txt (encoding and delimiter detected), or an
    Excel workbook, .xlsx or .xlsm (the first sheet, or --sheet). Subscribers are upserted
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
    early = EarlyReport(given.get("report"), source)
    with early, terminate_as_interrupt():
        if log_path:
            _open_log(log_path)  # first, so that even a broken config is in the log
        config = load_config(config_path) if config_path else {}
        early.learn(config)
        names = config.get("credentials") or {}
        if source is not None:
            config["source"] = source
        if "source" not in config:
            raise click.UsageError("Name a SOURCE file, or a --config that names one.")
        if not log_path and config.get("log"):
            _open_log(Path(config["log"]))
        token_file = token_file_for(names, config_path, given.get("state") or config.get("state"))
        with kit_target(sandbox, sandbox_auth, names, token_file) as (credential, grant, base_url, emulator):
            settings = settings_from(config, given, credential=credential, base_url=base_url,
                                             refresh=grant)
            progress = BarProgress()
            sandbox_undo_skipped = False
            if emulator is not None:
                _say(f"Sandbox: a local Kit emulator at {emulator.url}, {SEEDED}; it stops when this run ends.")
                if "undo" not in given and not settings.no_undo:
                    # Its undo file could take back nothing once the emulator is gone, and would replace
                    # the real run's at the same path.
                    settings.no_undo = sandbox_undo_skipped = True
                if settings.state is not None:
                    # The state would describe an emulator that no longer exists after this run.
                    _say("Sandbox: the state file is not used, since this emulator starts empty each run; "
                         "rehearse nightly runs against `kit-import sandbox` in another shell instead.")
                    settings.state = None
            if settings.form:
                _say(f"Note: {FORM_WARNING}")
            early.handed_over = True  # from here the library writes the report, whatever happens
            try:
                result = import_file(settings, progress=progress)
            finally:
                progress.close()
            if sandbox_undo_skipped and not settings.dry_run:
                result.notes.append(SANDBOX_NO_UNDO)
            _say(result.summary())
            if emulator is not None:
                _say(f"Sandbox now holds {plural(len(emulator.store.subscribers), 'subscriber')}.")
            _say(result.closing_line())
            status: int = result.exit_status
            if settings.verify and not settings.dry_run and not result.stopped:
                _say("Verifying: reading back what Kit holds")
                checked = verify(settings, confirmed=result.confirmed_writes)
                _say(checked.summary())
                _say(checked.closing_line())
                status = status or checked.exit_status
    sys.exit(status)


@cli.command("verify")
@import_options("The TOML config of the import to check; flags override it.")
def verify_command(source: Path | None, config_path: Path | None, sandbox: bool, sandbox_auth: str,
                   **flags: Any) -> None:
    """Check that Kit holds what SOURCE says: every contact, first name, value, tag and state.

    It takes the options of `run`, so the command line that imported a file checks it; the
    options that only steer writing (--dry-run, --state, --max-changes, --form, ...) are
    ignored. Every difference the subscriber list shows is confirmed by reading the subscriber
    by id, since Kit's lists lag writes (up to 5 minutes); what only a list shows (a subscriber
    looked up by email, a subscriber's tags) is read again with doubling pauses for at most
    --settle seconds before it is called a difference. The differences go to a CSV
    (--differences, default <source name>.verify.csv).

    Examples:

    \b
        kit-import verify contacts.csv
        kit-import verify contacts.xlsx --sheet Leads --field "Zip=Postal code" --tag "Imported 2026-11"
        kit-import verify --config nightly.toml --settle 120

    \b
    Exit status:
      0    Kit holds what the file says
      1    the check could not run: bad settings, an unreadable file, Kit refused or kept failing
      3    Kit differs from the file: see the differences CSV
    """
    given = given_on_command_line(flags)
    config = load_config(config_path) if config_path else {}
    names = config.get("credentials") or {}
    if source is not None:
        config["source"] = source
    if "source" not in config:
        raise click.UsageError("Name a SOURCE file, or a --config that names one.")
    token_file = token_file_for(names, config_path, given.get("state") or config.get("state"))
    with kit_target(sandbox, sandbox_auth, names, token_file) as (credential, grant, base_url, _):
        settings = settings_from(config, given, credential=credential, base_url=base_url, refresh=grant)
        result = verify(settings)
    _say(result.summary())
    _say(result.closing_line())
    sys.exit(result.exit_status)


@cli.command("undo")
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
    _say(result.summary())
    _say(result.closing_line())
    sys.exit(result.exit_status)


SANDBOX_NO_UNDO = ("no undo file saved: the sandbox is gone after this run, so one could take nothing back "
                   "(--undo PATH saves one anyway)")

FORM_WARNING = ("--form: adding subscribers to a double opt-in form makes Kit send each new one the form's "
                "incentive email (once per subscriber and form, Kit's page says). Only subscribers active in "
                "Kit and in the file are added.")


class EarlyReport:
    """Writes the --report JSON for an error raised before the library has the settings (no
    credential, a bad config value), once the flag or the config has said where it goes."""

    def __init__(self, path: Path | None, source: Path | None) -> None:
        self.path, self.source = path, source
        self.handed_over = False

    def learn(self, config: dict[str, Any]) -> None:
        """Take the report path and source from a loaded config, unless flags gave them."""
        self.path = self.path or config.get("report")
        self.source = self.source or config.get("source")

    def __enter__(self) -> EarlyReport:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: object) -> None:
        if self.path is None or self.handed_over or not isinstance(error, (ImporterError, KeyboardInterrupt)):
            return
        report = RunReport(source=str(self.source or ""))
        report.failed(error)
        try:
            report.write_json(Path(self.path))
        except OSError:
            pass  # the error itself is what the user must see


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


class StampedLines(logging.Formatter):
    """`2024-05-01 03:15:02 message`, every line of a multi-line message stamped alike."""

    def format(self, record: logging.LogRecord) -> str:
        stamp = self.formatTime(record, "%Y-%m-%d %H:%M:%S")
        return "\n".join(f"{stamp} {line}" for line in record.getMessage().splitlines())


def _open_log(path: Path) -> None:
    """From now until the command ends, also append what it says (timestamped) to `path`,
    through the `kit_import` logger."""
    global _log_handler
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(path, encoding="utf-8")
    except OSError as e:
        raise ImporterError(f"The log file {path} cannot be written: {e.strerror}.", "Check --log.") from None
    handler.setFormatter(StampedLines())
    _close_log()
    _log_handler = handler
    log.addHandler(handler)
    log.setLevel(logging.INFO)


def _close_log() -> None:
    """Stop writing to the --log file (after the command's last word, errors included)."""
    global _log_handler
    if _log_handler is not None:
        log.removeHandler(_log_handler)
        _log_handler.close()
        _log_handler = None
        log.setLevel(logging.NOTSET)
@contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """While a run lasts, SIGTERM (`timeout`, `systemctl stop`, a container's end) stops it as Ctrl-C
    does: requests in flight settle, then the summary, report, failures CSV and log are written."""

    stopping = threading.Event()

    def stop(signum: int, frame: object) -> None:
        # Only the first: `timeout` signals the process and then its group, and systemd may repeat
        # itself; a second one must not cut short the wind-down the first started.
        if not stopping.is_set():
            stopping.set()
            raise Terminated()

    try:
        previous = signal.signal(signal.SIGTERM, stop)
    except ValueError:  # not the main thread (a test runner, an embedding app): leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@cli.command()
@click.argument("source", type=click.Path(path_type=Path))
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False), default=Path("nightly.toml"),
              show_default=True, help="Where to write the config.")
@setting_options(Group.READ)
@setting_options(Group.COLUMNS)
@click.option("--force", is_flag=True, help="Overwrite the output file if it exists.")
@sandbox_options
@friendly_errors
def init(source: Path, output: Path, force: bool, sandbox: bool, sandbox_auth: str, **options: Any) -> None:
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
    opened = open_source(source, given.load)  # first: a missing source is the mistake to name
    if output.exists() and not force:
        opened.close()
        raise ImporterError(f"{output} exists already.", "Pass --force to overwrite it, or --output another path.")
    for note in opened.notes:
        _say(f"Note: {note}")
    kit_fields, known = [], False
    try:
        with kit_target(sandbox, sandbox_auth, token_file=token_file_for({}, None, None)) as (credential, grant,
                                                                                             base_url, _):
            try:
                kit_fields, known = list_custom_fields(KitClient(credential, base_url, grant=grant)), True
            except ConfigError as e:  # a wrong KIT_API_URL: not the missing credential below
                raise ImporterError(str(e), e.hint) from None
    except ConfigError:
        _say("No Kit credential set: columns are listed but not matched to Kit's custom fields.")
    plan = plan_columns(opened.headers, kit_fields, email_column=given.email_column,
                        first_name_column=given.first_name_column, field_specs=given.fields, origins=given.origins,
                        tags_column=given.tags_column)
    statuses = find_status_columns(opened.headers, sample(opened.rows()), exclude={plan.email},
                                   claimed=plan.in_use())
    output.write_text(propose_config(source, plan, opened.describe(), output,
                                     sheet=opened.sheet if given.sheet else None, fields_known=known, given=given,
                                     state_columns=[c.header for c in statuses]),
                      encoding="utf-8")
    status_headers = {c.header for c in statuses}
    left = sum(1 for header, _ in plan.ignored if header not in status_headers)
    click.echo(f"Wrote {output}: email <- {opened.headers[plan.email]!r}, "
               f"{plural(len(plan.fields), 'column')} mapped to "
               f"Kit fields, " + (f"{plural(len(status_headers), 'status column')}, " if status_headers else "") +
               f"{left} left commented out. Check it, then: "
               f"kit-import run --config {output}")


def refuse_credential_flag(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    """`auth --client-id/--client-secret` were dropped: say to use the environment instead."""
    if value is not None:
        raise click.UsageError("kit-import auth takes the app's client id and secret only from the environment, "
                               "which shell history and `ps` do not show: set KIT_CLIENT_ID (and KIT_CLIENT_SECRET "
                               "if the app has one) instead of passing --client-id or --client-secret.", ctx)


@cli.command()
@click.option("--port", type=click.IntRange(1024, 65535), default=8765, show_default=True,
              help="Loopback port for Kit's redirect: add http://127.0.0.1:PORT/callback to the app's redirect URIs.")
@click.option("--token-file", type=click.Path(path_type=Path, dir_okay=False), default=Path("kit-import.tokens.json"),
              show_default=True, help="Where to save the token pair (a config's token_file, or beside its state).")
@click.option("--no-browser", is_flag=True, help="Only print the address to open.")
@click.option("--client-id", "--client-secret", "dropped", hidden=True, expose_value=False, is_eager=True,
              callback=refuse_credential_flag)
@friendly_errors
def auth(port: int, token_file: Path, no_browser: bool) -> None:
    """Authorize kit-import once in a browser (OAuth with PKCE) and save the token pair.

    The app's client id comes from KIT_CLIENT_ID and its secret, if it has one, from
    KIT_CLIENT_SECRET: only the environment, never a flag, which shell history and `ps`
    would show. Scheduled runs then read the pair from the token file and, with
    KIT_CLIENT_ID set, renew it themselves.

    Examples:

    \b
        KIT_CLIENT_ID=abc123 kit-import auth
        kit-import auth --no-browser --token-file /var/lib/kit-import/tokens.json
    """
    import webbrowser

    client_id = os.environ.get("KIT_CLIENT_ID", "").strip()
    if not client_id:
        raise ConfigError("KIT_CLIENT_ID is not set.",
                          "Set it to your Kit app's client id (Settings, Developer), and KIT_CLIENT_SECRET if the app "
                          "has a secret; against `kit-import sandbox`, use the client id it prints.")
    client_secret = os.environ.get("KIT_CLIENT_SECRET", "").strip() or None

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
    """List the account's custom fields: id, key and label.

    Examples:

    \b
        kit-import fields
        kit-import fields --sandbox
    """
    with kit_target(sandbox, sandbox_auth, token_file=token_file_for({}, None, None)) as (credential, grant,
                                                                                         base_url, _):
        client = KitClient(credential, base_url, grant=grant)
        found = list_custom_fields(client)
    if not found:
        click.echo("The account has no custom fields.")
        return
    width = max(len(f.key) for f in found)
    click.echo(f"{'id':>8}  {'key':<{width}}  label")
    for f in found:
        click.echo(f"{f.id:>8}  {f.key:<{width}}  {f.label}")


@cli.command()
@click.argument("source", type=click.Path(path_type=Path))
@friendly_errors
def sheets(source: Path) -> None:
    """List the sheets of a workbook (.xlsx, .xlsm), numbered for --sheet.

    Examples:

    \b
        kit-import sheets contacts.xlsx
        kit-import run contacts.xlsx --sheet 2
    """
    for number, name in enumerate(list_sheets(source), start=1):
        click.echo(f"{number}  {name}")


MAX_LATENCY = 60.0  # seconds: longer than clients wait; rehearse lost answers with --faults drop= instead


def parse_latency(ctx: click.Context | None, param: click.Parameter | None, value: str) -> tuple[float, float]:
    """--latency SECONDS or MIN-MAX, 0 <= MIN <= MAX <= 60, as a (min, max) range."""
    usage = f"give SECONDS or MIN-MAX with 0 <= MIN <= MAX <= {MAX_LATENCY:g}, e.g. 0.3-1.5."
    if value.strip().startswith("-"):
        raise click.BadParameter(f"{value!r} is negative; {usage}", ctx, param)
    lo, dash, hi = value.strip().partition("-")
    try:
        span = (float(lo), float(hi if dash else lo))
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a number of seconds; {usage}", ctx, param) from None
    if not all(math.isfinite(x) and 0 <= x <= MAX_LATENCY for x in span):
        raise click.BadParameter(f"{value!r} is out of range; {usage}", ctx, param)
    if span[0] > span[1]:
        raise click.BadParameter(f"{value!r} has MIN above MAX; {usage}", ctx, param)
    return span


FAULT_KINDS = {"5xx": "errors", "drop": "drops", "413": "queue_full"}  # --faults kind -> Behaviour attribute


def parse_faults(ctx: click.Context | None, param: click.Parameter | None, value: str) -> dict[str, float]:
    """--faults KIND=SHARE,... as Behaviour's share per attribute; shares in [0, 1], summing to at most 1."""
    usage = "give KIND=SHARE,... with KIND 5xx, drop or 413 and shares from 0 to 1, e.g. 5xx=0.05,drop=0.02."
    shares: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in value.split(","))):
        kind, equals, text = (x.strip() for x in part.partition("="))
        if kind not in FAULT_KINDS or not equals:
            raise click.BadParameter(f"{part!r} is not a fault; {usage}", ctx, param)
        if FAULT_KINDS[kind] in shares:
            raise click.BadParameter(f"{kind} is given twice; {usage}", ctx, param)
        try:
            share = float(text)
        except ValueError:
            raise click.BadParameter(f"{part!r} has no share; {usage}", ctx, param) from None
        if not 0 <= share <= 1:  # also refuses nan
            raise click.BadParameter(f"{part!r} is not a share from 0 to 1; {usage}", ctx, param)
        shares[FAULT_KINDS[kind]] = share
    if sum(shares.values()) > 1:
        raise click.BadParameter(f"the shares of {value!r} add up to {sum(shares.values()):g}, more than every "
                                 "request; make them add up to 1 at most.", ctx, param)
    return shares


def parse_sandbox_rate_limit(ctx: click.Context | None, param: click.Parameter | None,
                             value: str | None) -> tuple[int, float] | None:
    """--rate-limit N[/SECONDS] as (requests, window seconds), or None for no limit."""
    if value is None:
        return None
    try:
        return parse_rate_limit(value)
    except Invalid:
        raise click.BadParameter(f"{value!r} is not REQUESTS or REQUESTS/SECONDS with at least 1 request in "
                                 "more than 0 seconds; give e.g. 600 or 600/60.",
                                 ctx, param) from None


@cli.command("sandbox")
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default="a free port",
              help="Port on 127.0.0.1 to serve on.")
@click.option("--account-id", type=click.IntRange(min=1), metavar="N",
              help="The account's id (default: a new random one each start, so a state file made against an "
                   "earlier sandbox is refused as another account's).")
@click.option("--field-mode", type=click.Choice(FIELD_MODES), default="key-error", show_default=True,
              help="How the one-subscriber upsert reads `fields` (Kit's pages differ; see the README).")
@click.option("--latency", metavar="MIN-MAX", default="0", show_default=True, callback=parse_latency,
              help=f"Seconds each answer takes, uniformly drawn, e.g. 0.3-1.5 as Kit's do (at most {MAX_LATENCY:g}).")
@click.option("--rate-limit", metavar="N[/SECONDS]", callback=parse_sandbox_rate_limit,
              help="Answer 429 'Retry later' past N requests per rolling window per credential, e.g. 600/60.")
@click.option("--faults", metavar="KIND=SHARE,...", default="", callback=parse_faults,
              help="Inject faults: 5xx=0.05 (server errors), drop=0.02 (connection dropped after the "
                   "request was applied), 413=0.01 (bulk queue full). Shares add up to 1 at most.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed for latency and faults.")
@click.option("--subscriber-limit", type=click.IntRange(min=0), metavar="N",
              help="The plan's subscriber limit: creating subscriber N+1 is refused with Kit's 403 (default: none).")
@click.option("--max-value-length", type=click.IntRange(min=1), metavar="N",
              help="Refuse custom field values longer than N characters, as a stricter Kit might "
                   "(default: every length is kept; Kit's pages state no limit).")
@click.option("--list-lag", type=click.FloatRange(0, 3600), default=0, show_default=True, metavar="SECONDS",
              help="Make Kit's lists lag writes by this long, as Kit's do (eventual consistency): the "
                   "subscriber list and a subscriber's tags show each subscriber as it was SECONDS ago; a "
                   "read by id is always current.")
@friendly_errors
def sandbox_command(port: int, account_id: int | None, field_mode: str, latency: tuple[float, float],
                    rate_limit: tuple[int, float] | None, faults: dict[str, float], seed: int,
                    subscriber_limit: int | None, max_value_length: int | None, list_lag: float) -> None:
    """Serve the local Kit emulator on 127.0.0.1 until Ctrl-C.

    Each start is a new, empty account with the sample fields (Last name, Company, Postal
    code), a single opt-in form (Newsletter) and no subscribers; it accepts the credentials
    and the OAuth client id it prints and keeps its state in memory only.

    Examples:

    \b
        kit-import sandbox --port 8080
        kit-import sandbox --latency 0.3-1.5 --rate-limit 600/60
        kit-import sandbox --faults 5xx=0.05,drop=0.02 --seed 1
        kit-import sandbox --list-lag 30
    """
    behaviour = Behaviour(latency=latency, rate_limit=rate_limit, seed=seed, errors=faults.get("errors", 0.0),
                          drops=faults.get("drops", 0.0), queue_full=faults.get("queue_full", 0.0))
    store = KitStore(field_mode=field_mode, account_id=account_id, subscriber_limit=subscriber_limit,
                     max_value_length=max_value_length, list_lag=list_lag)
    try:
        emulator = Sandbox(store, port=port, behaviour=behaviour)
    except OSError as e:
        raise ImporterError(f"Cannot serve on 127.0.0.1:{port}: {e.strerror}.", "Choose another --port.") from None
    emulator.seed_fields(SAMPLE_FIELDS)
    emulator.seed_forms(SAMPLE_FORMS)
    click.echo(f"Kit sandbox serving on {emulator.url}: account {store.account_id}, {SEEDED} (Ctrl-C stops it). "
               "In another shell:")
    click.echo(f"  export KIT_API_URL={emulator.url}")
    click.echo(f"  export KIT_ACCESS_TOKEN={emulator.access_token}   # or: KIT_API_KEY={emulator.api_key}")
    click.echo(f"OAuth client id: {emulator.client_id}; to rehearse the one-time authorization:")
    click.echo(f"  KIT_CLIENT_ID={emulator.client_id} KIT_API_URL={emulator.url} kit-import auth --no-browser")
    try:
        emulator.server.serve_forever()
    except KeyboardInterrupt:
        click.echo(f"\nStopped; it held {plural(len(emulator.store.subscribers), 'subscriber')}.")
    finally:
        emulator.server.server_close()


def end_on_broken_pipe() -> NoReturn:
    """The reader went away (`kit-import fields | head -1`): stop quietly, status 1.

    As Python's signal docs advise, stdout is pointed at devnull first, so the flush at exit
    cannot raise again and print "Exception ignored".
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # stdout has no file descriptor (a test runner)
        pass
    sys.exit(ExitStatus.FAILED)


def main() -> None:
    """Console-script entry point; a closed output pipe ends the command quietly."""
    try:
        cli(prog_name="kit-import")
    except BrokenPipeError:  # raised where click does not catch it, e.g. while it prints an error
        end_on_broken_pipe()

