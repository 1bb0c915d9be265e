"""A spreadsheet at a URL: Google Sheets links made export links, a bounded download, and the one
redaction of URLs that every message, log, report and alert uses.

The download goes to a temporary file that `importer.read.files` then reads like any other, so
encodings, delimiters and workbooks work the same. It is streamed and stops at `max_bytes`;
redirects are followed by hand (at most MAX_REDIRECTS, never from https to plain http) so that
a redirect to Google's sign-in page is seen for what it is. With validators from an earlier
download (ETag, Last-Modified), the request is conditional and a 304 downloads nothing.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import SplitResult, parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import requests

from importer.errors import InputError

MAX_REDIRECTS = 5
DEFAULT_MAX_MB = 200  # the documented default size limit of a download
DEFAULT_TIMEOUT = 60.0  # seconds to connect, and between two pieces of the answer
CHUNK = 64 * 1024
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")  # plain http is allowed only here (tests, a local relay)
SIGN_IN_HOSTS = ("accounts.google.com",)
GOOGLE_HOSTS = ("docs.google.com",)
# Query keys whose values are not secrets, shown as they are; every other value is shown as ***.
SAFE_QUERY_KEYS = frozenset({"gid", "output", "format", "single", "sheet", "range", "usp", "tab"})
_TOKEN_LIKE = re.compile(r"(?=.*\d)[A-Za-z0-9_\-]{16,}")  # a long, random-looking path segment
SHARE_HINT = ("Publish it (File > Share > Publish to web, as CSV) and use that link, or share it as "
              "\"Anyone with the link can view\".")


def is_url(source: object) -> bool:
    """Whether a source is a web address (http:// or https://) rather than a path."""
    return isinstance(source, str) and source.strip().lower().startswith(("https://", "http://"))


def redact(text: object, *, keep_path: bool = True) -> str:
    """A source or webhook as it may be shown: no userinfo, query values other than SAFE_QUERY_KEYS
    as ***, long token-like path segments cut to their first 4 characters; with `keep_path` False
    (a webhook, whose path is its secret) only the scheme and host. A path is returned as it is."""
    if not is_url(text):
        return str(text)
    parts = urlsplit(str(text).strip())
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    if not keep_path:
        return urlunsplit((parts.scheme, host, "/…" if parts.path.strip("/") or parts.query else "", "", ""))
    path = "/".join(s[:4] + "…" if _TOKEN_LIKE.fullmatch(s) else s for s in parts.path.split("/"))
    query = "&".join(f"{k}={v if k.lower() in SAFE_QUERY_KEYS else '***'}"
                     for k, v in parse_qsl(parts.query, keep_blank_values=True))
    fragment = parts.fragment if re.fullmatch(r"gid=\d+", parts.fragment) else ""
    return urlunsplit((parts.scheme, host, path, query, fragment))


def redact_in(text: str, *urls: object) -> str:
    """`text` with every full URL among `urls` (and its unquoted forms) replaced by its redaction."""
    for url in urls:
        if is_url(url):
            text = text.replace(str(url), redact(url))
    return text


def source_name(source: object) -> str:
    """A file name for a source, to name its failures, undo and verify files: a path's name; for a
    URL its last path segment when it names a file, else `google-sheet-gid<N>.csv` or `<host>.csv`."""
    if not is_url(source):
        return Path(str(source)).name
    parts = urlsplit(str(source).strip())
    if (parts.hostname or "") in GOOGLE_HOSTS and "/spreadsheets/" in parts.path:
        gid = _gid(parts) or "0"
        return f"google-sheet-gid{gid}.csv"
    last = parts.path.rstrip("/").rsplit("/", 1)[-1]
    if re.fullmatch(r"[\w.\-]+\.(csv|tsv|txt|xlsx|xlsm)", last, re.I) and not _TOKEN_LIKE.fullmatch(last):
        return last
    return f"{parts.hostname or 'download'}.csv"


def _gid(parts: SplitResult) -> str | None:
    """The sheet id of a Google link: in the query (`?gid=N`) or the fragment (`#gid=N`)."""
    for text in (parts.query, parts.fragment):
        for key, value in parse_qsl(text):
            if key == "gid" and value.isdigit():
                return value
    return None


def export_url(url: str, fmt: str = "csv") -> tuple[str, str | None]:
    """A Google Sheets link as the address of its sheet's CSV export, and a note saying so; any
    other URL as it is, with no note. An edit, view or share link becomes `/export?format=csv&gid=N`;
    a published link (`/d/e/.../pubhtml`, `/pub`) becomes `/pub?output=csv` for that sheet, unless
    it already asks for a format. `fmt` "xlsx" asks for the whole workbook instead (to list its sheets)."""
    parts = urlsplit(url.strip())
    if (parts.hostname or "") not in GOOGLE_HOSTS or "/spreadsheets/" not in parts.path:
        return url.strip(), None
    gid = _gid(parts)
    published = re.match(r"(/spreadsheets/d/e/[^/]+)/", parts.path + "/")
    if published:
        query = dict(parse_qsl(parts.query))
        if "output" not in query or fmt != "csv":
            query["output"] = fmt
        if gid is not None and fmt == "csv":
            query.update(gid=gid, single="true")
        new = urlunsplit((parts.scheme, parts.netloc, published.group(1) + "/pub", urlencode(query), ""))
        what = "published Google Sheets link"
    else:
        doc = re.match(r"(/spreadsheets/d/[^/]+)", parts.path)
        if doc is None:
            return url.strip(), None
        if parts.path.rstrip("/").endswith(("/export", "/pub")) and parts.query:
            return url.strip(), None  # already an export link
        query = {"format": fmt, **({"gid": gid} if gid is not None and fmt == "csv" else {})}
        new = urlunsplit((parts.scheme, parts.netloc, doc.group(1) + "/export", urlencode(query), ""))
        what = "Google Sheets link"
    sheet = f"sheet gid={gid}" if gid is not None else "its first sheet"
    if fmt != "csv":
        return new, f"the {what} was read as its {fmt.upper()} export: {redact(new)}"
    return new, f"the {what} was read as its CSV export ({sheet}): {redact(new)}"


@dataclass
class Download:
    """One answer to a (conditional) download: the temp file, or `unchanged` for a 304."""

    url: str  # the address asked (after the Google rewrite), never shown as it is
    path: Path | None
    etag: str | None
    last_modified: str | None
    unchanged: bool = False
    size: int = 0

    def discard(self) -> None:
        """Remove the temporary file."""
        if self.path is not None:
            self.path.unlink(missing_ok=True)
            self.path = None


def download(url: str, *, etag: str | None = None, last_modified: str | None = None,
             max_bytes: int = DEFAULT_MAX_MB * 1024 * 1024, timeout: float = DEFAULT_TIMEOUT,
             session: requests.Session | None = None) -> Download:
    """Download `url` to a temporary file, conditionally when validators are given. Every failure
    is an InputError with one sentence naming the redacted address, and a hint."""
    _check_scheme(url)
    headers = {"User-Agent": "kit-import", "Accept": "text/csv, text/tab-separated-values, application/vnd."
               "openxmlformats-officedocument.spreadsheetml.sheet, */*;q=0.5"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    http = session or requests.Session()
    try:
        answer = _follow(http, url, headers, timeout)
        try:
            if answer.status_code == 304:
                return Download(url, None, etag, last_modified, unchanged=True)
            _check_answer(url, answer)
            path, size = _save(url, answer, max_bytes)
        finally:
            answer.close()
    finally:
        if session is None:
            http.close()
    return Download(url, path, answer.headers.get("ETag"), answer.headers.get("Last-Modified"), size=size)


def _check_scheme(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme == "https" or (parts.scheme == "http" and (parts.hostname or "") in LOCAL_HOSTS):
        return
    raise InputError(f"{redact(url)} is not an https:// address.",
                     "kit-import downloads sources over https only (plain http on this machine only: 127.0.0.1, "
                     "localhost or ::1).")


def _follow(http: requests.Session, url: str, headers: dict[str, str], timeout: float) -> requests.Response:
    """GET `url`, following at most MAX_REDIRECTS redirects by hand."""
    shown = redact(url)
    for _ in range(MAX_REDIRECTS + 1):
        try:
            answer = http.get(url, headers=headers, stream=True, timeout=timeout, allow_redirects=False)
        except requests.exceptions.SSLError:
            raise InputError(f"The TLS certificate of {shown} could not be verified, so nothing was downloaded.",
                             "Check the address; if a proxy inspects TLS, set REQUESTS_CA_BUNDLE to its "
                             "certificate.") from None
        except requests.exceptions.Timeout:
            raise InputError(f"{shown} did not answer within {timeout:g} seconds.",
                             "Try again later, or raise download_timeout.") from None
        except requests.exceptions.RequestException as e:
            raise InputError(f"{shown} could not be reached ({type(e).__name__}).",
                             "Check the address and the network, then try again.") from None
        if answer.status_code not in (301, 302, 303, 307, 308) or "Location" not in answer.headers:
            return answer
        answer.close()
        target = urljoin(url, answer.headers["Location"])
        if (urlsplit(target).hostname or "") in SIGN_IN_HOSTS:
            raise _private(url)
        if urlsplit(url).scheme == "https" and urlsplit(target).scheme != "https":
            raise InputError(f"{shown} redirects to a plain http:// address, which kit-import does not follow.",
                             "Use the https:// address the file is served from.")
        _check_scheme(target)
        url = target
    raise InputError(f"{shown} redirected more than {MAX_REDIRECTS} times.",
                     "Use the address the file is finally served from.")


def _private(url: str) -> InputError:
    return InputError(f"The sheet at {redact(url)} is private: Google answered with its sign-in page, "
                      "not the spreadsheet.", SHARE_HINT)


def _check_answer(url: str, answer: requests.Response) -> None:
    """Refuse an answer that is not a spreadsheet: an HTTP error, or an HTML page (a sign-in page)."""
    shown = redact(url)
    google = (urlsplit(url).hostname or "") in GOOGLE_HOSTS
    if answer.status_code in (401, 403) or (google and answer.status_code == 404 and "/d/e/" not in url):
        if google:
            raise _private(url)
        raise InputError(f"{shown} refused the download (HTTP {answer.status_code}).",
                         "Check that the address is shared for reading without a sign-in.")
    if answer.status_code >= 400:
        raise InputError(f"{shown} answered HTTP {answer.status_code} {answer.reason or ''}".rstrip() + ".",
                         "Check the address; try again later if the server is failing.")
    if answer.status_code != 200:
        raise InputError(f"{shown} answered HTTP {answer.status_code}, not the file.", "Check the address.")
    if "text/html" in answer.headers.get("Content-Type", "").lower():
        if google:
            raise _private(url)
        raise InputError(f"{shown} answered with a web page, not a spreadsheet.",
                         "Use the address of the CSV, TSV or XLSX file itself (a download or export link).")


def _save(url: str, answer: requests.Response, max_bytes: int) -> tuple[Path, int]:
    """Stream the body to a temporary file, stopping as soon as it passes `max_bytes`."""
    limit = _size(max_bytes)
    hint = "Raise max_download_mb if the file is really that big."
    declared = answer.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise InputError(f"{redact(url)} is {_size(int(declared))}, over the {limit} download limit.",
                         hint)
    fd, name = tempfile.mkstemp(prefix="kit-import-", suffix=_suffix(url, answer))
    path, size = Path(name), 0
    try:
        with os.fdopen(fd, "wb") as out:
            for piece in answer.iter_content(CHUNK):
                size += len(piece)
                if size > max_bytes:
                    raise InputError(f"{redact(url)} is over the {limit} download limit; the download was stopped "
                                     "there.", hint)
                out.write(piece)
    except requests.exceptions.RequestException as e:
        path.unlink(missing_ok=True)
        raise InputError(f"The download of {redact(url)} broke off ({type(e).__name__}).",
                         "Try again later.") from None
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    with path.open("rb") as f:
        zipped = f.read(4) == b"PK\x03\x04"
    if zipped and path.suffix not in (".xlsx", ".xlsm"):  # a workbook served under another type
        path = path.rename(path.with_suffix(".xlsx"))
    return path, size


def _size(n: int) -> str:
    """`200 MB`, `1.5 MB`, `3,000 bytes`."""
    return f"{n / 1024 / 1024:.3g} MB" if n >= 1024 * 1024 else f"{n:,} bytes"


def _suffix(url: str, answer: requests.Response) -> str:
    """The temp file's suffix, from the answer's type or the address (the reader sniffs bytes anyway)."""
    kind = answer.headers.get("Content-Type", "").lower()
    if "spreadsheetml" in kind:
        return ".xlsx"
    if "tab-separated" in kind:
        return ".tsv"
    ext = Path(urlsplit(url).path).suffix.lower()
    query = dict(parse_qsl(urlsplit(url).query))
    if query.get("output") == "tsv" or query.get("format") == "tsv":
        return ".tsv"
    if query.get("output") == "xlsx" or query.get("format") == "xlsx":
        return ".xlsx"
    return ext if ext in (".csv", ".tsv", ".txt", ".xlsx", ".xlsm") else ".csv"
