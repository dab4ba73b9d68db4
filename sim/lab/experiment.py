"""Experiment files: base scenarios, levers, uncertainties, a design, replications, KPIs.

An experiment is a TOML file in ``experiments/``, validated like a scenario: every
problem is one :class:`sim.scenario.InputError` line naming the file, the key, the
value and what is allowed. Lever and uncertainty keys must be declared parameters
(:data:`sim.params.SPECS`) and their values are checked against the declaration,
so no range is typed twice. The layout::

    name = "overload"
    description = "What this experiment asks."

    [base]
    scenarios = ["schiedam_walk_in", "rotterdam_vraagwijzer"]  # or scenario = "..."
    set = { "population.n_residents" = 6000 }                  # applied to every base

    [levers]                              # policy choices
    "wijkteam.n_professionals" = [12, 16, 20]                   # a list of values
    "wijkteam.share_outreach" = { lo = 0.0, hi = 0.3, n = 4 }   # a range (n points or step)

    [uncertainties]                       # behaviour we do not know well
    "population.reluctance_ask_mean" = { lo = 0.2, hi = 0.6, why = "Rode Kruis 2020: ~40%" }

    [design]
    kind = "latin_hypercube"   # grid | latin_hypercube | sobol | morris
    n = 50                     # samples; sobol: base samples (a power of 2); morris: trajectories
    levels = 4                 # morris only: grid levels (even)
    second_order = false       # sobol only
    sample = "uncertainties"   # or "all": also sample the levers instead of crossing them
    seed = 1                   # design sampling seed; default run.master_seed

    [run]
    replications = 30
    master_seed = 20260101
    seed_per_point = false     # true: each design point its own seeds (still paired
                               # across base scenarios), so noise is sampled with it
    days = 455                 # horizon; default each base scenario's own days
    warmup_days = 90

    [output]
    kpis = ["first_contact_days_median", "crises"]  # default: every KPI
    daily = false                        # keep the daily series
    routes = false                       # keep route transition counts (for a Sankey)
    waits = false                        # keep waiting times by urgency (for distributions)

Designs (as in the EMA Workbench, levers are policies and uncertainties are
futures): ``grid`` crosses every value of every factor. The sampling designs
(``latin_hypercube``, ``sobol``, ``morris``) sample the uncertainties and cross the
samples with every combination of lever values, so each policy meets the same
futures; ``sample = "all"`` samples levers and uncertainties together instead.
Every design point is run under every base scenario and with every replication
seed.
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..kpis import flat_names
from ..params import SPECS, Spec
from ..scenario import _MISSING, InputError, check_int, check_value, resolve

DESIGNS = ("grid", "latin_hypercube", "sobol", "morris")
#: What ``design.n`` counts, per sampling design.
N_COUNTS = {"latin_hypercube": "samples", "sobol": "base samples (a power of 2)",
            "morris": "trajectories"}
#: Optional outputs a run can keep besides its KPIs, each an ``[output]`` flag.
OUTPUT_PARTS = ("daily", "routes", "waits")
SAMPLE_CHOICES = ("uncertainties", "all")
RANGE_KEYS = ("lo", "hi", "n", "step", "why")  # why: the range's justification, one line
#: Parameters that name or time a run rather than describe a neighbourhood.
NOT_FACTORS = {"name": "it names the scenario",
               "description": "it describes the scenario",
               "days": "set the horizon with [run] days"}
TOP_KEYS = ("name", "description", "base", "levers", "uncertainties", "design", "run",
            "output")
TABLE_KEYS = {
    "base": ("scenario", "scenarios", "set"),
    "design": ("kind", "n", "levels", "second_order", "sample", "seed"),
    "run": ("replications", "master_seed", "seed_per_point", "days", "warmup_days"),
    "output": ("kpis", *OUTPUT_PARTS),
}
MAX_SEED = 2**63 - 1


def inner_message(err: InputError) -> str:
    """An InputError's text without the generic ``scenario:`` place, for nesting."""
    text = str(err)
    return text.removeprefix("scenario: ") if err.where == "scenario" else text


# --- factors ----------------------------------------------------------------------


