"""Alerts at a run's end: a short JSON summary POSTed to webhooks (Slack's `{"text": ...}` shape on
Slack's host), and healthchecks.io-style pings (`URL/start`, `URL`, `URL/fail`).

An alert never carries a credential (every known secret is scrubbed from its text) and a
webhook's own path and query are never shown: logs name it by scheme and host only. A webhook
that fails is tried twice more, then logged; it never changes the run's exit status.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

import requests

from importer.outputs.report import ExitStatus, RunReport
from importer.read.url import redact, redact_in

SLACK_HOSTS = ("hooks.slack.com",)
TRIES = 3  # the first try and two retries
RETRY_PAUSE = 1.0  # seconds before the first retry, doubled before the next
TIMEOUT = 10.0  # seconds for one try


class NotifyOn(StrEnum):
    """When --notify sends: on failure only, on any problem, or after every run."""

    FAILURE = "failure"
    PROBLEMS = "problems"
    ALWAYS = "always"


def is_slack(url: str) -> bool:
    """Whether a webhook is Slack's incoming webhook, which takes `{"text": ...}`."""
    return (urlsplit(url).hostname or "") in SLACK_HOSTS


def failed(report: RunReport) -> bool:
    """The run did not finish: it failed, braked, or was interrupted (exit 1, 130, 143)."""
    return report.exit_status not in (ExitStatus.OK, ExitStatus.REJECTED)


def problem(report: RunReport, max_rejects: float) -> str | None:
    """Why this run is worth an alert under --notify-on problems, or None."""
    if report.interrupted:
        return "interrupted"
    if report.stopped and "brake" in report.stopped:
        return "braked"
    if failed(report):
        return "failed"
    if report.rows_read and 100 * report.rows_refused / report.rows_read > max_rejects:
        return f"{100 * report.rows_refused / report.rows_read:.1f}% of rows rejected, over {max_rejects:g}%"
    return None


