"""Nightly rerun benchmark: an unchanged 100,000-row file imported a second time with a state file.

Prints the write requests of the rerun (the target is 0) and its local time, next to the first
run's. The sandbox answers instantly and without a rate limit, so the times are kit-import's own.

    python bench/nightly.py                 # 100,000 rows
    python bench/nightly.py --rows 20000
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from importer import Settings, import_file
from importer.kit import Credential
from importer.sandbox import KitStore, Sandbox
from throughput import FIELDS, make_source


def timed_run(source: Path, sandbox: Sandbox, state: Path) -> tuple[float, int, int]:
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
    print(f"{args.rows:,} rows x {len(FIELDS)} fields, state file {size:.1f} MB")
    print(f"{'run':<24} {'seconds':>8} {'write requests':>15} {'unchanged':>10}")
    print(f"{'first (empty state)':<24} {first[0]:>8.1f} {first[1]:>15,} {first[2]:>10,}")
    print(f"{'rerun, file unchanged':<24} {rerun[0]:>8.1f} {rerun[1]:>15,} {rerun[2]:>10,}")


if __name__ == "__main__":
    main()
