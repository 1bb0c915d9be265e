"""The --report JSON of `verify` and `undo`, as `run` writes one: every figure of the command's
report, its exit status, and on an error that ended it, `error` and `hint`, so that a scheduler
reads one file whatever happened."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from enum import Enum
from pathlib import Path
from typing import Any

from importer.errors import ImporterError, Terminated
from importer.outputs.atomic import atomic_write
from importer.outputs.summary import ExitStatus


def plain(value: Any) -> Any:
    """`value` as JSON-ready data: dataclasses as objects of their fields, enums as their value,
    mappings with text keys, sequences as lists, and anything else as its text."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return plain(value.value)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [plain(v) for v in value]
    return str(value)


def report_data(command: str, report: Any) -> dict[str, Any]:
    """What the command found or did, its closing line and exit status, and no error."""
    status = int(report.exit_status)
    stopped = getattr(report, "stopped", None) if status in (ExitStatus.INTERRUPTED, ExitStatus.TERMINATED) else None
    return {"command": command, **plain(report), "closing_line": report.closing_line(),
            "exit_status": status, "error": stopped, "hint": "Run the same command again." if stopped else None}


def error_data(command: str, error: BaseException, **known: Any) -> dict[str, Any]:
    """The error that ended the command before it had a report, with what it was given."""
    if isinstance(error, KeyboardInterrupt):
        status = ExitStatus.TERMINATED if isinstance(error, Terminated) else ExitStatus.INTERRUPTED
        return {"command": command, **plain(known), "exit_status": int(status),
                "error": str(error) or "interrupted (Ctrl-C)", "hint": None}
    return {"command": command, **plain(known), "exit_status": int(ExitStatus.FAILED), "error": str(error),
            "hint": (error.hint if isinstance(error, ImporterError) else "") or None}


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write the report, atomically, so a watcher never reads half a file."""
    with atomic_write(Path(path), encoding="utf-8") as f:
        f.write(json.dumps(data, indent=2) + "\n")
