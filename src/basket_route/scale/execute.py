"""Running sub-problems on an Executor: time budgets, retries, timeouts, progress.

Any :class:`concurrent.futures.Executor` will do. At most ``slots`` sub-problems run at
once, so each starts when it is submitted and can be given a time limit and a deadline; a
process pool that breaks (a worker died) is replaced when it is ours.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import importlib
import multiprocessing
import os
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from typing import Any

from basket_route.options import auto_time_limit
from basket_route.plan import Plan
from basket_route.scale.estimate import DEFAULT_START_METHOD
from basket_route.scale.partition import SubProblem

__all__ = ["Solve", "open_executor", "process_pool"]

_MIN_LIMIT_S = 0.5
_GRACE_S = 3.0  # a sub-problem gets its limit + 25 % + this before it counts as stuck
Solve = Callable[[SubProblem], Plan]
"""The function mapped over the sub-problems."""
_Running = tuple["_Job", float, float, float]  # job, started, end of its limit, timeout


def process_pool(workers: int | None = None, context: str | None = None) -> cf.ProcessPoolExecutor:
    """A pool of WORKERS processes (default: the CPU count) for :func:`plan_partitioned`.

    CONTEXT is the :mod:`multiprocessing` start method. Default None:
    :data:`~basket_route.scale.estimate.DEFAULT_START_METHOD` (``"fork"`` on Linux,
    ``"spawn"`` elsewhere). The pool starts its processes on the first submit, before any
    progress-bar thread exists.
    """
    method = context or DEFAULT_START_METHOD
    return cf.ProcessPoolExecutor(
        workers or os.cpu_count() or 1, mp_context=multiprocessing.get_context(method)
    )


def _shutdown(pool: cf.Executor, kill: bool = False) -> None:
    procs: Mapping[int, Any] = dict(getattr(pool, "_processes", None) or {})
    pool.shutdown(wait=not kill, cancel_futures=True)
    if kill:  # a sub-problem that overran its time: end its process
        for proc in procs.values():
            proc.terminate()


@contextlib.contextmanager
def open_executor(
    workers: int | None = None, scheduler: str | None = None
) -> Iterator[cf.Executor | None]:
    """The executor of ``--workers N`` / ``--scheduler ADDR``, closed on exit.

    None when neither is given. SCHEDULER is a Dask scheduler address
    (``tcp://host:8786``) and needs ``dask[distributed]`` (``pip install basket-route[scale]``).

    Raises
    ------
    ValueError
        When WORKERS < 1, distributed is not installed or the scheduler cannot be reached.
    """
    if workers is not None and workers < 1:
        raise ValueError(f"workers must be an integer >= 1 (got {workers!r})")
    if scheduler:
        try:
            distributed: Any = importlib.import_module("distributed")
        except ImportError:
            raise ValueError(
                "--scheduler needs dask[distributed]: pip install 'basket-route[scale]'"
            ) from None
        try:
            client = distributed.Client(scheduler, timeout="10s")
        except OSError as exc:
            raise ValueError(f"cannot reach the Dask scheduler {scheduler!r}: {exc}") from None
        try:
            yield client.get_executor(pure=False)
        finally:
            client.close()
    elif workers:
        pool = process_pool(workers)
        try:
            yield pool
        finally:
            # Work still pending here was abandoned by a time limit: waiting for it would
            # hold the caller past its limit (a 45 s district plan took 73 s), so end it.
            _shutdown(pool, kill=bool(getattr(pool, "_pending_work_items", None)))
    else:
        yield None


def _warm() -> int:
    """Import the single-model solver in this worker; its process id."""
    importlib.import_module("basket_route.solver.pipeline")
    return os.getpid()


def _slots(executor: cf.Executor) -> int:
    """How many sub-problems EXECUTOR runs at once (Dask: its workers' threads)."""
    client = getattr(executor, "_client", None)
    if client is not None:
        return max(1, int(sum(client.nthreads().values())))
    n: int = getattr(executor, "_max_workers", 0) or os.cpu_count() or 1
    return max(1, int(n))


class _Bar:
    """A tqdm bar of sub-problems done, or nothing when tqdm is missing or PROGRESS is off.

    It is made on the first :meth:`grow`, after the first submit: a process pool forks
    its workers then, and tqdm starts a monitor thread.
    """

    def __init__(self, progress: bool) -> None:
        self.progress = progress
        self.bar: Any = None

    def grow(self, n: int) -> None:
        if self.bar is None and self.progress:
            with contextlib.suppress(ImportError):
                tqdm = importlib.import_module("tqdm").tqdm
                self.bar = tqdm(
                    total=0,
                    desc="sub-problems",
                    unit="sub",
                    delay=1.0,
                    file=sys.stderr,
                    disable=None,
                )
        if self.bar is not None:
            self.bar.total += n
            self.bar.refresh()

    def step(self) -> None:
        if self.bar is not None:
            self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


@dataclass(slots=True)
class _Job:
    sub: SubProblem
    load: float
    attempts: int = 0
    errors: list[str] = field(default_factory=list)


class _Runner:
    """Runs jobs on an executor, at most ``slots`` at a time, each within a time budget.

    A job's limit is its share of the lane-time left before ``until``, in proportion to
    its load, largest first. A job that raises or overruns its limit (+25 % + 3 s) is
    retried once; its second failure is returned as the error text. Nothing is waited for,
    started or retried after ``stop``, the hard end of the call.
    """

    def __init__(self, executor: cf.Executor | None, slots: int, solve: Solve, bar: _Bar) -> None:
        self.owned = executor is None
        self.executor = executor if executor is not None else process_pool(slots)
        self.slots, self.solve, self.bar = slots, solve, bar
        self.isolate = False  # after a broken pool: one at a time, so one crash breaks no other
        self.stop: float | None = None
        self.abandoned: list[cf.Future[Plan]] = []
        self.warm = False

    def _warm_up(self) -> None:
        """Have every worker import the solver first (seconds on a cold Dask or spawned
        worker), so that a sub-problem's time counts from its own start."""
        self.warm = True
        try:
            pings = [self.executor.submit(_warm) for _ in range(self.slots)]
        except (BrokenProcessPool, RuntimeError):
            return  # the first submit of a sub-problem will see it too
        left = 60.0 if self.stop is None else max(0.0, self.stop - time.perf_counter())
        cf.wait(pings, timeout=left)

    def close(self) -> None:
        if self.owned:
            _shutdown(self.executor, kill=any(not f.done() for f in self.abandoned))

    def _lanes(self) -> int:
        free = self.slots - sum(not f.done() for f in self.abandoned)
        return 1 if self.isolate else max(1, free)

    def run(
        self, jobs: Sequence[_Job], until: float | None, stop: float | None = None
    ) -> dict[str, Plan | str]:
        """Plans (or error texts) by sub-problem key; nothing is waited for after STOP."""
        queue = sorted(jobs, key=lambda j: (-j.load, j.sub.key))
        running: dict[cf.Future[Plan], _Running] = {}
        out: dict[str, Plan | str] = {}
        todo = len(queue)
        self.stop = stop
        if queue and not self.warm:
            self._warm_up()
        while queue or running:
            while queue and len(running) < self._lanes():
                job = queue.pop(0)
                now = time.perf_counter()
                if stop is not None and stop - now < _MIN_LIMIT_S:
                    job.attempts = 2
                    self._failed(job, "not run: the time limit was reached", queue, out)
                    continue
                limit = self._limit(job, queue, running, now, until)
                opts = replace(job.sub.options, time_limit=limit)
                job.attempts += 1
                try:
                    fut = self.executor.submit(
                        self.solve, replace(job.sub, options=opts, attempt=job.attempts - 1)
                    )
                except (BrokenProcessPool, RuntimeError) as exc:
                    self._renew()
                    self._failed(job, f"{type(exc).__name__}: {exc}", queue, out)
                    continue
                cap = limit if limit is not None else 1.5 * self._cap(job)
                timeout_at = now + 1.25 * cap + _GRACE_S
                running[fut] = (job, now, now + (limit or 0.0), min(timeout_at, stop or timeout_at))
            if todo:
                self.bar.grow(todo)
                todo = 0
            if not running:
                continue
            first = min(r[3] for r in running.values())
            cf.wait(running, max(0.0, first - time.perf_counter()), cf.FIRST_COMPLETED)
            now = time.perf_counter()
            for fut, (job, start, _, timeout_at) in list(running.items()):
                if fut.done():
                    del running[fut]
                    try:
                        out[job.sub.key] = fut.result()
                        self.bar.step()
                    except Exception as exc:  # the sub-problem's own error, or a dead worker
                        if isinstance(exc, BrokenProcessPool):
                            self._renew()
                        self._failed(job, f"{type(exc).__name__}: {exc}", queue, out)
                elif now >= timeout_at:
                    del running[fut]
                    fut.cancel()
                    self.abandoned.append(fut)
                    self._failed(job, f"no result after {now - start:.1f} s", queue, out)
        return out

    def _cap(self, job: _Job) -> float:
        return max(60.0, 20 * auto_time_limit(int(job.load)))

    def _limit(
        self,
        job: _Job,
        queue: Sequence[_Job],
        running: Mapping[cf.Future[Plan], _Running],
        now: float,
        until: float | None,
    ) -> float | None:
        if until is None:
            return None
        free = max(1, self._lanes() - len(running))
        lane_time = free * (until - now) + sum(max(0.0, until - r[2]) for r in running.values())
        load = job.load + sum(j.load for j in queue)
        share = lane_time * job.load / load if load > 0 else until - now
        return max(_MIN_LIMIT_S, min(until - now, share))

    def _failed(self, job: _Job, error: str, queue: list[_Job], out: dict[str, Plan | str]) -> None:
        job.errors.append(error)
        late = self.stop is not None and self.stop - time.perf_counter() < 2 * _MIN_LIMIT_S
        if job.attempts < 2 and not late:
            queue.insert(0, job)
        else:
            out[job.sub.key] = "; ".join(job.errors)
            self.bar.step()

    def _renew(self) -> None:
        if self.owned and getattr(self.executor, "_broken", False):
            _shutdown(self.executor, kill=True)
            self.executor = process_pool(self.slots)
        self.isolate = True
