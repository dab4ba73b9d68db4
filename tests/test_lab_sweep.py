"""Sweeps: the same dataset from every executor, resume after kill -9, failed runs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from lab_helpers import (
    ROOT,
    assert_same_dataset,
    failing_model,
    run_cli,
    tiny_experiment,
)

from sim.lab.executors import DaskExecutor, ProcessExecutor, SerialExecutor
from sim.lab.experiment import load_experiment
from sim.lab.manifest import read_manifest
from sim.lab.sweep import load_failures, load_runs, run_sweep


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> tuple[Path, Path]:
    """The tiny experiment swept serially in this process: the reference dataset."""
    base = tmp_path_factory.mktemp("reference")
    exp_path = tiny_experiment(base / "tiny.toml")
    out = base / "serial"
    result = run_sweep(load_experiment(exp_path), out, executor=SerialExecutor(),
                       progress=False)
    assert result.done == result.planned == 4 and result.failed == 0, result
    return exp_path, out


def test_process_executor_gives_the_same_dataset(reference, tmp_path: Path) -> None:
    exp_path, serial = reference
    with ProcessExecutor(workers=2) as ex:
        run_sweep(load_experiment(exp_path), tmp_path / "proc", executor=ex, progress=False)
    assert_same_dataset(serial, tmp_path / "proc")


def test_dask_local_cluster_gives_the_same_dataset(reference, tmp_path: Path) -> None:
    exp_path, serial = reference
    with DaskExecutor("local", workers=2) as ex:
        assert ex._client is not None and len(ex._client.nthreads()) == 2, \
            "expected a real LocalCluster with two workers"
        result = run_sweep(load_experiment(exp_path), tmp_path / "dask", executor=ex,
                           progress=False)
    assert result.done == 4, result
    assert "dask" in read_manifest(tmp_path / "dask")["sessions"][0]["executor"]
    assert_same_dataset(serial, tmp_path / "dask")


def test_runs_table_is_tidy(reference) -> None:
    _, serial = reference
    runs = load_runs(serial)
    for col in ("run_id", "scenario", "point", "replication", "seed", "access.triage",
                "population.n_residents", "wait_days_mean", "queue_wait_days_mean_by_urgency.high",
                "utilization"):
        assert col in runs.columns, f"expected column {col!r} in the runs dataset"
    assert list(runs["run_id"]) == sorted(runs["run_id"]), "rows sorted by run id"
    assert runs.groupby("replication")["seed"].nunique().eq(1).all(), \
        "replication i should have one seed across points (common random numbers)"
    assert set(runs["access.triage"]) == {"fifo", "urgency"}
    manifest = read_manifest(serial)
    for key in ("experiment", "code_version", "started", "finished", "planned", "done",
                "failed"):
        assert key in manifest, f"manifest should record {key}"
    assert len(manifest["experiment"]["sha256"]) == 64
    assert (manifest["planned"], manifest["done"], manifest["failed"]) == (4, 4, 0)


def _parts(out: Path) -> int:
    runs = out / "runs"
    return len(list(runs.glob("*.parquet"))) if runs.is_dir() else 0


def test_kill_9_then_resume_equals_an_uninterrupted_sweep(tmp_path: Path) -> None:
    exp_path = tiny_experiment(tmp_path / "kill.toml", replications=6, days=120,
                               reluctance="0.3, 0.5", residents=2000)
    planned = 2 * 2 * 6
    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "sim", "sweep", str(exp_path), "--out", str(out),
           "--workers", "2", "--no-progress"]
    proc = subprocess.Popen(cmd, cwd=ROOT, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 90
    try:
        while _parts(out) == 0 and time.monotonic() < deadline:
            try:
                proc.wait(timeout=0.02)
                break  # it ended before any part appeared: reported below
            except subprocess.TimeoutExpired:
                pass
        os.killpg(proc.pid, signal.SIGKILL)  # the sweep and its workers, like a crash
    finally:
        proc.wait(timeout=30)
        proc.stdout.close()
        proc.stderr.close()
    after_kill = _parts(out)
    assert proc.returncode == -signal.SIGKILL, \
        f"the sweep should have been killed mid-run (exit {proc.returncode})"
    assert 0 < after_kill < planned, \
        f"expected the kill to land mid-sweep, found {after_kill} of {planned} runs done"

    code, stdout, stderr = run_cli(["sweep", str(exp_path), "--out", str(out), "--resume",
                                    "--workers", "2", "--no-progress"])
    assert code == 0, f"resume should finish the sweep: {stderr}"
    manifest = read_manifest(out)
    assert (manifest["done"], manifest["failed"], manifest["status"]) == \
        (planned, 0, "finished"), manifest
    assert manifest["sessions"][-1]["ran"] == planned - after_kill, \
        "resume should run exactly the runs not finished before the kill"

    reference = tmp_path / "uninterrupted"
    with ProcessExecutor(workers=2) as ex:
        run_sweep(load_experiment(exp_path), reference, executor=ex, progress=False)
    assert_same_dataset(reference, out)


def test_a_failing_run_is_recorded_and_the_sweep_goes_on(tmp_path: Path) -> None:
    exp = load_experiment(tiny_experiment(tmp_path / "fail.toml"))
    out = tmp_path / "out"
    with ProcessExecutor(workers=2) as ex:
        result = run_sweep(exp, out, executor=ex, progress=False, model=failing_model)
    assert (result.planned, result.done, result.failed) == (4, 3, 1), result
    failures = load_failures(out)
    assert len(failures) == 1, failures
    row = failures.iloc[0]
    assert row["error"] == "ValueError: injected failure for a test", row["error"]
    assert "Traceback" in row["traceback"] and row["replication"] == 0
    assert row["run_id"] not in set(load_runs(out)["run_id"]), "a failed run has no row"
    manifest = read_manifest(out)
    assert (manifest["done"], manifest["failed"], manifest["status"]) == \
        (3, 1, "finished_with_failures"), manifest

    # the same failure on resume: only the failed run is tried again
    result = run_sweep(exp, out, executor=SerialExecutor(), resume=True, progress=False,
                       model=failing_model)
    assert (result.ran, result.done, result.failed) == (1, 3, 1), result
    # once the cause is gone, resume completes the sweep and clears the failure
    result = run_sweep(exp, out, executor=SerialExecutor(), resume=True, progress=False)
    assert (result.ran, result.done, result.failed) == (1, 4, 0), result
    assert load_failures(out).empty and read_manifest(out)["status"] == "finished"


def test_existing_results_are_never_overwritten_without_resume(reference, tmp_path: Path
                                                                ) -> None:
    exp_path, serial = reference
    before = sorted(p.stat().st_mtime_ns for p in (serial / "runs").iterdir())
    code, _, stderr = run_cli(["sweep", str(exp_path), "--out", str(serial), "--workers", "1"])
    assert code == 2 and stderr.count("\n") == 1, f"one error line expected: {stderr!r}"
    assert "already holds results" in stderr and "--resume" in stderr, stderr
    assert sorted(p.stat().st_mtime_ns for p in (serial / "runs").iterdir()) == before

    code, _, stderr = run_cli(["sweep", str(exp_path), "--out", str(serial), "--resume",
                               "--replications", "3", "--workers", "1"])
    assert code == 2 and "other settings (replications" in stderr, stderr


def test_resume_of_a_finished_sweep_runs_nothing(reference) -> None:
    exp_path, serial = reference
    code, stdout, stderr = run_cli(["sweep", str(exp_path), "--out", str(serial), "--resume",
                                    "--workers", "1"])
    assert code == 0, stderr
    assert "4 of 4 runs done, 0 failed (0 run now" in stdout, stdout
    sessions = json.loads((serial / "manifest.json").read_text())["sessions"]
    assert sessions[-1]["ran"] == 0 and sessions[-1]["resumed"] is True, sessions


def test_quick_look_overrides_replications_and_days(reference, tmp_path: Path) -> None:
    exp_path, _ = reference
    out = tmp_path / "quick"
    code, _, stderr = run_cli(["sweep", str(exp_path), "--out", str(out), "--replications",
                               "1", "--days", "30", "--workers", "1"])
    assert code == 0, stderr
    runs = load_runs(out)
    assert len(runs) == 2 and set(runs["days"]) == {30}, runs[["run_id", "days"]]


def test_quick_look_shortens_the_warm_up(reference, tmp_path: Path) -> None:
    exp_path, _ = reference
    code, _, stderr = run_cli(["sweep", str(exp_path), "--out", str(tmp_path / "no"),
                               "--days", "8", "--workers", "1"])
    assert code == 2 and "--warmup-days" in stderr and not (tmp_path / "no").exists(), \
        f"expected --days under the file's 10-day warm-up refused, pointing to the flag: {stderr}"
    out = tmp_path / "quick"
    code, _, stderr = run_cli(["sweep", str(exp_path), "--out", str(out), "--replications",
                               "1", "--days", "8", "--warmup-days", "2", "--workers", "1"])
    assert code == 0, stderr
    runs = load_runs(out)
    assert set(runs["days"]) == {8} and set(runs["warmup_days"]) == {2}, runs
    code, _, stderr = run_cli(["sweep", str(exp_path), "--out", str(out), "--replications",
                               "1", "--days", "8", "--warmup-days", "3", "--workers", "1",
                               "--resume"])
    assert code == 2 and "warmup_days" in stderr, \
        f"expected a resume with another warm-up refused: {stderr}"


def test_ctrl_c_stops_cleanly_and_resume_finishes(tmp_path: Path) -> None:
    exp_path = tiny_experiment(tmp_path / "int.toml", replications=6, days=120,
                               reluctance="0.3, 0.5", residents=2000)
    out = tmp_path / "interrupted"
    cmd = [sys.executable, "-m", "sim", "sweep", str(exp_path), "--out", str(out),
           "--workers", "2", "--no-progress"]
    proc = subprocess.Popen(cmd, cwd=ROOT, start_new_session=True, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 90
    while _parts(out) == 0 and time.monotonic() < deadline:
        try:
            proc.wait(timeout=0.02)
            break
        except subprocess.TimeoutExpired:
            pass
    os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C reaches the whole foreground group
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, f"Ctrl-C should exit with 130, got {proc.returncode}: {stderr}"
    assert "interrupted" in stderr and "--resume" in stderr, stderr
    manifest = read_manifest(out)
    assert manifest["status"] == "interrupted" and manifest["done"] == _parts(out), manifest
    assert not list((out / "runs").glob(".*")), "no temp files should be left behind"
    code, _, stderr = run_cli(["sweep", str(exp_path), "--out", str(out), "--resume",
                               "--workers", "2", "--no-progress"])
    assert code == 0 and read_manifest(out)["done"] == 24, stderr


def test_closing_after_a_worker_died_mid_result_does_not_hang() -> None:
    """Ctrl-C can stop a worker halfway through writing its result to the pool's pipe.

    The pool's manager thread then waits for the rest of that message, and Python
    waits for that thread at exit, so the command hung after saying it was interrupted.
    Here half a message is written by hand; closing the executor must free the thread.
    """
    import struct

    executor = ProcessExecutor(workers=2)
    executor.start()
    pool = executor._pool
    manager = pool._executor_manager_thread
    writer = pool._result_queue._writer
    os.write(writer.fileno(), struct.pack("!i", 1000) + b"half a result")
    executor.close()
    manager.join(timeout=30)
    assert not manager.is_alive(), \
        "expected the pool's manager thread to end once the executor is closed"


def test_progress_bar_shows_done_failed_elapsed_and_eta(tmp_path: Path) -> None:
    import contextlib
    import io

    exp = load_experiment(tiny_experiment(tmp_path / "bar.toml"))
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        run_sweep(exp, tmp_path / "out", executor=SerialExecutor(), progress=True,
                  model=failing_model)
    text = err.getvalue()
    assert "4/4" in text and "failed=1" in text, f"bar should count runs and failures: {text}"
    assert "<" in text and "run/s" in text, f"bar should show elapsed<remaining: {text}"


def test_a_crashed_worker_fails_only_its_run(tmp_path: Path) -> None:
    from lab_helpers import crashing_model

    exp = load_experiment(tiny_experiment(tmp_path / "crash.toml", replications=3))
    out = tmp_path / "out"
    with ProcessExecutor(workers=2) as ex:
        result = run_sweep(exp, out, executor=ex, progress=False, model=crashing_model)
    assert (result.planned, result.done, result.failed) == (6, 5, 1), \
        f"only the run that kills its worker should fail, the others be retried: {result}"
    failure = load_failures(out).iloc[0]
    assert "worker process died" in failure["error"], failure["error"]
    assert failure["replication"] == 0
