"""Where runs execute: in this process, on local processes, or on a Dask cluster.

Every executor has the same small interface::

    with ProcessExecutor(workers=2) as ex:
        for done in ex.map_unordered(fn, tasks):
            done.task, done.value, done.error

``map_unordered`` yields a :class:`Done` for each task as it completes, in
completion order. ``fn`` must be a picklable top-level function; it should catch
its own errors (a sweep records them as failed runs). ``Done.error`` is set only
when the executor itself could not get a result: a worker process that died, a
lost Dask worker. Only a bounded window of tasks is in flight at once, so an
interruption loses little work and memory stays flat for big sweeps.

A run's output depends only on its task, so every executor gives the same results.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing as mp
import os
import signal
import sys
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ..scenario import InputError


@dataclass
class Done:
    task: Any
    value: Any = None
    error: str | None = None


def _ignore_sigint() -> None:
    """Worker processes leave Ctrl-C to the parent, which stops them cleanly."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _noop() -> int:
    return os.getpid()


def _context() -> mp.context.BaseContext:
    """Fork on Linux: workers start at once with the model already imported.

    Chosen explicitly, because importing mesa sets the global start method to spawn.
    Elsewhere spawn, the only safe choice there.
    """
    return mp.get_context("fork" if sys.platform.startswith("linux") else "spawn")


class Executor:
    """Base: a context manager with ``map_unordered`` and ``describe``."""

    name = "executor"
    workers = 1

    def __enter__(self) -> Executor:
        self.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def start(self) -> None:  # noqa: B027 - optional hook
        pass

    def close(self) -> None:  # noqa: B027 - optional hook
        pass

    def describe(self) -> str:
        return f"{self.name} ({self.workers} worker{'s' if self.workers != 1 else ''})"

    def map_unordered(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Done]:
        raise NotImplementedError


class SerialExecutor(Executor):
    """Runs every task here, one after the other; the reference and the easiest to debug."""

    name = "serial"

    def map_unordered(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Done]:
        for task in tasks:
            try:
                value = fn(task)
            except Exception:
                yield Done(task, error=traceback.format_exc(limit=20))
            else:
                yield Done(task, value)


class ProcessExecutor(Executor):
    """Local worker processes (``concurrent.futures``); ``workers`` defaults to every core."""

    name = "processes"

    def __init__(self, workers: int | None = None, window: int | None = None):
        self.workers = workers or os.cpu_count() or 1
        if self.workers < 1:
            raise InputError("executor", "--workers", self.workers, "must be at least 1")
        self.window = window or 2 * self.workers
        self._pool: cf.ProcessPoolExecutor | None = None

    def start(self) -> None:
        self._pool = cf.ProcessPoolExecutor(self.workers, mp_context=_context(),
                                            initializer=_ignore_sigint)
        # start every worker now, before any progress-bar thread exists in this process
        for fut in [self._pool.submit(_noop) for _ in range(self.workers)]:
            fut.result()

    def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        processes = dict(getattr(pool, "_processes", None) or {})
        result_queue = getattr(pool, "_result_queue", None)  # shutdown() forgets both
        pool.shutdown(wait=False, cancel_futures=True)
        for proc in processes.values():  # stop work in progress at once (Ctrl-C)
            if proc.is_alive():
                proc.terminate()
        for proc in processes.values():
            proc.join(timeout=10)
        # A worker stopped while it wrote a result leaves half a message in the result
        # pipe, and the pool's manager thread then waits for the rest for ever (and the
        # interpreter waits for that thread at exit). With the workers gone, closing
        # this process's write end leaves the pipe without writers: the read ends, and
        # the thread winds the pool down as broken.
        if result_queue is not None:
            result_queue._writer.close()

    def map_unordered(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Done]:
        """Results as they complete; a worker that dies does not take innocent tasks along.

        When a worker process dies (a crash, the out-of-memory killer), the pool is
        lost with every task it held. Those tasks become suspects: the pool is
        restarted and each suspect runs again *alone*. A suspect that kills its worker
        again is the culprit and is reported as failed; the others finish normally.
        """
        if self._pool is None:
            self.start()
        source = iter(tasks)
        suspects: list[Any] = []
        pending: dict[cf.Future, tuple[Any, bool]] = {}  # future -> (task, run alone)
        exhausted = False
        try:
            while True:
                broken = False
                if suspects:
                    if not pending:
                        task = suspects.pop(0)
                        try:
                            pending[self._pool.submit(fn, task)] = (task, True)
                        except cf.process.BrokenProcessPool:
                            suspects.insert(0, task)
                            broken = True
                else:
                    while len(pending) < self.window and not exhausted:
                        try:
                            task = next(source)
                        except StopIteration:
                            exhausted = True
                            break
                        try:
                            pending[self._pool.submit(fn, task)] = (task, False)
                        except cf.process.BrokenProcessPool:
                            suspects.append(task)
                            broken = True
                            break
                if not pending and not broken:
                    if suspects:
                        continue
                    return
                if not broken:
                    done, _ = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
                    for fut in done:
                        task, alone = pending.pop(fut)
                        try:
                            value = fut.result()
                        except cf.process.BrokenProcessPool as err:
                            broken = True
                            if alone:
                                yield Done(task, error=f"worker process died running this "
                                           f"run, also when it ran alone: {err}")
                            else:
                                suspects.append(task)
                        except Exception:
                            yield Done(task, error=traceback.format_exc(limit=20))
                        else:
                            yield Done(task, value)
                if broken:  # the tasks still held by the lost pool (never a lone one)
                    for fut, (task, _) in pending.items():
                        fut.cancel()
                        suspects.append(task)
                    pending.clear()
                    self.close()
                    self.start()
        finally:
            for fut in pending:
                fut.cancel()


