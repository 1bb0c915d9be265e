"""Settings: every setting of an import declared once, and the parsing of its values.

Each `Settings` field is one setting: its name is the TOML config key and (dashed) the
command-line option, and its `Declared` metadata says what the CLI and the config need to
know of it. The CLI's options, the config's keys and their checks are all derived from here.
"""

from __future__ import annotations

import codecs
import dataclasses
import math
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import Enum, StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from importer.decide.unsubscribes import Mode
from importer.errors import ConfigError
from importer.kit import Credential, RefreshGrant, oauth_from_env
from importer.kit.client import DEFAULT_BASE_URL
from importer.read.files import LoadOptions
from importer.decide.history import DEFAULT_KEEP_DAYS
from importer.outputs.alerts import NotifyOn
from importer.read.url import DEFAULT_MAX_MB, DEFAULT_TIMEOUT, LOCAL_HOSTS, is_url, redact, source_name
from importer.settings.origins import FLAG, Origins
from importer.settings.together import check_together
from importer.records import KitState


class BlankPolicy(StrEnum):
    """What a blank cell does to a value Kit already holds (`ContactMerger` applies it)."""

    SKIP = "skip"
    CLEAR = "clear"


class CompareMode(StrEnum):
    """Whether a run reads what Kit holds to send only the difference (`importer/decide/held.py` decides for auto)."""

    AUTO = "auto"
    ALWAYS = "always"
    NEVER = "never"


class Group(StrEnum):
    """Which commands take a setting as an option: `run` takes them all, `init` the first two."""

    READ = "read"  # how to read the file
    COLUMNS = "columns"  # which column feeds what
    RUN = "run"  # how the import runs


FAILURES_SUFFIX = ".failures.csv"
VERIFY_SUFFIX = ".verify.csv"


@dataclass(frozen=True)
class Declared:
    """What the CLI and the TOML config know of one setting; its name and default are the field's."""

    help: str
    group: Group | None = Group.RUN  # None: not a command-line option
    value: type = str  # one value's type: str, int, float, bool (a flag), Path, or an Enum
    metavar: str | None = None
    flag: str | None = None  # the option's spelling, when it is not --<name with dashes>
    multiple: bool = False
    low: float | None = None
    high: float | None = None
    toml: tuple[type, ...] | None = None  # the TOML types accepted, when not derived from `value`
    config: bool = True  # a key of the TOML config
    parse: Callable[[Any], Any] | None = None  # an option's or config's value -> the field's

    @property
    def toml_types(self) -> tuple[type, ...]:
        """The TOML value types this setting accepts in a config."""
        if self.toml:
            return self.toml
        if self.value is float:
            return (int, float)
        if self.value is Path or issubclass(self.value, Enum):
            return (str,)
        return (self.value,)

    @property
    def choices(self) -> list[str] | None:
        """The words an Enum-valued setting accepts."""
        return [m.value for m in self.value] if issubclass(self.value, Enum) else None


class Invalid(ValueError):
    """A setting's value is wrong: `problem` says how ("must be one character, not ';;'"), `examples`
    are good values; the caller words it for where the value came from (see `worded`)."""

    def __init__(self, problem: str, *examples: Any) -> None:
        super().__init__(problem)
        self.problem, self.examples = problem, examples

    def hint(self, name: str, origins: Origins) -> str:
        """"For example ..." with the good values spelled as the origin writes them."""
        return "For example " + " or ".join(origins.spelled(name, x) for x in self.examples) + "." \
            if self.examples else ""


def worded(name: str, error: Invalid, origins: Origins) -> ConfigError:
    """A bad value's ConfigError, naming the setting where it came from."""
    return ConfigError(f"{origins.named(name)} {error.problem}.", error.hint(name, origins))


