"""Commands ``sweep``, ``compare`` and ``analyse``, added to the main command line.

::

    samenspel sweep EXPERIMENT [--workers N] [--dask local|tcp://HOST:PORT] [--out DIR]
                               [--resume [--allow-code-change]] [--replications N]
                               [--days N] [--warmup-days N] [--no-progress]
    samenspel compare SCENARIO_A SCENARIO_B [...] --replications N [--days N]
                      [--warmup-days N] [--cold-start] [--seed N] [--kpis K,K] [--json]
                      [--out DIR]
                      [--workers N] [--dask ...] [--resume] [--no-progress]
    samenspel analyse DIR [--kpis K,K] [--kpi KPI --threshold X [--along FACTOR]] [--json]
    samenspel verify DIR
    samenspel robustness EXPERIMENT [--out DIR] [--points N] [--days N] [--workers N]
                         [--dask ...] [--resume [--allow-code-change]] [--no-progress] [--json]
    samenspel load [REFERENCE OTHER] [--factors F,F,...] [--replications N] [--days N]
                   [--seed N] [--set KEY=VALUE ...] [--out DIR] [--workers N] [--dask ...]
                   [--resume [--allow-code-change]] [--no-progress]

Bad input raises :class:`sim.scenario.InputError`; the main command line prints it
as one line and exits with code 2. A sweep stopped with Ctrl-C exits with 130 and
can be finished with ``--resume``; a sweep in which some runs failed exits with 1.
``verify`` exits with 0 when every part is whole, 1 when some are damaged, 2 when
DIR holds no results.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Any

from ..outputs import print_json
from ..scenario import InputError, check_int

EXIT_FAILED_RUNS = 1
EXIT_INTERRUPTED = 130


def _log(message: str) -> None:
    print(message, file=sys.stderr)


def _positive(command: str, option: str, value: Any, hi: int) -> int | None:
    """An optional integer option from 1 to ``hi`` (None when not given)."""
    return None if value is None else check_int(command, option, value, 1, hi)


def _executor(command: str, args: argparse.Namespace):
    from .executors import make_executor

    workers = _positive(command, "--workers", args.workers, 4096)
    return make_executor(workers, args.dask)


def _kpi_list(command: str, text: str | None) -> list[str] | None:
    if not text:
        return None
    from ..kpis import flat_names

    kpis = [k.strip() for k in text.split(",") if k.strip()]
    known = flat_names()
    for k in kpis:
        if k not in known:
            raise InputError(command, "--kpis", k, "unknown KPI; KPIs are: " + ", ".join(known))
    return kpis


def _add_execution(p: argparse.ArgumentParser) -> None:
    p.add_argument("--workers", type=int, default=None, metavar="N",
                   help="worker processes (default: every core); 1 runs in this process")
    p.add_argument("--dask", default=None, metavar="local|tcp://HOST:PORT",
                   help="run on Dask: a LocalCluster on 127.0.0.1 with --workers workers, or "
                   "an existing scheduler")
    p.add_argument("--resume", action="store_true",
                   help="finish an interrupted sweep in --out: runs already done are kept, "
                   "failed ones are tried again")
    p.add_argument("--allow-code-change", action="store_true",
                   help="with --resume: finish a sweep begun under another code version")
    p.add_argument("--no-progress", action="store_true",
                   help="no progress bar (it is shown only on a terminal anyway)")


def _add_experiment(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument("experiment", metavar="EXPERIMENT", help=what)
    p.add_argument("--out", metavar="DIR", default=None,
                   help="output directory (default results/<experiment name>)")


def _interrupted(out: Path) -> int:
    from .manifest import read_manifest

    try:
        m = read_manifest(out)
        counts = f"{m.get('done')} of {m.get('planned')} runs done, {m.get('failed')} failed; "
    except InputError:
        counts = ""
    _log(f"samenspel: interrupted; {counts}results so far are in {out}; "
         "finish with the same command plus --resume")
    return EXIT_INTERRUPTED


def cmd_sweep(args: argparse.Namespace) -> int:
    from .experiment import load_experiment
    from .sweep import run_sweep

    exp = load_experiment(args.experiment)
    exp = exp.with_overrides(replications=_positive("sweep", "--replications",
                                                    args.replications, 1_000_000),
                             days=_positive("sweep", "--days", args.days, 36_500),
                             warmup_days=args.warmup_days)
    out = Path(args.out) if args.out else Path("results") / exp.name
    executor = _executor("sweep", args)
    try:
        with executor:
            result = run_sweep(exp, out, executor=executor, resume=args.resume,
                               progress=False if args.no_progress else None, log=_log,
                               allow_code_change=args.allow_code_change)
    except KeyboardInterrupt:
        return _interrupted(out)
    minutes = result.elapsed_s / 60
    print(f"{exp.name}: {result.done} of {result.planned} runs done, {result.failed} failed "
          f"({result.ran} run now, {minutes:.1f} min) -> {out}")
    if result.failed:
        _log(f"samenspel: {result.failed} runs failed; their errors are in {out / 'failures'}; "
             "--resume tries them again")
        return EXIT_FAILED_RUNS
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    replications = _positive("compare", "--replications", args.replications, 1_000_000)
    days = _positive("compare", "--days", args.days, 36_500)
    check_int("compare", "--warmup-days", args.warmup_days, 0)
    if days is not None and args.warmup_days >= days:
        raise InputError("compare", "--warmup-days", args.warmup_days,
                         f"must be less than the days ({days})")
    check_int("compare", "--seed", args.seed, 0)
    kpis = _kpi_list("compare", args.kpis)
    from .compare import compare_scenarios, default_out, format_table  # once the flags are good

    out = Path(args.out) if args.out else default_out()
    executor = _executor("compare", args)
    try:
        with executor:
            table, payload, report = compare_scenarios(
                args.scenarios, replications, out, days=days, warmup_days=args.warmup_days,
                master_seed=args.seed, executor=executor,
                progress=False if args.no_progress else None, kpis=kpis, resume=args.resume,
                log=_log, allow_code_change=args.allow_code_change, cold_start=args.cold_start)
    except KeyboardInterrupt:
        return _interrupted(out)
    if args.json:
        print_json(payload)
    else:
        print(f"Paired comparison, {replications} replications per scenario (replication i "
              f"uses the same seed in every scenario), master seed {args.seed}")
        print(format_table(table))
        print(f"report: {report}")
    return EXIT_FAILED_RUNS if payload.get("runs_failed") else 0


def cmd_analyse(args: argparse.Namespace) -> int:
    from .manifest import read_manifest

    kpis = _kpi_list("analyse", args.kpis)
    if args.threshold is not None and not math.isfinite(args.threshold):
        raise InputError("analyse", "--threshold", args.threshold, "must be a finite number")
    read_manifest(args.dir)  # no sweep there: one line, before pandas loads
    from .analyse import analyse, render

    result = analyse(args.dir, kpis=kpis, kpi=args.kpi, threshold=args.threshold,
                     along=args.along)
    if args.json:
        payload: dict[str, Any] = {"experiment": result["manifest"]["experiment"],
                                   "kpis": result["kpis"]}
        for key in ("summary", "sensitivity", "crossing"):
            if key in result:
                payload[key] = result[key].to_dict(orient="records")
        if len(result["failures"]):
            payload["failures"] = result["failures"][["run_id", "error"]].to_dict("records")
        payload.update(unreadable=result["unreadable"], runs_missing=result["runs_missing"])
        print_json(payload)
    else:
        print(render(result))
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from .integrity import verify
    from .manifest import read_manifest

    out = Path(args.dir)
    read_manifest(out)  # no results there: one line, before pandas loads
    from .sweep import PART_DIRS

    scan, manifest = verify(out, PART_DIRS[:-1])
    for rel, why in scan.damaged:
        print(f"{out}: damaged: {scan.describe(rel)}: {why}")
    checked = len(scan.good) + len(scan.damaged)
    unrecorded = (f"; {scan.unrecorded} without a recorded checksum (written by a session "
                  "that did not finish, or by an older version) read as whole parts"
                  if scan.unrecorded else "")
    running = ("; the manifest says a sweep is running, so parts may still change"
               if manifest.get("status") == "running" else "")
    if scan.damaged:
        print(f"{out}: {len(scan.damaged)} of {checked} files damaged{unrecorded}{running}; "
              "the same command plus --resume sets them aside and runs their runs again")
        return EXIT_FAILED_RUNS
    print(f"{out}: clean: {checked} files whole{unrecorded}{running}")
    return 0


def cmd_robustness(args: argparse.Namespace) -> int:
    from .robustness import as_payload, box_words, load_robustness, run_robustness
    from .robustness import summary_sentence as sentence
    from .stats import fmt

    rob = load_robustness(args.experiment).with_overrides(
        points=args.points, days=_positive("robustness", "--days", args.days, 36_500))
    out = Path(args.out) if args.out else Path("results") / rob.experiment.name
    executor = _executor("robustness", args)
    try:
        with executor:
            result, analysis = run_robustness(
                rob, out, executor=executor, resume=args.resume,
                progress=False if args.no_progress else None, log=_log,
                allow_code_change=args.allow_code_change)
    except KeyboardInterrupt:
        return _interrupted(out)
    payload = as_payload(analysis)
    if args.json:
        print_json(payload)
    else:
        print(sentence(payload))
        for b in payload["boxes"]:
            print(f"  {b['kpi']}: {payload['meta'][b['better']]} better {box_words(b)} "
                  f"(coverage {fmt(b['coverage'])}, density {fmt(b['density'])})")
        print(f"{result.done} of {result.planned} runs done, {result.failed} failed "
              f"({result.elapsed_s / 60:.1f} min) -> {out / 'robustness.md'}")
    return EXIT_FAILED_RUNS if result.failed else 0


def cmd_load(args: argparse.Namespace) -> int:
    from ..scenario import parse_override
    from .load import (
        DEFAULT_OUT,
        DEFAULT_SCENARIOS,
        load_sentence,
        parse_factors,
        plan_load,
        run_load,
    )

    factors = parse_factors(args.factors)
    overrides = dict(parse_override(text) for text in args.set)
    study = plan_load(args.scenarios or DEFAULT_SCENARIOS, factors, args.replications,
                      args.days, args.seed, overrides)  # every flag checked, nothing run yet
    out = Path(args.out) if args.out else DEFAULT_OUT
    executor = _executor("load", args)
    try:
        with executor:
            result, table, meta = run_load(
                study, out, executor=executor, resume=args.resume,
                progress=False if args.no_progress else None, log=_log,
                allow_code_change=args.allow_code_change)
    except KeyboardInterrupt:
        return _interrupted(out)
    for kpi in meta["kpis"]:
        if sentence := load_sentence(table, kpi):
            print(sentence)
    print(f"{result.done} of {result.planned} runs done, {result.failed} failed "
          f"({result.elapsed_s / 60:.1f} min) -> {out / 'load.md'}")
    if result.failed:
        _log(f"samenspel: {result.failed} runs failed; their errors are in {out / 'failures'}; "
             "--resume tries them again")
        return EXIT_FAILED_RUNS
    return 0


def register(subparsers: Any) -> None:
    """Add ``sweep``, ``compare``, ``analyse``, ``verify``, ``robustness`` and ``load`` to the
    main command line."""
    p = subparsers.add_parser(
        "sweep", help="run an experiment: many scenarios, seeds and parameter values",
        description="Run every run of an experiment file (see experiments/), writing each "
        "as it finishes to a Parquet dataset in --out, with a manifest. Interrupted sweeps "
        "finish with --resume.")
    _add_experiment(p, "experiment .toml file")
    p.add_argument("--replications", type=int, default=None, metavar="N",
                   help="override the file's replications, for a quick look")
    p.add_argument("--days", type=int, default=None, metavar="N",
                   help="override the file's horizon in days, for a quick look")
    p.add_argument("--warmup-days", type=int, default=None, metavar="N",
                   help="override the file's warm-up in days (less than the horizon)")
    _add_execution(p)
    p.set_defaults(func=cmd_sweep)

    p = subparsers.add_parser(
        "compare", help="paired comparison of scenarios with confidence intervals",
        description="Run the scenarios with the same seeds per replication and print, per "
        "KPI, each scenario's mean with a 95%% interval and the paired difference against "
        "the first. Writes report.html with figures, comparison.csv/.json and the runs.")
    p.add_argument("scenarios", nargs="+", metavar="SCENARIO",
                   help="presets or .toml files; the first is the reference")
    p.add_argument("--replications", type=int, required=True, metavar="N",
                   help="replications (seeds) per scenario")
    p.add_argument("--days", type=int, default=None, metavar="N",
                   help="horizon (default: each scenario's own)")
    p.add_argument("--warmup-days", type=int, default=0, metavar="N",
                   help="days before KPIs start counting (default 0)")
    p.add_argument("--cold-start", action="store_true",
                   help="start every run empty (start.warm = false) instead of near the "
                   "stationary regime; then use --warmup-days")
    p.add_argument("--seed", type=int, default=0, metavar="N",
                   help="master seed the replication seeds are drawn from (default 0)")
    p.add_argument("--kpis", default=None, metavar="K,K,...",
                   help="only these KPIs (default: all)")
    p.add_argument("--json", action="store_true", help="print the comparison as one JSON object")
    p.add_argument("--out", metavar="DIR", default=None,
                   help="output directory (default results/compare-<date-time>)")
    _add_execution(p)
    p.set_defaults(func=cmd_compare)

    p = subparsers.add_parser(
        "analyse", aliases=["analyze"], help="summarise a sweep directory",
        description="Summary tables of a sweep; sensitivity indices with confidence "
        "intervals for sobol and morris designs; where a KPI crosses a threshold for grid "
        "designs.")
    p.add_argument("dir", metavar="DIR", help="a sweep output directory")
    p.add_argument("--kpis", default=None, metavar="K,K,...",
                   help="KPIs to tabulate (default: a few headline KPIs)")
    p.add_argument("--kpi", default=None, help="KPI for the threshold crossing")
    p.add_argument("--threshold", type=float, default=None,
                   help="threshold the KPI's mean crosses, e.g. --kpi waitlist_end "
                   "--threshold 100")
    p.add_argument("--along", default=None, metavar="FACTOR",
                   help="grid factor to walk along (default: the numeric one with most values)")
    p.add_argument("--json", action="store_true", help="print the tables as one JSON object")
    p.set_defaults(func=cmd_analyse)

    p = subparsers.add_parser(
        "verify", help="check a results directory against its manifest's checksums",
        description="Check every part of a sweep or compare directory against the sha256 "
        "its manifest.json records (or, for parts written by a session that did not finish, "
        "that it reads as a part). Exit 0: clean; 1: damaged parts (named); 2: DIR holds no "
        "results.")
    p.add_argument("dir", metavar="DIR", help="a sweep or compare output directory")
    p.set_defaults(func=cmd_verify)
    _register_robustness(subparsers)
    _register_load(subparsers)


def _register_robustness(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "robustness", help="in what share of plausible worlds does one policy beat another",
        description="Run a robustness file (experiments/robustness_access.toml): both "
        "policies in every world of a Latin hypercube over assumption-marked parameters, "
        "paired seeds; then per key KPI the share of worlds where the alternative wins and "
        "PRIM boxes of when the answer flips. Writes robustness.md, .json, .html beside "
        "the runs in --out.")
    _add_experiment(p, "robustness .toml file")
    p.add_argument("--points", type=int, default=None, metavar="N",
                   help="override the number of worlds (design.n), for a quick look")
    p.add_argument("--days", type=int, default=None, metavar="N",
                   help="override the horizon in days, for a quick look")
    p.add_argument("--json", action="store_true", help="print the analysis as one JSON object")
    _add_execution(p)
    p.set_defaults(func=cmd_robustness)


def _register_load(subparsers: Any) -> None:
    from .load import DEFAULT_DAYS, DEFAULT_FACTORS, DEFAULT_OUT, DEFAULT_REPLICATIONS

    p = subparsers.add_parser(
        "load", help="the access answer against load: a paired contrast as demand rises",
        description="Run two scenarios (default: rotterdam_vraagwijzer as the reference and "
        "schiedam_walk_in) with their need rate (needs.rate_per_resident_year) scaled by "
        "each factor, the same seeds for both at every factor, and report per factor and "
        "key KPI both means, the paired difference with its 95%% interval, in how many "
        "paired runs the second did better, and the measured load. Writes load.csv, "
        "runs.csv, load.md, load.png and manifest.json beside the runs in --out.")
    p.add_argument("scenarios", nargs="*", metavar="SCENARIO",
                   help="two presets or .toml files, the reference first (default: "
                   "rotterdam_vraagwijzer schiedam_walk_in)")
    p.add_argument("--factors", default=",".join(f"{f:g}" for f in DEFAULT_FACTORS),
                   metavar="F,F,...", help="multiples of the scenarios' own need rate "
                   "(default %(default)s)")
    p.add_argument("--replications", type=int, default=DEFAULT_REPLICATIONS, metavar="N",
                   help="paired seeds per factor, at least 2 (default %(default)s)")
    p.add_argument("--days", type=int, default=DEFAULT_DAYS, metavar="N",
                   help="horizon of every run, from a warm start (default %(default)s)")
    p.add_argument("--seed", type=int, default=0, metavar="N",
                   help="master seed the replication seeds are drawn from (default 0)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override a value of both scenarios, e.g. --set "
                   "wijkteam.n_professionals=8 (repeatable; see 'samenspel check --keys')")
    p.add_argument("--out", metavar="DIR", default=str(DEFAULT_OUT),
                   help="output directory (default %(default)s)")
    _add_execution(p)
    p.set_defaults(func=cmd_load)
