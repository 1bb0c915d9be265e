"""The manual's reference pages, generated from the code so they cannot drift (run by cog).

`cog -r docs/reference/*.md docs/consent.md` rewrites the generated parts; `cog --check` (tests/test_reference.py)
fails when they are out of date. The CLI reference is every command's own `--help`; the config
reference is the one settings declaration; the consent words are importer/read/consent_words.py.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from enum import Enum
from pathlib import Path

import click
from click.testing import CliRunner

from importer.cli import cli
from importer.settings.declaration import Settings, declarations

WIDTH = 88  # columns the help text is wrapped at, so the page does not depend on a terminal


def commands(group: click.Group = cli, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Every command's words after `kit-import`, in alphabetical order, sub-commands after their group."""
    for name in sorted(group.commands):
        command = group.commands[name]
        if command.hidden:
            continue
        yield (*prefix, name)
        if isinstance(command, click.Group):
            yield from commands(command, (*prefix, name))


def help_text(words: tuple[str, ...]) -> str:
    """What `kit-import WORDS --help` prints, at a fixed width."""
    result = CliRunner().invoke(cli, [*words, "--help"], prog_name="kit-import", terminal_width=WIDTH)
    if result.exit_code != 0:
        raise RuntimeError(f"kit-import {' '.join(words)} --help failed: {result.output}")
    return result.output.rstrip()


def cli_reference() -> str:
    """The CLI reference page's body: one section per command with its `--help`."""
    parts = ["```console\n$ kit-import --help\n" + help_text(()) + "\n```"]
    for words in commands():
        name = " ".join(words)
        parts.append(f"## kit-import {name}\n\n```console\n$ kit-import {name} --help\n{help_text(words)}\n```")
    return "\n\n".join(parts)


def _default(name: str) -> str:
    field = next(f for f in dataclasses.fields(Settings) if f.name == name)
    if field.default_factory is not dataclasses.MISSING:  # a list
        return "`[]`"
    value = field.default
    if value is None or value is dataclasses.MISSING:
        return "not set"
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, Path):
        return f'`"{value}"`'
    return f'`"{value}"`' if isinstance(value, str) else f"`{value:g}`" if isinstance(value, float) else f"`{value}`"


def _kind(name: str) -> str:
    declared = dict(declarations())[name]
    if declared.choices:
        return " or ".join(f'`"{c}"`' for c in declared.choices)
    names = {str: "text", int: "whole number", float: "number", bool: "true or false", list: "list",
             dict: "table", Path: "path"}
    kinds = declared.toml_types
    words = [names.get(t, t.__name__) for t in kinds]
    if declared.multiple and list not in kinds and dict not in kinds:
        words.append("list")
    return " or ".join(dict.fromkeys(words))


def config_reference() -> str:
    """The config reference page's body: every config key with its type, default and help."""
    rows = ["| key | value | default | what it does |", "| --- | --- | --- | --- |"]
    for name, declared in declarations():
        if not declared.config:
            continue
        help_ = declared.help.replace("|", "\\|")
        rows.append(f"| `{name}` | {_kind(name)} | {_default(name)} | {help_} |")
    return "\n".join(rows)


def credential_keys_reference() -> str:
    """The config's `[credentials]` keys, from the one list the config reader checks them against."""
    from importer.settings.config import CREDENTIAL_KEYS

    return "\n".join(f"- `{key}`" for key in CREDENTIAL_KEYS)


def consent_words_reference() -> str:
    """The consent words, one table per language, from importer/read/consent_words.py (the data itself)."""
    from importer.read.consent_words import LANGUAGES

    def words(found: tuple[str, ...]) -> str:
        return ", ".join(found).replace("|", "\\|") or "none"

    parts = []
    for language in LANGUAGES:
        rows = [f"### {language.name}", "", "| Cells or headers | Words |", "| --- | --- |"]
        rows += [f"| {state.value} | {words(found)} |" for state, found in language.states.items()]
        rows.append(f"| yes / no | {words(language.yes)} / {words(language.no)} |")
        rows.append(f"| status headers | {words(language.word_headers + language.either_headers)} |")
        rows.append(f"| opt-in headers (yes is active) | {words(language.in_headers)} |")
        rows += [f"| opt-out headers (yes is {state.value}) | {words(found)} |"
                 for state, found in language.out_headers.items()]
        rows += [f"| opt-out time headers ({state.value}) | {words(found)} |"
                 for state, found in language.time_headers.items()]
        rows += [f"| other channel: {channel} | {words(found)} |" for channel, found in language.channels.items()]
        parts.append("\n".join(rows))
    return "\n\n".join(parts)
