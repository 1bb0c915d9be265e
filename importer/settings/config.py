"""The TOML config of a scheduled import: read and checked against the declared settings, or proposed.

Its keys are the names of `Settings` fields (see importer/settings/declaration.py), plus a [credentials]
table naming the environment variables that hold the credential.
"""

from __future__ import annotations

import difflib
import json
import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from importer.errors import ConfigError
from importer.read.columns import ColumnPlan
from importer.read.url import is_url, redact, source_name
from importer.settings.origins import from_config
from importer.settings.declaration import BlankPolicy, Declared, Invalid, Settings, check_value, declarations

CONFIG_KEYS: dict[str, Declared] = {name: declared for name, declared in declarations() if declared.config}
CREDENTIAL_KEYS = ("access_token_env", "api_key_env", "refresh_token_env", "client_id_env",
                   "client_secret_env", "token_file")
# Settings whose config value is a path: resolved beside the config, with {date} filled in.
PATH_KEYS = tuple(name for name, declared in CONFIG_KEYS.items() if declared.value is Path and name != "source")


def load_config(path: Path, today: str | None = None) -> dict:
    """Read a scheduled import's TOML config; paths resolved beside it, `{date}` filled in, and the
    files a run names for its source (its undo file, verify's differences CSV) put beside it too.

    An error names the key, the file and its line, so a broken nightly job says where to
    look; its values are checked by the same declarations as the flags'. The result's
    "origins" say where each key is, for the words of errors found later.
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

    def fail(key: str, message: str, hint: str = "") -> ConfigError:
        line = _line_of(text, key)
        return ConfigError(f"{key} in {path}" + (f" (line {line})" if line else "") + f" {message}.",
                           hint or "Fix that key; docs/reference/config.md lists every key.")

    for key, value in raw.items():
        if key == "credentials":
            if not isinstance(value, dict):
                raise fail(key, f"must be a table, not {value!r}")
            continue
        if key not in CONFIG_KEYS:
            near = difflib.get_close_matches(key, [*CONFIG_KEYS, "credentials"], n=1)
            raise fail(key, "is not a setting kit-import knows" + (f" (did you mean {near[0]}?)" if near else ""))
        problem = _problem(CONFIG_KEYS[key], value)
        if problem:
            raise fail(key, problem)
        try:
            check_value(CONFIG_KEYS[key], value)
        except Invalid as e:
            raise fail(key, e.problem, e.hint(key, from_config({key: None}, str(path)))) from None
    for column, label in (raw.get("fields") or {}).items():
        if not isinstance(label, str) or not label.strip():
            raise fail(column, "in [fields] must map to a Kit field label (a string)")
    for key, value in (raw.get("credentials") or {}).items():
        if key not in CREDENTIAL_KEYS or not isinstance(value, str):
            raise fail(key, f"in [credentials] must be one of {', '.join(CREDENTIAL_KEYS)}, a string")

    base = path.resolve().parent
    date = today or dt.datetime.now(dt.timezone.utc).date().isoformat()  # UTC, as the undo files' names
    out = dict(raw)
    out["origins"] = from_config({key: _line_of(text, key) for key in raw if key in CONFIG_KEYS}, str(path))
    for key in PATH_KEYS:
        if key in out:
            out[key] = base / out[key].replace("{date}", date)
    out.setdefault("state", base / f"{path.stem}.state")
    out["output_folder"] = base  # the files named for the source (failures, undo, differences): not cron's folder
    if "source" in out and is_url(out["source"]):
        out["source"] = out["source"].strip()
    elif "source" in out:
        pattern = str(base / out["source"])
        matches = [Path(m) for m in glob.glob(pattern)] if glob.has_magic(pattern) else [Path(pattern)]
        if not matches:
            raise fail("source", f"matches no file ({pattern})")
        out["source"] = max(matches, key=lambda p: p.stat().st_mtime)
    return out


def _given_lines(given: Settings | None, names: tuple[str, ...]) -> list[str]:
    """`key = value` TOML lines for the settings among `names` that were given a value."""
    if given is None:
        return []
    values = {name: getattr(given, name) for name in names}
    return [f"{name} = {json.dumps(value, ensure_ascii=False)}" for name, value in values.items()
            if value is not None and value is not False]


TOML_WORDS = {str: "text", int: "whole number", float: "number", bool: "true or false", dict: "table"}
def _state_lines(given: Settings | None, detected: Sequence[str], q: Callable[[str], str]) -> list[str]:
    """The config's lines on the subscription status: what init was given, else the detected column."""
    lines = _given_lines(given, ("state_column", "status_column", "skip_unsubscribed", "ignore_status"))
    if given is not None and (given.states_from or given.ignore_status):
        return lines
    if len(detected) == 1:
        return ["# The subscription status of each row (detected): people who left are created in Kit as",
                "# cancelled, bounced... (docs/consent.md, How cells read, lists the words); skip_unsubscribed = true",
                "# leaves them out.",
                f"state_column = {q(detected[0])}", *lines]
    if detected:
        return [f"# Status columns detected, read together: {', '.join(q(h) for h in detected)}.", *lines]
    return ['# state_column = "Status"  # none detected: a column holding each row\'s subscription status', *lines]


