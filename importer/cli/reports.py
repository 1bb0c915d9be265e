"""--report and --log for `verify` and `undo`, as `run` has them: the log opened first, so that
even a broken config is in it, and the report written on every exit, an error's included."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from importer.cli.logfile import open_log
from importer.cli.output import say
from importer.errors import ImporterError
from importer.outputs.command_report import error_data, report_data, write_json


class CommandReport:
    """The --report of one command: `learn` where it goes once a config says, `done` with the
    command's report; an error or Ctrl-C leaving the `with` block writes one with `error`."""

    def __init__(self, command: str, path: Path | None, **known: Any) -> None:
        self.command, self.path, self.known = command, path, known

    def learn(self, config: dict[str, Any]) -> None:
        """Take the report path from a loaded config, unless a flag gave it."""
        self.path = self.path or config.get("report")

    def done(self, report: Any) -> None:
        """Write the command's report; a path that cannot be written is said, not fatal."""
        if self.path is None:
            return
        try:
            write_json(Path(self.path), report_data(self.command, report))
        except OSError as e:
            say(f"Note: the report could not be written to {self.path}: {e.strerror}")

    def __enter__(self) -> CommandReport:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: object) -> None:
        if self.path is None or not isinstance(error, (ImporterError, KeyboardInterrupt)):
            return
        try:
            write_json(Path(self.path), error_data(self.command, error, **self.known))
        except OSError:
            pass  # the error itself is what the user must see


def open_logs(*paths: Path | str | None) -> None:
    """Append what the command says to the first --log path given (a flag's, then a config's)."""
    for path in paths:
        if path:
            open_log(Path(path))
            return
