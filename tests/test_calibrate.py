"""``samenspel calibrate``: bad configs refused in one line, a known value recovered, the
same seed giving the same fit on any number of workers, and the base left untouched."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pandas as pd
import pytest

from sim.api import run
from sim.cli import main
from sim.lab.calibrate import GENERATED, load_config
from sim.params import flat
from sim.scenario import load_scenario, scenarios_dir

ROOT = Path(__file__).resolve().parent.parent
KNOWN_DURATION = 0.8  # the case duration the target is made with
KEY = "wijkteam.case_duration_days_mean"


def tiny_base(tmp: Path) -> Path:
    """Queue-only: 10 arrivals a day at 10 slots, so a case lasts the case duration."""
    text = (scenarios_dir() / "validation" / "mmc.toml").read_text(encoding="utf-8")
    text = text.replace('name = "validation/mmc"', 'name = "tiny_queue"')
    text = text.replace("days = 3000", "days = 40")
    text += f'"{KEY}" = "assumption: fitted by the test"\n'
    path = tmp / "tiny.toml"
    path.write_text(text, encoding="utf-8")
    return path


def target_support_days(base: Path) -> float:
    """The model's own mean case length at the known duration, over 4 seeds."""
    scenario = load_scenario(base, {KEY: KNOWN_DURATION})
    return sum(run(scenario, seed, 40).summary["support_days_mean"] for seed in range(4)) / 4


def config_text(target: float, workers: int = 1, **changes: str) -> str:
    parts = {
        "top": 'name = "tiny"\n',
        "base": '[base]\nscenario = "tiny.toml"\n',
        "parameters": f'[parameters]\n"{KEY}" = {{ lo = 0.3, hi = 1.5 }}\n',
        "targets": (f'[[targets]]\nkpi = "support_days_mean"\nvalue = {target!r}\n'
                    'tolerance = 0.05\nsource = "the model itself"\n'),
        "budget": ("[budget]\nruns = 60\npopulation = 10\ngenerations = 3\ncheck_seeds = 2\n"
                   "seed = 11\nmin_epsilon = 0.5\n"),
        "executor": f"[executor]\nworkers = {workers}\n",
        "output": '[output]\npreset = "tiny_calibrated.toml"\n',
    }
    parts.update(changes)
    return "\n".join(parts.values())


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """One calibration of the tiny queue, in a directory of its own (the test's cwd)."""
    tmp = tmp_path_factory.mktemp("cal")
    base = tiny_base(tmp)
    before = base.read_bytes()
    target = target_support_days(base)
    (tmp / "cal.toml").write_text(config_text(target), encoding="utf-8")
    return tmp, base, before, target


def calibrate_in(directory: Path, config: str, out: str, monkeypatch) -> int:
    monkeypatch.chdir(directory)
    return main(["calibrate", config, "--out", out])


@pytest.fixture(scope="module")
def fitted(tiny):
    tmp = tiny[0]
    with pytest.MonkeyPatch.context() as mp:
        assert calibrate_in(tmp, "cal.toml", "out", mp) == 0, "expected the tiny calibration to run"
    return json.loads((tmp / "out" / "calibration.json").read_text(encoding="utf-8"))


def test_recovers_the_known_value(fitted):
    (f,) = fitted["fitted"]
    assert f["key"] == KEY
    assert f["ci_lo"] <= KNOWN_DURATION <= f["ci_hi"], \
        f"expected the 95% interval {f['ci_lo']:.3f}-{f['ci_hi']:.3f} to hold the duration " \
        f"{KNOWN_DURATION} that made the target"
    assert f["ci_hi"] - f["ci_lo"] < 0.5 * (1.5 - 0.3), \
        "expected the posterior to be much narrower than the prior"


def test_outputs_record_provenance_and_fit(tiny, fitted):
    tmp = tiny[0]
    out = tmp / "out"
    for name in ("posterior.csv", "fit.csv", "calibration.md", "calibration.png",
                 "manifest.json", "tiny_queue_calibrated.toml"):
        assert (out / name).is_file(), f"expected {name} in the output directory"
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    for key in ("seed", "base_scenario_hash", "code_version", "calibrated_scenario_hash"):
        assert manifest[key] not in (None, ""), f"expected the manifest to record {key}"
    (row,) = fitted["fit"]
    assert row["posterior_lo"] <= row["posterior_median"] <= row["posterior_hi"]
    assert row["target"] == pytest.approx(tiny[3])
    post = pd.read_csv(out / "posterior.csv")
    assert post["weight"].sum() == pytest.approx(1.0), "expected normalised weights"


def test_calibrated_preset_beside_the_base_and_base_untouched(tiny, fitted):
    tmp, base, before, _ = tiny
    assert base.read_bytes() == before, "expected the base scenario file to be untouched"
    preset = tmp / "tiny_calibrated.toml"
    assert preset.read_text(encoding="utf-8").startswith(GENERATED)
    scenario = load_scenario(preset)
    (f,) = fitted["fitted"]
    assert scenario.get(KEY) == pytest.approx(f["value"])
    source = scenario.sources[KEY]
    assert "samenspel calibrate cal.toml" in source and "support_days_mean" in source, \
        f"expected the source to name the command and the target, got {source!r}"
    # only the calibrated value differs from the base
    base_s = load_scenario(base)
    assert scenario.get("wijkteam.n_professionals") == base_s.get("wijkteam.n_professionals")