class DaskExecutor(Executor):
    """Dask distributed: a LocalCluster on loopback, or an existing scheduler's address.

    ``address`` is ``"local"`` (a LocalCluster with ``workers`` single-threaded worker
    processes) or ``"tcp://HOST:PORT"``. Workers of an existing cluster need this
    package installed at the same code version.
    """

    name = "dask"

    def __init__(self, address: str = "local", workers: int | None = None,
                 window: int | None = None, connect_timeout: float = 20.0):
        if address != "local" and not address.startswith(("tcp://", "tls://")):
            raise InputError("executor", "--dask", address,
                             "must be 'local' or a scheduler address such as tcp://HOST:8786")
        self.address = address
        self.workers = workers or os.cpu_count() or 1
        self._window = window
        self.connect_timeout = connect_timeout
        self._cluster: Any = None
        self._client: Any = None

    def describe(self) -> str:
        where = "LocalCluster" if self.address == "local" else self.address
        return f"dask {where} ({self.workers} worker{'s' if self.workers != 1 else ''})"

    def start(self) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError as err:  # pragma: no cover - an install without the extra
            raise InputError("executor", "--dask", self.address,
                             "needs dask[distributed]: pip install 'samenspel[experiments]'"
                             ) from err
        if self.address == "local":
            self._cluster = LocalCluster(host="127.0.0.1", dashboard_address=None,
                                         n_workers=self.workers, threads_per_worker=1,
                                         processes=True)
            self._client = Client(self._cluster)
        else:
            try:
                self._client = Client(self.address, timeout=self.connect_timeout)
            except OSError as err:
                raise InputError("executor", "--dask", self.address,
                                 f"cannot reach the Dask scheduler: {err}") from None
            self.workers = max(1, sum(self._client.nthreads().values()))

    def close(self) -> None:
        client, cluster = self._client, self._cluster
        self._client = self._cluster = None
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()

    def map_unordered(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Done]:
        from distributed import as_completed

        if self._client is None:
            self.start()
        client = self._client
        window = self._window or 2 * self.workers
        source = iter(tasks)
        pending: dict[Any, Any] = {}

        def submit_next() -> bool:
            try:
                task = next(source)
            except StopIteration:
                return False
            fut = client.submit(fn, task, pure=False)
            pending[fut.key] = task
            queue.add(fut)
            return True

        queue = as_completed()
        try:
            for _ in range(window):
                if not submit_next():
                    break
            for fut in queue:
                task = pending.pop(fut.key)
                try:
                    value = fut.result()
                except Exception:
                    yield Done(task, error=traceback.format_exc(limit=20))
                else:
                    yield Done(task, value)
                finally:
                    fut.release()
                submit_next()
        finally:
            if pending:
                futures = list(queue.futures) if hasattr(queue, "futures") else []
                for fut in futures:
                    fut.cancel()


def make_executor(workers: int | None = None, dask: str | None = None) -> Executor:
    """The executor the command line asks for: --dask, else --workers 1 serial, else processes."""
    if workers is not None and (isinstance(workers, bool) or workers < 1):
        raise InputError("executor", "--workers", workers, "must be an integer of at least 1")
    if dask:
        return DaskExecutor(dask, workers)
    if workers == 1:
        return SerialExecutor()
    return ProcessExecutor(workers)
