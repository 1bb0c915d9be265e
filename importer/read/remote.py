"""Open a source that may be a URL: download it (conditionally, with the run memory's validators)
to a temporary file and read that as a file, or say it is unchanged since the last run.

Every command that reads a source (`run`, `init`, `verify`, `sheets`) opens it through here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from importer.errors import ImporterError
from importer.read.files import LoadOptions, RowSource, list_sheets, open_source
from importer.read.url import DEFAULT_MAX_MB, DEFAULT_TIMEOUT, Download, download, export_url, is_url, redact
from importer.records import Row

if TYPE_CHECKING:
    from importer.settings.declaration import Settings

# Settings that say where the run's outputs go or how it waits: changing them does not make an
# unchanged sheet worth importing again. Every other setting does (a new field mapping, say).
OUTPUT_ONLY = frozenset({"credential", "base_url", "refresh", "origins", "failures", "report", "undo", "no_undo",
                         "verify", "differences", "settle", "log", "wait", "rate_limit", "rate_window",
                         "concurrency", "notify", "notify_on", "notify_rejects", "healthcheck", "keep_history_days",
                         "max_download_mb", "download_timeout"})


class DownloadedSource:
    """A source read from a downloaded temporary file; closing it removes the file."""

    def __init__(self, source: Any, fetched: Download) -> None:
        self._source, self.download = source, fetched

    def __getattr__(self, name: str) -> Any:
        return getattr(self._source, name)

    def close(self) -> None:
        try:
            self._source.close()
        finally:
            self.download.discard()


class UnchangedSource:
    """A URL source that answered 304 Not Modified: no rows to read, nothing to send."""

    headers: tuple[str, ...] = ()
    sheet: str | None = None
    blank_rows = short_rows = long_rows = 0

    def __init__(self, since: str | None) -> None:
        self.since = since
        self.notes: list[str] = []
        self.other_sheets: list[str] = []
        self.footer: list[str] = []

    def rows(self) -> Iterator[Row]:
        return iter(())

    def describe(self) -> str:
        return f"source unchanged since {self.since or 'the last run'}: not downloaded, nothing to send"

    def close(self) -> None:
        pass


def open_any(source: str | Path, options: LoadOptions | None = None, *, max_mb: float = DEFAULT_MAX_MB,
             timeout: float = DEFAULT_TIMEOUT, etag: str | None = None,
             last_modified: str | None = None) -> RowSource:
    """Open a path as `open_source` does, or download a URL and open that (a Google Sheets link as
    its CSV export, said in the source's notes)."""
    options = options or LoadOptions()
    if not is_url(source):
        return open_source(source, options)
    url, note = export_url(str(source))
    fetched = download(url, etag=etag, last_modified=last_modified, max_bytes=int(max_mb * 1024 * 1024),
                       timeout=timeout)
    if fetched.unchanged:
        return UnchangedSource(None)
    assert fetched.path is not None
    try:
        opened = open_source(fetched.path, options)
    except ImporterError as e:
        renamed = _renamed(e, fetched.path, url)
        fetched.discard()
        raise renamed from None
    except BaseException:
        fetched.discard()
        raise
    if note:
        opened.notes.insert(0, note)
    return DownloadedSource(opened, fetched)


def sheets_at(source: str | Path) -> list[str]:
    """The sheet names of a workbook at a path or URL."""
    if not is_url(source):
        return list_sheets(source)
    url, _ = export_url(str(source), "xlsx")  # a Google sheet: its whole workbook, to list every sheet
    fetched = download(url)
    assert fetched.path is not None
    try:
        return list_sheets(fetched.path)
    except ImporterError as e:
        raise _renamed(e, fetched.path, url) from None
    finally:
        fetched.discard()


def _renamed(error: ImporterError, path: Path, url: str) -> ImporterError:
    """The reader's error about the temporary file, worded about the address it came from."""
    return type(error)(str(error).replace(str(path), f"the download from {redact(url)}"),
                       error.hint.replace(str(path), redact(url)))


def open_for_run(settings: Settings) -> RowSource:
    """The run's source: a URL is downloaded conditionally when a state file remembers the last
    download of the same address with the same settings (not in a dry run or with `full`), and a
    304 gives an UnchangedSource.

    An unchanged sheet may skip the run only when nothing is due: the remembered download is
    forgotten when an undo tells the state file what it took back (decide/freshness.py) and when a
    run that will write downloads the sheet whole (here: until it finishes cleanly and remembers the
    download again, an interrupted or stopped run leaves nobody to skip its unfinished work), and it
    is not used when the state file's full read of Kit is due."""
    if not is_url(settings.source):
        return open_source(settings.source, settings.load)
    known = (_remembered(settings) if _conditional(settings) else None) or {}
    opened = open_any(settings.source, settings.load, max_mb=settings.max_download_mb,
                      timeout=settings.download_timeout, etag=known.get("etag"),
                      last_modified=known.get("last_modified"))
    if isinstance(opened, UnchangedSource):
        opened.since = known.get("at")
    elif settings.state is not None and not settings.dry_run:
        _forget_downloads(settings)
    return opened


def remember_download(settings: Settings, source: object, succeeded: bool) -> None:
    """After a run that imported a downloaded source completely, keep its validators in the state
    file, so the next run downloads it only if it changed."""
    fetched = getattr(source, "download", None)
    if not succeeded or not isinstance(fetched, Download) or not _conditional(settings):
        return
    if not (fetched.etag or fetched.last_modified):
        return
    from importer.decide.run_memory import RunMemory

    assert settings.state is not None
    memory = RunMemory(settings.state)
    try:
        at = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        memory.remember_download(_key(settings), {"etag": fetched.etag, "last_modified": fetched.last_modified,
                                                  "at": at})
    finally:
        memory.close()


def _conditional(settings: Settings) -> bool:
    return settings.state is not None and not settings.dry_run and not settings.full


def _remembered(settings: Settings) -> dict[str, str] | None:
    """The validators of the last complete download, unless the state file's full read of Kit is due:
    then the sheet is downloaded whole, so that the run goes on to read Kit."""
    from importer.decide.freshness import full_read_due
    from importer.decide.run_memory import RunMemory

    if settings.state is None or not Path(settings.state).exists():
        return None
    memory = RunMemory(settings.state)
    try:
        if full_read_due(memory, settings.full_read_days, dt.datetime.now(dt.timezone.utc)):
            return None
        return memory.download_validators(_key(settings))
    finally:
        memory.close()


def _forget_downloads(settings: Settings) -> None:
    """A run that will write forgets every remembered download before it writes; a run that finishes
    cleanly remembers its own again (`remember_download`)."""
    from importer.decide.run_memory import RunMemory

    assert settings.state is not None
    if not Path(settings.state).exists():
        return
    memory = RunMemory(settings.state)
    try:
        memory.forget_downloads()
    finally:
        memory.close()


def _key(settings: Settings) -> str:
    """A digest of the address and of every setting that shapes what the run sends."""
    from importer.settings.declaration import declarations

    shaping = {name: str(getattr(settings, name)) for name, _ in declarations() if name not in OUTPUT_ONLY}
    text = json.dumps({"url": str(settings.source), **shaping}, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]
