"""What a user chose on the compare page, as immutable values; the URL form of it.

A choice is a preset plus edited values (dotted keys, as ``--set``), validated by
the same code and with the same messages as the command line
(:func:`sim.scenario.load_scenario`, :func:`sim.scenario.check_value`). The
shareable link carries the choices::

    /compare?scenarios=rotterdam_vraagwijzer,schiedam_walk_in&replications=10&days=365
            &set=1:wijkteam.n_professionals=8
"""

from __future__ import annotations

import json
import tempfile
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from sim import SPECS, InputError, code_version, list_presets, load_scenario
from sim.params import to_dict
from sim.scenario import check_int, check_value, parse_value

from .runner import Arm, Request

MIN_ARMS, MAX_ARMS = 2, 4
MAX_REPLICATIONS = 50
#: Shortest horizon the page offers.
MIN_DAYS = 20
#: Longest horizon the page offers (ten years).
MAX_DAYS = 3650
#: The horizon slider's step from MIN_DAYS: a year (365), two and three lie on it.
DAYS_STEP = 5
#: One year: runs start warm (ODD 5), so the whole horizon counts.
DEFAULT_REPLICATIONS, DEFAULT_DAYS = 10, 365
DEFAULT_PRESETS = ("rotterdam_vraagwijzer", "schiedam_walk_in")
#: Parameters that are not a lever of a comparison (identity and horizon).
NOT_EDITABLE = ("name", "description", "days", "start_date")


@dataclass(frozen=True)
class Choice:
    """One scenario of the comparison: a preset and the values changed from it."""

    preset: str
    edits: tuple[tuple[str, object], ...] = ()

    def with_edit(self, key: str, value: object) -> Choice:
        kept = tuple((k, v) for k, v in self.edits if k != key)
        return Choice(self.preset, (*kept, (key, value)))

    def without(self, key: str) -> Choice:
        return Choice(self.preset, tuple((k, v) for k, v in self.edits if k != key))


@dataclass(frozen=True)
class Choices:
    arms: tuple[Choice, ...] = tuple(Choice(p) for p in DEFAULT_PRESETS)
    replications: int = DEFAULT_REPLICATIONS
    days: int = DEFAULT_DAYS


def editable_keys() -> list[str]:
    return [k for k in SPECS if k not in NOT_EDITABLE]


def parse_edit(key: str, text: str) -> object:
    """A value typed into a control, checked against its declaration.

    Raises :class:`InputError` with the command line's words, e.g.
    ``wijkteam.n_professionals = -3: must be an integer from 0 to 10_000``.
    """
    return check_value(key, parse_value(text.strip()), "")


def labels(choices: Choices) -> list[str]:
    """Unique names for the scenarios: the preset, marked when edited or repeated."""
    out: list[str] = []
    for c in choices.arms:
        name = c.preset + (" (edited)" if c.edits else "")
        base, n = name, 2
        while name in out:
            name, n = f"{base} #{n}", n + 1
        out.append(name)
    return out


def build_request(choices: Choices) -> Request:
    """The runnable comparison; bad choices are one :class:`InputError` line."""
    if not MIN_ARMS <= len(choices.arms) <= MAX_ARMS:
        raise InputError("compare", "scenarios", len(choices.arms),
                         f"choose from {MIN_ARMS} to {MAX_ARMS} scenarios")
    replications = check_int("compare", "replications", choices.replications, 2,
                             MAX_REPLICATIONS)
    days = check_int("compare", "days", choices.days, MIN_DAYS, MAX_DAYS)
    if (days - MIN_DAYS) % DAYS_STEP:  # the slider could not show it
        raise InputError("compare", "days", days, f"must be from {MIN_DAYS} to {MAX_DAYS} "
                         f"in steps of {DAYS_STEP} (e.g. 365 or 730), as the slider offers")
    arms = tuple(Arm(label, load_scenario(c.preset, dict(c.edits)))
                 for label, c in zip(labels(choices), choices.arms, strict=True))
    return Request(arms, replications, days, warmup_days=warmup_days(arms, days))


def warmup_days(arms: tuple[Arm, ...], days: int) -> int:
    """Days not counted: none when every scenario starts warm (ODD 5), otherwise the
    first half of the horizon, while an empty team fills."""
    return 0 if all(arm.scenario.start.warm for arm in arms) else days // 2