@dataclass(frozen=True)
class Factor:
    """One lever or uncertainty: a declared parameter with a list of values or a range."""

    key: str
    role: str  # "lever" or "uncertainty"
    values: tuple[Any, ...] | None = None
    lo: float | None = None
    hi: float | None = None
    n: int | None = None
    step: float | None = None
    why: str = ""  # why this range is plausible

    @property
    def spec(self) -> Spec:
        return SPECS[self.key]

    @property
    def gridable(self) -> bool:
        return self.values is not None or self.n is not None or self.step is not None

    def grid(self) -> tuple[Any, ...]:
        """The values a grid takes: the list, or n evenly spaced points (or steps) of a range."""
        if self.values is not None:
            return self.values
        assert self.lo is not None and self.hi is not None
        if self.n is not None:
            xs = np.linspace(self.lo, self.hi, self.n)
        else:
            assert self.step is not None
            count = int(math.floor((self.hi - self.lo) / self.step + 1e-9)) + 1
            xs = self.lo + self.step * np.arange(count)
        out: list[Any] = []
        for x in xs:
            v = self.cast(float(x))
            if v not in out:  # integer rounding can merge neighbours
                out.append(v)
        return tuple(out)

    def cast(self, x: float) -> Any:
        """A number in the range as the parameter's type: integers rounded."""
        if self.spec.type is int:
            return int(round(x))
        return float(round(x, 12))

    def bounds(self) -> list[float]:
        """Bounds for SALib: the range, or ``[0, k]`` indexing a list of k values."""
        if self.values is not None:
            return [0.0, float(len(self.values))]
        return [float(self.lo), float(self.hi)]  # type: ignore[arg-type]

    def from_sample(self, x: float) -> Any:
        """A sampled number to a value: rounded in a range, an index into a list."""
        if self.values is not None:
            i = min(max(int(math.floor(x)), 0), len(self.values) - 1)
            return self.values[i]
        lo, hi = float(self.lo), float(self.hi)  # type: ignore[arg-type]
        return self.cast(min(max(x, lo), hi))


@dataclass(frozen=True)
class Design:
    kind: str = "grid"
    n: int | None = None
    levels: int = 4
    second_order: bool = False
    sample: str = "uncertainties"
    seed: int | None = None


@dataclass(frozen=True)
class Experiment:
    """A validated experiment: what to run, how many times and what to keep."""

    name: str
    description: str
    path: str | None
    sha256: str
    text: str
    bases: tuple[str, ...]
    base_labels: tuple[str, ...]
    base_set: tuple[tuple[str, Any], ...]
    levers: tuple[Factor, ...]
    uncertainties: tuple[Factor, ...]
    design: Design
    replications: int = 1
    master_seed: int = 0
    seed_per_point: bool = False
    days: int | None = None
    warmup_days: int = 0
    kpis: tuple[str, ...] = ()
    daily: bool = False
    routes: bool = False
    waits: bool = False
    overrides: dict[str, Any] = field(default_factory=dict)

    @property
    def factors(self) -> tuple[Factor, ...]:
        return self.levers + self.uncertainties

    @property
    def kept_kpis(self) -> tuple[str, ...]:
        return self.kpis or flat_names()

    @property
    def design_seed(self) -> int:
        return self.master_seed if self.design.seed is None else self.design.seed

    @property
    def where(self) -> str:
        return self.path or f"experiment {self.name}"

    def with_overrides(self, replications: int | None = None, days: int | None = None,
                       warmup_days: int | None = None) -> Experiment:
        """The experiment with ``--replications``, ``--days`` and ``--warmup-days``."""
        changes: dict[str, Any] = {}
        overrides = dict(self.overrides)
        if replications is not None:
            check_int("--replications", "replications", replications, 1, 1_000_000)
            changes["replications"] = overrides["replications"] = replications
        if days is not None:
            check_int("--days", "days", days, 1, SPECS["days"].hi)
            changes["days"] = overrides["days"] = days
        warmup = self.warmup_days
        if warmup_days is not None:
            warmup = check_int("--warmup-days", "warmup_days", warmup_days, 0, SPECS["days"].hi)
            changes["warmup_days"] = overrides["warmup_days"] = warmup
        if days is None and warmup_days is None:
            return dataclasses.replace(self, overrides=overrides, **changes)
        horizons = [days or self.days] if days or self.days else self._base_days()
        if warmup >= min(horizons):
            if warmup_days is None:
                raise InputError("--days", "days", days, f"must be more than the warm-up "
                                 f"({warmup} days); shorten the warm-up with --warmup-days")
            raise InputError("--warmup-days", "warmup_days", warmup, f"must be less than the "
                             f"horizon ({min(horizons)} days)")
        return dataclasses.replace(self, overrides=overrides, **changes)

    def _base_days(self) -> list[int]:
        from ..scenario import load_scenario

        return [load_scenario(ref).days for ref in self.bases]

    def settings(self) -> dict[str, Any]:
        """What fixes the plan; recorded in the manifest and checked on --resume."""
        return {"replications": self.replications, "master_seed": self.master_seed,
                "seed_per_point": self.seed_per_point,
                "days": self.days, "warmup_days": self.warmup_days,
                "design": dataclasses.asdict(self.design), "kpis": list(self.kept_kpis),
                "daily": self.daily, "routes": self.routes, "waits": self.waits,
                "overrides": dict(self.overrides)}


