"""Nightly rerun benchmark: an unchanged 100,000-row file imported a second time with a state file,
then the same file at a URL (a local server on 127.0.0.1), downloaded once and then unchanged.

Prints the write requests of the rerun (the target is 0) and its local time, next to the first
run's, and every request to Kit of the run over the unchanged URL (the target is 0: the sheet
answers 304 to the conditional download). The sandbox answers instantly and without a rate
limit, so the times are kit-import's own.

    python bench/nightly.py                 # 100,000 rows
    python bench/nightly.py --rows 20000
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from importer import Settings, import_file
from importer.kit import Credential
from importer.sandbox import KitStore, Sandbox
from throughput import FIELDS, make_source


class Sheet(SimpleHTTPRequestHandler):
    """Serves the folder, answering If-Modified-Since with 304 (http.server does), and counts requests."""

    asked: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        Sheet.asked.append(self.headers.get("If-Modified-Since") or "")
        super().do_GET()

    def log_message(self, *args: object) -> None:
        pass


def url_runs(source: Path, sandbox: Sandbox, state: Path) -> tuple[tuple[float, int, int], tuple[float, int, int]]:
    """The file at a URL: a first run that downloads it (Kit holds it all already), then one that finds
    it unchanged. Each: seconds, every request to Kit, requests to the sheet's server."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Sheet, directory=str(source.parent)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/{source.name}"
    try:
        runs = []
        for _ in range(2):
            kit_before, sheet_before = len(sandbox.requests), len(Sheet.asked)
            seconds, _, _ = timed_run(url, sandbox, state)
            runs.append((seconds, len(sandbox.requests) - kit_before, len(Sheet.asked) - sheet_before))
    finally:
        server.shutdown()
        server.server_close()
    return runs[0], runs[1]


def timed_run(source: Path | str, sandbox: Sandbox, state: Path) -> tuple[float, int, int]:
    before = sum(1 for m, *_ in sandbox.requests if m == "POST")
    start = time.perf_counter()
    report = import_file(Settings(source=source, credential=Credential("oauth", sandbox.access_token),
                                  base_url=sandbox.url, state=state, rate_limit=1_000_000, rate_window=1.0,
                                  failures=state.with_suffix(".failures.csv"), undo=state.with_suffix(".undo.csv")))
    seconds = time.perf_counter() - start
    return seconds, sum(1 for m, *_ in sandbox.requests if m == "POST") - before, report.unchanged


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, Sandbox(KitStore()) as sandbox:
        sandbox.seed_fields(FIELDS)
        source = make_source(Path(tmp) / "contacts.csv", args.rows)
        state = Path(tmp) / "nightly.state"
        first = timed_run(source, sandbox, state)
        rerun = timed_run(source, sandbox, state)
        size = state.stat().st_size / 1e6
        downloaded, unchanged = url_runs(source, sandbox, state)
    print(f"{args.rows:,} rows x {len(FIELDS)} fields, state file {size:.1f} MB")
    print(f"{'run':<24} {'seconds':>8} {'write requests':>15} {'unchanged':>10}")
    print(f"{'first (empty state)':<24} {first[0]:>8.1f} {first[1]:>15,} {first[2]:>10,}")
    print(f"{'rerun, file unchanged':<24} {rerun[0]:>8.1f} {rerun[1]:>15,} {rerun[2]:>10,}")
    print(f"{'the file at a URL':<24} {'seconds':>8} {'requests to Kit':>15} {'to sheet':>10}")
    print(f"{'downloaded':<24} {downloaded[0]:>8.1f} {downloaded[1]:>15,} {downloaded[2]:>10,}")
    print(f"{'unchanged (304)':<24} {unchanged[0]:>8.1f} {unchanged[1]:>15,} {unchanged[2]:>10,}")


if __name__ == "__main__":
    main()
