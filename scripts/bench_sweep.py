"""Sweep figures for `make bench`: printed, never asserted.

Targets (issue 3): the sweep's overhead per run (scheduling, serialisation and
writing) under 5% of a default run's time; two local workers reach at least 1.8x
the throughput of one on this 2-core machine.

* Default run: ``schiedam_walk_in`` for its 365 days, best of a few, in this process.
* Overhead per run: a sweep of a model that does nothing, so all that is left is the
  harness: planning, handing the task to a worker and back (pickling), writing the
  run's Parquet part and the manifest, the progress bar, the final compaction. Timed
  serially and on two worker processes; pool start-up is not counted.
* Speed-up: the same batch of default runs through the sweep with one worker process
  and with two, pool start-up excluded; throughput is runs per second of wall time.
  The two are measured alternately, ``--repeat`` times each, and the best of each
  counts (least disturbed by whatever else the machine does).

Usage: ``python scripts/bench_sweep.py [--runs N] [--noop-runs N] [--repeat N] [--json]``
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sim  # noqa: E402
from sim.lab.executors import ProcessExecutor, SerialExecutor  # noqa: E402
from sim.lab.experiment import experiment_from_text  # noqa: E402
from sim.lab.sweep import run_sweep  # noqa: E402

PRESET = "schiedam_walk_in"
EXPERIMENT = """
name = "bench"
[base]
scenario = "{preset}"
[run]
replications = {runs}
master_seed = 1
"""
_SUMMARY = None


def noop_model(scenario, seed, days, warmup_days):
    """A model that returns a fixed, full summary at once: only the harness is timed."""
    return SimpleNamespace(summary=_SUMMARY, daily=None, requests=None)


def default_run_time(repeats: int) -> tuple[float, dict]:
    scenario = sim.load_scenario(PRESET)
    best, summary = float("inf"), {}
    for seed in range(repeats):
        t0 = time.perf_counter()
        result = sim.run(scenario, seed=seed)
        best = min(best, time.perf_counter() - t0)
        summary = result.summary
    return best, summary


def timed_sweep(runs: int, executor, model=None) -> float:
    """Wall time of a sweep of ``runs`` runs (executor started beforehand)."""
    exp = experiment_from_text(EXPERIMENT.format(preset=PRESET, runs=runs), where="bench")
    out = Path(tempfile.mkdtemp(prefix="samenspel-bench-"))
    try:
        with executor:
            t0 = time.perf_counter()
            result = run_sweep(exp, out / "sweep", executor=executor, progress=False,
                               model=model)
            wall = time.perf_counter() - t0
        assert result.done == runs and result.failed == 0, result
    finally:
        shutil.rmtree(out, ignore_errors=True)
    return wall


def main() -> None:
    global _SUMMARY
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=12, help="default runs per speed-up batch")
    parser.add_argument("--repeat", type=int, default=2,
                        help="measurements of each throughput; the best counts")
    parser.add_argument("--noop-runs", type=int, default=300,
                        help="runs of the do-nothing model for the overhead")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()

    run_s, _SUMMARY = default_run_time(3)
    serial = timed_sweep(args.noop_runs, SerialExecutor(), noop_model) / args.noop_runs
    procs = timed_sweep(args.noop_runs, ProcessExecutor(2), noop_model) / args.noop_runs
    one = two = float("inf")
    for _ in range(args.repeat):
        one = min(one, timed_sweep(args.runs, ProcessExecutor(1)))
        two = min(two, timed_sweep(args.runs, ProcessExecutor(2)))
    figures = {
        "default_run_s": run_s,
        "overhead_per_run_serial_ms": 1e3 * serial,
        "overhead_per_run_serial_pct": 100 * serial / run_s,
        "overhead_per_run_2proc_ms": 1e3 * procs,
        "overhead_per_run_2proc_pct": 100 * procs / run_s,
        "throughput_1_worker_runs_per_s": args.runs / one,
        "throughput_2_workers_runs_per_s": args.runs / two,
        "speedup_2_vs_1": one / two,
        "cpus": os.cpu_count(),
    }
    if args.json:
        print(json.dumps(figures))
        return
    f = figures
    worst = max(f["overhead_per_run_serial_pct"], f["overhead_per_run_2proc_pct"])
    print(f"sweep: default run ({PRESET}, 365 days, best of 3) {run_s:.2f} s; "
          f"{os.cpu_count()} cores")
    print(f"sweep overhead per run (do-nothing model, {args.noop_runs} runs): serial "
          f"{f['overhead_per_run_serial_ms']:.1f} ms ({f['overhead_per_run_serial_pct']:.2f}% "
          f"of a default run), 2 processes {f['overhead_per_run_2proc_ms']:.1f} ms "
          f"({f['overhead_per_run_2proc_pct']:.2f}%)")
    print(f"sweep throughput ({args.runs} default runs, best of {args.repeat}): 1 worker "
          f"{f['throughput_1_worker_runs_per_s']:.3f} runs/s, 2 workers "
          f"{f['throughput_2_workers_runs_per_s']:.3f} runs/s, speed-up "
          f"{f['speedup_2_vs_1']:.2f}x")
    print(f"targets: overhead < 5%: {'met' if worst < 5 else 'MISSED'}; "
          f"2 workers >= 1.8x: {'met' if f['speedup_2_vs_1'] >= 1.8 else 'MISSED'}")


if __name__ == "__main__":
    main()
