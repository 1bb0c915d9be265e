"""One root error, with families named by what happens next.

- ConfigError / InputError: stop before anything is sent (exit 1).
- KitFatalError: Kit refused the credential or the account's limits; stop the run (exit 1).
- KitUnreachableError: a KitFatalError: no request has reached Kit for minutes; stop the run (exit 1).
- KitUnavailableError: Kit kept failing after every retry. While Kit is read, the run stops
  (exit 1); while contacts are sent, the rows in that request fail and the run goes on.
- KitRequestError: Kit refused one request (a 4xx that retrying cannot fix); the rows in
  that request are rejected and the run goes on.

Terminated (SIGTERM) is not an error: it takes Ctrl-C's path (a KeyboardInterrupt), so a
stopped service winds down like an interrupted terminal run.
"""

from __future__ import annotations


class ImporterError(Exception):
    """Root of every error the tool reports to a user: `str(e)` says what, `hint` how to fix it."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint


class ConfigError(ImporterError):
    """Bad settings: a missing credential, an unknown column, a field that does not exist."""


class ConflictingSettings(ConfigError):
    """Settings that cannot go together; `names` are the settings involved (given together on the
    command line, that is a usage error)."""

    def __init__(self, message: str, hint: str = "", names: tuple[str, ...] = ()) -> None:
        super().__init__(message, hint)
        self.names = names


class InputError(ImporterError):
    """The source file cannot be read as a spreadsheet."""


class KitError(ImporterError):
    """An error answered by (or while reaching) the Kit API."""

    def __init__(self, message: str, hint: str = "", status: int | None = None,
                 errors: list[str] | None = None) -> None:
        super().__init__(message, hint)
        self.status = status
        self.errors = errors or []


class KitFatalError(KitError):
    """401/403: the credential is rejected or the account refuses more; nothing more can succeed."""


class KitUnreachableError(KitFatalError):
    """No request has reached Kit (refused, dropped, unknown host, timed out) for minutes: the client
    gave up on Kit, and the run stops as for a 401. `maybe_applied`: this request may have reached
    Kit before it failed (a timeout, a dropped answer), so its rows are not confirmed, not unsent."""

    def __init__(self, message: str, hint: str = "", *, maybe_applied: bool = False) -> None:
        super().__init__(message, hint)
        self.maybe_applied = maybe_applied


class KitUnavailableError(KitError):
    """5xx, 429, 413 or a connection failure that persisted through every retry."""


class KitRequestError(KitError):
    """A 4xx for one request (422, 400, 404...): the rows in it fail, the run goes on."""


class Terminated(KeyboardInterrupt):
    """SIGTERM (`timeout`, `systemctl stop`, a container shutdown): stop as Ctrl-C does, exit 143."""

    def __init__(self, message: str = "terminated (SIGTERM)") -> None:
        super().__init__(message)