def _state_words_lines(given: Settings | None, unread: Sequence[str], q: Callable[[str], str]) -> list[str]:
    """The [state_words] table: the words given to init, and the status words no table reads, to fill in."""
    words = list(given.state_words) if given is not None else []
    if not words and not unread:
        return []
    lines = ["", "[state_words]"]
    lines += [f"{q(word)} = {q(state)}" for word, state in words]
    if unread:
        lines += ["# The status column's words kit-import cannot read: say what each means (active, cancelled,",
                  "# bounced, complained or inactive) and uncomment it. Until then a run stops before writing."]
        lines += [f'# {q(word)} = "STATE"' for word in unread]
    return lines


def _problem(declared: Declared, value: Any) -> str | None:
    """What is wrong with a config value's TOML type; None when nothing is (`check_value` checks the rest)."""
    wanted = declared.toml_types
    if not isinstance(value, wanted) or (isinstance(value, bool) and bool not in wanted):
        words = [TOML_WORDS[t] for t in wanted if not (t is int and float in wanted)]
        article = "" if words[0].startswith("true") else "an " if words[0][0] in "aeiou" else "a "
        return f"must be {article}{' or '.join(words)}, not {_toml_repr(value)}"
    return None


def _toml_repr(value: Any) -> str:
    """A value as the user wrote it in TOML (true, not True)."""
    return ("true" if value else "false") if isinstance(value, bool) else repr(value)


def _line_of(text: str, key: str) -> int | None:
    """The line of `key = ...` (or of the table `[key]`) in a TOML text."""
    name = rf"(\"{re.escape(key)}\"|'{re.escape(key)}'|{re.escape(key)})"
    pattern = re.compile(rf"^[ \t]*({name}[ \t]*=|\[[ \t]*{name}[ \t]*\])", re.M)
    match = pattern.search(text)
    return text.count("\n", 0, match.start()) + 1 if match else None


# The nightly sync's settings, commented out: what `init` offers besides the columns.
NIGHTLY_LINES = (
    "# A nightly sync: people an earlier run imported who are no longer in the source (\"nothing\",",
    "# \"untag:TAG\" or \"unsubscribe\"; it counts for max_changes), sequences, alerts and a dead man's switch.",
    '# when_removed = "untag:Customers"',
    '# sequences = ["Welcome"]  # add imported active subscribers to these sequences (name or id)',
    '# notify = ["https://hooks.slack.com/services/..."]  # POST a short summary of the run',
    '# notify_on = "problems"  # failure, problems (also a brake, or many rejects) or always',
    '# healthcheck = "https://hc-ping.com/<uuid>"  # pinged at the start, on success and on failure',
    "# full_read_days = 7  # read Kit for every contact at least this often, to find changes made in Kit",
)


def config_text(source: Path | str, plan: ColumnPlan, read_as: str, config_path: Path, *, sheet: str | None,
                fields_known: bool, given: Settings | None = None, state_columns: Sequence[str] = (),
                unread_words: Sequence[str] = ()) -> str:
    """A commented TOML config for a scheduled import of `source`, from the columns found in it.

    The reading and column settings `given` to `init` are written in, so the nightly run reads
    the file as init did. `state_columns` are the status columns detected in it; `unread_words`
    the words of a status column kit-import cannot read, for a [state_words] table to fill in.
    """
    lines = [
        *_source_lines(source, read_as, config_path, sheet, given),
        *_column_lines(plan, given, state_columns),
        *ACTION_LINES,
        *_tag_lines(plan, given),
        *_run_lines(config_path),
        *NIGHTLY_LINES,
        "",
        *_fields_table(plan, fields_known, state_columns),
        *_state_words_lines(given, unread_words, _q),
        *_credentials_table(config_path),
    ]
    return "\n".join(lines)


def _q(text: str) -> str:
    """A TOML string: JSON's quoting is TOML's for a basic string."""
    return json.dumps(text, ensure_ascii=False)


def _source_lines(source: Path | str, read_as: str, config_path: Path, sheet: str | None,
                  given: Settings | None) -> list[str]:
    """The config's heading and where and how the file is read, relative to the config."""
    import datetime as dt

    if is_url(source):
        where = str(source)  # the address as given: a token in it is the user's, kept in their own file
    else:
        try:
            where = os.path.relpath(Path(source).resolve(), config_path.resolve().parent)
        except ValueError:  # another drive on Windows
            where = str(Path(source).resolve())
    return [
        f"# kit-import config for a scheduled import, written by `kit-import init` on {dt.date.today()}",
        f"# from {redact(source) if is_url(source) else source_name(source)} ({read_as}). "
        f"Run it with: kit-import run --config {config_path.name}",
        "",
        "# The file to import: a path or a glob (the newest matching file wins), relative to this file,",
        "# or an https:// URL (a Google Sheets link is read as its CSV export).",
        f"source = {_q(where)}",
        f"sheet = {_q(sheet)}" if sheet else "# sheet = \"Sheet1\"  # workbooks only: by name or number",
        *_given_lines(given, ("encoding", "delimiter", "header_row")),
        "",
    ]