def to_query(choices: Choices) -> str:
    """The URL query that reopens (and reruns) these choices."""
    params = [("scenarios", ",".join(c.preset for c in choices.arms)),
              ("replications", str(choices.replications)), ("days", str(choices.days))]
    for i, c in enumerate(choices.arms):
        for key, value in c.edits:
            params.append(("set", f"{i}:{key}={json.dumps(value)}"))
    return urllib.parse.urlencode(params, safe=",:=")


def from_query(search: str | None) -> Choices | None:
    """Choices from a URL query; None when it names no scenarios. Bad values: InputError."""
    query = urllib.parse.parse_qs(search or "", keep_blank_values=True)
    if not query.get("scenarios"):
        return None
    presets = [p for p in query["scenarios"][0].split(",") if p]
    known = list_presets()
    for p in presets:
        if p not in known:
            raise InputError("link", "scenarios", p, "is not a preset; presets are: "
                             + ", ".join(known))
    arms = [Choice(p) for p in presets]
    for text in query.get("set", []):
        index, sep, assignment = text.partition(":")
        key, eq, raw = assignment.partition("=")
        if not sep or not eq or not index.isdigit() or int(index) >= len(arms):
            raise InputError("link", "set", text,
                             "expected SCENARIO_INDEX:KEY=VALUE, e.g. 1:wijkteam.n_professionals=8")
        arms[int(index)] = arms[int(index)].with_edit(key, check_value(key, parse_value(raw),
                                                                       "link"))
    out = Choices(tuple(arms))
    for name in ("replications", "days"):
        if name in query:
            raw = query[name][0]
            value = parse_value(raw)
            if not isinstance(value, int) or isinstance(value, bool):
                raise InputError("link", name, raw, "must be an integer")
            out = Choices(out.arms, **{**_numbers(out), name: value})
    build_request(out)  # every value checked before anything runs
    return out


def choice_from_toml(data: bytes, filename: str) -> Choice:
    """An uploaded scenario file as a preset plus the values it changes.

    The preset is the one the file names, else the walk-in preset; the file is read
    and validated by :func:`sim.load_scenario`, so its errors are the command line's.
    """
    with tempfile.TemporaryDirectory(prefix="samenspel-upload-") as folder:
        path = Path(folder) / Path(filename).name
        path.write_bytes(data)
        try:
            scenario = load_scenario(path)
        except InputError as err:
            raise InputError(err.where.replace(f"{folder}/", ""), err.key, err.value,
                             err.allowed) from None
    base = scenario.name if scenario.name in list_presets() else DEFAULT_PRESETS[-1]
    preset = load_scenario(base)
    return Choice(base, tuple((k, scenario.get(k)) for k in editable_keys()
                              if scenario.get(k) != preset.get(k)))


def _numbers(c: Choices) -> dict[str, int]:
    return {"replications": c.replications, "days": c.days}


def scenario_toml(request: Request, index: int) -> str:
    """One scenario of a comparison as a complete TOML file that ``load_scenario`` reads."""
    from sim.results import scenario_hash

    arm = request.arms[index]
    tree = to_dict(arm.scenario)
    lines = [f"# {arm.label}: scenario hash {scenario_hash(arm.scenario)}",
             f"# compared with seeds {request.seeds} over {request.days} days, code version "
             f"{code_version()}"]
    tables: list[tuple[str, dict]] = []

    def emit(prefix: str, node: dict) -> None:
        scalars = {k: v for k, v in node.items() if not isinstance(v, dict)}
        if scalars or not prefix:
            if prefix:
                lines.append(f"\n[{prefix}]")
            lines.extend(f"{json.dumps(k) if '.' in k else k} = {_literal(v)}"
                         for k, v in scalars.items())
        for k, v in node.items():
            if isinstance(v, dict) and v:
                tables.append((f"{prefix}.{k}" if prefix else k, v))

    emit("", tree)
    while tables:
        prefix, node = tables.pop(0)
        emit(prefix, node)
    return "\n".join(lines) + "\n"


def _literal(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return json.dumps(v)
    return repr(v)
