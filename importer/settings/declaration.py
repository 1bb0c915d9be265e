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

from importer.errors import ConfigError, ConflictingSettings
from importer.kit import Credential, RefreshGrant, credential_from_env, oauth_from_env
from importer.kit.client import DEFAULT_BASE_URL
from importer.read.files import LoadOptions
from importer.settings.origins import FLAG, Origins
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
UNDO_SUFFIX = ".undo.csv"
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
    """`COLUMN=Label` -> (column, label); a bare `COLUMN` maps to a field labelled like it."""
    column, sep, label = spec.partition("=")
    column, label = column.strip(), label.strip()
    if not column or (sep and not label):
        raise Invalid(f"must be COLUMN=Label, not {spec!r}", ("Zip", "Postal code"))
    return column, label or column


def parse_fields(value: Any) -> list[tuple[str, str]]:
    """A config's [fields] table, `--field` texts or (column, label) pairs -> (column, label) pairs."""
    if isinstance(value, Mapping):
        return [(str(column).strip(), str(label).strip()) for column, label in value.items()]
    return [parse_field_spec(v) if isinstance(v, str) else (str(v[0]).strip(), str(v[1]).strip()) for v in value]


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
            declared.low is not None and value < declared.low or declared.high is not None and value > declared.high):
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


def setting(default: Any = None, help: str = "", **declared: Any) -> Any:
    """A Settings field with its declaration; a list default becomes a fresh list per instance."""
    metadata = {"declared": Declared(help=help, **declared)}
    if isinstance(default, list):
        return field(default_factory=list, metadata=metadata)
    return field(default=default, metadata=metadata)


