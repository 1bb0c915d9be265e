"""Throughput benchmark: a generated import into the sandbox at Kit's latency and rate limits.

Prints, per run: requests sent next to the minimum possible, the achieved request rate as a
share of the limit, 429s received, retries, and rows lost (a contact neither in the sandbox
with every value nor in the failures CSV). Kit's limits are scaled down in time (the window
shortened) so that each run takes about a minute; latency is not scaled.

    python bench/throughput.py                      # OAuth, API key, OAuth with faults, OAuth with 2 tags, --sequence
    python bench/throughput.py --kind api-key --contacts 2000
    python bench/throughput.py --kind sequence --contacts 3000 --run-seconds 600   # at Kit's own rate, 60 s window
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
from importer.kit import Credential  # noqa: E402
from importer.kit.auth import RATE_LIMITS  # noqa: E402
from importer.sandbox import Behaviour, KitStore, Sandbox  # noqa: E402

FIELDS = ("Last name", "Company", "Postal code", "City", "Tier")
TAGS = 2  # tags per contact in the run with tags: one of 10 from a Tags column, and one --tag for all


def make_source(path: Path, contacts: int, tags: bool = False) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["Email", "First Name", *FIELDS, *(["Tags"] if tags else [])])
        for i in range(contacts):
            out.writerow([f"person{i}@example.com", f"P{i}", f"L{i}", f"Company {i % 97}", f"{i % 100000:05d}",
                          f"City {i % 13}", ("free", "pro")[i % 2], *([f"Segment {i % 10}"] if tags else [])])
    return path


def rows_lost(store: KitStore, contacts: int, failures: Path) -> int:
    """Contacts that are neither in Kit with every value nor listed in the failures CSV."""
    failed: set[str] = set()
    if failures.exists():
        with failures.open(encoding="utf-8-sig", newline="") as f:
            failed = {row["Email"].lower() for row in csv.DictReader(f)}
    state = store.snapshot()
    lost = 0
    for i in range(contacts):
        email = f"person{i}@example.com"
        person = state.get(email)
        complete = person is not None and person["first_name"] == f"P{i}" and len(person["fields"]) == len(FIELDS)
        lost += not complete and email not in failed
    return lost


def untagged(store: KitStore, contacts: int, failures: Path) -> int:
    """Contacts without both their tags that the failures CSV does not list either."""
    failed: set[str] = set()
    if failures.exists():
        with failures.open(encoding="utf-8-sig", newline="") as f:
            failed = {row["Email"].lower() for row in csv.DictReader(f)}
    return sum(1 for i in range(contacts) if f"person{i}@example.com" not in failed
               and store.tags_of(f"person{i}@example.com") != {f"Segment {i % 10}", "Imported 2026-11"})


def outside_sequence(store: KitStore, contacts: int, failures: Path) -> int:
    """Contacts not in the sequence that the failures CSV does not list either."""
    failed: set[str] = set()
    if failures.exists():
        with failures.open(encoding="utf-8-sig", newline="") as f:
            failed = {row["Email"].lower() for row in csv.DictReader(f)}
    members = store.sequences.members(1, store)
    return sum(1 for i in range(contacts) if f"person{i}@example.com" not in failed | members)


def scaled_limit(kit_limit: int, requests: int, run_seconds: float = 60.0, windows: int = 10) -> tuple[int, float]:
    """Kit's limit (per 60 s) scaled in time: the rate is Kit's, or faster where Kit's would make
    the run longer than `run_seconds`; the window is a tenth of the run, so that the run spans
    many windows and measures the sustained rate, not one window's burst."""
    rate = max(kit_limit / 60.0, requests / run_seconds)
    window = run_seconds / windows
    return round(rate * window), window


