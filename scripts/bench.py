"""Speed and memory figures for `make bench`: printed, never asserted.

Targets (issue 2): one neighbourhood-year of ``schiedam_walk_in`` (about 12,000
residents) in under 3 s and under 500 MB peak memory, with time growing no more
than linearly in the number of residents. Each configuration runs in a fresh
process so its peak resident memory is its own.

Wall time on a shared virtual machine varies by 15-40% from one run to the next,
and the larger neighbourhood suffers more from a busy neighbour, since its data no
longer fit the processor's cache. The configurations therefore alternate over
several rounds, and growth is the best time against the best time; the spread of
the within-round ratios is printed too. Events per resident-day measure the work
itself, which does not depend on the machine. The 2x and 10x neighbourhoods give the
exponent b of time ~ residents^b across a forty-fold range of sizes.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
CHILD = r"""
import json, resource, sys, time
import sim
overrides = json.loads(sys.argv[2])
scenario = sim.load_scenario(sys.argv[1], overrides)
Simulation = sim.Simulation  # import the model (Mesa, pandas) before the clock starts
t0 = time.perf_counter()
simulation = Simulation(scenario, seed=int(sys.argv[3]), days=365)
result = simulation.run()
wall = time.perf_counter() - t0
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"wall_s": wall, "peak_mb": peak_mb, "requests": result.summary["requests"],
                  "events": simulation.model.events_scheduled}))
"""


#: Capacities that grow with the neighbourhood when it is scaled up as a whole.
SCALED_WITH_NEIGHBOURHOOD = ("wijkteam.n_professionals", "meeting_places.n_places",
                             "frontdesk.capacity_per_day", "volunteers.n_initial")


def sim_defaults(preset: str) -> dict:
    import sim

    scenario = sim.load_scenario(preset)
    keys = ("population.n_residents", *SCALED_WITH_NEIGHBOURHOOD)
    return {key: scenario.get(key) for key in keys}


def run_once(preset: str, overrides: dict, seed: int) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, preset, json.dumps(overrides), str(seed)],
                         capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout)


def summarise(runs: list[dict], residents: int) -> dict:
    """Best wall time (least disturbed by the machine) and largest peak memory."""
    best = min(runs, key=lambda x: x["wall_s"])
    return {"residents": residents, "wall_s": best["wall_s"],
            "peak_mb": max(x["peak_mb"] for x in runs), "requests": best["requests"],
            "us_per_resident_day": best["wall_s"] / (residents * 365) * 1e6,
            "events_per_resident_day": best["events"] / (residents * 365)}


def bench_elephant() -> None:
    """The elephant table a trainer waits for: 10,000 trials x 5 group sizes."""
    import time

    import sim
    from sim.elephant import elephant_table

    rule = sim.load_scenario("validation/darley_latane").bystander
    t0 = time.perf_counter()
    elephant_table(rule, [1, 2, 3, 5, 10], 10_000, seed=1)
    print(f"elephant: 10,000 trials x 5 group sizes, diffusion on and off: "
          f"{time.perf_counter() - t0:.3f} s")


def main() -> None:
    preset = "schiedam_walk_in"
    base = sim_defaults(preset)
    n = base["population.n_residents"]
    def whole(k: int) -> dict:
        return {"population.n_residents": k * n,
                **{key: base[key] * k for key in SCALED_WITH_NEIGHBOURHOOD}}

    configs = {
        "1 neighbourhood": {"population.n_residents": n},
        "5x residents, same team": {"population.n_residents": 5 * n},
        "2x neighbourhood (team, places, desk x2)": whole(2),
        "5x neighbourhood (team, places, desk x5)": whole(5),
        "10x neighbourhood (team, places, desk x10)": whole(10),
    }
    rounds = 5
    print(f"model: {preset}, 365 days, seed 1, each run in a fresh process; {rounds} rounds, "
          "each running every configuration once, so a slow spell of the machine hits all")
    runs: dict[str, list[dict]] = {label: [] for label in configs}
    for _ in range(rounds):
        for label, overrides in configs.items():
            runs[label].append(run_once(preset, overrides, seed=1))
    print(f"{'configuration (best of the rounds)':<42} {'residents':>9} {'wall s':>7} "
          f"{'peak MB':>8} {'requests':>9} {'us/res-day':>10} {'events/res-day':>14}")
    rows = {}
    for label, overrides in configs.items():
        row = rows[label] = summarise(runs[label], overrides["population.n_residents"])
        print(f"{label:<42} {row['residents']:>9,} {row['wall_s']:>7.2f} {row['peak_mb']:>8.0f} "
              f"{row['requests']:>9,} {row['us_per_resident_day']:>10.3f} "
              f"{row['events_per_resident_day']:>14.4f}")
    small, large = "1 neighbourhood", "5x neighbourhood (team, places, desk x5)"
    one, five = rows[small], rows[large]
    growth = five["wall_s"] / one["wall_s"]
    per_round = sorted(b["wall_s"] / a["wall_s"]
                       for a, b in zip(runs[small], runs[large], strict=True))
    work = five["events_per_resident_day"] / one["events_per_resident_day"]
    print(f"5x neighbourhood: time grows {growth:.2f}x, best against best (linear: 5.00x); "
          f"within a round {per_round[0]:.2f}x to {per_round[-1]:.2f}x, "
          f"median {per_round[len(per_round) // 2]:.2f}x; "
          f"events per resident-day {work:.2f}x (1.00 = work linear in residents)")
    scaled = [label for label in rows if "neighbourhood" in label]
    exponent = np.polyfit(np.log([rows[x]["residents"] for x in scaled]),
                          np.log([rows[x]["wall_s"] for x in scaled]), 1)[0]
    print(f"1x to 10x neighbourhood: time grows as residents^{exponent:.2f} (1.00 = linear); "
          "cost per resident-day rises as the model's data outgrow the processor's cache")
    print(f"targets: 1 year < 3 s: {'met' if one['wall_s'] < 3 else 'MISSED'}; "
          f"peak < 500 MB: {'met' if one['peak_mb'] < 500 else 'MISSED'}; "
          f"time growth <= linear (5.00x): {'met' if growth <= 5.0 else 'MISSED'}")
    bench_elephant()
    sweep = ROOT / "scripts" / "bench_sweep.py"
    if sweep.exists():
        print()
        subprocess.run([sys.executable, str(sweep)], check=True, cwd=ROOT)


if __name__ == "__main__":
    main()