def parse_field_spec(spec: str) -> tuple[str, str]:
    """`COLUMN=Label` -> (column, label). A bare `COLUMN` is refused: whether it names the column or
    the Kit field is a guess, and a wrong one said "no column Zip" of a Kit field named Zip."""
    column, sep, label = spec.partition("=")
    column, label = column.strip(), label.strip()
    if not sep and column:
        raise Invalid(f"must be COLUMN=Label, the file's column and the Kit field it fills, not {spec!r} alone",
                      (column, column), ("Zip", "Postal code"))
    if not column or not label:
        raise Invalid(f"must be COLUMN=Label, not {spec!r}", ("Zip", "Postal code"))
    return column, label


def parse_fields(value: Any) -> list[tuple[str, str]]:
    """A config's [fields] table, `--field` texts or (column, label) pairs -> (column, label) pairs."""
    if isinstance(value, Mapping):
        return [(str(column).strip(), str(label).strip()) for column, label in value.items()]
    return [parse_field_spec(v) if isinstance(v, str) else (str(v[0]).strip(), str(v[1]).strip()) for v in value]


def parse_state_words(value: Any) -> list[tuple[str, str]]:
    """A config's [state_words] table or `--state-word` texts ("abgemeldet=cancelled") -> (word, Kit state)
    pairs; the state may be any word kit-import reads in English (unsubscribed, cleaned, pending...)."""
    from importer.read.consent_vocab import WORDS
    from importer.read.names import normalize

    pairs = list(value.items()) if isinstance(value, Mapping) else \
        [v.rpartition("=")[::2] if isinstance(v, str) else tuple(v) for v in value]
    out = []
    for word, state in pairs:
        word, state = str(word).strip(), str(state).strip()
        meant = state.casefold() if state.casefold() in set(KitState) else WORDS.get(normalize(state))
        if not word or meant is None:
            raise Invalid(f"must be WORD=state with a Kit state (active, cancelled, bounced, complained or "
                          f"inactive), not {word + '=' + state if word else state!r}", ("abgemeldet", "cancelled"))
        out.append((word, KitState(meant).value))
    return out


def parse_rate_limit(text: str) -> tuple[int, float]:
    """`600` (per 60 s) or `600/60` or `100/10s` -> (requests, window seconds)."""
    count, _, window = text.strip().partition("/")
    try:
        requests, seconds = int(count), float(window.rstrip("s") or 60)
    except ValueError:
        requests, seconds = 0, 0.0
    if requests < 1 or not 0 < seconds < math.inf:
        raise Invalid(f"must be REQUESTS or REQUESTS/SECONDS, at least 1 request in more than 0 seconds, "
                      f"not {text!r}", "120", "600/60")
    return requests, seconds


def check_rate_limit(value: int | str) -> int | str:
    """A rate limit as given (a count, or text for `parse_rate_limit`), once it is known to be good."""
    if isinstance(value, str):
        parse_rate_limit(value)
    elif value < 1:
        raise Invalid(f"must be at least 1 request, not {value!r}", "120", "600/60")
    return value


def check_delimiter(text: str) -> str:
    """One character; `\\t` or `tab` is a tab."""
    if text in ("\\t", "tab", "TAB"):
        return "\t"
    if len(text) != 1:
        raise Invalid(f"must be one character (or tab), not {text!r}", ";", "tab")
    return text


def check_encoding(name: str) -> str:
    """An encoding Python knows, by any of its names."""
    try:
        codecs.lookup(name)
    except LookupError:
        raise Invalid(f"must be an encoding Python knows, not {name!r}", "utf-8", "cp1252") from None
    return name


def check_value(declared: Declared, value: Any) -> Any:
    """A value checked (and parsed) by its declaration: choices, range, parser; Invalid says what is wrong."""
    if declared.choices and not isinstance(value, declared.value) and value not in declared.choices:
        raise Invalid(" or ".join(repr(c) for c in declared.choices).join(("must be ", f", not {value!r}")),
                      *declared.choices)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and (
            (declared.low is not None and value < declared.low)
            or (declared.high is not None and value > declared.high)):
        span = f"from {declared.low:g} to {declared.high:g}" if declared.high is not None else \
            f"at least {declared.low:g}"
        raise Invalid(f"must be {span}, not {value!r}")
    return declared.parse(value) if declared.parse is not None else value


