"""Where each setting's value came from, and the words that name it there.

A message about a setting names it as the user wrote it: `--email-column` on the command
line, `email_column in nightly.toml (line 3)` in a config, `email_column` for a Python
caller; a hint says how to set a value in that same place. This module imports nothing of
the package, so the loader, the mapping and the consent guard can word their errors too.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple


class Origin(NamedTuple):
    """One place a value can come from: `kind` is "flag", "config" (a file, maybe a line) or "python"."""

    kind: str
    path: str = ""
    line: int | None = None


FLAG = Origin("flag")
PYTHON = Origin("python")
TABLES = ("fields", "state_words")  # settings written as a TOML table, [fields], rather than `key = value`


@dataclass(frozen=True)
class Origins:
    """Each given setting's origin; a setting not given is worded as `frame` would set it.

    The frame is PYTHON for a library caller, FLAG for the command line, and a config file
    (no line) for a run with --config: there, a fix belongs in the file. `flags` spells the
    options that are not `--<name with dashes>`; `flag_only` names the settings a config
    cannot hold, which are always advised as flags from the command line.
    """

    given: Mapping[str, Origin] = field(default_factory=dict)
    frame: Origin = PYTHON
    flags: Mapping[str, str] = field(default_factory=dict)
    flag_only: frozenset[str] = frozenset()

    def of(self, name: str) -> Origin:
        """Where the setting `name` came from, or would be set."""
        origin = self.given.get(name, self.frame)
        return FLAG if origin.kind == "config" and name in self.flag_only else origin

    def named(self, name: str) -> str:
        """The setting as its origin names it: `--email-column`, `email_column in nightly.toml (line 3)`."""
        origin = self.of(name)
        if origin.kind == "flag":
            return self.flag(name)
        if origin.kind == "config":
            key = f"[{name}]" if name in TABLES else name
            return f"{key} in {origin.path}" + (f" (line {origin.line})" if origin.line else "")
        return name

    def flag(self, name: str) -> str:
        """The setting's command-line option."""
        return self.flags.get(name) or "--" + name.replace("_", "-")

    def spelled(self, name: str, value: Any) -> str:
        """The setting with `value`, as written where it comes from: `--header-row 4`, `header_row = 4`."""
        kind = self.of(name).kind
        if kind == "flag":
            if value is True:
                return self.flag(name)
            text = "=".join(value) if isinstance(value, tuple) else str(value)
            return f"{self.flag(name)} {_shell(text)}"
        if kind == "config":
            if isinstance(value, tuple):
                return f"{_toml(value[0])} = {_toml(value[1])} under [{name}]"
            return f"{name} = {_toml(value)}"
        return f"{name}={[value]!r}" if isinstance(value, tuple) else f"{name}={value!r}"

    def written(self, name: str, value: Any) -> str:
        """The setting with `value`, and the file it goes in: `--header-row 4`, `header_row = 4 in x.toml`."""
        origin = self.of(name)
        return self.spelled(name, value) + (f" in {origin.path}" if origin.kind == "config" else "")

    def advise(self, name: str, value: Any) -> str:
        """How to set `name` to `value` where it comes from: `pass --header-row 4`, `set header_row = 4 in x.toml`."""
        if self.of(name).kind == "config":
            return f"{'add' if name in TABLES else 'set'} {self.written(name, value)}"
        return f"pass {self.written(name, value)}"


def capitalized(text: str) -> str:
    """`text` starting a sentence (only its first letter changed, unlike str.capitalize)."""
    return text[:1].upper() + text[1:]


def _shell(text: str) -> str:
    """A flag's value as typed in a shell: quoted when it holds anything but plain characters."""
    plain = text and all(c.isalnum() or c in "-_./,:%" for c in text)
    return text if plain else '"' + text.replace('"', '\\"') + '"'


def _toml(value: Any) -> str:
    """A value as TOML writes it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return f"{value:g}" if isinstance(value, float) else str(value)
    return json.dumps(str(value), ensure_ascii=False)


def from_config(names: Mapping[str, int | None], path: str) -> Origins:
    """The origins of a config's keys (key -> its line), for a run framed by that file."""
    return Origins({name: Origin("config", path, line) for name, line in names.items()}, Origin("config", path))