# --- loading ------------------------------------------------------------------------


def read_experiment_text(path: str | os.PathLike) -> str:
    """The text of an experiment file; a missing or unreadable file is one InputError line."""
    p = Path(path)
    if not p.is_file():
        raise InputError(str(path), "", _MISSING, "no such experiment file")
    try:
        return p.read_bytes().decode("utf-8")
    except UnicodeDecodeError as err:
        raise InputError(str(path), "", _MISSING, f"malformed TOML: not UTF-8 text ({err.reason} "
                   f"at byte {err.start})") from None
    except OSError as err:
        raise InputError(str(path), "", _MISSING, f"cannot read: {err.strerror}") from None


def load_experiment(path: str | os.PathLike) -> Experiment:
    """Read and validate an experiment file; any problem is one InputError line."""
    text = read_experiment_text(path)
    return experiment_from_text(text, where=str(path), base_dir=Path(path).parent,
                                path=str(path))


def parse_toml(text: str, where: str) -> dict:
    """TOML text as a tree; malformed text is one InputError line."""
    import tomllib

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise InputError(where, "", _MISSING, f"malformed TOML: {err}") from None


def experiment_from_text(text: str, where: str = "experiment",
                         base_dir: str | os.PathLike | None = None,
                         path: str | None = None) -> Experiment:
    """Validate an experiment given as TOML text (a file's, or ``compare``'s, or a test's).

    Relative ``.toml`` paths of base scenarios are looked up in ``base_dir`` first.
    """
    return experiment_from_tree(parse_toml(text, where), where=where, text=text,
                                base_dir=Path(base_dir) if base_dir else None, path=path)