def parse_tags(value: Any) -> list[str]:
    """`--tag` texts or a config's list of names -> tag names, trimmed, each once ignoring case."""
    from importer.read.tags import unique

    names = [value] if isinstance(value, str) else list(value)
    if not all(isinstance(n, str) for n in names):
        raise Invalid(f"must be tag names (text), not {value!r}", "Imported 2026-11")
    if any(not n.strip() for n in names):
        raise Invalid("must not be a blank name", "Imported 2026-11")
    return list(unique(names))


def check_when_removed(value: Any) -> str:
    """`nothing`, `untag:TAG` or `unsubscribe`, as given (trimmed)."""
    from importer.decide.leavers import parse_when_removed

    try:
        mode, tag = parse_when_removed(value)
    except ValueError as e:
        raise Invalid(str(e), "untag:Customers", "unsubscribe") from None
    return f"{mode}:{tag}" if tag else mode


def parse_webhook(value: Any) -> str:
    """An https:// URL (plain http on this machine only: 127.0.0.1, localhost or ::1), named in errors without
    its path or query."""
    if not isinstance(value, str) or not is_url(value):
        raise Invalid(f"must be an https:// URL, not {redact(value, keep_path=False)!r}", "https://hc-ping.com/UUID")
    url = value.strip()
    host = urlsplit(url).hostname or ""
    if not url.lower().startswith("https://") and host not in LOCAL_HOSTS:
        raise Invalid(f"must be an https:// URL, not {redact(url, keep_path=False)!r}", "https://hc-ping.com/UUID")
    return url


def parse_webhooks(value: Any) -> list[str]:
    """`--notify` URLs or a config's list of them."""
    urls = [value] if isinstance(value, str) else list(value)
    return [parse_webhook(url) for url in urls]


def parse_names(value: Any) -> list[str]:
    """`--sequence` texts or a config's list of names or ids -> names, trimmed, each once."""
    names = [value] if isinstance(value, (str, int)) else list(value)
    if not all(isinstance(n, (str, int)) and not isinstance(n, bool) for n in names):
        raise Invalid(f"must be names or ids, not {value!r}", "Welcome")
    texts = [str(n).strip() for n in names]
    if any(not t for t in texts):
        raise Invalid("must not be a blank name", "Welcome")
    return list(dict.fromkeys(texts))


def setting(default: Any = None, help: str = "", **declared: Any) -> Any:
    """A Settings field with its declaration; a list default becomes a fresh list per instance."""
    metadata = {"declared": Declared(help=help, **declared)}
    if isinstance(default, list):
        return field(default_factory=list, metadata=metadata)
    return field(default=default, metadata=metadata)


