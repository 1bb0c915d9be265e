"""The options shared by commands, every one derived from the one settings declaration
(importer/settings/declaration.py): its flag, type, default, help and check."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from importer.cli.output import friendly_errors
from importer.cli.target import sandbox_options
from importer.errors import ConflictingSettings
from importer.read.url import is_url
from importer.settings.declaration import Declared, Group, Invalid, Settings, check_value, declarations, default_of
from importer.settings.origins import FLAG, Origins


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


class SourceParam(click.ParamType):
    """SOURCE: a path, or an http(s) URL kept as text (a Path would fold its `//`)."""

    name = "source"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Path | str:
        if isinstance(value, Path) or not is_url(value):
            return Path(value)
        return str(value).strip()


SOURCE = SourceParam()


def import_options(config_help: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """SOURCE, --config and every setting of an import: what `run` takes, and `verify` with it, so that
    the command line that imported a file can check it."""

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        for option in reversed((
                click.argument("source", type=SOURCE, required=False),
                click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False),
                             metavar="FILE", help=config_help),
                setting_options(Group.READ), setting_options(Group.COLUMNS), setting_options(Group.RUN),
                sandbox_options, friendly_errors)):
            command = option(command)
        return command

    return decorate
