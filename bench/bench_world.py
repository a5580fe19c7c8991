"""Benchmark the synthetic world: build time and peak memory, default and large scale, vs a naive baseline.

Run: ``.venv/bin/python bench/bench_world.py [--large-scale 15] [--skip-large]``

Each build runs in a fresh subprocess so that its peak RSS (``resource.getrusage``)
is its own. The naive baseline generates a small sample of the same rows one
by one with Faker and Python loops (the usual hand-written approach); its
time is extrapolated linearly to the default world's row counts (said so in
the output).
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import time

CHILD = """
import json, resource, sys, time
from netmarketing.data import build_world
t, c = time.perf_counter(), time.process_time()
w = build_world({seed}, scale={scale}, marketing={marketing})
elapsed, cpu = time.perf_counter() - t, time.process_time() - c
rows = {{k: len(v) for k, v in w.tables.items()}}
print(json.dumps({{"seconds": elapsed, "cpu_seconds": cpu,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "rows": rows}}))
"""


def run_build(seed: int, scale: float, marketing: bool) -> dict:
    """Build one world in a subprocess and return its time, peak RSS and row counts."""
    code = CHILD.format(seed=seed, scale=scale, marketing=marketing)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def naive_baseline(n_members: int = 500, n_events: int = 20_000) -> dict:
    """Time a row-by-row Faker/Python generator for a small sample of members and GA4 events."""
    from faker import Faker

    fake = Faker("zh_TW")
    fake.seed_instance(1)
    rnd = random.Random(1)
    t = time.perf_counter()
    members = []
    for i in range(n_members):
        members.append(
            {
                "member_id": f"M{i:06d}",
                "name": fake.name(),
                "mobile": fake.phone_number(),
                "email": fake.email(),
                "city": fake.city(),
                "birth_date": fake.date_of_birth(),
            }
        )
    t_members = time.perf_counter() - t
    t = time.perf_counter()
    events, ts, session = [], 1_704_067_200_000_000, 0
    names = ["session_start", "page_view", "view_item", "add_to_cart", "user_engagement"]
    for _ in range(n_events):
        if rnd.random() < 0.15:
            session += 1
            ts += rnd.randint(31, 600) * 60_000_000
        ts += rnd.randint(1, 60) * 1_000_000
        events.append(
            {
                "event_timestamp": ts,
                "event_name": rnd.choice(names),
                "user_pseudo_id": fake.uuid4(),
                "ga_session_id": session,
                "page_location": fake.uri(),
                "geo_city": fake.city(),
                "device_category": rnd.choice(["mobile", "desktop", "tablet"]),
            }
        )
    t_events = time.perf_counter() - t
    return {"members_per_s": n_members / t_members, "events_per_s": n_events / t_events}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--large-scale", type=float, default=7.0)  # about 10 M GA4 events
    parser.add_argument("--skip-large", action="store_true")
    args = parser.parse_args()

    default = run_build(args.seed, 1.0, True)
    core_only = run_build(args.seed, 1.0, False)
    # CPU seconds are printed beside wall seconds: on a shared machine the wall clock includes waiting.
    print(
        f"default world (scale 1, all tables): {default['seconds']:.1f} s wall, {default['cpu_seconds']:.1f} s CPU, "
        f"peak RSS {default['peak_rss_mb']:.0f} MB, {default['rows']['ga4_events']:,} GA4 events, "
        f"{default['rows']['orders']:,} orders, {default['rows']['members']:,} members"
    )
    print(
        f"default world (core tables only):    {core_only['seconds']:.1f} s wall, {core_only['cpu_seconds']:.1f} s CPU, "
        f"peak RSS {core_only['peak_rss_mb']:.0f} MB"
    )

    naive = naive_baseline()
    rows = default["rows"]
    naive_seconds = rows["members"] / naive["members_per_s"] + rows["ga4_events"] / naive["events_per_s"]
    print(
        f"naive row-by-row Faker baseline: {naive['members_per_s']:.0f} members/s, {naive['events_per_s']:.0f} events/s "
        f"(measured on 500 members + 20,000 events, extrapolated linearly to the default world's members and "
        f"GA4 events only): ~{naive_seconds:.1f} s vs {core_only['seconds']:.1f} s for the whole vectorised core "
        f"-> {naive_seconds / core_only['seconds']:.1f}x"
    )

    if not args.skip_large:
        large = run_build(args.seed, args.large_scale, False)
        print(
            f"large world (scale {args.large_scale:g}, core tables): {large['seconds']:.1f} s, "
            f"peak RSS {large['peak_rss_mb']:.0f} MB, {large['rows']['ga4_events']:,} GA4 events, "
            f"{large['rows']['orders']:,} orders"
        )
        naive_large = (
            large["rows"]["members"] / naive["members_per_s"]
            + large["rows"]["ga4_events"] / naive["events_per_s"]
        )
        print(
            f"naive baseline extrapolated to the large world: ~{naive_large:.0f} s "
            f"-> {naive_large / large['seconds']:.1f}x"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
