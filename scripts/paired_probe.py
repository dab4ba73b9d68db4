"""A paired probe: one preset, one parameter at two or more values, the same seeds for each.

It backs the README's claims that change one value of one preset (for example the
integration level in ``schiedam``): each value runs with the same seeds, so the
differences against the first value are paired (common random numbers).

    .venv/bin/python scripts/paired_probe.py schiedam access.integration \
        verbinden,samenwerken,samenspel --seeds 8

Prints, per KPI and value, the mean, and the paired difference against the first value
with its 95% interval and in how many seeds the value did better.
"""

from __future__ import annotations

import argparse
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import sim  # noqa: E402
from sim.lab.stats import fmt_estimate, paired_interval, wins  # noqa: E402
from sim.scenario import parse_value  # noqa: E402

KPIS = ("crises", "withdrawn", "answered", "waitlist_mean", "plan_within_6_weeks_share")


def one(job: tuple[str, str, object, int, int]) -> dict:
    preset, key, value, seed, days = job
    summary = sim.run(sim.load_scenario(preset, {key: value}), seed=seed, days=days).summary
    return {"value": value, "seed": seed, **{k: summary[k] for k in KPIS}}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("preset")
    ap.add_argument("key")
    ap.add_argument("values", help="comma-separated; the first is the reference")
    ap.add_argument("--seeds", type=int, default=8)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args(argv)
    values = [parse_value(v) for v in a.values.split(",")]
    for v in values:  # bad input: one line before any run
        sim.load_scenario(a.preset, {a.key: v})
    jobs = [(a.preset, a.key, v, s, a.days) for v in values for s in range(1, a.seeds + 1)]
    with ProcessPoolExecutor(a.workers) as ex:
        runs = pd.DataFrame(list(ex.map(one, jobs)))
    print(f"{a.preset}: {a.key} over {a.seeds} paired seeds, {a.days} days, "
          f"code {sim.code_version()}")
    for k in KPIS:
        by = {v: runs[runs["value"] == v].set_index("seed")[k] for v in values}
        ref = by[values[0]]
        line = f"{k:28s} {values[0]}: {ref.mean():.4g}"
        for v in values[1:]:
            _, mean, lo, hi = paired_interval(ref, by[v])
            better, n = wins(by[v] - ref, k)
            line += f" | {v}: {by[v].mean():.4g}, diff {fmt_estimate(mean, lo, hi)}, " \
                    f"better in {better} of {n}"
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
