"""Settings: everything one import needs, built from flags and the environment."""

from __future__ import annotations

import difflib
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from importer.errors import ConfigError
from importer.kit import Credential, RefreshGrant, credential_from_env, oauth_from_env
from importer.kit.client import DEFAULT_BASE_URL
from importer.loader import LoadOptions
from importer.mapping import ColumnPlan

BLANK_POLICIES = ("skip", "clear")
FAILURES_SUFFIX = ".failures.csv"


@dataclass
class Settings:
    """One import's settings. The CLI builds one from flags; a Python caller builds it directly."""

    source: Path
    credential: Credential | None = None
    base_url: str = DEFAULT_BASE_URL
    load: LoadOptions = field(default_factory=LoadOptions)
    email_column: str | None = None
    first_name_column: str | None = None
    fields: list[tuple[str, str]] = field(default_factory=list)
    create_missing_fields: bool = False
    blanks: str = "skip"
    failures_path: Path | None = None
    report_path: Path | None = None
    dry_run: bool = False
    rate_limit: int | None = None
    rate_window: float = 60.0
    concurrency: int | None = None
    state_path: Path | None = None
    full: bool = False
    wait: bool = False
    max_changes: float | None = None
    max_rejects: float | None = None
    status_column: str | None = None
    skip_unsubscribed: bool = False
    ignore_status: bool = False
    refresh: RefreshGrant | None = None

    def __post_init__(self) -> None:
        self.source = Path(self.source)
        if self.blanks not in BLANK_POLICIES:
            raise ConfigError(f"Unknown blanks policy {self.blanks!r}.", "Use 'skip' or 'clear'.")
        if self.ignore_status and (self.skip_unsubscribed or self.status_column):
            raise ConfigError("--ignore-status cannot go with --skip-unsubscribed or --status-column.",
                              "Ignore the status column, or use it: not both.")

    @property
    def failures_file(self) -> Path:
        """Where the failures CSV goes: the flag's path, else `<source name>.failures.csv` here.

        The whole name, so that contacts.csv and contacts.xlsx keep apart; a failures CSV fed
        back in writes what still fails back onto itself (it is read in full first, and replaced
        atomically), instead of growing a `.failures.csv.failures.csv`.
        """
        if self.failures_path:
            return self.failures_path
        if self.source.name.casefold().endswith(FAILURES_SUFFIX):
            return self.source
        return Path(self.source.name + FAILURES_SUFFIX)


def parse_field_spec(spec: str) -> tuple[str, str]:
    """`COLUMN=Label` -> (column, label); a bare `COLUMN` maps to a field labelled like it."""
    column, sep, label = spec.partition("=")
    column, label = column.strip(), label.strip()
    if not column or (sep and not label):
        raise ConfigError(f"--field {spec!r} is not COLUMN=Label.",
                          'Write it as --field "Postal code=Zip" (or just --field "Postal code").')
    return column, label or column


def parse_rate_limit(text: str) -> tuple[int, float]:
    """`600` (per 60 s) or `600/60` or `100/10s` -> (requests, window seconds)."""
    count, _, window = text.strip().partition("/")
    try:
        requests, seconds = int(count), float(window.rstrip("s") or 60)
    except ValueError:
        requests, seconds = 0, 0.0
    if requests < 1 or seconds <= 0:
        raise ConfigError(f"--rate-limit {text!r} is not REQUESTS or REQUESTS/SECONDS.",
                          "For example --rate-limit 120 or --rate-limit 600/60.")
    return requests, seconds


def require_credential(env: Mapping[str, str] | None = None, token_var: str = "KIT_ACCESS_TOKEN",
                       key_var: str = "KIT_API_KEY") -> Credential:
    """The credential from the environment, or a ConfigError saying how to provide one."""
    credential = credential_from_env(os.environ if env is None else env, token_var, key_var)
    if credential is None:
        raise ConfigError(f"No Kit credential: set {token_var} (OAuth, fast bulk import) or {key_var}.",
                          "Or pass --sandbox to rehearse against the local Kit emulator.")
    return credential


