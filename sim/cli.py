"""The command line: ``samenspel`` (or ``python -m sim``).

Commands::

    samenspel run SCENARIO [--seed N] [--days N] [--warmup-days N] [--set KEY=VALUE ...]
                           [--json] [--out DIR]
    samenspel scenarios
    samenspel check SCENARIO [--set KEY=VALUE ...] | samenspel check --keys
    samenspel elephant --bystanders 1,2,5,10 [--trials N] [--seed N] [--days N]
                       [--scenario NAME] [--set KEY=VALUE ...] [--json]

Bad input of any kind ends the program with exactly one line on stderr,
``samenspel: error: <what, key, value, what is allowed>``, and exit code 2;
nothing is written.

Adding commands: a module with ``register(subparsers)`` adds its sub-parsers with
``subparsers.add_parser(...)`` and sets ``func=handler`` through ``set_defaults``; a
handler takes the parsed ``args`` and returns the exit code, and reports bad input by
raising :class:`sim.scenario.InputError`, which :func:`main` turns into the one error
line. :func:`registrars` lists such modules; it is the one place this module imports
the lab (:mod:`sim.lab.cli`), when the parser is built, so the dependency runs one
way: the lab's commands import nothing from here. The helpers :func:`add_set_option`,
:func:`add_scenario_argument`, :func:`load_from_args`, :func:`sim.scenario.check_int`
and :func:`sim.outputs.print_json` are meant for such modules.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from .outdir import check_out_dir, run_out_bytes
from .outputs import print_json
from .params import SPECS, Scenario
from .scenario import InputError, check_int, list_presets, load_scenario, parse_override, resolve

PROG = "samenspel"

Registrar = Callable[[Any], None]


class UsageError(Exception):
    """A command-line usage error found by argparse (unknown option, missing value...)."""


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line, not usage text plus message."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see '{self.prog} --help')")


# --- helpers for command modules ---------------------------------------------------


def add_set_option(parser: argparse.ArgumentParser) -> None:
    """The repeatable ``--set KEY=VALUE`` scenario override."""
    parser.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE",
        help="override a scenario value, e.g. --set wijkteam.n_professionals=8 (repeatable; "
        "see 'samenspel check --keys')")


def add_scenario_argument(parser: argparse.ArgumentParser) -> None:
    """The positional SCENARIO (preset name or .toml path) plus ``--set``."""
    parser.add_argument("scenario", metavar="SCENARIO",
                        help="preset name (see 'samenspel scenarios') or a .toml file")
    add_set_option(parser)


def overrides_from(sets: Sequence[str]) -> dict[str, Any]:
    """``--set`` texts to ``{dotted key: value}``; a later value for a key wins."""
    out: dict[str, Any] = {}
    for text in sets:
        key, value = parse_override(text)
        out[key] = value
    return out


def load_from_args(name: str, sets: Sequence[str]) -> Scenario:
    """Load and validate a scenario with its ``--set`` overrides (validated as a whole)."""
    return load_scenario(name, overrides_from(sets))


# --- run ------------------------------------------------------------------------------

def summary_table(summary: dict[str, Any], header: str) -> str:
    """A run's KPIs as a table: flat name, value, meaning (from :mod:`sim.kpis`)."""
    from .kpis import declaration, flatten, format_value

    rows = []
    for name, value in flatten(summary).items():
        k = declaration(name)
        meaning = k.meaning_en + (f": {name.split('.', 1)[1]}" if k.by else "")
        rows.append((name, format_value(name, value), meaning))
    wk = max(len(r[0]) for r in rows)
    wv = max(len(r[1]) for r in rows)
    lines = [header, f"{'kpi':<{wk}}  {'value':>{wv}}  meaning"]
    lines += [f"{k:<{wk}}  {v:>{wv}}  {m}".rstrip() for k, v, m in rows]
    return "\n".join(lines)


