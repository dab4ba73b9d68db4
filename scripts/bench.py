"""Speed and memory figures for `make bench`: printed, never asserted.

Targets (issue 2): one neighbourhood-year of ``schiedam_walk_in`` (about 12,000
residents) in under 3 s and under 500 MB peak memory, with time growing no more
than linearly in the number of residents. Each configuration runs in a fresh
process so its peak resident memory is its own.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHILD = r"""
import json, resource, sys, time
import sim
scenario = sim.load_scenario(sys.argv[1], {"population.n_residents": int(sys.argv[2])})
t0 = time.perf_counter()
result = sim.run(scenario, seed=int(sys.argv[3]), days=365)
wall = time.perf_counter() - t0
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"wall_s": wall, "peak_mb": peak_mb, "requests": result.summary["requests"]}))
"""


def measure(preset: str, residents: int, seed: int, repeats: int) -> dict:
    """Best-of-``repeats`` wall time (least disturbed by the machine) and max peak memory."""
    runs = []
    for r in range(repeats):
        out = subprocess.run([sys.executable, "-c", CHILD, preset, str(residents), str(seed + r)],
                             capture_output=True, text=True, check=True, cwd=ROOT)
        runs.append(json.loads(out.stdout))
    best = min(runs, key=lambda x: x["wall_s"])
    return {"residents": residents, "wall_s": best["wall_s"],
            "peak_mb": max(x["peak_mb"] for x in runs), "requests": best["requests"],
            "us_per_resident_day": best["wall_s"] / (residents * 365) * 1e6}


def main() -> None:
    preset = "schiedam_walk_in"
    print(f"model: {preset}, 365 days, best of 3 runs, each in a fresh process")
    print(f"{'residents':>10} {'wall s':>8} {'peak MB':>8} {'requests':>9} {'us/res-day':>11}")
    rows = []
    for residents in (12_000, 60_000):
        row = measure(preset, residents, seed=1, repeats=3)
        rows.append(row)
        print(f"{row['residents']:>10,} {row['wall_s']:>8.2f} {row['peak_mb']:>8.0f} "
              f"{row['requests']:>9,} {row['us_per_resident_day']:>11.3f}")
    small, large = rows
    growth = large["wall_s"] / small["wall_s"]
    print(f"time growth for 5x residents: {growth:.2f}x (linear would be 5.00x)")
    print(f"targets: 1 year < 3 s: {'met' if small['wall_s'] < 3 else 'MISSED'}; "
          f"peak < 500 MB: {'met' if small['peak_mb'] < 500 else 'MISSED'}; "
          f"growth <= linear: {'met' if growth <= 5.0 else 'MISSED'}")
    sweep = ROOT / "scripts" / "bench_sweep.py"
    if sweep.exists():
        print()
        subprocess.run([sys.executable, str(sweep)], check=True, cwd=ROOT)


if __name__ == "__main__":
    main()