def credentials_from_env(names: Mapping[str, str] | None = None, token_file: Path | None = None,
                         env: Mapping[str, str] | None = None) -> tuple[Credential, RefreshGrant | None]:
    """The credential to use, and how to refresh it when it is an OAuth token that can be.

    Variable names come from a config's [credentials] table; a saved token file (the pair a
    refresh last produced) wins over the environment's OAuth pair.
    """
    env = os.environ if env is None else env
    names = names or {}
    oauth = oauth_from_env(env, names, token_file)
    if oauth is not None:
        return oauth
    return require_credential(env, names.get("access_token_env", "KIT_ACCESS_TOKEN"),
                              names.get("api_key_env", "KIT_API_KEY")), None


def base_url_from_env(env: Mapping[str, str] | None = None) -> str:
    """KIT_API_URL, or Kit's own API."""
    return ((os.environ if env is None else env).get("KIT_API_URL") or DEFAULT_BASE_URL).strip()


# --- the TOML config of a scheduled import ------------------------------------------------

CONFIG_KEYS: dict[str, type | tuple[type, ...]] = {
    "source": str, "sheet": (str, int), "encoding": str, "delimiter": str, "header_row": int,
    "email_column": str, "first_name_column": str, "fields": dict, "create_missing_fields": bool,
    "blanks": str, "failures": str, "report": str, "log": str, "state": str, "max_changes": (int, float),
    "max_rejects": (int, float), "concurrency": int, "rate_limit": (str, int), "credentials": dict,
    "status_column": str, "skip_unsubscribed": bool, "ignore_status": bool,
}
CREDENTIAL_KEYS = ("access_token_env", "api_key_env", "refresh_token_env", "client_id_env",
                   "client_secret_env", "token_file")


def load_config(path: Path, today: str | None = None) -> dict:
    """Read a scheduled import's TOML config; paths resolved beside it, `{date}` filled in.

    An error names the key and its line, so a broken nightly job says where to look.
    """
    import datetime as dt
    import glob
    import tomllib

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise ConfigError(f"The config file {path} cannot be read: {e.strerror}.", "Check --config.") from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: {e}.", "Fix the TOML syntax on that line.") from None

    def fail(key: str, message: str) -> ConfigError:
        line = _line_of(text, key)
        where = f"{path} line {line}" if line else str(path)
        return ConfigError(f"{where}: {key} {message}.", "Fix that key; see the README's Scheduling section.")

    for key, value in raw.items():
        if key not in CONFIG_KEYS:
            near = difflib.get_close_matches(key, list(CONFIG_KEYS), n=1)
            raise fail(key, "is not a setting kit-import knows" + (f" (did you mean {near[0]}?)" if near else ""))
        wanted = CONFIG_KEYS[key]
        if not isinstance(value, wanted) or (isinstance(value, bool) and wanted in (int, (int, float))):
            names = " or ".join(t.__name__ for t in (wanted if isinstance(wanted, tuple) else (wanted,)))
            raise fail(key, f"must be a {names.replace('str', 'string').replace('dict', 'table')}, not {value!r}")
    for column, label in (raw.get("fields") or {}).items():
        if not isinstance(label, str) or not label.strip():
            raise fail(column, "in [fields] must map to a Kit field label (a string)")
    for key, value in (raw.get("credentials") or {}).items():
        if key not in CREDENTIAL_KEYS or not isinstance(value, str):
            raise fail(key, f"in [credentials] must be one of {', '.join(CREDENTIAL_KEYS)}, a string")
    if raw.get("blanks", "skip") not in BLANK_POLICIES:
        raise fail("blanks", "must be 'skip' or 'clear'")

    base = path.resolve().parent
    date = today or dt.date.today().isoformat()
    out = dict(raw)
    for key in ("failures", "report", "log", "state"):
        if key in out:
            out[key] = base / out[key].replace("{date}", date)
    out.setdefault("state", base / f"{path.stem}.state")
    if "source" in out:
        pattern = str(base / out["source"])
        matches = [Path(m) for m in glob.glob(pattern)] if glob.has_magic(pattern) else [Path(pattern)]
        if not matches:
            raise fail("source", f"matches no file ({pattern})")
        out["source"] = max(matches, key=lambda p: p.stat().st_mtime)
    return out