@dataclass
class Settings:
    """One import's settings. The CLI builds one from the config and flags; a Python caller directly."""

    source: Path = setting(dataclasses.MISSING, help="The file to import: a path or a glob (the newest matching file wins).",
                           group=None, value=Path)
    credential: Credential | None = None
    base_url: str = DEFAULT_BASE_URL
    sheet: str | None = setting(help="Workbook sheet to read, by name or number (default: the first).",
                                group=Group.READ, metavar="NAME", toml=(str, int), parse=str)
    encoding: str | None = setting(help="Text encoding of a CSV (default: detected).", group=Group.READ,
                                   metavar="NAME", parse=check_encoding)
    delimiter: str | None = setting(help="CSV delimiter: ',' ';' '|' or tab (default: detected).",
                                    group=Group.READ, metavar="CHAR", parse=check_delimiter)
    header_row: int | None = setting(help="Row number of the header (default: detected; a title above it is "
                                          "skipped).", group=Group.READ, value=int, low=1, metavar="N")
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
        help="Column holding each row's tags, split on commas (default: a column headed Tags, unless --field maps "
             "it).", group=Group.COLUMNS, metavar="COLUMN")
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
    blanks: BlankPolicy = setting(BlankPolicy.SKIP, help="skip: a blank cell leaves Kit's value alone; clear: a "
                                                         "blank cell clears it.", value=BlankPolicy)
    subscriber_state: KitState = setting(
        KitState.ACTIVE, help="The state new subscribers are created in when their row gives none. Kit never "
                              "changes an existing subscriber's state on import.", value=KitState)
    unsubscribe: bool = setting(False, help="Unsubscribe existing subscribers whom the file says left but Kit "
                                            "holds active (default: leave them, and list them in the report).",
                                value=bool)
    form: str | None = setting(
        help="Add every imported active subscriber to this Kit form (name or id). Warning: adding subscribers to "
             "a double opt-in form makes Kit send each new one the form's incentive email.",
        metavar="NAME|ID", toml=(str, int), parse=str)
    referrer: str | None = setting(help="The referrer URL recorded with each --form addition.", metavar="URL")
    failures: Path | None = setting(help="Where to write rejected rows (default: ./<source name>.failures.csv).",
                                    value=Path, metavar="PATH")
    report: Path | None = setting(help="Also write the run's figures as JSON here.", value=Path, metavar="PATH")
    undo: Path | None = setting(help="Where to save the undo file, before anything is written: Kit's value of "
                                     "everything the run changes (default: ./<source name>.undo.csv).",
                                value=Path, metavar="PATH")
    no_undo: bool = setting(False, help="Save no undo file (a run that did not read the account then reads no "
                                        "subscriber for one).", value=bool)
    verify: bool = setting(False, help="After the import, read back what Kit holds and report every difference "
                                       "from the file (exit 3 if any), as `kit-import verify` does.", value=bool)
    differences: Path | None = setting(help="Where verify writes the differences CSV (default: ./<source "
                                            "name>.verify.csv).", value=Path, metavar="PATH")
    settle: float = setting(60.0, help="Seconds verify may wait for Kit's subscriber list, which lags writes, "
                                       "before it calls a subscriber missing.", value=float, low=0, high=3600,
                            metavar="SECONDS")
    log: Path | None = setting(help="Also append this run's timestamped log lines and summary to this file.",
                               value=Path, metavar="PATH")
    dry_run: bool = setting(False, help="Read, map, validate and plan with read-only requests; write nothing.",
                            value=bool, config=False)
    state: Path | None = setting(help="SQLite state of what Kit has: send only new and changed contacts, resume "
                                      "after a crash, and never overlap another run on the same state (default "
                                      "with --config: beside it).", value=Path, metavar="PATH")
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
    rate_limit: int | str | None = setting(
        help="Requests allowed per rolling window for this credential, e.g. 600 or 600/60 (default: Kit's 600 a "
             "minute for OAuth, 120 for an API key, less 3%).", metavar="N[/SECONDS]", toml=(str, int),
        parse=check_rate_limit)
    rate_window: float = 60.0  # seconds; a rate_limit text such as "600/60" sets it
    concurrency: int | None = setting(help="Requests in flight at once (default: enough to use the rate limit "
                                           "fully when Kit takes 1.5 s to answer: 18 for OAuth, 4 for an API key).",
                                      value=int, low=1, high=256, metavar="N")
    refresh: RefreshGrant | None = None
    origins: Origins = field(default_factory=Origins)  # where each value came from, for the words of errors

    def __post_init__(self) -> None:
        for name, declared in declarations():
            value = getattr(self, name)
            if value is not None and value != []:
                setattr(self, name, self._coerce(name, declared, value))
        if isinstance(self.rate_limit, str):  # checked by its declaration (check_rate_limit) above
            self.rate_limit, self.rate_window = parse_rate_limit(self.rate_limit)
        if self.ignore_status and (self.skip_unsubscribed or self.status_column or self.state_column):
            used = tuple(n for n in ("skip_unsubscribed", "status_column", "state_column") if getattr(self, n))
            raise ConflictingSettings(f"{self.named('ignore_status')} cannot go with "
                                      f"{self.named('skip_unsubscribed')} or {self.named('state_column')}.",
                                      "Ignore the status column, or use it: not both.", ("ignore_status", *used))
        if self.state_column and self.status_column and self.state_column != self.status_column:
            raise ConflictingSettings(f"{self.named('state_column')} and {self.named('status_column')} name "
                                      "different columns.", "status_column is the earlier name of state_column: "
                                      "give one of them.", ("state_column", "status_column"))
        if self.referrer and not self.form:
            raise ConflictingSettings(f"{self.named('referrer')} goes with {self.named('form')}.",
                                      "Name the form the subscribers are added to.", ("referrer",))

    def _coerce(self, name: str, declared: Declared, value: Any) -> Any:
        """A flag's, config's or caller's value as the field holds it; a bad one is a ConfigError naming it."""
        try:
            value = check_value(declared, value)
        except Invalid as e:
            raise worded(name, e, self.origins) from None
        if declared.value is Path:
            return Path(value)
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
    def states_from(self) -> str | None:
        """The column the user named for the subscription status, under either name."""
        return self.state_column or self.status_column

    @property
    def load(self) -> LoadOptions:
        """How the loader reads the source."""
        return LoadOptions(sheet=self.sheet, encoding=self.encoding, delimiter=self.delimiter,
                           header_row=self.header_row, origins=self.origins)

    @property
    def failures_file(self) -> Path:
        """Where the failures CSV goes: the setting's path, else `<source name>.failures.csv` here.

        The whole name, so that contacts.csv and contacts.xlsx keep apart; a failures CSV fed
        back in writes what still fails back onto itself (it is read in full first, and replaced
        atomically), instead of growing a `.failures.csv.failures.csv`.
        """
        if self.failures:
            return self.failures
        if self.source.name.casefold().endswith(FAILURES_SUFFIX):
            return self.source
        return Path(self.source.name + FAILURES_SUFFIX)

    @property
    def undo_file(self) -> Path:
        """Where the undo file goes: the setting's path, else `<source name>.undo.csv` here (the
        failures CSV's rule: the whole name)."""
        return self.undo or Path(self.source.name + UNDO_SUFFIX)

    @property
    def differences_file(self) -> Path:
        """Where verify writes its differences: the setting's path, else `<source name>.verify.csv` here."""
        return self.differences or Path(self.source.name + VERIFY_SUFFIX)


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
