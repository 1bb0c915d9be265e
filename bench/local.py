"""Local pipeline benchmark: a generated CSV through loader, consent reading, mapper and planner, no network.

Prints rows per second and peak RSS for kit-import's read -> consent -> map -> merge -> plan, next to
pandas.read_csv(dtype=str) alone on the same file, each in a fresh process so that peak RSS
is its own. Targets: at least 0.5x pandas' row rate; under 500 MB for 1,000,000 rows.

    python bench/local.py                  # 1,000,000 rows x 10 columns
    python bench/local.py --rows 200000
    KIT_IMPORT_ROOT=/path/to/other/checkout python bench/local.py   # the same file through another version
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import subprocess
import sys
import tempfile
import os
import time
from pathlib import Path

ROOT = Path(os.environ.get("KIT_IMPORT_ROOT") or Path(__file__).resolve().parents[1])
COLUMNS = ["Email", "First Name", "Last name", "Company", "Postal code", "City", "Phone Number", "Joined",
           "Tier", "Notes", "Status"]
STATUSES = ("subscribed",) * 90 + ("unsubscribed",) * 5 + ("cleaned",) * 3 + ("pending",) * 2


def make_file(path: Path, rows: int) -> None:
    """Realistic cells: 1% invalid emails, 2% duplicates, some blanks, quoted commas."""
    rng = random.Random(42)
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(COLUMNS)
        for i in range(rows):
            n = rng.randrange(rows) if rng.random() < 0.02 else i
            email = f"person{n}@example.com" if rng.random() >= 0.01 else f"person{n} at example.com"
            out.writerow([email, f"First{n % 5000}", f"Last{n % 7919}", f"Company {n % 997}, Inc",
                          f"{n % 100000:05d}", f"City {n % 313}", f"+1 555 {n % 10000:04d}",
                          f"2024-{1 + n % 12:02d}-{1 + n % 28:02d}", ("free", "pro", "")[n % 3],
                          "" if n % 4 else "likes long walks; says \"hi\"", STATUSES[n % len(STATUSES)]])


def kit_import(path: str) -> dict:
    sys.path.insert(0, str(ROOT))
    import inspect

    from importer.read.consent import plan_guard
    from importer.read.files import open_source
    from importer.read.contacts import map_rows
    from importer.read.columns import plan_columns
    from importer.read.merge import ContactMerger
    from importer.records import CustomField, Rejection
    from importer.kit import batches

    fields = [CustomField(i, label.lower().replace(" ", "_"), label) for i, label in enumerate(COLUMNS[2:9])]
    start = time.perf_counter()
    source = open_source(path)
    plan = plan_columns(source.headers, fields)
    guard = plan_guard(source.headers, source.rows, plan.email, claimed=plan.in_use())  # the status column
    plan = plan_columns(source.headers, fields, claimed={c.index: c.role for c in guard.columns} if guard else {})
    readers = [guard.state] if guard else []
    if guard and getattr(guard, "times", None) and "time_of" in inspect.signature(map_rows).parameters:
        readers.append(guard.opted_out_at)
    merger = ContactMerger([f for _, f in plan.fields])
    rows = rejected = 0
    for item in map_rows(source.rows(), plan, *readers):
        rows += 1
        if isinstance(item, Rejection):
            rejected += 1
        else:
            merger.add(item)
    values = merger.value_count()
    requests = 1 + batches(len(merger)) + batches(values)
    seconds = time.perf_counter() - start
    return {"rows": rows, "seconds": seconds, "contacts": len(merger), "rejected": rejected,
            "merged": merger.merged, "values": values, "requests": requests}


def pandas_read(path: str) -> dict:
    import pandas

    start = time.perf_counter()
    frame = pandas.read_csv(path, dtype=str)
    return {"rows": len(frame), "seconds": time.perf_counter() - start}


def measure(which: str, path: Path) -> dict:
    """Run one side in a fresh process; add its peak RSS."""
    code = (f"import json, resource, sys; sys.path.insert(0, {str(ROOT / 'bench')!r}); import local; "
            f"r = local.{which}({str(path)!r}); "
            "u = resource.getrusage(resource.RUSAGE_SELF); r['peak_rss_mb'] = u.ru_maxrss / 1024; "
            "r['cpu_seconds'] = u.ru_utime + u.ru_stime; print(json.dumps(r))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.csv"
        make_file(path, args.rows)
        size = path.stat().st_size / 1e6
        ours, theirs = measure("kit_import", path), measure("pandas_read", path)
    print(f"{args.rows:,} rows x {len(COLUMNS)} columns, {size:.0f} MB (code: {ROOT})")
    print(f"{'':<34} {'seconds':>8} {'CPU s':>7} {'rows/s':>10} {'peak RSS':>9}")
    for name, r in (("kit-import load+map+merge+plan", ours), ("pandas.read_csv(dtype=str)", theirs)):
        print(f"{name:<34} {r['seconds']:>8.2f} {r['cpu_seconds']:>7.2f} {r['rows'] / r['seconds']:>10,.0f} "
              f"{r['peak_rss_mb']:>7.0f} MB")
    ratio = (ours["rows"] / ours["seconds"]) / (theirs["rows"] / theirs["seconds"])
    print(f"row rate vs pandas: {ratio:.2f}x (target >= 0.5x); peak RSS {ours['peak_rss_mb']:.0f} MB (target < 500 MB)")
    print(f"planned: {ours['contacts']:,} contacts, {ours['merged']:,} merged, {ours['rejected']:,} rejected, "
          f"{ours['values']:,} values -> {ours['requests']:,} requests with OAuth")


if __name__ == "__main__":
    main()