def _line_of(text: str, key: str) -> int | None:
    pattern = re.compile(rf"^[ \t]*(\"{re.escape(key)}\"|'{re.escape(key)}'|{re.escape(key)})[ \t]*=", re.M)
    match = pattern.search(text)
    return text.count("\n", 0, match.start()) + 1 if match else None


def propose_config(source: Path, plan: ColumnPlan, read_as: str, config_path: Path, *, sheet: str | None,
                   fields_known: bool) -> str:
    """A commented TOML config for a scheduled import of `source`, from the columns found in it."""
    import datetime as dt

    def q(text: str) -> str:
        return json.dumps(text, ensure_ascii=False)

    try:
        where = os.path.relpath(source.resolve(), config_path.resolve().parent)
    except ValueError:  # another drive on Windows
        where = str(source.resolve())
    headers = plan.headers
    lines = [
        f"# kit-import config for a scheduled import, written by `kit-import init` on {dt.date.today()}",
        f"# from {source.name} ({read_as}). Run it with: kit-import run --config {config_path.name}",
        "",
        "# The file to import: a path or a glob (the newest matching file wins), relative to this file.",
        f"source = {q(where)}",
        f"sheet = {q(sheet)}" if sheet else "# sheet = \"Sheet1\"  # workbooks only: by name or number",
        "",
        "# The columns holding the email and the first name (detected).",
        f"email_column = {q(headers[plan.email])}",
        f"first_name_column = {q(headers[plan.first_name])}" if plan.first_name is not None
        else "# first_name_column = \"First Name\"  # none detected",
        "",
        '# Blank cells: "skip" leaves Kit\'s values alone, "clear" empties them in Kit.',
        'blanks = "skip"',
        "",
        "# Where each run writes its rejected rows, its figures and its log; {date} is the run's date.",
        'failures = "kit-import/failures-{date}.csv"',
        'report = "kit-import/report-{date}.json"',
        'log = "kit-import/run-{date}.log"',
        "",
        "# What Kit has, so each run sends only what changed and resumes after a crash.",
        f"state = {q(config_path.stem + '.state')}",
        "",
        "# Brakes against a broken export: write nothing (exit 1) if tonight's file would change or",
        "# reject more than this percentage (the change brake applies from the second run).",
        "max_changes = 20",
        "max_rejects = 10",
        "",
        "[fields]",
    ]
    if plan.fields:
        lines.append("# Columns that match custom fields in Kit:")
        lines += [f"{q(headers[i])} = {q(f.label)}" for i, f in plan.fields]
    if plan.ignored:
        lines.append("# Other columns: uncomment to import them (a label Kit lacks needs create_missing_fields = true)."
                     if fields_known else
                     "# Columns (Kit's fields were not read: set a credential and run init again to match them):")
        lines += [f"# {q(h)} = {q(h)}" for h, _ in plan.ignored]
    lines += [
        "",
        "[credentials]",
        "# The environment variables holding the credential (these are the defaults). With a refresh",
        "# token and client id, an expired OAuth token is renewed and the new pair saved to token_file.",
        '# access_token_env = "KIT_ACCESS_TOKEN"',
        '# api_key_env = "KIT_API_KEY"',
        '# refresh_token_env = "KIT_REFRESH_TOKEN"',
        '# client_id_env = "KIT_CLIENT_ID"',
        '# client_secret_env = "KIT_CLIENT_SECRET"',
        f"# token_file = {q(config_path.stem + '.tokens.json')}",
        "",
    ]
    return "\n".join(lines)
