"""Fault injection: concurrent writers, damaged parts, bad output paths, a full disk.

Each fault is caused for real (a second writer, SIGKILL, a truncated or foreign file,
an unwritable path, ENOSPC on write) and the outcome checked: one writer at a time,
nothing lost or duplicated, bad paths refused before any model is built, and after
``--resume`` the dataset an uninterrupted sweep gives. Small neighbourhoods and few
days keep the tier fast.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from lab_helpers import ROOT, assert_same_dataset, run_cli, tiny_experiment

import sim.api
from sim.lab import sweep
from sim.lab.executors import SerialExecutor
from sim.lab.experiment import load_experiment
from sim.lab.lock import LOCK_FILE, ResultsLocked, results_lock
from sim.lab.manifest import read_manifest
from sim.lab.sweep import load_runs, plan_runs, replication_seeds, run_sweep

REPLICATIONS = 4
PLANNED = 2 * REPLICATIONS  # two triage levels x replications


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> tuple[Path, Path]:
    """The experiment of this tier, swept serially without any fault."""
    base = tmp_path_factory.mktemp("faults")
    exp_path = tiny_experiment(base / "faults.toml", replications=REPLICATIONS)
    out = base / "reference"
    result = run_sweep(load_experiment(exp_path), out, executor=SerialExecutor(),
                       progress=False)
    assert result.done == PLANNED and result.failed == 0, result
    return exp_path, out


def _parts(out: Path) -> int:
    runs = out / "runs"
    return len(list(runs.glob("*.parquet"))) if runs.is_dir() else 0


def _wait_for(condition, proc: subprocess.Popen, what: str) -> None:
    """Wait until ``condition()`` holds while ``proc`` runs (polling, never sleeping)."""
    deadline = time.monotonic() + 60
    while not condition():
        try:
            proc.wait(timeout=0.02)
        except subprocess.TimeoutExpired:
            pass
        else:
            pytest.fail(f"expected {what} while the process ran; it ended with "
                        f"{proc.returncode}: {proc.stderr.read() if proc.stderr else ''}")
        if time.monotonic() > deadline:
            pytest.fail(f"expected {what} within a minute")


def _sweep_cmd(exp_path: Path, out: Path, resume: bool) -> list[str]:
    return (["sweep", str(exp_path), "--out", str(out), "--workers", "1", "--no-progress"]
            + (["--resume"] if resume else []))


def _snapshot(out: Path) -> list[tuple[str, int, int]]:
    return sorted((str(p.relative_to(out)), p.stat().st_size, p.stat().st_mtime_ns)
                  for p in out.rglob("*") if p.is_file())


@pytest.mark.parametrize("first", ["fresh", "resume"])
def test_two_writers_one_runs_the_other_is_refused_then_resume_after_sigkill(
        reference, tmp_path: Path, first: str) -> None:
    """Both orders of arrival: a sweep then a --resume, and a --resume then a sweep."""
    exp_path, ref = reference
    out = tmp_path / "out"
    holder = subprocess.Popen([sys.executable, "-m", "sim",
                               *_sweep_cmd(exp_path, out, first == "resume")],
                              cwd=ROOT, start_new_session=True, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    try:
        _wait_for(lambda: _parts(out) > 0, holder, "the first writer to write a run")
        os.kill(holder.pid, signal.SIGSTOP)  # hold it mid-sweep, lock held
        assert json.loads((out / LOCK_FILE).read_text())["pid"] == holder.pid, \
            "expected the lock file to name the writer holding it"
        before = _snapshot(out)
        code, _, stderr = run_cli(_sweep_cmd(exp_path, out, first == "fresh"))
        assert code == 2 and stderr.count("\n") == 1, \
            f"expected the second writer to exit 2 with one line: {code} {stderr!r}"
        assert f"pid {holder.pid}" in stderr and str(out) in stderr and "sweep" in stderr, \
            f"expected the line to name the directory and the holder's pid and command: " \
            f"{stderr!r}"
        assert _snapshot(out) == before, "the refused writer must not change anything"
        code, stdout, stderr = run_cli(["analyse", str(out)])
        assert code == 0 and "Experiment tiny" in stdout, \
            f"expected a reader to read while the writer holds the lock: {stderr}"
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(timeout=30)
    finally:
        if holder.poll() is None:
            os.killpg(holder.pid, signal.SIGKILL)
            holder.wait(timeout=30)
        holder.stdout.close()
        holder.stderr.close()
    after_kill = _parts(out)
    assert 0 < after_kill < PLANNED, \
        f"expected the kill to land mid-sweep, found {after_kill} of {PLANNED} runs"

    code, _, stderr = run_cli(_sweep_cmd(exp_path, out, resume=True))
    assert code == 0, f"expected the killed holder's lock to be free: {stderr}"
    runs = load_runs(out)
    assert len(runs) == PLANNED and runs["run_id"].is_unique, \
        f"expected every run once, found {len(runs)} rows: {sorted(runs['run_id'])}"
    assert read_manifest(out)["sessions"][-1]["ran"] == PLANNED - after_kill
    assert_same_dataset(ref, out)


# The child sets ``running`` from its target, so after the fork handlers ran in it: the
# pid is printed only then, else the holder could be killed before its child ran at all.
HOLD_WITH_A_FORKED_CHILD = """
import multiprocessing, signal, sys
from sim.lab.lock import results_lock

