"""Rewrite the regression baseline: the summary of every preset at a small size.

Run it only when the model or a default changed on purpose:

    .venv/bin/python scripts/update_baseline.py            # every preset
    .venv/bin/python scripts/update_baseline.py schiedam_walk_in validation/mmc
    .venv/bin/python scripts/update_baseline.py --check    # compare only, write nothing

Each preset gets ``tests/baseline/<preset>.json`` (``/`` in a preset name becomes
``__``) holding the run settings, the provenance and the summary.
``tests/test_regression.py`` reruns each file's settings and compares; it never
writes. Baseline files of presets that no longer exist are removed.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import sim  # noqa: E402
from sim.outputs import jsonable  # noqa: E402

BASELINE_DIR = ROOT / "tests" / "baseline"
SEED = 7
DAYS = 180
MAX_RESIDENTS = 2000
FORMAT = 1
COMMAND = ".venv/bin/python scripts/update_baseline.py"


def file_for(preset: str) -> Path:
    return BASELINE_DIR / (preset.replace("/", "__") + ".json")


def settings_for(preset: str) -> dict[str, Any]:
    """The small run of one preset: at most 2000 residents, 180 days, seed 7."""
    n = sim.load_scenario(preset).population.n_residents
    return {"preset": preset,
            "overrides": {"population.n_residents": min(n, MAX_RESIDENTS)},
            "seed": SEED, "days": DAYS, "warmup_days": 0}


def run_settings(settings: dict[str, Any]) -> sim.RunResult:
    scenario = sim.load_scenario(settings["preset"], settings["overrides"])
    return sim.run(scenario, seed=settings["seed"], days=settings["days"],
                   warmup_days=settings["warmup_days"])


def compute(preset: str) -> dict[str, Any]:
    """The baseline record of one preset."""
    settings = settings_for(preset)
    result = run_settings(settings)
    return {
        "format": FORMAT,
        "settings": settings,
        "scenario_hash": result.meta["scenario_hash"],
        "code_version": result.meta["code_version"],
        "summary": jsonable(result.summary),
    }


def differences(expected: Any, actual: Any, path: str = "summary",
                rel: float = 1e-9) -> list[str]:
    """Where ``actual`` differs from ``expected``: ints and strings exactly, floats to
    ``rel`` relative (1e-12 absolute near zero), None/NaN equal only to None/NaN."""
    if isinstance(expected, dict) or isinstance(actual, dict):
        if not (isinstance(expected, dict) and isinstance(actual, dict)):
            return [f"{path}: expected {expected!r}, got {actual!r}"]
        out = []
        for key in sorted(set(expected) | set(actual)):
            if key not in actual:
                out.append(f"{path}.{key}: in the baseline, missing now")
            elif key not in expected:
                out.append(f"{path}.{key}: new, not in the baseline")
            else:
                out += differences(expected[key], actual[key], f"{path}.{key}", rel)
        return out
    if expected is None or actual is None:
        return [] if expected is actual else [f"{path}: expected {expected!r}, got {actual!r}"]
    if isinstance(expected, bool) or isinstance(actual, bool) or isinstance(expected, str):
        return [] if expected == actual and type(expected) is type(actual) else \
            [f"{path}: expected {expected!r}, got {actual!r}"]
    if isinstance(expected, int) and isinstance(actual, int):
        return [] if expected == actual else [f"{path}: expected {expected}, got {actual}"]
    if isinstance(expected, int | float) and isinstance(actual, int | float):
        if isinstance(expected, int) != isinstance(actual, int):
            return [f"{path}: expected {type(expected).__name__} {expected!r}, "
                    f"got {type(actual).__name__} {actual!r}"]
        if math.isclose(expected, actual, rel_tol=rel, abs_tol=1e-12):
            return []
        return [f"{path}: expected {expected!r}, got {actual!r}"]
    return [] if expected == actual else [f"{path}: expected {expected!r}, got {actual!r}"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("presets", nargs="*", help="presets to update (default: all)")
    parser.add_argument("--check", action="store_true",
                        help="compare with the stored baseline and write nothing")
    args = parser.parse_args(argv)
    presets = sim.list_presets()
    unknown = sorted(set(args.presets) - set(presets))
    if unknown:
        parser.error(f"unknown presets {unknown}; presets are {presets}")
    chosen = args.presets or presets
    BASELINE_DIR.mkdir(parents=True, exist_ok=True)
    changed = 0
    for preset in chosen:
        record = compute(preset)
        path = file_for(preset)
        old = json.loads(path.read_text()) if path.exists() else None
        diff = (["no baseline yet"] if old is None else
                differences(old.get("settings"), record["settings"], "settings")
                + differences(old.get("summary"), record["summary"]))
        changed += bool(diff)
        status = "changed" if diff else "unchanged"
        print(f"{preset}: {status}" + "".join(f"\n    {d}" for d in diff[:20]))
        if diff and not args.check:
            path.write_text(json.dumps(record, indent=2, sort_keys=True, allow_nan=False) + "\n")
    if not args.presets:
        stale = sorted(set(BASELINE_DIR.glob("*.json")) - {file_for(p) for p in presets})
        for path in stale:
            changed += 1
            print(f"{path.name}: no such preset" + ("" if args.check else ", removed"))
            if not args.check:
                path.unlink()
    if args.check:
        print(f"{changed} baseline(s) differ" if changed else "baseline up to date")
        return 1 if changed else 0
    print(f"wrote {changed} file(s) in {BASELINE_DIR.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