@dataclass
class Settings:
    """One import's settings. The CLI builds one from the config and flags; a Python caller directly."""

    source: Path | str = setting(dataclasses.MISSING, help="The file to import: a path, a glob (the newest "
                                 "matching file wins), or an https:// URL (a Google Sheets link is read as its CSV "
                                 "export).", group=None, value=Path)
    credential: Credential | None = None
    base_url: str | None = None  # None: KIT_API_URL, else Kit's own API
    sheet: str | None = setting(help="Workbook sheet to read, by name or number (default: the first).",
                                group=Group.READ, metavar="NAME", toml=(str, int), parse=str)
    encoding: str | None = setting(help="Text encoding of a CSV (default: detected).", group=Group.READ,
                                   metavar="NAME", parse=check_encoding)
    delimiter: str | None = setting(help="CSV delimiter: ',' ';' '|' or tab (default: detected).",
                                    group=Group.READ, metavar="CHAR", parse=check_delimiter)
    header_row: int | None = setting(help="Row number of the header (default: detected; a title above it is "
                                          "skipped).", group=Group.READ, value=int, low=1, metavar="N")
    max_download_mb: float = setting(float(DEFAULT_MAX_MB), help="Largest source download, in MB: a URL source "
                                     "over it is refused (exit 1) without reading more.", group=Group.READ,
                                     value=float, low=0.001, metavar="MB")
    download_timeout: float = setting(DEFAULT_TIMEOUT, help="Seconds a URL source may take to answer (to connect, "
                                      "and between two pieces of the file).", group=Group.READ, value=float,
                                      low=1, high=3600, metavar="SECONDS")
    email_column: str | None = setting(help="Column holding the email (default: detected).", group=Group.COLUMNS,
                                       metavar="COLUMN")
    first_name_column: str | None = setting(
        help="Column holding the first name (default: detected; a lone Name column if none), or 'none'.",
        group=Group.COLUMNS, metavar="COLUMN")
    no_split_names: bool = setting(
        False, help="Send a lone full-name column whole as the first name (default: its first name, the rest to "
                    "Kit's Last name field when the account has one).", group=Group.COLUMNS, value=bool)
    fields: list[tuple[str, str]] = setting(
        [], help="Map a column to a Kit custom field by label or key (repeatable). Columns named like an existing "
                 "field are mapped without it.",
        group=Group.COLUMNS, flag="--field", multiple=True, metavar='"COLUMN=Label"', toml=(dict,),
        parse=parse_fields)
    tags_column: str | None = setting(
        help="Column holding each row's tags, split on commas (default: a column headed Tags or Labels, unless "
             "--field maps it).", group=Group.COLUMNS, metavar="COLUMN")
    tags: list[str] = setting(
        [], help="Tag every imported subscriber with NAME (repeatable). Tags Kit lacks are created; tags are only "
                 "ever added, never removed.", flag="--tag", multiple=True, metavar="NAME", toml=(list,),
        parse=parse_tags)
    create_missing_fields: bool = setting(False, help="Create --field labels that Kit does not have yet.",
                                          value=bool)
    skip_unsubscribed: bool = setting(
        False, help="Leave out rows whose status says not subscribed (default: new ones are created in that state, "
                    "e.g. unsubscribed as cancelled).", group=Group.COLUMNS, value=bool)
    ignore_status: bool = setting(False, help="The detected status column means something else: create new "
                                              "subscribers active (or --subscriber-state), leave existing ones as "
                                              "Kit has them.", group=Group.COLUMNS, value=bool)
    state_column: str | None = setting(help="Column holding each row's subscription status, read as a Kit state "
                                            "(default: detected).", group=Group.COLUMNS, metavar="COLUMN")
    status_column: str | None = setting(help="The earlier name of --state-column.", group=Group.COLUMNS,
                                        metavar="COLUMN")
    state_words: list[tuple[str, str]] = setting(
        [], help="Read WORD in the status column as a Kit state: active, cancelled, bounced, complained or inactive "
                 "(repeatable), for words kit-import does not know, such as status codes.",
        group=Group.COLUMNS, flag="--state-word", multiple=True, metavar='"WORD=state"', toml=(dict,),
        parse=parse_state_words)
    blanks: BlankPolicy = setting(BlankPolicy.SKIP, help="skip: a blank cell leaves Kit's value alone; clear: a "
                                                         "blank cell clears it.", value=BlankPolicy)
    subscriber_state: KitState = setting(
        KitState.ACTIVE, help="The state new subscribers are created in when their row gives none. Kit never "
                              "changes an existing subscriber's state on import.", value=KitState)
    unsubscribe: bool = setting(False, help="Unsubscribe every subscriber Kit holds active whom the file says "
                                            "opted out, even where Kit shows a newer opt-in (default: all but "
                                            "those).", value=bool)
    keep_kit_state: bool = setting(False, help="Leave every existing subscriber's state as Kit has it: the file's "
                                               "opt-outs unsubscribe nobody (they are listed in the report).",
                                   value=bool)
    form: str | None = setting(
        help="Add every imported active subscriber to this Kit form (name or id). Warning: adding subscribers to "
             "a double opt-in form makes Kit send each new one the form's incentive email.",
        metavar="NAME|ID", toml=(str, int), parse=str)
    referrer: str | None = setting(help="The referrer URL recorded with each --form addition.", metavar="URL")
    sequences: list[str] = setting(
        [], help="Add every imported active subscriber to this Kit sequence (name or id; repeatable). Nobody known "
                 "to be in it is added again: a repeating sequence would start them over.",
        flag="--sequence", multiple=True, metavar="NAME|ID", toml=(list,), parse=parse_names)
    failures: Path | None = setting(help="Where to write rejected rows (default: <source name>.failures.csv in "
                                         "the current folder, or beside the config file).",
                                    value=Path, metavar="PATH")
    report: Path | None = setting(help="Also write the run's figures as JSON here.", value=Path, metavar="PATH")
    undo: Path | None = setting(help="Where to save the undo file, before anything is written: Kit's value of "
                                     "everything the run changes (default: <source name>.<time>.undo.csv, a new "
                                     "one each run, in the current folder; with --config: beside it).",
                                value=Path, metavar="PATH")
    no_undo: bool = setting(False, help="Save no undo file (a run that did not read the account then reads no "
                                        "subscriber for one).", value=bool)
    verify: bool = setting(False, help="After the import, read back what Kit holds and report every difference "
                                       "from the file (exit 3 if any), as `kit-import verify` does.", value=bool)
    differences: Path | None = setting(help="Where verify writes the differences CSV (default: <source "
                                            "name>.verify.csv in the current folder; with --config: beside it).",
                                       value=Path, metavar="PATH")
    settle: float = setting(300.0, help="Seconds verify may wait, reading again with doubling pauses, for Kit's "
                                        "lists (a subscriber found by email, a subscriber's tags), which lag "
                                        "writes by up to 5 minutes, before it calls what they lack a difference.",
                            value=float, low=0, high=3600,
                            metavar="SECONDS")
    log: Path | None = setting(help="Also append this run's timestamped log lines and summary to this file.",
                               value=Path, metavar="PATH")
    dry_run: bool = setting(False, help="Read, map, validate and plan with read-only requests; write nothing.",
                            value=bool, config=False)
    state: Path | None = setting(help="SQLite state of what Kit has: send only new and changed contacts, resume "
                                      "after a crash, and never overlap another run on the same state (default "
                                      "with --config: beside it).", value=Path, metavar="PATH")
    full_read_days: float = setting(7.0, help="With a state file, read Kit for the contacts it holds at least this "
                                              "often (in days), even when a read does not pay, so that changes "
                                              "made in Kit's web app are found and set back; 0: never.",
                                    value=float, low=0, high=3650, metavar="DAYS")
    full: bool = setting(False, help="Send everything, ignoring what the state says Kit has (and, unless "
                                     "--compare always, without reading Kit).", value=bool, config=False)
    compare: CompareMode = setting(
        CompareMode.AUTO, help="Read what Kit holds and send only the difference: auto when the read costs fewer "
                               "requests than the writes it could save, always, or never (send the whole file).",
        value=CompareMode)
    diff: Path | None = setting(help="Write every change the run makes (or, with --dry-run, would make) to this CSV: "
                                     "email, what, Kit's value, the file's value. Needs a read of Kit.",
                                value=Path, metavar="PATH")
    wait: bool = setting(False, help="If another run holds the state, wait for it instead of exiting 1.",
                         value=bool, config=False)
    max_changes: float | None = setting(help="Write nothing (exit 1) if more than this share of contacts would "
                                             "change: a broken export.", value=float, low=0, high=100,
                                        metavar="PERCENT")
    max_rejects: float | None = setting(help="Write nothing (exit 1) if more than this share of rows would be "
                                             "rejected.", value=float, low=0, high=100, metavar="PERCENT")
    when_removed: str = setting("nothing", help="What happens in Kit to subscribers an earlier run imported from "
                                                "this source that are no longer in it (needs a state file): "
                                                "nothing, untag:TAG (remove that tag) or unsubscribe.",
                                metavar="nothing|untag:TAG|unsubscribe", parse=check_when_removed)
    notify: list[str] = setting(
        [], help="POST a short JSON summary of the run to this webhook URL (repeatable; Slack's incoming webhooks "
                 "get Slack's message shape). Its path and query are never shown.", metavar="URL", multiple=True,
        toml=(list,), parse=parse_webhooks)
    notify_on: NotifyOn = setting(NotifyOn.PROBLEMS, help="When --notify sends: failure (exit 1, an interrupt), "
                                                          "problems (also a brake, or rejects over --notify-rejects), "
                                                          "or always.", value=NotifyOn)
    notify_rejects: float = setting(1.0, help="With --notify-on problems, alert when more than this share of rows "
                                              "is rejected.", value=float, low=0, high=100, metavar="PERCENT")
    healthcheck: str | None = setting(help="Ping a dead man's switch (healthchecks.io's convention): URL/start when "
                                           "the run starts, URL when it finishes (exit 0 or 3), URL/fail when not.",
                                      metavar="URL", parse=parse_webhook)
    keep_history_days: int = setting(DEFAULT_KEEP_DAYS, help="Days the state file keeps each run in its history "
                                                             "(`kit-import history`) before trimming it.",
                                     group=None, value=int, low=1, metavar="DAYS")
    rate_limit: int | str | None = setting(
        help="Requests allowed per rolling window for this credential, e.g. 600 or 600/60 (default: Kit's 600 a "
             "minute for OAuth, 120 for an API key, less 3%).", metavar="N[/SECONDS]", toml=(str, int),
        parse=check_rate_limit)
    rate_window: float = 60.0  # seconds; a rate_limit text such as "600/60" sets it
    concurrency: int | None = setting(help="Requests in flight at once (default: enough to use the rate limit "
                                           "fully when Kit takes 1.5 s to answer: 18 for OAuth, 4 for an API key).",
                                      value=int, low=1, high=256, metavar="N")
    refresh: RefreshGrant | None = None
    # Where the files named for the source go (each run's undo file, verify's differences CSV): a config's
    # folder (`load_config`), not cron's working folder; None: the current folder.
    output_folder: Path | None = None
    origins: Origins = field(default_factory=Origins)  # where each value came from, for the words of errors
    notes: list[str] = field(default_factory=list, init=False)  # settings set aside, said in the summary

    def __post_init__(self) -> None:
        for name, declared in declarations():
            value = getattr(self, name)
            if value is not None and value != []:
                setattr(self, name, self._coerce(name, declared, value))
        if isinstance(self.rate_limit, str):  # checked by its declaration (check_rate_limit) above
            self.rate_limit, self.rate_window = parse_rate_limit(self.rate_limit)
        self.notes = check_together(self)

    def _coerce(self, name: str, declared: Declared, value: Any) -> Any:
        """A flag's, config's or caller's value as the field holds it; a bad one is a ConfigError naming it."""
        try:
            value = check_value(declared, value)
        except Invalid as e:
            raise worded(name, e, self.origins) from None
        if declared.value is Path:
            return value.strip() if name == "source" and is_url(value) else Path(value)
        if declared.value is float and not isinstance(value, bool):
            return float(value)
        if issubclass(declared.value, Enum):
            return declared.value(value)
        return value

    def named(self, name: str) -> str:
        """The setting `name` in the words of where it came from: `--sheet`, `sheet in nightly.toml (line 4)`."""
        return self.origins.named(name)

    @classmethod
    def from_options(cls, values: Mapping[str, Any], flags: Mapping[str, Any] | None = None,
                     **given: Any) -> Settings:
        """Settings from a config's values and the flags typed (flags win), and other fields `given`.

        None means not given; names that are not fields are ignored. The origins say which
        value came from a flag and which from the config's line (`load_config`'s "origins").
        """
        flags = {name: value for name, value in (flags or {}).items() if value is not None}
        config: Origins = values.get("origins") or Origins(frame=FLAG)
        origins = Origins({**config.given, **dict.fromkeys(flags, FLAG)}, config.frame,
                          flags={name: d.flag for name, d in declarations() if d.flag},
                          flag_only=frozenset(name for name, d in declarations() if not d.config))
        names = {f.name for f in dataclasses.fields(cls)} - {"origins"}
        merged = {**values, **flags, **given}
        return cls(**{name: value for name, value in merged.items() if name in names and value is not None},
                   origins=origins)

    @property
    def consent(self) -> Mode:
        """What the run does with the file's opt-outs for subscribers Kit holds active (decide/unsubscribes.py)."""
        return Mode.KEEP if self.keep_kit_state else Mode.FORCE if self.unsubscribe else Mode.HONOUR

    @property
    def states_from(self) -> str | None:
        """The column the user named for the subscription status, under either name."""
        return self.state_column or self.status_column

    @property
    def own_state_words(self) -> dict[str, KitState]:
        """The --state-word words, folded as the status column's cells are, and the state each means."""
        from importer.read.names import normalize

        return {normalize(word) or word: KitState(state) for word, state in self.state_words}

    @property
    def load(self) -> LoadOptions:
        """How the loader reads the source."""
        return LoadOptions(sheet=self.sheet, encoding=self.encoding, delimiter=self.delimiter,
                           header_row=self.header_row, origins=self.origins)

    @property
    def failures_file(self) -> Path:
        """Where the failures CSV goes: the setting's path, else `<source name>.failures.csv` in the
        output folder (a config's folder, as its undo files and differences; else here).

        The whole name, so that contacts.csv and contacts.xlsx keep apart; a failures CSV fed
        back in writes what still fails back onto itself (it is read in full first, and replaced
        atomically), instead of growing a `.failures.csv.failures.csv`.
        """
        if self.failures:
            return self.failures
        if isinstance(self.source, Path) and self.source.name.casefold().endswith(FAILURES_SUFFIX):
            return self.source
        return (self.output_folder or Path()) / (source_name(self.source) + FAILURES_SUFFIX)

    @property
    def differences_file(self) -> Path:
        """Where verify writes its differences: the setting's path, else `<source name>.verify.csv` in the
        output folder (a config's folder, as its undo files; else here)."""
        return self.differences or (self.output_folder or Path()) / (source_name(self.source) + VERIFY_SUFFIX)


def declarations(group: Group | None = None) -> Iterator[tuple[str, Declared]]:
    """Each declared setting's name and declaration, in order; only one group's when given."""
    for f in dataclasses.fields(Settings):
        declared = f.metadata.get("declared")
        if declared is not None and (group is None or declared.group is group):
            yield f.name, declared


def default_of(name: str) -> Any:
    """A setting's default value."""
    found = next(f for f in dataclasses.fields(Settings) if f.name == name)
    return None if found.default is dataclasses.MISSING else found.default


def require_credential(env: Mapping[str, str] | None = None, token_var: str = "KIT_ACCESS_TOKEN",
                       key_var: str = "KIT_API_KEY") -> Credential:
    """The credential from the environment, or a ConfigError saying how to provide one."""
    return Credential.from_env(env, token_var=token_var, key_var=key_var)


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


def token_file_for(names: Mapping[str, str], config_path: Path | None, state: Path | str | None) -> Path:
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


def base_url_from_env(env: Mapping[str, str] | None = None) -> str:
    """KIT_API_URL, or Kit's own API."""
    return ((os.environ if env is None else env).get("KIT_API_URL") or DEFAULT_BASE_URL).strip()
