"""Re-import benchmark: a file Kit already holds, sent blind (--compare never) or compared with Kit.

Seeds the sandbox directly with N contacts x 5 custom fields, then imports the same file with no
state file: blind, compared, and compared with 1% of the values changed (one value on every
20th contact), with an OAuth token and with an API key. The sandbox answers at once and its
rate limit is raised, so each run measures kit-import's own work; `at Kit` is what the same
requests take against Kit (its answer time of 0.3-1.5 s, 0.9 s on average, and its limits:
600 requests a minute for OAuth, 120 for an API key, each less 3%), from the dry-run estimate.

    python bench/reimport.py                       # 100,000 contacts, both credentials
    python bench/reimport.py --contacts 20000 --kind oauth
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from importer import Settings, import_file  # noqa: E402
from importer.decide.estimate import estimate_seconds  # noqa: E402
from importer.kit import Credential  # noqa: E402
from importer.kit.auth import RATE_LIMITS  # noqa: E402
from importer.kit.ratelimit import RateLimiter  # noqa: E402
from importer.sandbox import KitStore, Sandbox  # noqa: E402

FIELDS = ("Last name", "Company", "Postal code", "City", "Tier")
EVERY = 20  # one value changed on every 20th contact: 1% of the values


def value(i: int, f: int, variant: str = "") -> str:
    return f"{variant}{FIELDS[f][:3]} {i}"


def make_source(path: Path, contacts: int, variant: str = "") -> Path:
    """The file: contact i holds value(i, f) in each field; with a variant, every 20th contact's
    field i % 5 holds another value."""
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["Email", "First Name", *FIELDS])
        for i in range(contacts):
            values = [value(i, k, variant if variant and i % EVERY == 0 and k == i % len(FIELDS) else "")
                      for k in range(len(FIELDS))]
            out.writerow([f"person{i}@example.com", f"P{i}", *values])
    return path


def seed(store: KitStore, contacts: int) -> None:
    """Kit holds the file already: every contact with its first name and five values."""
    fields = [store.add_field(label)[0] for label in FIELDS]
    for i in range(contacts):
        sub, _ = store.upsert(f"person{i}@example.com", f"P{i}", set_first_name=True)
        for k, f in enumerate(fields):
            sub.values[f.id] = value(i, k)


def at_kit(kind: str, reads: int, writes: int) -> float:
    """Seconds the requests take against Kit: reads one after the other (a cursor's pages, the
    fields), writes at Kit's limit with the default concurrency."""
    limiter = RateLimiter.with_margin(RATE_LIMITS[kind], 60.0)
    concurrency = max(2, min(256, math.ceil(limiter.requests_per_second * 1.5 * 1.25)))
    return estimate_seconds(reads=reads, creations=0, writes=[writes], concurrency=concurrency,
                            limit=limiter.limit, window=limiter.window + limiter.pad)


def run(sandbox: Sandbox, kind: str, source: Path, compare: str) -> dict:
    secret = sandbox.access_token if kind == "oauth" else sandbox.api_key
    with tempfile.TemporaryDirectory() as tmp:
        started = time.monotonic()
        report = import_file(Settings(source=source, credential=Credential(kind, secret), base_url=sandbox.url,
                                      rate_limit=1_000_000, failures=Path(tmp) / "f.csv", compare=compare,
                                      # blind is the run before comparing existed: no undo file, whose
                                      # own read of Kit's values would cost 100 requests more
                                      undo=Path(tmp) / "u.csv", no_undo=compare == "never"))
        elapsed = time.monotonic() - started
    reads = sum(n for endpoint, n in report.requests.items() if endpoint.startswith("GET"))
    writes = report.requests_sent - reads
    return {"reads": reads, "writes": writes, "requests": report.requests_sent, "elapsed": elapsed,
            "values": report.values_written, "imported": report.imported, "at_kit": at_kit(kind, reads, writes)}


def duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--kind", choices=["oauth", "api_key", "both"], default="both")
    args = parser.parse_args()
    n = args.contacts
    kinds = ["oauth", "api_key"] if args.kind == "both" else [args.kind]
    changed = math.ceil(n / EVERY)
    print(f"{n:,} contacts x {len(FIELDS)} fields, Kit holds them already; no state file. 1% changed: "
          f"{changed:,} values on {changed:,} contacts. Targets: reads <= {math.ceil(n / 1000) + 2}, writes 0; "
          f"with 1% changed, writes <= {2 * math.ceil(changed / 100)} (OAuth)")
    print(f"{'run':<28} {'requests':>9} {'reads':>6} {'writes':>7} {'values':>7} {'imported':>8} {'here':>8} "
          f"{'at Kit':>9}")
    with tempfile.TemporaryDirectory() as tmp:
        same = make_source(Path(tmp) / "same.csv", n)
        store = KitStore()
        seed(store, n)
        with Sandbox(store) as sandbox:
            for kind in kinds:
                edited = make_source(Path(tmp) / f"edited-{kind}.csv", n, variant=f"{kind} ")
                for name, source, compare in ((f"{kind}: --compare never", same, "never"),
                                              (f"{kind}: compared", same, "auto"),
                                              (f"{kind}: compared, 1% changed", edited, "auto")):
                    r = run(sandbox, kind, source, compare)
                    print(f"{name:<28} {r['requests']:>9,} {r['reads']:>6,} {r['writes']:>7,} {r['values']:>7,} "
                          f"{r['imported']:>8,} {duration(r['elapsed']):>8} {duration(r['at_kit']):>9}", flush=True)


if __name__ == "__main__":
    main()
