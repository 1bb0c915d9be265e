"""What a command tells the user: `say` (stderr and the --log file), and how it ends on an error.

Every user-facing error is `Error: <what>` and a line on how to fix it, exit status 1 (2 for a
bad option value, refused by click before anything runs); a traceback only with --verbose.
"""

from __future__ import annotations

import functools
import os
import sys
import threading
import time
from collections.abc import Callable
from typing import Any, NoReturn

import click
from tqdm import tqdm

from importer.cli.logfile import close_log, log
from importer.errors import ImporterError, Terminated
from importer.outputs.report import ExitStatus

_say_lock = threading.Lock()  # progress lines may come from a timer thread


def say(message: str, *, screen: bool = True, stamp_terminal: bool = False) -> None:
    """Tell the user on stderr (unless `screen` is False) and the --log file; `stamp_terminal` puts
    the time before the terminal line (the file's lines are stamped by its formatter)."""
    with _say_lock:
        if screen:
            tqdm.write(f"{time.strftime('%H:%M:%S')} {message}" if stamp_terminal else message, file=sys.stderr)
        log.info(message)


def fail(error: ImporterError) -> None:
    say(f"Error: {error}")
    if error.hint:
        say(error.hint)


def friendly_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn library errors into one `Error:` line and an exit status; tracebacks only with --verbose."""

    @functools.wraps(command)
    def wrapper(*args: Any, verbose: bool = False, **kwargs: Any) -> Any:
        try:
            return _guarded(command, verbose, *args, **kwargs)
        finally:
            close_log()  # after the error is written to it

    return click.option("--verbose", is_flag=True, help="Show a traceback when something fails.")(wrapper)


def _guarded(command: Callable[..., Any], verbose: bool, *args: Any, **kwargs: Any) -> Any:
    """Run a command; say what ended it, on stderr and in the --log file."""
    try:
        return command(*args, **kwargs)
    except ImporterError as e:
        if verbose:
            raise
        fail(e)
        sys.exit(ExitStatus.FAILED)
    except Terminated:
        say("Terminated (SIGTERM).")
        sys.exit(ExitStatus.TERMINATED)
    except KeyboardInterrupt:
        say("Interrupted.")
        sys.exit(ExitStatus.INTERRUPTED)
    except BrokenPipeError:
        end_on_broken_pipe()
    except (click.exceptions.Exit, click.ClickException, SystemExit):
        raise
    except Exception as e:  # a bug or an environment fault: still one sentence, not a traceback
        if verbose:
            raise
        say(f"Error: unexpected {type(e).__name__}: {e}")
        say("Run again with --verbose for the details, and please report it.")
        sys.exit(ExitStatus.FAILED)


def end_on_broken_pipe() -> NoReturn:
    """The reader went away (`kit-import fields | head -1`): stop quietly, status 1.

    As Python's signal docs advise, stdout is pointed at devnull first, so the flush at exit
    cannot raise again and print "Exception ignored".
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # stdout has no file descriptor (a test runner)
        pass
    sys.exit(ExitStatus.FAILED)
