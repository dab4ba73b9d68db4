"""The command line end to end: real ``python -m sim`` and ``samenspel`` processes on a
small scenario (2,000 residents, 60 days), started together to share the start-up
time, plus in-process calls of ``sim.cli.main`` for the listings and checks.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest

import sim
from sim.cli import main

SMALL = ["schiedam_walk_in", "--days", "60", "--set", "population.n_residents=2000"]
SUMMARY_KEYS = ["requests", "answered", "answered_share", "informal_share", "unanswered_end",
                "withdrawn", "crises", "wait_days_mean", "wait_days_p90",
                "queue_wait_days_mean", "queue_wait_days_mean_by_urgency", "utilization",
                "waitlist_max", "volunteers_active_end", "bystander_unanswered"]
PRESETS = ["rotterdam_vraagwijzer", "schiedam_walk_in", "schiedam_walk_in_triage",
           "dordrecht_meeting_place", "vlaardingen_klussenbank", "validation/mmc"]
CONSOLE_SCRIPT = Path(sys.executable).with_name("samenspel")


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Every subprocess this module needs, run in parallel; name -> CompletedProcess."""
    tmp = tmp_path_factory.mktemp("cli")
    py = [sys.executable, "-m", "sim"]
    commands = {
        "json": [*py, "run", *SMALL, "--seed", "3", "--json"],
        # the installed console script, same seed: must give the identical JSON
        "json_script": [str(CONSOLE_SCRIPT), "run", *SMALL, "--seed", "3", "--json"],
        "table_out": [*py, "run", *SMALL, "--seed", "3", "--out", str(tmp / "out")],
        "elephant_json": [*py, "elephant", "--bystanders", "1,2,5", "--trials", "500",
                          "--json"],
    }

    def one(argv: list[str]) -> subprocess.CompletedProcess:
        return subprocess.run(argv, capture_output=True, text=True, timeout=300, cwd=tmp)

    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        done = dict(zip(commands, pool.map(one, commands.values()), strict=True))
    done["out_dir"] = tmp / "out"
    return done


def _ok(proc: subprocess.CompletedProcess, what: str) -> str:
    assert proc.returncode == 0, (
        f"expected {what} to exit 0, got {proc.returncode}; stderr: {proc.stderr}")
    return proc.stdout


def test_run_json_has_the_kpis(runs: dict) -> None:
    out = _ok(runs["json"], "run --json")
    summary = json.loads(out)  # stdout is exactly one JSON object
    missing = [k for k in SUMMARY_KEYS if k not in summary]
    assert not missing, f"expected the summary keys {missing} in the JSON"
    assert set(summary["queue_wait_days_mean_by_urgency"]) == {"low", "medium", "high"}, (
        "expected queue waits by urgency for low, medium and high")
    assert summary["requests"] > 0 and 0.0 <= summary["answered_share"] <= 1.0, (
        f"expected requests and a share in [0, 1], got {summary['requests']}, "
        f"{summary['answered_share']}")
    assert "NaN" not in out, "expected NaN to be written as null"


def test_same_seed_same_json_also_through_the_console_script(runs: dict) -> None:
    assert CONSOLE_SCRIPT.is_file(), f"expected the samenspel console script at {CONSOLE_SCRIPT}"
    a = json.loads(_ok(runs["json"], "python -m sim run --json"))
    b = json.loads(_ok(runs["json_script"], "samenspel run --json"))
    assert a == b, "expected the same seed to give identical JSON from both entry points"


def test_other_seed_other_result() -> None:
    scenario = sim.load_scenario("schiedam_walk_in", {"population.n_residents": 2000})
    a = sim.run(scenario, seed=3, days=60).summary
    b = sim.run(scenario, seed=4, days=60).summary
    assert a != b, "expected two seeds to give different summaries"


def test_run_table_and_out(runs: dict) -> None:
    proc = runs["table_out"]
    out = _ok(proc, "run --out")
    lines = out.splitlines()
    assert lines[0].startswith("schiedam_walk_in | seed 3 | days 60 | warm-up 0 | code "), (
        f"expected a header with scenario, seed, days, warm-up and code version, got {lines[0]!r}")
    for key in SUMMARY_KEYS:
        if key != "queue_wait_days_mean_by_urgency":
            assert any(line.split()[:1] == [key] for line in lines), (
                f"expected a table row for {key}")
    for u in ("low", "medium", "high"):
        assert any(line.startswith(f"queue_wait_days_mean_by_urgency.{u} ") for line in lines), (
            f"expected a table row for the {u}-urgency queue wait")
    summary = json.loads(_ok(runs["json"], "run --json"))
    row = next(line for line in lines if line.startswith("requests "))
    assert f"{summary['requests']:,}" in row, (
        f"expected the table to show the same requests as the JSON, got {row!r}")
    share = next(line for line in lines if line.startswith("answered_share "))
    assert f"{100 * summary['answered_share']:.1f}%" in share, (
        f"expected the answered share as a percentage, got {share!r}")

    out_dir = runs["out_dir"]
    assert str(out_dir) in out, f"expected the output to say where it wrote, got {lines[-1]!r}"
    for name in ("daily", "requests", "events"):
        frame = pd.read_parquet(out_dir / f"{name}.parquet")
        assert len(frame) > 0, f"expected rows in {name}.parquet"
    payload = json.loads((out_dir / "summary.json").read_text())
    meta = payload["meta"]
    assert (meta["seed"], meta["scenario"]) == (3, "schiedam_walk_in"), (
        f"expected seed 3 and the scenario name in the meta, got {meta}")
    assert meta["code_version"], "expected a code version in the meta"
    assert payload["summary"]["requests"] == summary["requests"], (
        "expected summary.json to hold the same KPIs as --json")


