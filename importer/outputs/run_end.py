"""What every run does when it starts and ends, whatever ended it: the healthcheck's start ping,
then the run's entry in the state file's history and the alerts (importer/outputs/alerts.py)."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable
from typing import Any

from importer.decide import history
from importer.errors import ImporterError
from importer.outputs.alerts import Alerts
from importer.outputs.report import RunReport


class RunEnd:
    """`start()` as the run begins, `finish(report)` once its report is written."""

    def __init__(self, settings: Any, log: Callable[[str], None]) -> None:
        self.settings, self.log = settings, log
        self.alerts = Alerts.of(settings, log)
        self.started = dt.datetime.now(dt.timezone.utc)

    def start(self) -> None:
        self.started = dt.datetime.now(dt.timezone.utc)
        self.alerts.start()

    def finish(self, report: RunReport) -> None:
        """Keep the run in the history (with a state file), then send the alerts; neither can fail the run."""
        if self.settings.state is not None:
            try:
                history.record(self.settings.state, report, self.started, dt.datetime.now(dt.timezone.utc),
                               keep_days=self.settings.keep_history_days, secrets=self.alerts.secrets)
            except (ImporterError, sqlite3.Error, OSError) as e:
                self.log(f"The run could not be kept in the history of {self.settings.state}: {e}")
        self.alerts.finish(report)
