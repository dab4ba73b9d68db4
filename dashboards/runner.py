"""Paired comparisons run in worker processes, one batch at a time, with a result cache.

The page never runs a model in the server's thread: it hands a :class:`Request`
to the process-wide :class:`BatchQueue` and gets a :class:`Batch` back, whose
:meth:`Batch.view` it polls. The queue runs one batch at a time for all users
(two cores are shared by everyone), so a waiting user sees their place in the
queue; a batch already run with the same scenarios, seeds, horizon and code
version is served from the cache at once.

The queue and the cache are the only state shared between users, on purpose; a
batch belongs to the tab that submitted it and only that tab holds it.

Runs go replication by replication, every scenario of a replication together, so
paired results arrive as whole pairs. Each run is :func:`sim.lab.sweep.execute`,
the same work a sweep does, in a pool of spawned processes (never a fork of the
threaded web server) that start with the server and end with it.
"""

from __future__ import annotations

import atexit
import collections
import concurrent.futures as cf
import hashlib
import json
import multiprocessing as mp
import os
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from sim import Scenario, code_version, list_presets, load_scenario
from sim.lab.sweep import RunTask, execute, replication_seeds

#: Finished comparisons kept for instant replay (each holds its runs' daily series).
CACHE_SIZE = 8
#: Days of the run a worker makes when it starts (see :func:`_worker_start`).
WARM_DAYS = 5
QUEUED, RUNNING, DONE, CANCELLED, FAILED = "queued", "running", "done", "cancelled", "failed"
FINISHED = (DONE, CANCELLED, FAILED)


@dataclass(frozen=True)
class Arm:
    """One scenario of a comparison, with the label the page shows."""

    label: str
    scenario: Scenario


@dataclass(frozen=True)
class Request:
    """A comparison: scenarios (the first is the reference), replications, horizon."""

    arms: tuple[Arm, ...]
    replications: int
    days: int
    warmup_days: int
    master_seed: int = 0

    @property
    def seeds(self) -> list[int]:
        return replication_seeds(self.master_seed, self.replications)

    def key(self) -> str:
        """What makes two comparisons the same: scenarios, seeds, horizon and code version."""
        from sim.results import scenario_hash

        text = json.dumps({"arms": [[a.label, scenario_hash(a.scenario)] for a in self.arms],
                           "seeds": self.seeds, "days": self.days,
                           "warmup_days": self.warmup_days, "code": code_version()})
        return hashlib.sha256(text.encode()).hexdigest()[:20]

    def tasks(self) -> list[RunTask]:
        return [RunTask(run_id=f"b{b:02d}-r{r:03d}", base=b, scenario_label=arm.label, point=0,
                        replication=r, seed=seed, scenario=arm.scenario, days=self.days,
                        warmup_days=self.warmup_days, daily=True, routes=True, waits=True)
                for r, seed in enumerate(self.seeds) for b, arm in enumerate(self.arms)]


@dataclass(frozen=True, eq=False)
class View:
    """A consistent snapshot of a batch for the page (equal only to itself)."""

    state: str
    planned: int
    done: int
    position: int  # batches ahead of this one in the queue (0 when running or finished)
    seconds_left: float | None
    results: dict[tuple[int, int], dict[str, Any]]  # (arm, replication) -> execute() output
    errors: tuple[str, ...]
    from_cache: bool
    version: int

    @property
    def finished(self) -> bool:
        return self.state in FINISHED


@dataclass(eq=False)
class Batch:
    """One submitted comparison and its progress; shared only with the queue's thread."""

    request: Request
    key: str
    state: str = QUEUED
    results: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    from_cache: bool = False
    started: float | None = None
    version: int = 0
    _queue: BatchQueue | None = None
    _cond: threading.Condition = field(default_factory=threading.Condition)

    @property
    def planned(self) -> int:
        return len(self.request.arms) * self.request.replications

    def view(self) -> View:
        with self._cond:
            left = None
            if self.state == RUNNING and self.results and self.started is not None:
                per_run = (time.monotonic() - self.started) / len(self.results)
                left = per_run * (self.planned - len(self.results))
            position = self._queue.position(self) if self._queue and self.state == QUEUED else 0
            return View(self.state, self.planned, len(self.results), position, left,
                        dict(self.results), tuple(self.errors), self.from_cache, self.version)

    def wait(self, version: int, timeout: float) -> None:
        """Block until the batch changed after ``version``, or ``timeout`` seconds."""
        with self._cond:
            self._cond.wait_for(lambda: self.version != version, timeout)

    def cancel(self) -> None:
        if self._queue is not None:
            self._queue.cancel(self)

    def _update(self, **changes: Any) -> None:
        with self._cond:
            for name, value in changes.items():
                setattr(self, name, value)
            self.version += 1
            self._cond.notify_all()

    def _add(self, index: tuple[int, int], output: dict[str, Any]) -> None:
        with self._cond:
            if output.get("ok"):
                self.results[index] = output
            else:
                arm = self.request.arms[index[0]].label
                self.errors.append(f"{arm}, replication {index[1] + 1}: {output.get('error')}")
                self.results[index] = output
            self.version += 1
            self._cond.notify_all()


def _warm() -> int:
    return os.getpid()


