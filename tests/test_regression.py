"""Regression: each preset's summary at a small size equals the stored baseline.

The baseline (tests/baseline/*.json) is written only by
``.venv/bin/python scripts/update_baseline.py``; this test reruns each file's
settings and compares: integers and strings exactly, floats to a relative 1e-9,
NaN (stored as null) only with NaN. It never writes the baseline.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

import sim
from sim.outputs import jsonable

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "update_baseline.py"


def _load_script():
    spec = importlib.util.spec_from_file_location("update_baseline", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


baseline = _load_script()
HOW = (f"If the model or a default changed on purpose, regenerate the baseline with "
       f"`{baseline.COMMAND}` (or `make baseline`) and commit tests/baseline/; "
       f"otherwise this is a regression.")


def test_every_preset_has_a_baseline():
    presets = sim.list_presets()
    missing = [p for p in presets if not baseline.file_for(p).exists()]
    stored = {p.name for p in baseline.BASELINE_DIR.glob("*.json")}
    stale = sorted(stored - {baseline.file_for(p).name for p in presets})
    assert not missing, f"expected a baseline file for every preset; missing for {missing}. {HOW}"
    assert not stale, f"expected no baseline files without a preset; found {stale}. {HOW}"


@pytest.mark.parametrize("preset", sim.list_presets())
def test_summary_matches_baseline(preset):
    path = baseline.file_for(preset)
    assert path.exists(), f"expected {path.relative_to(ROOT)}. {HOW}"
    stored = json.loads(path.read_text())
    assert stored.get("format") == baseline.FORMAT, \
        f"expected baseline format {baseline.FORMAT} in {path.name}. {HOW}"
    settings = stored["settings"]
    assert settings == baseline.settings_for(preset), \
        f"expected the baseline of {preset} to use today's settings " \
        f"{baseline.settings_for(preset)}, it has {settings}. {HOW}"
    result = baseline.run_settings(settings)
    actual = jsonable(result.summary)
    diff = baseline.differences(stored["summary"], actual)
    if diff:
        same_params = result.meta["scenario_hash"] == stored["scenario_hash"]
        why = ("The scenario parameters are unchanged, so the model code changed its results"
               if same_params else "The scenario parameters (preset or defaults) changed")
        shown = "\n  ".join(diff[:25])
        pytest.fail(f"expected the summary of {preset} ({settings}) to equal the baseline "
                    f"made with {stored['code_version']}; {len(diff)} difference(s):\n  "
                    f"{shown}\n{why}. {HOW}")


def test_comparison_rules():
    """The comparison itself: exact ints, 1e-9 relative floats, NaN == NaN, keys."""
    d = baseline.differences
    assert d({"a": 1}, {"a": 1}) == [], "expected equal ints to match"
    assert d({"a": 1}, {"a": 2}), "expected different ints to differ"
    assert d({"a": 1.0}, {"a": 1.0 + 1e-12}) == [], "expected floats within 1e-9 to match"
    assert d({"a": 1.0}, {"a": 1.0 + 1e-6}), "expected floats 1e-6 apart to differ"
    assert d({"a": None}, {"a": jsonable(float("nan"))}) == [], "expected NaN == NaN"
    assert d({"a": None}, {"a": 0.0}), "expected NaN != 0"
    assert d({"a": 1}, {"a": 1.0}), "expected an int and a float to differ"
    assert d({"a": 1}, {"a": 1, "b": 2}), "expected a new key to count as a difference"
    assert d({"a": {"x": 1.0}}, {"a": {"x": 1.5}}), "expected nested dicts to be compared"
