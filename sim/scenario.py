"""Loading, overriding and validating scenarios.

A scenario file is TOML laid out like :class:`sim.params.Scenario`. Every value is
checked against its declaration; every problem is reported as one
:class:`InputError` line naming the file, the key, the value given and what is
allowed, so the command line can print it and exit with code 2.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import numbers
import os
import tomllib
from pathlib import Path
from typing import Any

from .budget import time_budget
from .params import SPECS, Scenario, check_date, from_tree

SHARE_TOLERANCE = 1e-6

#: Keys that were retired, and what replaced them: a file that still names one is told.
RETIRED = {
    "frontdesk.capacity_per_day": "retired: the desk's capacity follows from its staff "
    "(frontdesk.fte) and first_contact.minutes_per_contact",
    "frontdesk.p_resolve": "retired: use first_contact.p_answer_simple, the same rule at "
    "every first contact",
    "wijkteam.outreach_mobilises_network": "retired: asking one of the resident's ties is "
    "part of the first-contact rule (integration.p_refer_informal)",
}


class InputError(ValueError):
    """Bad input, reported as one line: where, key, value given, what is allowed."""

    def __init__(self, where: str, key: str, value: Any, allowed: str):
        self.where, self.key, self.value, self.allowed = where, key, value, allowed
        shown = "" if value is _MISSING else f" = {value!r}"
        head = f"{where}: " if where else ""
        key_part = f"{key}{shown}: " if key else ""
        super().__init__(f"{head}{key_part}{allowed}")

    def __reduce__(self):
        """Picklable, so a worker process can hand the one line back (the sentinel for
        "no value" is not, so it travels as a flag)."""
        missing = self.value is _MISSING
        return _input_error, (self.where, self.key, None if missing else self.value,
                              self.allowed, missing)


def _input_error(where: str, key: str, value: Any, allowed: str, missing: bool) -> InputError:
    return InputError(where, key, _MISSING if missing else value, allowed)


_MISSING = object()


def scenarios_dir() -> Path:
    """Where the preset files live: ``$SAMENSPEL_SCENARIOS`` or the repository's scenarios/."""
    env = os.environ.get("SAMENSPEL_SCENARIOS")
    return Path(env) if env else Path(__file__).resolve().parent.parent / "scenarios"


def list_presets() -> list[str]:
    """Preset names, such as ``schiedam_walk_in`` or ``validation/mmc``."""
    root = scenarios_dir()
    return sorted(p.relative_to(root).with_suffix("").as_posix() for p in root.rglob("*.toml"))


def resolve(name_or_path: str | os.PathLike) -> Path:
    """The file of a preset name or a path; an unknown name is an InputError."""
    text = str(name_or_path)
    path = Path(text)
    if text.endswith(".toml") or path.exists():
        if not path.is_file():
            raise InputError(text, "", _MISSING, "no such scenario file")
        return path
    preset = scenarios_dir() / f"{text}.toml"
    if preset.is_file():
        return preset
    allowed = ", ".join(list_presets())
    raise InputError("scenario", "", _MISSING,
                     f"unknown preset {text!r}; presets are: {allowed}, or give a .toml path")


def read_toml(path: Path) -> dict:
    """Parse a TOML file; a syntax error becomes one InputError line."""
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as err:
        raise InputError(str(path), "", _MISSING, f"malformed TOML: {err}") from None
    except UnicodeDecodeError as err:
        raise InputError(str(path), "", _MISSING,
                         f"malformed TOML: not UTF-8 text (byte {err.start})") from None
    except OSError as err:
        raise InputError(str(path), "", _MISSING, f"cannot read: {err.strerror}") from None


def parse_override(text: str, where: str = "--set") -> tuple[str, Any]:
    """``key=value`` from the command line; the value is read as TOML, else as a string."""
    key, sep, raw = text.partition("=")
    key, raw = key.strip(), raw.strip()
    if not sep or not key:
        raise InputError(where, text, _MISSING,
                         "expected KEY=VALUE, e.g. wijkteam.n_professionals=8")
    return key, parse_value(raw)


def parse_value(raw: str) -> Any:
    """A value typed by a person: TOML literal (8, 0.5, true, "x") or else a bare string."""
    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        return raw


def load_scenario(name_or_path: str | os.PathLike, overrides: dict[str, Any] | None = None
                  ) -> Scenario:
    """Read a preset or TOML file, apply dotted-key overrides, validate the result.

    The overrides are applied before validation, so a combination is judged as a
    whole (for example urgency shares changed one at a time).
    """
    path = resolve(name_or_path)
    tree = read_toml(path)
    where = str(path)
    flat_values = flatten_tree(tree, where)
    if "name" not in flat_values:
        flat_values["name"] = path.relative_to(scenarios_dir()).with_suffix("").as_posix() \
            if path.resolve().is_relative_to(scenarios_dir().resolve()) else path.stem
    origin = dict.fromkeys(flat_values, where)
    for key, value in (overrides or {}).items():
        flat_values[key] = value
        origin[key] = "--set"
    return build(flat_values, origin)


def flatten_tree(tree: dict, where: str) -> dict[str, Any]:
    """Nested TOML tables to ``{dotted key: value}``; ``sources`` stays one dict."""
    out: dict[str, Any] = {}

    def walk(node: dict, prefix: str) -> None:
        for k, v in node.items():
            key = prefix + k
            if key == "sources":
                if not isinstance(v, dict):
                    raise InputError(where, key, v, "must be a table of key = \"source\"")
                out[key] = v
            elif isinstance(v, dict):
                walk(v, key + ".")
            else:
                out[key] = v

    walk(tree, "")
    return out