def warm_task() -> RunTask:
    """A few days of the first preset, keeping every output a comparison keeps."""
    return RunTask(run_id="warm", base=0, scenario_label="warm", point=0, replication=0,
                   seed=0, scenario=load_scenario(list_presets()[0]), days=WARM_DAYS,
                   warmup_days=0, daily=True, routes=True, waits=True)


def _worker_start(server_pid: int, warm: RunTask | None) -> None:
    """A worker runs at a lower priority, so the server answers clicks while it computes,
    and ends when the server has gone, which a pool's idle workers otherwise outlive.

    It runs ``warm`` first: the model's imports and a first run's one-off costs (about
    2 s on a quiet machine) are then paid before anyone presses run, not in the first
    result.
    """
    os.nice(10)

    def watch() -> None:
        while os.getppid() == server_pid:
            time.sleep(2.0)
        os._exit(0)

    threading.Thread(target=watch, name="samenspel-orphan-watch", daemon=True).start()
    if warm is not None:
        execute(warm)  # never raises; a model error shows in the real runs


class BatchQueue:
    """Runs submitted batches one after another in a pool of worker processes."""

    def __init__(self, workers: int | None = None, warm: RunTask | None = None):
        self.workers = workers or os.cpu_count() or 1
        self.warm = warm
        self._lock = threading.Lock()
        self._waiting: collections.deque[Batch] = collections.deque()
        self._wake = threading.Condition(self._lock)
        self._current: Batch | None = None
        self._cancel_current = threading.Event()
        self._cache: collections.OrderedDict[str, Batch] = collections.OrderedDict()
        self._pool: cf.ProcessPoolExecutor | None = None
        self._thread = threading.Thread(target=self._loop, name="samenspel-batches", daemon=True)
        self._thread.start()

    # --- what the page calls -------------------------------------------------------

    def submit(self, request: Request) -> Batch:
        key = request.key()
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
                return Batch(request, key, DONE, dict(cached.results), list(cached.errors),
                             from_cache=True, version=1)
            batch = Batch(request, key, _queue=self)
            self._waiting.append(batch)
            self._wake.notify_all()
            return batch

    def position(self, batch: Batch) -> int:
        """How many batches run or wait before this one (1 = next after the running one)."""
        with self._lock:
            try:
                return self._waiting.index(batch) + (self._current is not None)
            except ValueError:
                return 0

    def cancel(self, batch: Batch) -> None:
        with self._lock:
            if batch in self._waiting:
                self._waiting.remove(batch)
                batch._update(state=CANCELLED)
                return
            if batch is self._current:
                self._cancel_current.set()
                self._wake.notify_all()

    def warm_up(self) -> None:
        """Start the worker processes now, so the first run does not wait for them (nor
        for their imports and warm-up run, see :func:`_worker_start`).

        Also imports the statistics the page needs (SciPy takes seconds the first time).
        """
        import scipy.stats  # noqa: F401

        for fut in self._start_workers():
            fut.result()

    def _start_workers(self) -> list[cf.Future]:
        """Spawn every worker of the pool now (a pool spawns one per task handed out)."""
        pool = self._ensure_pool()
        return [pool.submit(_warm) for _ in range(self.workers)]

    # --- the queue's own thread ------------------------------------------------------

    def _ensure_pool(self) -> cf.ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = cf.ProcessPoolExecutor(self.workers,
                                                    mp_context=mp.get_context("spawn"),
                                                    initializer=_worker_start,
                                                    initargs=(os.getpid(), self.warm))
                atexit.register(self._stop_pool)
            return self._pool

    def _stop_pool(self) -> None:
        """Stop work in progress at once: the workers are ended, a new pool starts later."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is None:
            return
        processes = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for proc in processes:
            if proc.is_alive():
                proc.terminate()
        for proc in processes:
            proc.join(timeout=10)

    def _loop(self) -> None:
        while True:
            with self._lock:
                while not self._waiting:
                    self._wake.wait()
                batch = self._waiting.popleft()
                self._current = batch
                self._cancel_current.clear()
            try:
                self._run(batch)
            except Exception as err:  # a broken pool: the batch fails, the queue goes on
                batch.errors.append(f"{type(err).__name__}: {err}")
                batch._update(state=FAILED)
                self._stop_pool()
            finally:
                with self._lock:
                    self._current = None

    def _run(self, batch: Batch) -> None:
        tasks = batch.request.tasks()
        pool = self._ensure_pool()
        batch._update(state=RUNNING, started=time.monotonic())
        pending = {pool.submit(execute, t): (t.base, t.replication) for t in tasks}
        while pending:
            done, _ = cf.wait(pending, timeout=0.1, return_when=cf.FIRST_COMPLETED)
            if self._cancel_current.is_set():
                self._stop_pool()
                batch._update(state=CANCELLED)
                self._start_workers()  # warm again before the next run is asked for
                return
            for fut in done:
                batch._add(pending.pop(fut), fut.result())
        state = FAILED if batch.errors else DONE
        batch._update(state=state)
        if state == DONE:
            with self._lock:
                self._cache[batch.key] = batch
                while len(self._cache) > CACHE_SIZE:
                    self._cache.popitem(last=False)


_QUEUE: BatchQueue | None = None
_QUEUE_LOCK = threading.Lock()


def queue() -> BatchQueue:
    """The one queue of this server process (created on first use)."""
    global _QUEUE
    with _QUEUE_LOCK:
        if _QUEUE is None:
            _QUEUE = BatchQueue(warm=warm_task())
        return _QUEUE