def test_scenarios_lists_every_preset(capsys: pytest.CaptureFixture) -> None:
    assert main(["scenarios"]) == 0, "expected scenarios to exit 0"
    out = capsys.readouterr().out
    names = [line.split()[0] for line in out.splitlines() if line.strip()]
    for preset in PRESETS:
        assert preset in names, f"expected {preset} in the list of scenarios"
    line = next(x for x in out.splitlines() if x.startswith("schiedam_walk_in "))
    assert "walk-in" in line, f"expected the description next to the name, got {line!r}"


def test_check_ok_with_differences_and_sources(capsys: pytest.CaptureFixture) -> None:
    code = main(["check", "schiedam", "--set", "wijkteam.n_professionals=8"])
    out = capsys.readouterr().out
    assert code == 0, "expected check to exit 0 on a valid scenario"
    lines = out.splitlines()
    assert lines[0].startswith("ok: ") and lines[0].endswith("/schiedam.toml"), (
        f"expected 'ok: <file>', got {lines[0]!r}")
    row = next((x for x in lines if x.startswith("wijkteam.n_professionals ")), "")
    assert "8" in row.split() and "--set" in row, (
        f"expected the overridden value 8 with source --set, got {row!r}")
    row = next((x for x in lines if x.startswith("wijkteam.share_outreach ")), "")
    assert "Schiedam mandates" in row, f"expected the scenario's own source, got {row!r}"


def test_check_keys_lists_every_parameter(capsys: pytest.CaptureFixture) -> None:
    assert main(["check", "--keys"]) == 0, "expected check --keys to exit 0"
    out = capsys.readouterr().out
    keys = {line.split()[0] for line in out.splitlines()[1:]}
    assert set(sim.SPECS) <= keys, f"expected every key, missing {set(sim.SPECS) - keys}"
    row = next(x for x in out.splitlines() if x.startswith("bystander.p_act_day "))
    assert "probability/day" in row and "a number from 0 to 1" in row, (
        f"expected unit and allowed values, got {row!r}")


def test_elephant_json_shape(runs: dict) -> None:
    table = json.loads(_ok(runs["elephant_json"], "elephant --json"))
    assert set(table) == {"diffusion", "independent"}, f"expected two modes, got {set(table)}"
    for mode, rows in table.items():
        assert [r["bystanders"] for r in rows] == [1, 2, 5], f"expected rows 1, 2, 5 ({mode})"
        for r in rows:
            assert set(r) == {"bystanders", "p_individual", "p_any", "delay_days_mean"}, (
                f"expected exactly the four fields, got {set(r)}")


def test_elephant_table_side_by_side(capsys: pytest.CaptureFixture) -> None:
    code = main(["elephant", "--bystanders", "1,2,5,10", "--trials", "300"])
    out = capsys.readouterr().out
    assert code == 0, "expected elephant to exit 0"
    assert "diffusion" in out and "independent" in out, "expected both modes in the header"
    rows = [line.split() for line in out.splitlines() if line.split()[:1] in (["1"], ["2"],
                                                                                ["5"], ["10"])]
    assert [r[0] for r in rows] == ["1", "2", "5", "10"], f"expected one row per size: {rows}"
    assert rows[0][-1] == "85%" and rows[2][-1] == "31%", (
        "expected Darley & Latane's 85% and 31% next to n = 1 and 5")


def test_no_command_is_a_usage_error(capsys: pytest.CaptureFixture) -> None:
    assert main([]) == 2, "expected exit code 2 without a command"
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "COMMAND" in err, f"expected one line naming COMMAND: {err!r}"


def test_help_exits_0(capsys: pytest.CaptureFixture) -> None:
    assert main(["--help"]) == 0, "expected --help to exit 0"
    out = capsys.readouterr().out
    for command in ("run", "scenarios", "check", "elephant"):
        assert command in out, f"expected {command} in the help"


HEAVY = ("pandas", "mesa", "scipy", "plotly", "pyarrow")
PROBE = ("import json, sys\nfrom sim.cli import main\ncode = main(json.loads(sys.argv[1]))\n"
         f"print(json.dumps([code, sorted(m for m in {HEAVY} if m in sys.modules)]), "
         "file=sys.stderr)")


@pytest.mark.parametrize(("argv", "code"), [
    (["--help"], 0),
    (["sweep", "--help"], 0),
    (["run", "no_such_preset"], 2),
    (["run", "schiedam_walk_in", "--days", "0"], 2),
    (["compare", "a", "b", "--replications", "0"], 2),
    (["analyse", "no_such_dir"], 2),
    (["verify", "no_such_dir"], 2),
    (["load", "--help"], 0),
    (["load", "--factors", "0.6,0"], 2),
    (["load", "--replications", "1"], 2),
])
def test_help_and_bad_input_load_no_heavy_package(argv: list[str], code: int) -> None:
    """--help and one-line errors stay quick: the model, the lab's tables and figures
    are imported only once the input is known to be good."""
    proc = subprocess.run([sys.executable, "-c", PROBE, json.dumps(argv)], capture_output=True,
                          text=True, timeout=120)
    got_code, loaded = json.loads(proc.stderr.strip().splitlines()[-1])
    assert got_code == code, f"expected exit code {code} from {argv}, got {got_code}"
    assert loaded == [], f"expected {argv} to import none of {HEAVY}, it imported {loaded}"
