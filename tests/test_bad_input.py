"""Bad input of every kind is one clear error: an InputError from the API, and from the
command line exactly one ``samenspel: error: ...`` line on stderr, exit code 2, no
traceback and nothing written.

Every command-line case runs in-process through ``sim.cli.main``; one case of each
kind also runs as a real ``python -m sim`` subprocess, all started together so the
interpreter start-up is paid in parallel.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import sim
from sim.scenario import _MISSING, InputError, parse_override

# name -> (TOML text, substrings the error message must contain)
BAD_TOML = {
    "malformed": ("[population\nn_residents = 10\n", ["malformed TOML", "line 1"]),
    "unknown_key": ("[wijkteam]\nn_profs = 3\n",
                    ["wijkteam.n_profs", "3", "unknown key", "wijkteam.n_professionals"]),
    "wrong_type": ('[wijkteam]\nn_professionals = "many"\n',
                   ["wijkteam.n_professionals", "'many'", "an integer from 0 to 10_000"]),
    "out_of_range": ("[bystander]\np_act_day = 1.5\n",
                     ["bystander.p_act_day", "1.5", "a number from 0 to 1"]),
    "bad_choice": ('[access]\npolicy = "gate"\n',
                   ["access.policy", "'gate'", "'walk_in', 'vraagwijzer'"]),
    "shares": ("[needs.urgency_shares]\nlow = 0.9\n",
               ["needs.urgency_shares", "0.9", "sum to 1"]),
    "source_names_nothing": ('[sources]\n"wijkteam.nope" = "x"\n',
                             ["sources.wijkteam.nope", "names no parameter"]),
}

# --set overrides -> substrings: key, value given, what is allowed
BAD_OVERRIDES = {
    "unknown_key": ({"wijkteam.n_profs": 3},
                    ["wijkteam.n_profs", "3", "unknown key", "wijkteam.n_professionals"]),
    "wrong_type": ({"wijkteam.n_professionals": "many"},
                   ["wijkteam.n_professionals", "'many'", "an integer from 0 to 10_000"]),
    "float_for_int": ({"wijkteam.n_professionals": 2.5},
                      ["wijkteam.n_professionals", "2.5", "an integer from 0 to 10_000"]),
    "negative": ({"wijkteam.n_professionals": -1},
                 ["wijkteam.n_professionals", "-1", "an integer from 0 to 10_000"]),
    "above_range": ({"bystander.p_act_day": 2.0},
                    ["bystander.p_act_day", "2.0", "a number from 0 to 1"]),
    "not_a_bool": ({"informal.enabled": "yes"}, ["informal.enabled", "'yes'", "true or false"]),
    "bad_choice": ({"access.triage": "random"},
                   ["access.triage", "'random'", "'fifo', 'urgency'"]),
    "shares": ({"needs.kind_shares.complex": 0.5},
               ["needs.kind_shares", "0.5", "sum to 1"]),
    "not_a_date": ({"start_date": "2026-13-01"}, ["start_date", "2026-13-01", "yyyy-mm-dd"]),
    "more_teams_than_professionals": (
        {"wijkteam.n_teams": 20, "wijkteam.n_professionals": 16},
        ["wijkteam.n_teams", "20", "must not exceed wijkteam.n_professionals (16)"]),
    "more_teams_than_blocks": (
        {"wijkteam.n_teams": 4, "population.n_residents": 100, "population.block_size": 40},
        ["wijkteam.n_teams", "4", "must not exceed the number of blocks (3)"]),
}


# --- the API ------------------------------------------------------------------------


@pytest.mark.parametrize("case", sorted(BAD_TOML))
def test_bad_toml_file_is_one_input_error(case: str, tmp_path: Path) -> None:
    text, expected = BAD_TOML[case]
    path = tmp_path / f"{case}.toml"
    path.write_text(text)
    with pytest.raises(InputError) as info:
        sim.load_scenario(path)
    msg = str(info.value)
    assert "\n" not in msg, f"expected a one-line message, got {msg!r}"
    for part in [str(path), *expected]:
        assert part in msg, f"expected {part!r} in the error for {case}, got {msg!r}"


@pytest.mark.parametrize("case", sorted(BAD_OVERRIDES))
def test_bad_override_is_one_input_error(case: str) -> None:
    overrides, expected = BAD_OVERRIDES[case]
    with pytest.raises(InputError) as info:
        sim.load_scenario("schiedam_walk_in", overrides)
    msg = str(info.value)
    assert "\n" not in msg, f"expected a one-line message, got {msg!r}"
    for part in ["--set", *expected]:
        assert part in msg, f"expected {part!r} in the error for {case}, got {msg!r}"


def test_file_that_is_not_utf8_is_one_input_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes('description = "caf\xe9"\n'.encode("latin-1"))
    with pytest.raises(InputError) as info:
        sim.load_scenario(path)
    msg = str(info.value)
    assert str(path) in msg and "UTF-8" in msg and "\n" not in msg, (
        f"expected one line naming the file and UTF-8, got {msg!r}")


def test_unknown_preset_names_it_and_lists_presets() -> None:
    with pytest.raises(InputError) as info:
        sim.load_scenario("no_such_preset")
    msg = str(info.value)
    assert "no_such_preset" in msg and "schiedam_walk_in" in msg, (
        f"expected the unknown name and the list of presets, got {msg!r}")


def test_missing_file_names_it(tmp_path: Path) -> None:
    path = tmp_path / "missing.toml"
    with pytest.raises(InputError) as info:
        sim.load_scenario(path)
    assert str(path) in str(info.value) and "no such" in str(info.value), (
        f"expected the path and 'no such', got {info.value}")


@pytest.mark.parametrize("text", ["wijkteam.n_professionals", "=8", ""])
def test_bad_set_syntax(text: str) -> None:
    with pytest.raises(InputError) as info:
        parse_override(text)
    assert "KEY=VALUE" in str(info.value), f"expected the KEY=VALUE hint, got {info.value}"


def test_overrides_are_validated_together() -> None:
    """Shares changed one key at a time are judged after all overrides are applied."""
    s = sim.load_scenario("schiedam_walk_in", {"needs.urgency_shares.low": 0.5,
                                               "needs.urgency_shares.high": 0.2})
    assert (s.needs.urgency_shares.low, s.needs.urgency_shares.high) == (0.5, 0.2), (
        "expected two share overrides that together sum to 1 to be accepted")


# --- the command line, as subprocesses ---------------------------------------------------

SMALL = ["--days", "5", "--set", "population.n_residents=200"]

# name -> (arguments after `python -m sim`, substrings of the error line)
CLI_CASES: dict[str, tuple[list[str], list[str]]] = {
    "unknown_preset": (["run", "no_such_preset"], ["no_such_preset", "schiedam_walk_in"]),
    "missing_file": (["run", "{tmp}/missing.toml"], ["missing.toml", "no such"]),
    "not_utf8": (["run", "{tmp}/not_utf8.toml"], ["not_utf8.toml", "UTF-8"]),
    **{f"toml_{k}": (["run", f"{{tmp}}/{k}.toml"], [f"{k}.toml", *v[1]])
       for k, v in BAD_TOML.items()},
    "set_unknown_key": (["run", "schiedam_walk_in", "--set", "wijkteam.n_profs=3"],
                        ["wijkteam.n_profs", "unknown key"]),
    "set_wrong_type": (["run", "schiedam_walk_in", "--set", "wijkteam.n_professionals=many"],
                       ["wijkteam.n_professionals", "'many'", "an integer from 0 to 10_000"]),
    "set_out_of_range": (["run", "schiedam_walk_in", "--set", "bystander.p_act_day=1.5"],
                         ["bystander.p_act_day", "1.5", "a number from 0 to 1"]),
    "set_shares": (["run", "schiedam_walk_in", "--set", "needs.urgency_shares.low=0.9"],
                   ["needs.urgency_shares", "0.9", "sum to 1"]),
    "set_syntax": (["run", "schiedam_walk_in", "--set", "wijkteam.n_professionals"],
                   ["KEY=VALUE"]),
    "negative_seed": (["run", "schiedam_walk_in", "--seed", "-1"], ["--seed", "-1", "at least 0"]),
    "negative_days": (["run", "schiedam_walk_in", "--days", "-5"], ["--days", "-5"]),
    "warmup_not_below_days": (["run", "schiedam_walk_in", "--days", "10", "--warmup-days", "10"],
                              ["--warmup-days", "10", "less than"]),
    "seed_not_int": (["run", "schiedam_walk_in", "--seed", "abc"], ["--seed", "'abc'"]),
    "out_is_a_file": (["run", "schiedam_walk_in", "--out", "{tmp}/a_file"],
                      ["--out", "a_file", "not a directory"]),
    "out_under_a_file": (["run", "schiedam_walk_in", "--out", "{tmp}/a_file/sub"],
                         ["--out", "a_file", "not a directory"]),
    "run_without_scenario": (["run"], ["SCENARIO"]),
    "unknown_command": (["frobnicate"], ["frobnicate"]),
    "unknown_option": (["run", "schiedam_walk_in", "--bogus"], ["--bogus"]),
    "check_unknown_key": (["check", "schiedam_walk_in", "--set", "nope=1"], ["nope", "unknown"]),
    "check_bad_toml": (["check", "{tmp}/malformed.toml"], ["malformed TOML"]),
    "elephant_zero": (["elephant", "--bystanders", "0"], ["--bystanders", "'0'", "from 1"]),
    "elephant_letters": (["elephant", "--bystanders", "a,b"], ["--bystanders", "'a,b'"]),
    "elephant_empty_item": (["elephant", "--bystanders", "1,,2"], ["--bystanders", "'1,,2'"]),
    "elephant_negative_seed": (["elephant", "--bystanders", "1,2", "--seed", "-3"],
                               ["--seed", "-3"]),
    "elephant_zero_days": (["elephant", "--bystanders", "1,2", "--days", "0"], ["--days", "0"]),
    "elephant_zero_trials": (["elephant", "--bystanders", "1,2", "--trials", "0"],
                             ["--trials", "0"]),
    "elephant_bad_set": (["elephant", "--bystanders", "1,2", "--set",
                          "bystander.diffusion_t=-1"], ["bystander.diffusion_t", "-1"]),
    "elephant_unknown_scenario": (["elephant", "--bystanders", "1,2", "--scenario", "nope"],
                                  ["nope"]),
}

# `run` cases get --out so the test can check nothing is written.
OUT_CASES = {k for k, (argv, _) in CLI_CASES.items()
             if argv[:1] == ["run"] and "--out" not in argv and len(argv) > 1}


#: One case of each kind also runs as a real subprocess (the rest run in-process,
#: through the same ``main``), to keep the suite fast.
SUBPROCESS_CASES = ["unknown_preset", "missing_file", "toml_malformed", "toml_unknown_key",
                    "set_wrong_type", "set_out_of_range", "set_shares", "set_syntax",
                    "negative_seed", "warmup_not_below_days", "elephant_letters",
                    "unknown_option"]


@pytest.fixture(scope="module")
def bad_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("bad_input")
    for name, (text, _) in BAD_TOML.items():
        (tmp / f"{name}.toml").write_text(text)
    (tmp / "not_utf8.toml").write_bytes(b'name = "x"\n[population]\nn_residents = \xff\n')
    (tmp / "a_file").write_text("not a directory\n")
    return tmp


def _argv(name: str, tmp: Path) -> tuple[list[str], Path]:
    argv = [a.replace("{tmp}", str(tmp)) for a in CLI_CASES[name][0]]
    out_dir = tmp / f"out_{name}"
    if name in OUT_CASES:  # the case's own options come last, so they win
        argv = [*argv[:2], *SMALL, *argv[2:], "--out", str(out_dir)]
    return argv, out_dir


@pytest.fixture(scope="module")
def subprocess_results(bad_dir: Path) -> dict[str, tuple]:
    def one(name: str) -> tuple:
        argv, out_dir = _argv(name, bad_dir)
        proc = subprocess.run([sys.executable, "-m", "sim", *argv], capture_output=True,
                              text=True, timeout=120, cwd=bad_dir)
        return proc.returncode, proc.stdout, proc.stderr, out_dir

    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        return dict(zip(SUBPROCESS_CASES, pool.map(one, SUBPROCESS_CASES), strict=True))


def _check_one_error_line(case: str, code: int, stdout: str, stderr: str, out_dir: Path
                          ) -> None:
    lines = stderr.splitlines()
    assert code == 2, f"expected exit code 2 for {case}, got {code}; stderr: {stderr!r}"
    assert "Traceback" not in stderr, f"expected no traceback for {case}: {stderr}"
    assert len(lines) == 1, f"expected exactly one stderr line for {case}, got {lines!r}"
    assert lines[0].startswith("samenspel: error: "), (
        f"expected 'samenspel: error: ...' for {case}, got {lines[0]!r}")
    for part in CLI_CASES[case][1]:
        assert part in lines[0], f"expected {part!r} in the error line for {case}: {lines[0]!r}"
    assert stdout == "", f"expected nothing on stdout for {case}, got {stdout!r}"
    if case in OUT_CASES:
        assert not out_dir.exists(), f"expected --out {out_dir} not to be created for {case}"


@pytest.mark.parametrize("case", SUBPROCESS_CASES)
def test_cli_subprocess_bad_input_is_one_error_line(case: str, subprocess_results: dict) -> None:
    _check_one_error_line(case, *subprocess_results[case])


@pytest.mark.parametrize("case", list(CLI_CASES))
def test_cli_bad_input_is_one_error_line(case: str, bad_dir: Path,
                                         capsys: pytest.CaptureFixture) -> None:
    from sim.cli import main

    argv, out_dir = _argv(case, bad_dir)
    code = main(argv)
    captured = capsys.readouterr()
    _check_one_error_line(case, code, captured.out, captured.err, out_dir)


def test_cli_in_process_returns_2_with_one_line(capsys: pytest.CaptureFixture) -> None:
    from sim.cli import main

    code = main(["elephant", "--bystanders", "3,x"])
    err = capsys.readouterr().err
    assert code == 2, f"expected main() to return 2 on bad input, got {code}"
    assert err.count("\n") == 1 and err.startswith("samenspel: error: "), (
        f"expected one 'samenspel: error:' line, got {err!r}")


@pytest.mark.parametrize("error", [
    InputError("--set", "wijkteam.n_professionals", -3, "must be an integer from 0 to 10_000"),
    InputError("scenario", "", _MISSING, "unknown preset 'x'")])
def test_a_bad_input_line_survives_a_trip_to_a_worker_process(error):
    """Raised in a process pool, the error comes back as the same one line, not as a
    broken pool."""
    back = pickle.loads(pickle.dumps(error))
    assert isinstance(back, InputError) and str(back) == str(error), \
        f"expected {str(error)!r} back from pickling, got {str(back)!r}"