def pause(running):
    running.set()
    signal.pause()

if __name__ == "__main__":
    fork = multiprocessing.get_context("fork")
    with results_lock(sys.argv[1]):
        running = fork.Event()
        child = fork.Process(target=pause, args=(running,))
        child.start()
        running.wait()
        print(child.pid, flush=True)
        signal.pause()
"""


def test_the_lock_dies_with_its_holder_though_its_forked_worker_lives(tmp_path: Path) -> None:
    out = tmp_path / "out"
    holder = subprocess.Popen([sys.executable, "-c", HOLD_WITH_A_FORKED_CHILD, str(out)],
                              cwd=ROOT, stdout=subprocess.PIPE, text=True)
    child = int(holder.stdout.readline())
    try:
        with pytest.raises(ResultsLocked) as busy, results_lock(out):
            pass
        assert busy.value.holder and busy.value.holder["pid"] == holder.pid, \
            f"expected the holder named: {busy.value}"
        holder.kill()
        holder.wait(timeout=30)
        os.kill(child, 0)  # raises if the forked worker is gone: it must still live here
        with results_lock(out):  # free although the holder's child still runs
            pass
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait(timeout=30)
        holder.stdout.close()
        os.kill(child, signal.SIGKILL)


def test_one_process_cannot_take_its_own_lock_twice(tmp_path: Path) -> None:
    with results_lock(tmp_path / "out"):
        with pytest.raises(ResultsLocked) as busy, results_lock(tmp_path / "out"):
            pass
        assert busy.value.holder["pid"] == os.getpid(), busy.value
        assert str(tmp_path / "out") in str(busy.value)


# --- damaged parts ----------------------------------------------------------------------


def _last_seed() -> int:
    return replication_seeds(11, REPLICATIONS)[-1]


def interrupted_model(scenario, seed: int, days: int, warmup_days: int):
    """The real model, except that the last run is a Ctrl-C: a sweep left with parts."""
    if scenario.access.triage == "urgency" and seed == _last_seed():
        raise KeyboardInterrupt
    return sim.api.run(scenario, seed=seed, days=days, warmup_days=warmup_days)


def test_damaged_parts_are_named_set_aside_and_exactly_their_runs_run_again(
        reference, tmp_path: Path, monkeypatch) -> None:
    exp_path, ref = reference
    exp = load_experiment(exp_path)
    out = tmp_path / "damaged"
    with pytest.raises(KeyboardInterrupt):
        run_sweep(exp, out, executor=SerialExecutor(), progress=False, model=interrupted_model)
    assert _parts(out) == PLANNED - 1, "expected one-run parts of all but the last run"

    truncated, emptied, foreign = "b00-p0000-r000", "b00-p0001-r001", "b00-p0000-r002"
    daily_damaged = "b00-p0001-r002"
    part = out / "runs" / f"{truncated}.parquet"
    part.write_bytes(part.read_bytes()[: part.stat().st_size // 2])
    (out / "runs" / f"{emptied}.parquet").write_bytes(b"")
    pd.DataFrame({"x": [1.0]}).to_parquet(out / "runs" / f"{foreign}.parquet")
    (out / "runs" / "notes.txt").write_text("a file someone left here\n")
    daily = out / "daily" / f"{daily_damaged}.parquet"
    daily.write_bytes(daily.read_bytes()[:100])

    # a reader names what it cannot read and analyses the rest
    code, stdout, stderr = run_cli(["analyse", str(out)])
    lines = [line for line in stdout.splitlines() if "unreadable parts" in line]
    assert code == 0 and len(lines) == 1, f"expected one line naming the parts: {stdout}"
    for run_id in (truncated, emptied, foreign):
        assert f"runs/{run_id}.parquet" in lines[0], f"expected {run_id} named: {lines[0]}"
    assert f"4 of {PLANNED} planned runs are missing" in lines[0], lines[0]
    code, stdout, _ = run_cli(["analyse", str(out), "--json"])
    payload = json.loads(stdout)
    assert (len(payload["unreadable"]), payload["runs_missing"]) == (3, 4), payload
    code, stdout, _ = run_cli(["verify", str(out)])
    assert code == 1 and "5 of" in stdout, f"expected verify to find 5 damaged files: {stdout}"

    ids = {(t.scenario.access.triage, t.seed): t.run_id for t in plan_runs(exp)}
    ran: list[str] = []
    real_run = sim.api.run

    def recording_run(scenario, seed=0, days=None, warmup_days=0, **kw):
        ran.append(ids[(scenario.access.triage, seed)])
        return real_run(scenario, seed=seed, days=days, warmup_days=warmup_days, **kw)

    monkeypatch.setattr(sim.api, "run", recording_run)
    code, _, stderr = run_cli(_sweep_cmd(exp_path, out, resume=True))
    assert code == 0, stderr
    unfinished = f"b00-p0001-r{REPLICATIONS - 1:03d}"
    assert sorted(ran) == sorted([truncated, emptied, foreign, daily_damaged, unfinished]), \
        f"expected exactly the damaged and the unfinished runs to run again, ran {ran}"
    warnings = [line for line in stderr.splitlines() if "warning" in line]
    assert len(warnings) == 5, f"expected one warning per damaged file: {stderr}"
    for run_id in (truncated, emptied, foreign, daily_damaged):
        assert any(f"run {run_id} runs again" in w for w in warnings), \
            f"expected a warning naming run {run_id}: {warnings}"
    set_aside = sorted(str(p.relative_to(out / "damaged")) for p in
                       (out / "damaged").rglob("*") if p.is_file())
    assert set_aside == sorted([f"runs/{truncated}.parquet", f"runs/{emptied}.parquet",
                                f"runs/{foreign}.parquet", "runs/notes.txt",
                                f"daily/{daily_damaged}.parquet"]), set_aside
    assert_same_dataset(ref, out)
    code, stdout, _ = run_cli(["verify", str(out)])
    assert code == 0 and "clean" in stdout, f"expected the repaired sweep clean: {stdout}"


def test_a_reader_racing_a_merge_reads_every_run_once(reference, tmp_path: Path,
                                                      monkeypatch) -> None:
    """A writer merges one-run parts while a reader lists them: the reader lists again."""
    exp_path, _ = reference
    out = tmp_path / "racing"
    with pytest.raises(KeyboardInterrupt):
        run_sweep(load_experiment(exp_path), out, executor=SerialExecutor(), progress=False,
                  model=interrupted_model)
    real_read = sweep.read_part
    merged: list[Path] = []

    def merging_first(p: Path, bad, columns=None):
        if not merged and not p.name.startswith(sweep.COMPACTED):
            merged.append(p)
            sweep.compact(p.parent)  # the writer, just after the reader listed the parts
        return real_read(p, bad, columns)

    monkeypatch.setattr(sweep, "read_part", merging_first)
    runs = load_runs(out)
    assert merged and not (out / "runs" / merged[0].name).exists(), \
        "expected the part being read to be merged away under the reader"
    assert len(runs) == PLANNED - 1 and runs["run_id"].is_unique, \
        f"expected each finished run once, got {sorted(runs['run_id'])}"


# --- output paths -------------------------------------------------------------------------


def _commands(exp_path: Path, out: str) -> dict[str, list[str]]:
    return {
        "run": ["run", "schiedam_walk_in", "--days", "20", "--out", out],
        "sweep": ["sweep", str(exp_path), "--out", out, "--workers", "1"],
        "compare": ["compare", "schiedam_walk_in", "rotterdam_vraagwijzer",
                    "--replications", "1", "--days", "20", "--workers", "1", "--out", out],
    }


@pytest.fixture
def no_model(monkeypatch) -> list[object]:
    """Every model built from here on, recorded."""
    built: list[object] = []
    real = sim.api.Neighbourhood

    def building(*args, **kwargs):
        built.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(sim.api, "Neighbourhood", building)
    return built


@pytest.mark.parametrize("command", ["run", "sweep", "compare"])
@pytest.mark.parametrize("where", ["under /proc", "under a file", "no room"])
def test_a_bad_out_is_refused_before_any_model_is_built(
        reference, tmp_path: Path, no_model: list, monkeypatch, command: str,
        where: str) -> None:
    exp_path, _ = reference
    (tmp_path / "a_file").write_text("not a directory\n")
    out = {"under /proc": "/proc/samenspel-test/out", "under a file":
           str(tmp_path / "a_file" / "out"), "no room": str(tmp_path / "out")}[where]
    if where == "no room":
        from sim import outdir

        monkeypatch.setattr(outdir.shutil, "disk_usage",
                            lambda path: shutil._ntuple_diskusage(10**9, 10**9 - 1000, 1000))
    before = sorted(p.name for p in tmp_path.iterdir())
    code, stdout, stderr = run_cli(_commands(exp_path, out)[command])
    assert code == 2 and stderr.count("\n") == 1, \
        f"expected exit 2 with one line: {code} {stderr!r}"
    assert "--out" in stderr and out in stderr, f"expected the flag and path named: {stderr}"
    why = {"under /proc": "cannot be written", "under a file": "which is a file",
           "no room": "needs about"}[where]
    assert why in stderr, f"expected {why!r} in {stderr!r}"
    assert no_model == [], f"expected no model built before the refusal, {len(no_model)} were"
    assert sorted(p.name for p in tmp_path.iterdir()) == before, "nothing may be created"


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write to any directory")
def test_a_read_only_out_is_refused_before_any_model_is_built(
        reference, tmp_path: Path, no_model: list) -> None:
    exp_path, _ = reference
    locked = tmp_path / "read_only"
    locked.mkdir(mode=0o500)
    for argv in _commands(exp_path, str(locked / "out")).values():
        code, _, stderr = run_cli(argv)
        assert code == 2 and "cannot be written" in stderr, stderr
    assert no_model == []


@pytest.mark.parametrize("command", ["run", "sweep", "compare"])
def test_every_writing_command_is_refused_while_another_writes(
        reference, tmp_path: Path, no_model: list, command: str) -> None:
    exp_path, _ = reference
    out = tmp_path / "out"
    with results_lock(out, command="the dashboard"):
        code, _, stderr = run_cli(_commands(exp_path, str(out))[command])
    assert code == 2 and stderr.count("\n") == 1, f"expected exit 2, one line: {stderr!r}"
    assert f"pid {os.getpid()}: the dashboard" in stderr, f"expected the holder: {stderr}"
    assert no_model == [], "expected no model built by a refused writer"
    assert sorted(p.name for p in out.iterdir()) == [LOCK_FILE], "nothing may be written"


# --- a full disk ----------------------------------------------------------------------------


def test_a_full_disk_stops_with_one_line_and_resume_completes_identically(
        reference, tmp_path: Path, monkeypatch) -> None:
    exp_path, ref = reference
    out = tmp_path / "full"
    real_write = sweep.atomic_write
    state = {"runs": 0, "full": False}

    def filling(path: Path, write):
        """Three runs fit; then every write fails half-way, as on a full disk."""
        if path.parent.name == "runs" and not state["full"]:
            state["runs"] += 1
            state["full"] = state["runs"] > 3
        if not state["full"]:
            return real_write(path, write)

        def half_then_enospc(tmp: str) -> None:
            write(tmp)
            os.truncate(tmp, os.path.getsize(tmp) // 2)
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), tmp)

        return real_write(path, half_then_enospc)

    monkeypatch.setattr(sweep, "atomic_write", filling)
    code, _, stderr = run_cli(_sweep_cmd(exp_path, out, resume=False))
    assert code == 2 and stderr.count("\n") == 1, \
        f"expected one line and exit 2 on a full disk: {code} {stderr!r}"
    assert "No space left on device" in stderr and f"3 of {PLANNED} runs are saved" in stderr \
        and "--resume" in stderr, stderr
    assert _parts(out) == 3, "the runs written before the disk filled must stay"
    assert not list(out.rglob(".*.tmp")), "no half-written temp file may stay"

    monkeypatch.setattr(sweep, "atomic_write", real_write)  # room again
    code, _, stderr = run_cli(_sweep_cmd(exp_path, out, resume=True))
    assert code == 0, stderr
    assert read_manifest(out)["sessions"][-1]["ran"] == PLANNED - 3
    assert_same_dataset(ref, out)


# --- verify ----------------------------------------------------------------------------------


def test_verify_clean_damaged_and_no_results(reference, tmp_path: Path) -> None:
    _, ref = reference
    code, stdout, _ = run_cli(["verify", str(ref)])
    assert code == 0 and "clean" in stdout, f"expected the reference clean: {stdout}"

    copy = tmp_path / "copy"
    shutil.copytree(ref, copy)
    part = next((copy / "runs").glob("compacted-*.parquet"))
    data = bytearray(part.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped bit pattern, the file still looks whole
    part.write_bytes(bytes(data))
    code, stdout, _ = run_cli(["verify", str(copy)])
    assert code == 1, f"expected exit 1 for a damaged part: {stdout}"
    assert f"runs/{part.name}" in stdout and "checksum" in stdout, stdout

    (tmp_path / "empty").mkdir()
    single = tmp_path / "single"
    single.mkdir()
    (single / "summary.json").write_text("{}")
    (tmp_path / "foreign").mkdir()
    (tmp_path / "foreign" / "manifest.json").write_text('{"format": "something else"}')
    for not_results in ("empty", "single", "foreign", "missing"):
        code, stdout, stderr = run_cli(["verify", str(tmp_path / not_results)])
        assert code == 2 and "not a results directory" in stderr \
            and stderr.count("\n") == 1, f"{not_results}: expected exit 2: {code} {stderr!r}"
