"""Verifying a 100,000-contact import: requests and seconds of `verify` against the sandbox.

The sandbox is seeded directly with the import's result (N subscribers, 5 custom fields each), as
`kit-import run` would leave it, and the same file is verified: once when Kit matches it, and once
with 1% of the values changed behind the tool's back (each difference confirmed by id).

    python bench/verify.py                     # 100,000 contacts x 5 fields
    python bench/verify.py --contacts 20000
"""

from __future__ import annotations

import argparse
import csv
import tempfile
import time
from pathlib import Path

from importer.kit import Credential, KitClient, RateLimiter
from importer.sandbox import KitStore, Sandbox
from importer.settings.declaration import Settings
from importer.verify import verify

LABELS = ("Last name", "Company", "Postal code", "City", "Interests")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    n = parser.parse_args().contacts
    store = KitStore()
    with Sandbox(store) as sb, tempfile.TemporaryDirectory() as folder:
        sb.seed_fields(LABELS)
        fields = list(store.fields.values())
        source = Path(folder) / "contacts.csv"
        with source.open("w", newline="", encoding="utf-8") as f:
            out = csv.writer(f)
            out.writerow(["Email", "First Name", *LABELS])
            for i in range(n):
                values = [f"{label} {i}" for label in LABELS]
                out.writerow([f"person{i}@example.com", f"P{i}", *values])
                sub, _ = store.upsert(f"person{i}@example.com", f"P{i}", set_first_name=True)
                for field, value in zip(fields, values):
                    sub.values[field.id] = value
        for label, changed in (("Kit matches the file", 0), ("1% of the values changed in Kit", n * 5 // 100)):
            for i in range(changed):
                store.subscribers[1 + i * n // max(changed, 1) % n].values[fields[i % 5].id] = "changed"
            client = KitClient(Credential("oauth", sb.access_token), sb.url, limiter=RateLimiter(1_000_000, 60))
            settings = Settings(source, differences=Path(folder) / "d.csv", settle=0)
            start = time.perf_counter()
            report = verify(settings, client=client)
            took = time.perf_counter() - start
            sent = sum(report.requests.values())
            print(f"{label}: {n:,} contacts x {len(LABELS)} fields verified in {sent:,} requests "
                  f"({dict(sorted(report.requests.items()))}), {took:.1f} s; "
                  f"{len(report.failing):,} differences, {report.confirmed_by_id:,} confirmed by id")


if __name__ == "__main__":
    main()