def _column_lines(plan: ColumnPlan, given: Settings | None, state_columns: Sequence[str]) -> list[str]:
    """The email, first-name and status columns as detected (or as given to init)."""
    headers = plan.headers
    return [
        "# The columns holding the email and the first name (detected).",
        f"email_column = {_q(headers[plan.email])}",
        f"first_name_column = {_q(headers[plan.first_name])}" if plan.first_name is not None
        else 'first_name_column = "none"' if given and given.first_name_column
        else "# first_name_column = \"First Name\"  # none detected",
        *([("no_split_names = true  # the whole name is the first name" if given and given.no_split_names else
            "no_split_names = false  # the name's first word is the first name, the rest goes to Last name")]
          if plan.lone_name else []),
        *_state_lines(given, state_columns, _q),
        "",
    ]


# States and forms: commented out, for the user to choose.
ACTION_LINES = (
    "# Subscriber state and forms. Kit never re-activates anyone on import, and neither does kit-import.",
    '# subscriber_state = "active"  # the state new subscribers are created in when their row gives none',
    "# By default the file's opt-outs unsubscribe people Kit holds active, unless Kit shows a newer opt-in.",
    "# keep_kit_state = true  # leave every existing subscriber's state as Kit has it",
    "# unsubscribe = true  # unsubscribe every opt-out, even where Kit shows a newer opt-in",
    '# form = "Newsletter"  # add imported active subscribers to this form (name or id); a double opt-in',
    "#                      # form makes Kit send each new one its incentive email",
    '# referrer = "https://example.com/signup"  # recorded with each form addition',
    "",
)


def _tag_lines(plan: ColumnPlan, given: Settings | None) -> list[str]:
    """The tags column (detected) and tags for everyone (as given to init)."""
    return [
        "# Tags: each row's from a column (split on commas), and tags for every subscriber. Tags Kit",
        "# lacks are created; tags are only added (when_removed below can take one off people who left).",
        f"tags_column = {_q(plan.headers[plan.tags])}" if plan.tags is not None
        else '# tags_column = "Tags"  # none detected',
        f"tags = {json.dumps(given.tags, ensure_ascii=False)}" if given and given.tags
        else '# tags = ["Imported with kit-import"]',
        "",
    ]


def _run_lines(config_path: Path) -> list[str]:
    """Blanks, the run's files, its state file and its brakes."""
    return [
        '# Blank cells: "skip" leaves Kit\'s values alone, "clear" empties them in Kit.',
        f'blanks = "{BlankPolicy.SKIP}"',
        "",
        "# Where each run writes its rejected rows, its figures and its log; {date} is the run's date.",
        'failures = "kit-import/failures-{date}.csv"',
        'report = "kit-import/report-{date}.json"',
        'log = "kit-import/run-{date}.log"',
        "",
        "# What Kit has, so each run sends only what changed and resumes after a crash.",
        f"state = {_q(config_path.stem + '.state')}",
        "",
        "# Brakes against a broken export: write nothing (exit 1) if tonight's file would change or",
        "# reject more than this percentage (the change brake applies from the second run).",
        "max_changes = 20",
        "max_rejects = 10",
        "",
    ]


def _fields_table(plan: ColumnPlan, fields_known: bool, state_columns: Sequence[str]) -> list[str]:
    """The [fields] table: columns matched to Kit's fields, labels to create, the rest commented out."""
    headers = plan.headers
    lines = ["[fields]"]
    if plan.fields:
        lines.append("# Columns that match custom fields in Kit:")
        lines += [f"{_q(headers[i])} = {_q(f.label)}" for i, f in plan.fields]
    if plan.missing:
        lines.append("# Labels Kit does not have yet (a run creates them with create_missing_fields = true):")
        lines += [f"{_q(headers[i])} = {_q(label)}" for i, label in plan.missing]
    ignored = [(h, why) for h, why in plan.ignored if h not in state_columns]  # a status column is no field
    if ignored:
        lines.append("# Other columns: uncomment to import them (a label Kit lacks needs create_missing_fields = true)."
                     if fields_known else
                     "# Columns (Kit's fields were not read: set a credential and run init again to match them):")
        lines += [f"# {_q(h)} = {_q(h)}" for h, _ in ignored]
    return lines


def _credentials_table(config_path: Path) -> list[str]:
    """The [credentials] table, commented out: which environment variables hold the credential."""
    return [
        "",
        "[credentials]",
        "# The environment variables holding the credential (these are the defaults). With a refresh",
        "# token and client id, an expired OAuth token is renewed and the new pair saved to token_file.",
        '# access_token_env = "KIT_ACCESS_TOKEN"',
        '# api_key_env = "KIT_API_KEY"',
        '# refresh_token_env = "KIT_REFRESH_TOKEN"',
        '# client_id_env = "KIT_CLIENT_ID"',
        '# client_secret_env = "KIT_CLIENT_SECRET"',
        f"# token_file = {_q(config_path.stem + '.tokens.json')}",
        "",
    ]