def _progress(total: int, desc: str):
    """A tqdm bar on stderr when it is a terminal, else nothing; ``(callback, close)``."""
    if not sys.stderr.isatty():
        return None, lambda: None
    from tqdm import tqdm

    bar = tqdm(total=total, desc=desc, unit="day", file=sys.stderr, leave=False)

    def update(day: int, days: int) -> None:
        bar.update(day - bar.n)

    return update, bar.close


def cmd_run(args: argparse.Namespace) -> int:
    seed = check_int("run", "--seed", args.seed, 0)
    scenario = load_from_args(args.scenario, args.set)
    days = scenario.days if args.days is None else args.days
    spec = SPECS["days"]
    check_int("run", "--days", days, int(spec.lo), int(spec.hi))
    warmup = check_int("run", "--warmup-days", args.warmup_days, 0)
    if warmup >= days:
        raise InputError("run", "--warmup-days", warmup, f"must be less than the days ({days})")
    out = Path(args.out) if args.out is not None else None
    writing: contextlib.AbstractContextManager = contextlib.nullcontext()
    if out is not None:
        from .lab.lock import results_lock

        check_out_dir("run", out, run_out_bytes(scenario.population.n_residents, days))
        writing = results_lock(out)

    from . import api  # the model, and Mesa: only once the input is known to be good
    from .version import code_version

    with writing:
        progress, close = _progress(days, scenario.name)
        try:
            result = api.run(scenario, seed=seed, days=days, warmup_days=warmup,
                             progress=progress)
        finally:
            close()

        if args.json:
            print_json(result.summary)
        else:
            header = (f"{scenario.name} | seed {seed} | days {days} | warm-up {warmup} | "
                      f"code {code_version()}")
            print(summary_table(result.summary, header))
        if out is not None:
            try:
                written = result.write(out)
            except OSError as err:
                raise InputError("run", "--out", str(out), f"cannot write: {err}") from None
            names = ", ".join(p.name for p in written)
            print(f"wrote {names} to {out}", file=sys.stderr if args.json else sys.stdout)
    return 0


# --- scenarios, check -------------------------------------------------------------------


def cmd_scenarios(args: argparse.Namespace) -> int:
    rc = 0
    presets = list_presets()
    width = max((len(p) for p in presets), default=0)
    for name in presets:
        try:
            text = load_scenario(name).description or "(no description)"
        except (InputError, UnicodeDecodeError) as err:
            text, rc = f"INVALID: {err} (see 'samenspel check {name}')", 1
        print(f"{name:<{width}}  {text}")
    return rc


def _toml(v: Any) -> str:
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, int):
        return str(v)
    return f"{v:g}"


