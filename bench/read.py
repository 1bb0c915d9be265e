"""Reading an account: read_account over the sandbox, seeded directly with N subscribers.

Prints the requests, the seconds and the memory the read Account holds (tracemalloc, a second
read: tracing slows it). The sandbox runs in this process, so the seconds include its work
(about 0.1 s a page of 1,000 on a small machine); kit-import's own share is about 1 s per
100,000 subscribers. Against Kit, each page costs Kit's answer time (0.3 to 1.5 s) instead.

    python bench/read.py                      # 100,000 subscribers, 3 custom fields, a tag on a third
    python bench/read.py --subscribers 20000
"""

from __future__ import annotations

import argparse
import gc
import time
import tracemalloc

from importer.decide.held import read_account
from importer.kit import Credential, KitClient, RateLimiter
from importer.sandbox import SAMPLE_FIELDS, KitStore, Sandbox


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=100_000)
    n = parser.parse_args().subscribers
    store = KitStore()
    with Sandbox(store) as sb:
        sb.seed_fields(SAMPLE_FIELDS)
        fields = list(store.fields.values())
        vip, _ = store.add_tag("VIP")
        for i in range(n):
            sub, _ = store.upsert(f"person{i}@example.com", f"P{i}", set_first_name=True)
            for f in fields:
                sub.values[f.id] = f"{f.label} {i}"
            if i % 3 == 0:
                sub.tags.add(vip.id)
        for tags in (False, True):
            client = KitClient(Credential("oauth", sb.access_token), sb.url, limiter=RateLimiter(1_000_000, 60))
            start = time.perf_counter()
            account = read_account(client, include_tags=tags)
            took = time.perf_counter() - start
            del account
            gc.collect()
            tracemalloc.start()
            account = read_account(client, include_tags=tags)
            gc.collect()
            held = tracemalloc.get_traced_memory()[0]
            tracemalloc.stop()
            print(f"include_tags={tags}: {len(account):,} subscribers in {account.requests:,} requests, "
                  f"{took:.1f} s, the Account holds {held / 1e6:.0f} MB")
            del account


if __name__ == "__main__":
    main()