def experiment_from_tree(tree: dict, where: str, text: str, base_dir: Path | None,
                         path: str | None) -> Experiment:
    _check_keys(tree, TOP_KEYS, where, "")
    for table in TABLE_KEYS:
        if table in tree:
            if not isinstance(tree[table], dict):
                raise InputError(where, table, tree[table], "must be a table")
            _check_keys(tree[table], TABLE_KEYS[table], where, table + ".")
    name = tree.get("name", Path(where).stem)
    if not isinstance(name, str) or not name.strip():
        raise InputError(where, "name", name, "must be a non-empty string")
    description = tree.get("description", "")
    if not isinstance(description, str):
        raise InputError(where, "description", description, "must be a string")

    bases, labels, base_days = _bases(tree.get("base", {}), where, base_dir)
    base_set = _base_set(tree.get("base", {}).get("set", {}), where)
    levers = _factors(tree.get("levers", {}), "levers", "lever", where)
    uncertainties = _factors(tree.get("uncertainties", {}), "uncertainties", "uncertainty",
                             where)
    seen: dict[str, str] = {}
    for f in levers + uncertainties:
        table = "levers" if f.role == "lever" else "uncertainties"
        if f.key in seen:
            raise InputError(where, f"{table}.{f.key}", _MISSING,
                       f"is already a factor in [{seen[f.key]}]; list it once")
        if f.key in dict(base_set):
            raise InputError(where, f"{table}.{f.key}", _MISSING,
                       "is also fixed in [base] set; keep one of the two")
        seen[f.key] = table

    run = tree.get("run", {})
    replications = _int_at(run, "replications", 1, where, "run.", 1, 1_000_000)
    master_seed = _int_at(run, "master_seed", 0, where, "run.", 0, MAX_SEED)
    seed_per_point = run.get("seed_per_point", False)
    if not isinstance(seed_per_point, bool):
        raise InputError(where, "run.seed_per_point", seed_per_point, "must be true or false")
    days = _int_at(run, "days", None, where, "run.", 1, int(SPECS["days"].hi))
    warmup = _int_at(run, "warmup_days", 0, where, "run.", 0, int(SPECS["days"].hi))
    for label, own_days in zip(labels, base_days, strict=True):
        horizon = days if days is not None else own_days
        if warmup >= horizon:
            key = "run.warmup_days"
            raise InputError(where, key, warmup, f"must be less than the horizon ({horizon} days"
                       + ("" if days is not None else f" of base scenario {label}") + ")")

    design = _design(tree.get("design", {}), levers, uncertainties, where)

    out = tree.get("output", {})
    kpis = out.get("kpis", [])
    if not isinstance(kpis, list) or not all(isinstance(k, str) for k in kpis):
        raise InputError(where, "output.kpis", kpis, "must be a list of KPI names")
    known = flat_names()
    for k in kpis:
        if k not in known:
            close = difflib.get_close_matches(k, known, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise InputError(where, "output.kpis", k,
                       f"unknown KPI; {hint}KPIs are: {', '.join(known)}")
    if len(set(kpis)) != len(kpis):
        raise InputError(where, "output.kpis", kpis, "must not repeat a KPI")
    flags = {}
    for flag in OUTPUT_PARTS:
        v = out.get(flag, False)
        if not isinstance(v, bool):
            raise InputError(where, f"output.{flag}", v, "must be true or false")
        flags[flag] = v

    return Experiment(
        name=name, description=description,
        path=path,
        sha256=hashlib.sha256(text.encode()).hexdigest(), text=text,
        bases=bases, base_labels=labels, base_set=base_set, levers=levers,
        uncertainties=uncertainties, design=design, replications=replications,
        master_seed=master_seed, seed_per_point=seed_per_point, days=days,
        warmup_days=warmup, kpis=tuple(kpis), **flags)


def _check_keys(table: dict, allowed: tuple[str, ...], where: str, prefix: str) -> None:
    for key in table:
        if key not in allowed:
            close = difflib.get_close_matches(key, allowed, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise InputError(where, prefix + key, _MISSING,
                       f"unknown key; {hint}allowed: {', '.join(allowed)}")


def _int_at(table: dict, key: str, default: Any, where: str, prefix: str, lo: int,
            hi: float) -> Any:
    if key not in table:
        return default
    return check_int(where, prefix + key, table[key], lo, hi)


def _bases(base: dict, where: str, base_dir: Path | None
           ) -> tuple[tuple[str, ...], tuple[str, ...], list[int]]:
    if "scenario" in base and "scenarios" in base:
        raise InputError(where, "base.scenarios", _MISSING,
                   "give either base.scenario or base.scenarios, not both")
    if "scenarios" in base:
        refs = base["scenarios"]
        key = "base.scenarios"
        if not isinstance(refs, list) or not refs or not all(isinstance(r, str) for r in refs):
            raise InputError(where, key, refs,
                             "must be a non-empty list of preset names or .toml paths")
    elif "scenario" in base:
        key = "base.scenario"
        if not isinstance(base["scenario"], str):
            raise InputError(where, key, base["scenario"], "must be a preset name or a .toml path")
        refs = [base["scenario"]]
    else:
        raise InputError(where, "base.scenario", _MISSING,
                   "missing; name the base scenario (a preset such as 'schiedam_walk_in' "
                   "or a .toml path), or list several in base.scenarios")
    from ..scenario import load_scenario

    resolved, labels, days = [], [], []
    for ref in refs:
        target = ref
        if ref.endswith(".toml") and base_dir is not None and not Path(ref).is_absolute():
            candidate = base_dir / ref
            if candidate.is_file():
                target = str(candidate)
        try:
            resolve(target)
            scenario = load_scenario(target)
        except InputError as err:
            raise InputError(where, key, ref, inner_message(err)) from None
        resolved.append(str(target))
        labels.append(scenario.name)
        days.append(scenario.days)
    if len(set(resolved)) != len(resolved):
        raise InputError(where, key, refs, "must not list a scenario twice")
    # two files may carry the same name: label them apart
    counts: dict[str, int] = {}
    unique = []
    for label in labels:
        counts[label] = counts.get(label, 0) + 1
        unique.append(label if counts[label] == 1 else f"{label} ({counts[label]})")
    return tuple(resolved), tuple(unique), days


def _base_set(values: Any, where: str) -> tuple[tuple[str, Any], ...]:
    if not isinstance(values, dict):
        raise InputError(where, "base.set", values, "must be a table of parameter = value")
    flat = _flatten(values, "")
    out = []
    for key, value in flat.items():
        if isinstance(value, dict):
            raise InputError(where, f"base.set.{key}", value, "must be a single value")
        if key in NOT_FACTORS and key != "description":
            raise InputError(where, f"base.set.{key}", value,
                             f"cannot be set here: {NOT_FACTORS[key]}")
        out.append((key, _check_param(key, value, where, f"base.set.{key}")))
    return tuple(out)


def _flatten(tree: dict, prefix: str) -> dict[str, Any]:
    """Nested tables to dotted keys; a table of only lo/hi/n/step is a range, kept whole."""
    out: dict[str, Any] = {}
    for k, v in tree.items():
        key = prefix + k
        if isinstance(v, dict) and v and not set(v) <= set(RANGE_KEYS):
            out.update(_flatten(v, key + "."))
        else:
            out[key] = v
    return out


def _check_param(key: str, value: Any, where: str, shown_key: str) -> Any:
    if key not in SPECS:
        close = difflib.get_close_matches(key, list(SPECS), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else "; see `samenspel check --keys`"
        raise InputError(where, shown_key, value, "is not a declared parameter" + hint)
    try:
        return check_value(key, value, where)
    except InputError as err:
        raise InputError(where, shown_key, value, err.allowed) from None


def _factors(table: Any, name: str, role: str, where: str) -> tuple[Factor, ...]:
    if not isinstance(table, dict):
        raise InputError(where, name, table, "must be a table of parameter = list or range")
    out = []
    for key, spec_value in _flatten(table, "").items():
        shown = f"{name}.{key}"
        if key not in SPECS:
            _check_param(key, None, where, shown)  # raises with a suggestion
        if key in NOT_FACTORS:
            raise InputError(where, shown, _MISSING, f"cannot be a {role}: {NOT_FACTORS[key]}")
        spec = SPECS[key]
        if isinstance(spec_value, list):
            if not spec_value:
                raise InputError(where, shown, spec_value, "must list at least one value")
            values = tuple(_check_param(key, v, where, shown) for v in spec_value)
            if len(set(values)) != len(values):
                raise InputError(where, shown, spec_value, "must not repeat a value")
            out.append(Factor(key, role, values=values))
        elif isinstance(spec_value, dict):
            out.append(_range(key, role, spec_value, spec, where, shown))
        else:
            kind = "a list of " + ("values" if not spec.choices else spec.allowed())
            if spec.type in (int, float):
                kind += " or a range { lo = ..., hi = ... } (add n = points or step = ... "\
                        "for a grid)"
            raise InputError(where, shown, spec_value, f"must be {kind}")
    return tuple(out)


def _range(key: str, role: str, r: dict, spec: Spec, where: str, shown: str) -> Factor:
    if spec.type not in (int, float):
        raise InputError(where, shown, r, f"a range needs a numeric parameter; list the values "
                   f"instead ({spec.allowed()})")
    if "lo" not in r or "hi" not in r:
        raise InputError(where, shown, r, "a range needs both lo and hi")
    lo = _check_param(key, r["lo"], where, shown + ".lo")
    hi = _check_param(key, r["hi"], where, shown + ".hi")
    if not lo < hi:
        raise InputError(where, shown, r, f"lo ({lo}) must be less than hi ({hi})")
    if "n" in r and "step" in r:
        raise InputError(where, shown, r, "give n or step, not both")
    why = r.get("why", "")
    if not isinstance(why, str) or "\n" in why:
        raise InputError(where, shown + ".why", why, "must be a one-line string")
    n = step = None
    if "n" in r:
        n = check_int(where, shown + ".n", r["n"], 2, 100_000)
    if "step" in r:
        step = r["step"]
        if isinstance(step, bool) or not isinstance(step, int | float) or not step > 0 \
                or not math.isfinite(step):
            raise InputError(where, shown + ".step", step, "must be a positive number")
        if spec.type is int and (not float(step).is_integer()):
            raise InputError(where, shown + ".step", step, "must be a whole number for an integer "
                       "parameter")
        step = float(step)
        if (hi - lo) / step > 100_000:
            raise InputError(where, shown + ".step", step, "gives more than 100000 grid points")
    return Factor(key, role, lo=lo, hi=hi, n=n, step=step, why=why.strip())


def _design(d: dict, levers: tuple[Factor, ...], uncertainties: tuple[Factor, ...],
            where: str) -> Design:
    kind = d.get("kind", "grid")
    if kind not in DESIGNS:
        raise InputError(where, "design.kind", kind,
                         "must be one of " + ", ".join(map(repr, DESIGNS)))
    sample = d.get("sample", "uncertainties")
    if sample not in SAMPLE_CHOICES:
        raise InputError(where, "design.sample", sample,
                   "must be one of " + ", ".join(map(repr, SAMPLE_CHOICES)))
    seed = _int_at(d, "seed", None, where, "design.", 0, 2**32 - 1)
    second_order = d.get("second_order", False)
    if not isinstance(second_order, bool):
        raise InputError(where, "design.second_order", second_order, "must be true or false")
    levels = _int_at(d, "levels", 4, where, "design.", 2, 1000)
    if kind != "morris" and "levels" in d:
        raise InputError(where, "design.levels", levels, "applies to the morris design only")
    if kind != "sobol" and "second_order" in d:
        raise InputError(where, "design.second_order", second_order,
                   "applies to the sobol design only")
    if kind == "morris" and levels % 2:
        raise InputError(where, "design.levels", levels, "must be even for a morris design")
    factors = levers + uncertainties
    if kind == "grid":
        if "n" in d:
            raise InputError(where, "design.n", d["n"],
                       "a grid design has no n; give each range n points or a step")
        if "sample" in d:
            raise InputError(where, "design.sample", sample, "applies to sampling designs only")
        for f in factors:
            if not f.gridable:
                table = "levers" if f.role == "lever" else "uncertainties"
                raise InputError(where, f"{table}.{f.key}", _MISSING,
                           "a range in a grid design needs n (number of points) or step")
        return Design(kind=kind, seed=seed)
    n = d.get("n")
    if n is None:
        what = N_COUNTS[kind]
        raise InputError(where, "design.n", _MISSING, f"missing; give the number of {what}")
    n = check_int(where, "design.n", n, 2, 10_000_000)
    if kind == "sobol" and n & (n - 1):
        raise InputError(where, "design.n", n, "must be a power of 2 for a sobol design "
                   "(Saltelli sampling keeps its balance only then)")
    sampled = factors if sample == "all" else uncertainties
    if not sampled:
        raise InputError(where, "uncertainties", _MISSING,
                   f"a {kind} design needs uncertainties to sample; add some, or set "
                   "design.sample = \"all\" to sample the levers")
    if sample == "uncertainties":
        for f in levers:
            if not f.gridable:
                raise InputError(where, f"levers.{f.key}", _MISSING,
                           "levers are crossed with the sampled uncertainties, so a range "
                           "needs n or step; or set design.sample = \"all\"")
    return Design(kind=kind, n=n, levels=levels, second_order=second_order, sample=sample,
                  seed=seed)