class Alerts:
    """The alerts of one run: `start()` when it begins, `finish(report)` when it ends."""

    def __init__(self, notify: Iterable[str] = (), notify_on: NotifyOn = NotifyOn.PROBLEMS,
                 notify_rejects: float = 1.0, healthcheck: str | None = None, *, secrets: Iterable[str] = (),
                 log: Callable[[str], None] = lambda message: None, report_path: str | None = None,
                 slack: Callable[[str], bool] = is_slack, sleep: Callable[[float], None] = time.sleep,
                 dry_run: bool = False) -> None:
        self.notify, self.notify_on, self.notify_rejects = list(notify), NotifyOn(notify_on), notify_rejects
        self.healthcheck = healthcheck.rstrip("/") if healthcheck else None
        self.secrets = [s for s in secrets if s and len(s) >= 4] + self.notify + ([healthcheck] if healthcheck else [])
        self.log, self.report_path, self.slack, self.sleep = log, report_path, slack, sleep
        self.dry_run = dry_run  # a rehearsal pings no dead man's switch

    @classmethod
    def of(cls, settings: Any, log: Callable[[str], None]) -> Alerts:
        """The alerts a run's settings ask for."""
        secrets = [getattr(settings.credential, "secret", "")]
        if settings.refresh is not None:
            secrets += [settings.refresh.refresh_token, settings.refresh.client_secret or ""]
        return cls(settings.notify, settings.notify_on, settings.notify_rejects, settings.healthcheck,
                   secrets=secrets, log=log, report_path=str(settings.report) if settings.report else None,
                   dry_run=settings.dry_run)

    def start(self) -> None:
        if self.healthcheck and not self.dry_run:
            self._post(self.healthcheck + "/start", data=b"", kind="healthcheck ping")

    def finish(self, report: RunReport) -> None:
        """Ping the healthcheck (success or fail) and send the webhooks the mode asks for."""
        if self.healthcheck and not self.dry_run:
            url = self.healthcheck + ("/fail" if failed(report) else "")
            self._post(url, data=self.scrub(self.said(report)).encode("utf-8"), kind="healthcheck ping")
        why = problem(report, self.notify_rejects)
        due = self.notify_on is NotifyOn.ALWAYS or (self.notify_on is NotifyOn.FAILURE and failed(report)) or \
            (self.notify_on is NotifyOn.PROBLEMS and why is not None)
        if not due:
            return
        payload = self.payload(report, why)
        for url in self.notify:
            body = {"text": self.slack_text(payload)} if self.slack(url) else payload
            self._post(url, json=body, kind="alert")

    def payload(self, report: RunReport, why: str | None) -> dict[str, Any]:
        """The JSON an alert carries: source, exit status, counts, the error or brake, the report's path."""
        data = {
            "tool": "kit-import", "source": report.source, "exit_status": int(report.exit_status),
            "problem": why, "dry_run": report.dry_run,
            "counts": {"rows_read": report.rows_read, "rows_imported": report.rows_imported,
                       "rows_rejected": report.rows_refused, "rows_not_sent": report.rows_not_sent,
                       "rows_not_confirmed": report.rows_not_confirmed, "created": report.created,
                       "updated": report.updated, "unchanged": report.unchanged, "unsubscribed": report.unsubscribed,
                       "removed": getattr(report, "removed", 0), "requests_sent": report.requests_sent},
            "error": report.error, "stopped": report.stopped, "source_unchanged_since": report.source_unchanged_since,
            "report": self.report_path, "failures": report.failures_path, "summary": self.said(report),
        }
        return self._scrubbed(data)

    @staticmethod
    def said(report: RunReport) -> str:
        """What an alert says of the run: the error and its hint first when one ended it, then the closing line."""
        return "\n".join([*report.error_lines(), report.closing_line()])

    def slack_text(self, payload: dict[str, Any]) -> str:
        """One short Slack message from the payload."""
        counts = payload["counts"]
        head = f"kit-import {payload['source']}: exit {payload['exit_status']}" + \
            (f" ({payload['problem']})" if payload["problem"] else "")
        lines = [head, payload["summary"],
                 f"{counts['rows_read']:,} rows read, {counts['created']:,} created, {counts['updated']:,} updated, "
                 f"{counts['rows_rejected']:,} rejected, "
                 + "".join(f"{counts[key]:,} {what}, " for key, what in (("rows_not_sent", "not sent"),
                                                                         ("rows_not_confirmed", "not confirmed"))
                           if counts[key])
                 + f"{counts['requests_sent']:,} requests"]
        if payload["stopped"] and not payload["error"]:  # the error, when there is one, leads the summary
            lines.append(f"Stopped: {payload['stopped']}")
        if payload["report"]:
            lines.append(f"Report: {payload['report']}")
        return "\n".join(lines)

    def scrub(self, text: str) -> str:
        """`text` with every known secret replaced by *** and every URL secret redacted."""
        text = redact_in(text, *self.secrets)
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text

    def _scrubbed(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.scrub(value)
        if isinstance(value, dict):
            return {k: self._scrubbed(v) for k, v in value.items()}
        return value

    def _post(self, url: str, *, kind: str, **body: Any) -> bool:
        """POST, trying twice more after a failure; log the outcome by the URL's host only."""
        shown = redact(url, keep_path=False)
        why = ""
        for attempt in range(TRIES):
            if attempt:
                self.sleep(RETRY_PAUSE * 2 ** (attempt - 1))
            try:
                answer = requests.post(url, timeout=TIMEOUT, headers={"User-Agent": "kit-import"}, **body)
                answer.close()
                if answer.status_code < 400:
                    self.log(f"{kind.capitalize()} sent to {shown}" + ("" if shown.endswith("…") else "."))
                    return True
                why = f"HTTP {answer.status_code}"
            except requests.exceptions.RequestException as e:
                why = type(e).__name__
        self.log(f"The {kind} to {shown} failed {TRIES} times ({why}); the run's exit status is not changed by it.")
        return False
