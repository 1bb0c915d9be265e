"""The optional Kit writes of a run, one module each, and the list the run goes through.

`ACTIONS` is the one list: their stages run in this order after the upserts and values, and
their figures appear in the report in it. A new action is a module here and a line below.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from importer.outputs.report import ActionFigures
from importer.send.actions.base import Action, Count, Figures, MemberList, Seen
from importer.send.actions.forms import Forms
from importer.send.actions.removals import WhenRemoved
from importer.send.actions.sequences import Sequences
from importer.send.actions.tags import Tags
from importer.send.actions.unsubscribes import Unsubscribing

if TYPE_CHECKING:
    from importer.read.columns import ColumnPlan
    from importer.settings.declaration import Settings

ACTIONS: tuple[type[Action], ...] = (Tags, Forms, Sequences, Unsubscribing, WhenRemoved)

__all__ = ["ACTIONS", "Action", "Count", "Figures", "MemberList", "Seen", "actions_for", "blank_figures", "notes_for"]


def actions_for(settings: Settings, columns: ColumnPlan) -> list[Action]:
    """The actions these settings and this file's columns ask for, in `ACTIONS` order."""
    return [action for kind in ACTIONS if (action := kind.wanted(settings, columns)) is not None]


def blank_figures() -> dict[str, ActionFigures]:
    """Every action's figures at zero: a report has them all, asked for or not."""
    return {kind.name: kind.figures_type() for kind in ACTIONS}


def notes_for(settings: Settings) -> list[str]:
    """What each action asked for wants the user to know before the run starts."""
    return [note for kind in ACTIONS for note in kind.notes(settings)]
