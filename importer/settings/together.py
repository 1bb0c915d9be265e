"""Settings that cannot go together, and settings that do nothing given the others.

A clash (two settings that contradict each other) stops the run with ConflictingSettings; the
CLI makes it a usage error (exit 2) when every setting in it was typed on the command line, and
a settings error naming both places otherwise. A setting that does nothing given the others
(`--verify` with `--dry-run`, `--undo PATH` with `--no-undo`, `--wait` without a state file) is
the same usage error when all of it was typed, where it is a slip; from a config or a library
call it is set back to its default and said in a note, since `--dry-run` over a nightly config
that verifies is a rehearsal, not a mistake. Nothing the user asked for is skipped in silence.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

from importer.errors import ConflictingSettings

if TYPE_CHECKING:
    from importer.settings.declaration import Settings


class Idle(NamedTuple):
    """`names[0]` does nothing when `applies`; `why` says so (given `named`), `hint` how to mean something."""

    names: tuple[str, ...]
    applies: Callable[[Settings], bool]
    why: Callable[[Callable[[str], str]], str]
    hint: str


IDLE = (
    Idle(("verify", "dry_run"), lambda s: s.verify and s.dry_run,
         lambda n: f"{n('verify')} checks what a run wrote, and {n('dry_run')} writes nothing",
         "Drop --verify from the dry run; after the real run, `kit-import verify` checks it."),
    Idle(("undo", "no_undo"), lambda s: s.undo is not None and s.no_undo,
         lambda n: f"{n('undo')} names an undo file, and {n('no_undo')} saves none",
         "Give one of them: --undo PATH to save the undo file there, or --no-undo to save none."),
    Idle(("full",), lambda s: s.full and s.state is None,
         lambda n: f"{n('full')} sends again what the state file says Kit has, and this run has no state file",
         "Drop --full; to send the whole file without reading Kit, pass --compare never."),
    Idle(("wait",), lambda s: s.wait and s.state is None,
         lambda n: f"{n('wait')} waits for another run on the same state file, and this run has no state file",
         "Pass --state PATH (a config has one beside it), or drop --wait."),
    Idle(("diff", "compare"), lambda s: s.diff is not None and s.compare == "never",
         lambda n: f"{n('diff')} needs a read of Kit, which {n('compare')} never rules out",
         "Drop --compare never: with --diff the run reads Kit, whatever the read costs."),
    Idle(("diff", "full"), lambda s: s.diff is not None and s.full and s.state is not None and s.compare == "auto",
         lambda n: f"{n('diff')} needs a read of Kit, and {n('full')} sends the whole file without one",
         "Add --compare always to read Kit with --full, or drop --diff."),
)

DEFAULTS: dict[str, Any] = {"verify": False, "undo": None, "full": False, "wait": False, "diff": None}


def check_together(settings: Settings) -> list[str]:
    """Raise ConflictingSettings for settings that cannot go together; set back each setting that does
    nothing given the others, and return the notes saying so (an error if all of it was typed)."""
    _clashes(settings)
    notes = []
    for idle in IDLE:
        if not idle.applies(settings):
            continue
        why = idle.why(settings.named)
        if all(settings.origins.of(name).kind == "flag" for name in idle.names):
            raise ConflictingSettings(f"{why[0].upper()}{why[1:]}.", idle.hint, idle.names)
        setattr(settings, idle.names[0], DEFAULTS[idle.names[0]])
        notes.append(f"{why}: {settings.named(idle.names[0])} ignored")
    return notes


def _clashes(s: Settings) -> None:
    """Settings that contradict each other, wherever they came from."""
    if s.ignore_status and (s.skip_unsubscribed or s.status_column or s.state_column):
        used = tuple(n for n in ("skip_unsubscribed", "status_column", "state_column") if getattr(s, n))
        raise ConflictingSettings(f"{s.named('ignore_status')} cannot go with "
                                  f"{s.named('skip_unsubscribed')} or {s.named('state_column')}.",
                                  "Ignore the status column, or use it: not both.", ("ignore_status", *used))
    if s.state_column and s.status_column and s.state_column != s.status_column:
        raise ConflictingSettings(f"{s.named('state_column')} and {s.named('status_column')} name "
                                  "different columns.", "status_column is the earlier name of state_column: "
                                  "give one of them.", ("state_column", "status_column"))
    if s.unsubscribe and s.keep_kit_state:
        raise ConflictingSettings(f"{s.named('unsubscribe')} cannot go with {s.named('keep_kit_state')}.",
                                  "Honour every opt-out in the file, or keep Kit's states: not both.",
                                  ("unsubscribe", "keep_kit_state"))
    if s.referrer and not s.form:
        raise ConflictingSettings(f"{s.named('referrer')} goes with {s.named('form')}.",
                                  "Name the form the subscribers are added to.", ("referrer",))