def build(values: dict[str, Any], origin: dict[str, str] | None = None) -> Scenario:
    """Validate flat dotted-key values and build the scenario; defaults fill the rest."""
    origin = origin or {}
    nested: dict[str, Any] = {}
    for key, value in values.items():
        where = origin.get(key, "scenario")
        if key == "sources":
            check_sources(value, where)
        else:
            value = check_value(key, value, where)
        node = nested
        *parents, leaf = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    scenario = from_tree(nested)
    check_consistency(scenario, origin)
    return scenario


def check_int(where: str, key: str, value: Any, lo: int, hi: float | None = None) -> int:
    """An integer argument or option within ``[lo, hi]``, else one InputError line."""
    ok = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if not ok or value < lo or (hi is not None and value > hi):
        allowed = f"from {lo} to {int(hi)}" if hi is not None else f"of at least {lo}"
        raise InputError(where, key, value, f"must be an integer {allowed}")
    return int(value)


def check_value(key: str, value: Any, where: str) -> Any:
    """One value against its declaration; returns it with ints widened to float."""
    spec = SPECS.get(key)
    if spec is None and key in RETIRED:
        raise InputError(where, key, value, RETIRED[key])
    if spec is None:
        close = difflib.get_close_matches(key, list(SPECS), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else "; see `samenspel check --keys`"
        raise InputError(where, key, value, "unknown key" + hint)
    ok_type = {
        bool: isinstance(value, bool),
        int: isinstance(value, int) and not isinstance(value, bool),
        float: isinstance(value, int | float) and not isinstance(value, bool),
        str: isinstance(value, str),
    }[spec.type]
    if not ok_type:
        raise InputError(where, key, value, f"must be {spec.allowed()}")
    if spec.type is float:
        value = float(value)
        if not math.isfinite(value):
            raise InputError(where, key, value, f"must be {spec.allowed()}")
    if spec.choices and value not in spec.choices:
        raise InputError(where, key, value, f"must be {spec.allowed()}")
    if spec.lo is not None and value < spec.lo or spec.hi is not None and value > spec.hi:
        raise InputError(where, key, value, f"must be {spec.allowed()}")
    if key == "start_date" and not check_date(value):
        raise InputError(where, key, value, "must be a date written yyyy-mm-dd")
    return value


def check_sources(sources: Any, where: str) -> None:
    if not isinstance(sources, dict):
        raise InputError(where, "sources", sources, "must be a table of key = \"source\"")
    for key, text in sources.items():
        if key not in SPECS:
            raise InputError(where, f"sources.{key}", text, "names no parameter")
        if not isinstance(text, str):
            raise InputError(where, f"sources.{key}", text, "must be a string")


def check_consistency(s: Scenario, origin: dict[str, str]) -> None:
    """Rules that tie several parameters together."""

    def where(*keys: str) -> str:
        for k in keys:
            if k in origin:
                return origin[k]
        return "scenario"

    for group in ("needs.urgency_shares", "needs.kind_shares"):
        obj = s.get(group)
        names = [f.name for f in dataclasses.fields(obj)]
        total = sum(getattr(obj, n) for n in names)
        if abs(total - 1.0) > SHARE_TOLERANCE:
            keys = [f"{group}.{n}" for n in names]
            shown = " + ".join(f"{getattr(obj, n):g}" for n in names)
            raise InputError(where(*keys), group, _MISSING,
                             f"{'/'.join(names)} = {shown} = {total:g}; they must sum to 1")
    p = s.population
    if p.share_65_79 + p.share_80_plus > 1.0 + SHARE_TOLERANCE:
        raise InputError(where("population.share_65_79", "population.share_80_plus"),
                         "population.share_65_79 + population.share_80_plus",
                         p.share_65_79 + p.share_80_plus, "must be at most 1")
    w = s.wijkteam
    if w.n_teams > max(w.n_professionals, 1):
        raise InputError(where("wijkteam.n_teams", "wijkteam.n_professionals"),
                         "wijkteam.n_teams", w.n_teams,
                         f"must not exceed wijkteam.n_professionals ({w.n_professionals})")
    n_blocks = -(-p.n_residents // p.block_size)
    if w.n_teams > n_blocks:
        raise InputError(where("wijkteam.n_teams", "population.n_residents",
                               "population.block_size"), "wijkteam.n_teams", w.n_teams,
                         f"must not exceed the number of blocks ({n_blocks}), one area each")
    if p.household_size_mean > p.block_size:
        raise InputError(where("population.block_size", "population.household_size_mean"),
                         "population.household_size_mean", p.household_size_mean,
                         f"must not exceed population.block_size ({p.block_size})")
    if s.access.policy == "vraagwijzer" and s.frontdesk.fte > w.n_professionals:
        raise InputError(where("frontdesk.fte", "wijkteam.n_professionals"), "frontdesk.fte",
                         s.frontdesk.fte, "must not exceed wijkteam.n_professionals "
                         f"({w.n_professionals}): the desk is staffed from the team")
    b = time_budget(s)
    if w.n_professionals and b.case_hours_per_professional <= 0:
        keys = ("frontdesk.fte", "wijkteam.intakes_per_professional_week",
                "first_contact.minutes_per_contact", "wijkteam.share_outreach",
                "wijkteam.hours_per_fte_week")
        raise InputError(
            where(*keys), "wijkteam.hours_per_fte_week", w.hours_per_fte_week,
            f"leaves no time for cases: desk {b.desk_hours_per_professional:g} + intakes "
            f"{b.intake_hours_per_professional:g} + outreach "
            f"{b.outreach_hours_per_professional:g} hours a professional a week use it all")
