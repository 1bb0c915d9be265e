"""The --log file: from the moment it is opened until the command ends, what the command says
is also appended to it, each line timestamped, through the `kit_import` logger."""

from __future__ import annotations

import logging
from pathlib import Path

from importer.errors import ImporterError

log = logging.getLogger("kit_import")
_log_handler: logging.Handler | None = None


class StampedLines(logging.Formatter):
    """`2024-05-01 03:15:02 message`, every line of a multi-line message stamped alike."""

    def format(self, record: logging.LogRecord) -> str:
        stamp = self.formatTime(record, "%Y-%m-%d %H:%M:%S")
        return "\n".join(f"{stamp} {line}" for line in record.getMessage().splitlines())


def open_log(path: Path) -> None:
    """From now until the command ends, also append what it says (timestamped) to `path`,
    through the `kit_import` logger."""
    global _log_handler
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(path, encoding="utf-8")
    except OSError as e:
        raise ImporterError(f"The log file {path} cannot be written: {e.strerror}.", "Check --log.") from None
    handler.setFormatter(StampedLines())
    close_log()
    _log_handler = handler
    log.addHandler(handler)
    log.setLevel(logging.INFO)


def close_log() -> None:
    """Stop writing to the --log file (after the command's last word, errors included)."""
    global _log_handler
    if _log_handler is not None:
        log.removeHandler(_log_handler)
        _log_handler.close()
        _log_handler = None
        log.setLevel(logging.NOTSET)