def _table(rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    return "\n".join("  ".join([*(c.ljust(w) for c, w in zip(r, widths, strict=False)), r[-1]])
                     .rstrip() for r in rows)


def cmd_check(args: argparse.Namespace) -> int:
    if args.keys:
        rows = [("key", "unit", "default", "allowed")]
        rows += [(s.key, s.unit, _toml(s.default), s.allowed()) for s in SPECS.values()]
        print(_table(rows))
        if args.scenario is None:
            return 0
        print()
    if args.scenario is None:
        raise UsageError("check needs a SCENARIO or --keys (see 'samenspel check --help')")
    overrides = overrides_from(args.set)
    scenario = load_scenario(args.scenario, overrides)
    print(f"ok: {resolve(args.scenario)}")
    print(f"{scenario.name}: {scenario.description or '(no description)'}")
    rows = [("key", "value", "default", "source")]
    for key, spec in SPECS.items():
        value = scenario.get(key)
        if key in ("name", "description") or value == spec.default:
            continue
        if key in overrides:
            source = "--set"
        elif key in scenario.sources:
            source = scenario.sources[key]
        else:
            source = f"(not given in the scenario; declared: {spec.source})"
        rows.append((key, _toml(value), _toml(spec.default), source))
    if len(rows) == 1:
        print("every value is the default")
    else:
        print(f"{len(rows) - 1} values differ from the defaults:")
        print(_table(rows))
    return 0


# --- elephant ---------------------------------------------------------------------------


def parse_sizes(text: str) -> list[int]:
    """``"1,2,5,10"`` to a list of distinct group sizes."""
    from .elephant import MAX_BYSTANDERS

    allowed = (f"must be a comma-separated list of distinct whole numbers from 1 to "
               f"{MAX_BYSTANDERS}, e.g. 1,2,5,10")
    try:
        sizes = [int(part.strip()) for part in text.split(",")]
    except ValueError:
        raise InputError("elephant", "--bystanders", text, allowed) from None
    if not all(1 <= n <= MAX_BYSTANDERS for n in sizes) or len(set(sizes)) != len(sizes):
        raise InputError("elephant", "--bystanders", text, allowed)
    return sizes


def format_elephant(table: dict[str, list[dict[str, float]]], title: str) -> str:
    """Diffusion and independent rows side by side, with Darley & Latane's shares."""
    from .theory import DARLEY_LATANE_1968

    observed = {row.group_size: row.reported_before_end_of_fit for row in DARLEY_LATANE_1968}
    cols = ("acts day 1", "anyone day 1", "mean day")
    width = 3 * 12 + 2 * 2
    lines = [*title.split("\n"),
             (f"{'':>10}  {'diffusion of responsibility':^{width}}  "
              f"{'independent (no diffusion)':^{width}}").rstrip(),
             f"{'bystanders':>10}  " + "  ".join(f"{h:>12}" for h in cols * 2)
             + "  D&L 1968 acts"]
    for d, i in zip(table["diffusion"], table["independent"], strict=True):
        cells = [f"{100 * r[k]:.1f}%" if k != "delay_days_mean" else f"{r[k]:.2f}"
                 for r in (d, i) for k in ("p_individual", "p_any", "delay_days_mean")]
        dl = observed.get(d["bystanders"])
        ref = f"{100 * dl:.0f}%" if dl is not None else ""
        lines.append((f"{d['bystanders']:>10}  " + "  ".join(f"{c:>12}" for c in cells)
                      + f"  {ref:>13}").rstrip())
    lines += [
        "acts day 1 = p_individual: share of the people aware who acted on the first day",
        "anyone day 1 = p_any: share of trials in which anyone acted on the first day",
        "mean day = delay_days_mean: day the need was answered (1 = the first day; a need "
        "still open at the horizon counts as the horizon)",
        "D&L 1968 acts: Darley & Latane 1968, share who reported before the end of the fit",
    ]
    return "\n".join(lines)


def cmd_elephant(args: argparse.Namespace) -> int:
    from .elephant import MAX_HORIZON_DAYS, MAX_TRIALS, elephant_table

    sizes = parse_sizes(args.bystanders)
    trials = check_int("elephant", "--trials", args.trials, 1, MAX_TRIALS)
    seed = check_int("elephant", "--seed", args.seed, 0)
    horizon = check_int("elephant", "--days", args.days, 1, MAX_HORIZON_DAYS)
    scenario = load_from_args(args.scenario, args.set)
    rule = scenario.bystander
    table = elephant_table(rule, sizes, trials, seed, horizon, direct_request=args.direct_request,
                           named_owner=args.named_owner, familiar=args.familiar)
    if args.json:
        print_json(table)
        return 0
    switches = [name for name, on in (("direct request", args.direct_request),
                                      ("named owner", args.named_owner),
                                      ("familiar", args.familiar)) if on]
    title = (f"elephant in the room: {scenario.name} | p1 {rule.p_act_day:g} | "
             f"t {rule.diffusion_t:g} | {trials:,} trials | seed {seed} | horizon {horizon} days"
             f"\nswitches: {', '.join(switches) or 'none (no direct request, owner or tie)'}")
    print(format_elephant(table, title))
    return 0


# --- the parser -------------------------------------------------------------------------


def register(subparsers: Any) -> None:
    """The core commands: run, scenarios, check, elephant."""
    p = subparsers.add_parser("run", help="run one scenario and print its KPIs",
                              description="Run one scenario with one seed and print its KPIs.")
    add_scenario_argument(p)
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--days", type=int, default=None,
                   help="days to simulate (default: the scenario's horizon)")
    p.add_argument("--warmup-days", type=int, default=0,
                   help="days before KPIs start counting (default 0)")
    p.add_argument("--json", action="store_true", help="print only the summary, as JSON")
    p.add_argument("--out", metavar="DIR", default=None,
                   help="write daily/requests/events Parquet and summary.json to DIR")
    p.set_defaults(func=cmd_run)

    p = subparsers.add_parser("scenarios", help="list the preset scenarios",
                              description="List the preset scenarios with their descriptions.")
    p.set_defaults(func=cmd_scenarios)

    p = subparsers.add_parser(
        "check", help="validate a scenario, or list every parameter key",
        description="Validate a scenario and show the values that differ from the defaults "
        "and their sources; with --keys, list every parameter.")
    p.add_argument("scenario", metavar="SCENARIO", nargs="?", default=None,
                   help="preset name or .toml file")
    add_set_option(p)
    p.add_argument("--keys", action="store_true",
                   help="list every parameter key with unit, default and allowed values")
    p.set_defaults(func=cmd_check)

    p = subparsers.add_parser(
        "elephant", help="the bystander effect for one need, by group size",
        description="Monte Carlo of one need seen by n people: how often a person acts on "
        "the first day, how often anyone does, and the mean day it is answered; with "
        "diffusion of responsibility and without.")
    p.add_argument("--bystanders", required=True, metavar="N,N,...",
                   help="group sizes, people aware counting the helper, e.g. 1,2,5,10")
    p.add_argument("--trials", type=int, default=2000, help="trials per group size (2000)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--days", type=int, default=30,
                   help="horizon in days; unanswered needs count as this day (default 30)")
    p.add_argument("--scenario", default="validation/darley_latane",
                   help="scenario whose bystander rule is used (default "
                   "validation/darley_latane)")
    add_set_option(p)
    p.add_argument("--direct-request", action="store_true",
                   help="the person in need asks one bystander directly")
    p.add_argument("--named-owner", action="store_true",
                   help="one bystander is the named owner of the need")
    p.add_argument("--familiar", action="store_true",
                   help="every bystander knows the person in need")
    p.add_argument("--json", action="store_true", help="print only the table, as JSON")
    p.set_defaults(func=cmd_elephant)