def test_same_seed_same_fit_on_two_workers(tiny, fitted, monkeypatch):
    tmp = tiny[0]
    (tmp / "cal2.toml").write_text(config_text(tiny[3], workers=2, output=(
        '[output]\npreset = "tiny_calibrated_2.toml"\n')), encoding="utf-8")
    assert calibrate_in(tmp, "cal2.toml", "out2", monkeypatch) == 0
    again = json.loads((tmp / "out2" / "calibration.json").read_text(encoding="utf-8"))
    assert again["fitted"] == fitted["fitted"], \
        "expected the same posterior from the same seed with 2 workers as with 1"
    a = pd.read_csv(tmp / "out" / "posterior.csv")
    b = pd.read_csv(tmp / "out2" / "posterior.csv")
    pd.testing.assert_frame_equal(a, b)


def test_a_hand_written_file_is_never_overwritten(tiny, monkeypatch, capsys):
    tmp = tiny[0]
    (tmp / "mine.toml").write_text('name = "mine"\n', encoding="utf-8")
    (tmp / "over.toml").write_text(config_text(tiny[3], output=(
        '[output]\npreset = "mine.toml"\n')), encoding="utf-8")
    assert calibrate_in(tmp, "over.toml", "never", monkeypatch) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "output.preset" in err, err
    assert (tmp / "mine.toml").read_text(encoding="utf-8") == 'name = "mine"\n'
    assert not (tmp / "never").exists()


BAD = {
    "unknown top-level key": ({"top": 'name = "tiny"\nbudjet = 3\n'}, "budjet"),
    "unknown parameter": ({"parameters": '[parameters]\n"wijkteam.case_length" = '
                           '{ lo = 1.0, hi = 2.0 }\n'}, "wijkteam.case_length"),
    "prior outside the declared range": (
        {"parameters": f'[parameters]\n"{KEY}" = {{ lo = 0.0, hi = 2.0 }}\n'}, KEY),
    "sourced parameter": ({"parameters": '[parameters]\n"wijkteam.n_professionals" = '
                           '{ lo = 4, hi = 8 }\n'}, "wijkteam.n_professionals"),
    "a choice not allowed": ({"parameters": '[parameters]\n"access.triage" = '
                              '["fifo", "random"]\n'}, "access.triage"),
    "unknown KPI": ({"targets": '[[targets]]\nkpi = "happiness"\nvalue = 1.0\n'
                     'tolerance = 0.1\nsource = "x"\n'}, "happiness"),
    "missing targets": ({"targets": ""}, "targets"),
    "target without a source": ({"targets": '[[targets]]\nkpi = "utilization"\nvalue = 0.8\n'
                                 'tolerance = 0.1\n'}, "source"),
    "share target above 1": ({"targets": '[[targets]]\nkpi = "utilization"\nvalue = 80.0\n'
                              'tolerance = 0.1\nsource = "x"\n'}, "utilization"),
    "warm-up past the horizon": ({"budget": "[budget]\ndays = 30\nwarmup_days = 30\n"},
                                 "warmup_days"),
    "preset over the base": ({"output": '[output]\npreset = "tiny.toml"\n'}, "tiny.toml"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_config_is_one_line_exit_2_nothing_written(case, tmp_path, monkeypatch, capsys):
    changes, named = BAD[case]
    base = tiny_base(tmp_path)
    before = base.read_bytes()
    (tmp_path / "bad.toml").write_text(config_text(0.8, **changes), encoding="utf-8")
    assert calibrate_in(tmp_path, "bad.toml", "out", monkeypatch) == 2, \
        f"expected exit code 2 for a config with {case}"
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, f"expected one error line, got {err!r}"
    assert "bad.toml" in err and named in err, f"expected the file and {named!r} named: {err}"
    assert "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.toml", "tiny.toml"], \
        "expected nothing written"
    assert base.read_bytes() == before


@pytest.mark.parametrize("city", ["rotterdam", "schiedam"])
def test_city_presets_are_the_calibrated_ones(city):
    """The presets a user runs are those calibrate wrote from the project's configs."""
    config = ROOT / "experiments" / f"calibrate_{city}.toml"
    cal = load_config(str(config))
    assert cal.preset.resolve() == (scenarios_dir() / f"{city}.toml").resolve()
    text = cal.preset.read_text(encoding="utf-8")
    assert text.startswith(GENERATED), f"expected scenarios/{city}.toml written by calibrate"
    sources = tomllib.loads(text)["sources"]
    for prior in cal.priors:
        assert f"calibrate experiments/calibrate_{city}.toml" in sources[prior.key], \
            f"expected the source of {prior.key} to name the calibration command"
    base = load_scenario(f"{city}_base")
    preset = load_scenario(city)
    fitted = {p.key for p in cal.priors}
    assert {k for k in fitted if preset.get(k) != base.get(k)}, \
        "expected calibration to change at least one value"
    moved = {k: (v, preset.get(k)) for k, v in flat(base).items()
             if k not in fitted | {"name", "description"} and preset.get(k) != v}
    assert not moved, f"expected only the fitted keys to differ from the base: {moved}"