def run(kind: str, contacts: int, latency: tuple[float, float], faults: bool, seed: int, tags: bool = False,
        sequence: bool = False, run_seconds: float = 60.0) -> dict:
    """One import; the minimum is the reads (fields, the empty account's one page of subscribers
    that the comparison reads, tags when tagging, and with --sequence the account's sequences and
    the sequence's one page of subscribers), the tag creations (11 tags, one bulk request) and
    ceil(upserts/100) + ceil(values/100) + ceil(taggings/100), plus one addition per contact with
    --sequence (Kit has no bulk sequence endpoint)."""
    reads, creations = (3, 1) if tags else (4, 0) if sequence else (2, 0)
    taggings = contacts * TAGS if tags else 0
    minimum = reads + creations + (math.ceil(contacts / 100) + math.ceil(contacts * len(FIELDS) / 100) +
                                   math.ceil(taggings / 100) if kind == "oauth" else contacts + taggings)
    minimum += contacts if sequence else 0
    limit, window = scaled_limit(RATE_LIMITS["oauth" if kind == "oauth" else "api_key"], minimum, run_seconds)
    behaviour = Behaviour(latency=latency, rate_limit=(limit, window), seed=seed,
                          errors=0.05 if faults else 0.0, drops=0.02 if faults else 0.0)
    with tempfile.TemporaryDirectory() as tmp, Sandbox(KitStore(), behaviour=behaviour) as sandbox:
        sandbox.seed_fields(FIELDS)
        if sequence:
            sandbox.store.sequences.add("Welcome series")
        source = make_source(Path(tmp) / "contacts.csv", contacts, tags)
        secret = sandbox.access_token if kind == "oauth" else sandbox.api_key
        failures = Path(tmp) / "failures.csv"
        started = time.monotonic()
        report = import_file(Settings(source=source, credential=Credential(kind, secret), base_url=sandbox.url,
                                      rate_limit=limit, rate_window=window, failures=failures,
                                      undo=Path(tmp) / "undo.csv", tags=["Imported 2026-11"] if tags else [],
                                      sequences=["Welcome series"] if sequence else []))
        elapsed = time.monotonic() - started
        return {
            "run": f"{kind}{' + faults' if faults else ''}{f' + {TAGS} tags' if tags else ''}"
                   f"{' + sequence' if sequence else ''}",
            "contacts": contacts,
            "requests": report.requests_sent,
            "minimum": minimum,
            "ratio": report.requests_sent / minimum,
            "rate": report.requests_sent / elapsed / (limit / window),
            "throttled": report.throttled,
            "retries": report.retries,
            "faults": dict(sandbox.behaviour.counts),
            "lost": rows_lost(sandbox.store, contacts, failures) + (untagged(sandbox.store, contacts, failures)
                                                                     if tags else 0) +
                    (outside_sequence(sandbox.store, contacts, failures) if sequence else 0),
            "elapsed": elapsed,
            "limit": f"{limit}/{window:g}s",
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contacts", type=int, default=10_000)
    parser.add_argument("--kind", choices=["oauth", "api-key", "faults", "tags", "sequence", "all"], default="all")
    parser.add_argument("--latency", default="0.3-1.5", help="seconds, MIN-MAX")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--run-seconds", type=float, default=60.0,
                        help="how long a run should take; Kit's own rate and 60 s window from 600 up")
    args = parser.parse_args()
    lo, _, hi = args.latency.partition("-")
    latency = (float(lo), float(hi or lo))
    plan = {"oauth": [("oauth", False, False, False)], "api-key": [("api_key", False, False, False)],
            "faults": [("oauth", True, False, False)], "tags": [("oauth", False, True, False)],
            "sequence": [("oauth", False, False, True)],
            "all": [("oauth", False, False, False), ("api_key", False, False, False), ("oauth", True, False, False),
                    ("oauth", False, True, False), ("oauth", False, False, True)]}[args.kind]
    print(f"{args.contacts:,} contacts x {len(FIELDS)} fields, latency {lo}-{hi or lo} s; Kit's limits scaled in "
          f"time: Kit's rate (or faster, so a run takes about {args.run_seconds:g} s) over a "
          f"{args.run_seconds / 10:g} s window")
    print(f"{'run':<21} {'limit':>12} {'requests':>9} {'minimum':>8} {'x min':>6} {'rate/limit':>10} "
          f"{'429s':>5} {'retries':>7} {'lost':>5} {'elapsed':>8}  faults injected")
    for kind, faults, tags, sequence in plan:
        r = run(kind, args.contacts, latency, faults, args.seed, tags, sequence, args.run_seconds)
        injected = ", ".join(f"{k} {v}" for k, v in r["faults"].items() if v and k != "429") or "none"
        print(f"{r['run']:<21} {r['limit']:>12} {r['requests']:>9,} {r['minimum']:>8,} {r['ratio']:>6.3f} "
              f"{r['rate']:>10.3f} {r['throttled']:>5} {r['retries']:>7} {r['lost']:>5} {r['elapsed']:>7.1f}s  "
              f"{injected}", flush=True)


if __name__ == "__main__":
    main()