def registrars() -> list[Registrar]:
    """The core commands, then the lab's (sweep, compare, analyse), then ``dashboard``.

    The lab is imported here, not at the top, so that ``samenspel run`` and every error
    line stay fast; its module imports its own heavy parts only when a command runs.
    """
    from . import dashboard_cli
    from .lab import calibrate, validate
    from .lab import cli as lab_cli

    return [register, lab_cli.register, validate.register, calibrate.register,
            dashboard_cli.register]


def build_parser() -> Parser:
    from .version import code_version

    parser = Parser(prog=PROG, description="Agent-based simulation of help requests in a Dutch "
                    "neighbourhood: bystander effect, overload and access policy.")
    parser.add_argument("--version", action="version", version=f"{PROG} {code_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for add in registrars():
        add(sub)
    return parser


def _fail(message: str) -> int:
    one_line = " ".join(str(message).split())
    print(f"{PROG}: error: {one_line}", file=sys.stderr)
    return 2


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (2 on bad input, with one error line)."""
    try:
        args = build_parser().parse_args(argv)
        return int(args.func(args))
    except (UsageError, InputError) as err:
        return _fail(str(err))
    except SystemExit as exit_:  # --help and --version
        code = exit_.code
        return code if isinstance(code, int) else (0 if code is None else _fail(str(code)))
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. piped into head: stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
