"""Adaptive batching: concurrent requests to one model version share one vectorised ``predict``.

An idle model scores a lone request at once (no added latency at low load). While a batch runs on
the worker thread, new requests queue; when it finishes, everything queued (up to
``max_batch_rows``) goes in the next call. When the previous batch held several requests (load),
a new batch waits up to ``max_wait_us`` for more rows before it starts. Each caller gets exactly
its own rows back, with one new prediction id per row; if a batch fails, its requests are retried
one by one so that one bad request cannot fail the others.

Whatever is done per prediction besides answering (the prediction log, the metrics) is done once per
batch, by the ``on_scored`` hook with a :class:`Scored` batch: the inputs and outputs of every request
of the batch already concatenated. By default it runs after the callers have their answers (so a
response never waits for it); with ``answer_first=False`` the answers wait for the awaitable it
returns (a durable prediction log).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from tendml.core.columns import PackedColumns
from tendml.core.ids import new_ids
from tendml.serving.scoring import Scorer

log = logging.getLogger("tendml.serving")

#: Most rows of a request scored on the event loop (a larger one goes to the model's thread).
INLINE_ROWS = 32
#: (predictions, probabilities or None) of one request.
Outputs = tuple[np.ndarray, np.ndarray | None]
#: What a caller gets: its predictions, probabilities or None, and one prediction id per row.
Answer = tuple[np.ndarray, np.ndarray | None, list[str]]


@dataclass(slots=True, eq=False)
class Job:
    """One request in the queue of a model version."""

    inputs: Any  # validated Inputs: columns, tensor, rows
    future: asyncio.Future[Answer]
    arm: str
    protocol: str
    started: float  # time.perf_counter() when the request arrived
    ids: list[str] | None  # given (a shadow scores under the answering arm's ids), else made here


@dataclass(slots=True, eq=False)
class Scored:
    """The requests of one batch that were scored, their arrays concatenated in request order."""

    version: Any  # the ModelVersion scored
    jobs: list[Job]
    ids: list[str]
    columns: Mapping[str, np.ndarray] | None
    tensor: np.ndarray | None
    predictions: np.ndarray
    probabilities: np.ndarray | None
    latency: list[float]  # seconds from each request's arrival to its outputs
    time_us: int  # epoch microseconds when the batch was scored


class Batcher:
    """The queue and worker thread of one model version."""

    def __init__(
        self,
        scorer: Scorer,
        *,
        max_batch_rows: int = 256,
        max_wait_us: int = 300,
        on_batch: Callable[[int], None] | None = None,
        on_scored: Callable[[Scored], Awaitable[None] | None] | None = None,
        answer_first: bool = True,
        model_threads: int = 1,
        inline_us: int = 5000,
    ) -> None:
        self.scorer = scorer
        self.on_batch = on_batch
        self.on_scored = on_scored
        self.answer_first = answer_first
        self.max_batch_rows = max_batch_rows
        self.max_wait = max_wait_us / 1e6
        self.inline = inline_us / 1e6
        self.model_threads = model_threads
        # How long a lone request takes to score (None: not known yet, so not on the event loop).
        warm = getattr(scorer, "warm_seconds", None)
        self._lone: float | None = warm if inline_us > 0 else None
        self._pending: deque[Job] = deque()
        self._pending_rows = 0
        self._busy = False
        self._scheduled: asyncio.Handle | asyncio.TimerHandle | None = None
        self._last_requests = 1
        self._executor = ThreadPoolExecutor(
            max_workers=1,
            thread_name_prefix=f"tendml-{scorer.version.model}",
            initializer=_limit_threads,
            initargs=(model_threads,),
        )
        self.batches = 0
        self.rows = 0

    async def score(
        self,
        inputs: Any,
        *,
        arm: str = "champion",
        protocol: str = "native",
        started: float | None = None,
        ids: list[str] | None = None,
    ) -> Answer:
        """Predictions, probabilities and prediction ids for ``inputs`` (validated ``Inputs`` with
        ``columns``, ``tensor`` and ``rows``), scored together with whatever arrives concurrently.
        ``arm`` and ``protocol`` are passed on to ``on_scored``; ``ids`` are used instead of new ones."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Answer] = loop.create_future()
        start = time.perf_counter() if started is None else started
        self._pending.append(Job(inputs, future, arm, protocol, start, ids))
        self._pending_rows += inputs.rows
        self._schedule(loop)
        return await future

    def _schedule(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._busy:
            return  # the running batch dispatches the queue when it finishes
        if self._pending_rows >= self.max_batch_rows:
            self._cancel_timer()
            self._dispatch(loop)
        elif self._scheduled is None:
            wait = self.max_wait if self._last_requests > 1 else 0.0
            # call_soon still gathers every request parsed in this turn of the event loop.
            self._scheduled = (
                loop.call_later(wait, self._dispatch, loop) if wait else loop.call_soon(self._dispatch, loop)
            )

    def _cancel_timer(self) -> None:
        if self._scheduled is not None:
            self._scheduled.cancel()
            self._scheduled = None

    def _dispatch(self, loop: asyncio.AbstractEventLoop) -> None:
        self._scheduled = None
        if self._busy or not self._pending:
            return
        jobs = self._take()
        if self.on_batch is not None:
            self.on_batch(sum(job.inputs.rows for job in jobs))
        self.batches += 1
        if len(jobs) == 1 and jobs[0].inputs.rows <= INLINE_ROWS and not self._pending and self._inline():
            # Idle, one request, a fast model: score here, as a plain endpoint would; the hand-over
            # to the worker thread and back would cost more than the model.
            _limit_loop_threads(self.model_threads)
            started = time.perf_counter()
            scored = _score_batch(self.scorer, [jobs[0].inputs])
            self._observe_lone(time.perf_counter() - started)
            self._finish(loop, jobs, scored)
            return
        self._busy = True
        self._last_requests = len(jobs)
        work = loop.run_in_executor(self._executor, _timed_score, self.scorer, [job.inputs for job in jobs])
        work.add_done_callback(lambda done: self._finished_work(loop, jobs, done))

    def _inline(self) -> bool:
        return self._last_requests == 1 and self._lone is not None and self._lone <= self.inline

    def _observe_lone(self, seconds: float) -> None:
        """Follow how long a lone request takes (a moving average that forgets in about 10 calls)."""
        self._lone = seconds if self._lone is None else 0.9 * self._lone + 0.1 * seconds

    def _take(self) -> list[Job]:
        jobs: list[Job] = []
        rows = 0
        while self._pending and (not jobs or rows + self._pending[0].inputs.rows <= self.max_batch_rows):
            job = self._pending.popleft()
            jobs.append(job)
            rows += job.inputs.rows
        self._pending_rows -= rows
        self.rows += rows
        return jobs

    def _finished_work(
        self, loop: asyncio.AbstractEventLoop, jobs: list[Job], done: asyncio.Future[Any]
    ) -> None:
        self._busy = False
        try:
            scored, seconds = done.result()
        except BaseException as exc:  # noqa: BLE001 - delivered to every caller of the batch
            scored = ([exc] * len(jobs), None)
        else:
            if len(jobs) == 1 and jobs[0].inputs.rows <= INLINE_ROWS:
                self._observe_lone(seconds)
        self._finish(loop, jobs, scored)
        if self._pending:
            self._dispatch(loop)

    def _finish(self, loop: asyncio.AbstractEventLoop, jobs: list[Job], result: Any) -> None:
        """Answer the batch's callers and hand the scored requests to ``on_scored``."""
        outcomes, merged = result
        scored = _scored(self.scorer.version, jobs, outcomes, merged)
        hook = self.on_scored
        if hook is None or scored is None:
            _answer(jobs, outcomes)
        elif self.answer_first:
            _answer(jobs, outcomes)
            # After the answers: their requests resume (and respond) before the hook runs.
            loop.call_soon(_run_hook, hook, scored)
        else:
            self._answer_after(hook, scored, jobs, outcomes)

    def _answer_after(
        self,
        hook: Callable[[Scored], Awaitable[None] | None],
        scored: Scored,
        jobs: list[Job],
        outcomes: list[Any],
    ) -> None:
        try:
            waiting = hook(scored)
        except Exception as exc:  # noqa: BLE001 - the callers whose predictions were not kept learn it
            _answer(jobs, outcomes, exc)
            return
        if waiting is None:
            _answer(jobs, outcomes)
            return
        ready = asyncio.ensure_future(waiting)
        ready.add_done_callback(lambda r: _answer(jobs, outcomes, None if r.cancelled() else r.exception()))

    def close(self) -> None:
        """Stop the worker thread once the running batch is done."""
        self._cancel_timer()
        self._executor.shutdown(wait=False)


def _answer(jobs: list[Job], outcomes: list[Any], error: BaseException | None = None) -> None:
    """Deliver each outcome (or ``error`` to those that were scored) to its caller."""
    for job, outcome in zip(jobs, outcomes, strict=True):
        if job.future.done():  # the caller went away
            continue
        if isinstance(outcome, BaseException):
            job.future.set_exception(outcome)
        elif error is not None:
            job.future.set_exception(error)
        else:
            job.future.set_result((outcome[0], outcome[1], job.ids))  # type: ignore[arg-type]


def _run_hook(hook: Callable[[Scored], Awaitable[None] | None], scored: Scored) -> None:
    try:
        hook(scored)
    except Exception:
        log.exception("tendml: recording a batch of %d predictions failed", len(scored.ids))


def _scored(version: Any, jobs: list[Job], outcomes: list[Any], merged: Any) -> Scored | None:
    """The batch's scored requests (with their ids assigned), or None if none was scored."""
    ok = [(job, out) for job, out in zip(jobs, outcomes, strict=True) if not isinstance(out, BaseException)]
    if not ok:
        return None
    missing = sum(job.inputs.rows for job, _ in ok if job.ids is None)
    fresh = new_ids(missing) if missing else []
    ids: list[str] = []
    start = 0
    for job, _ in ok:
        if job.ids is None:
            job.ids = fresh[start : start + job.inputs.rows]
            start += job.inputs.rows
        ids.extend(job.ids)
    if merged is not None and len(ok) == len(jobs):
        columns, tensor, predictions, probabilities = merged
    else:  # some requests failed: the others' arrays again, without them
        columns, tensor, _ = _concat([job.inputs for job, _ in ok])
        predictions = np.concatenate([out[0] for _, out in ok])
        probabilities = None if ok[0][1][1] is None else np.concatenate([out[1] for _, out in ok])
    now = time.perf_counter()
    return Scored(
        version=version,
        jobs=[job for job, _ in ok],
        ids=ids,
        columns=columns,
        tensor=tensor,
        predictions=predictions,
        probabilities=probabilities,
        latency=[now - job.started for job, _ in ok],
        time_us=time.time_ns() // 1000,
    )


def _timed_score(scorer: Scorer, batch: list[Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    result = _score_batch(scorer, batch)
    return result, time.perf_counter() - started


_loop_threads: set[int] = set()  # threads whose native pools are capped already


def _limit_loop_threads(threads: int) -> None:
    """Cap the native thread pools of the thread that scores inline (once per thread)."""
    ident = threading.get_ident()
    if ident not in _loop_threads:
        _limit_threads(threads)
        _loop_threads.add(ident)


def _limit_threads(threads: int) -> None:
    """Cap the native thread pools (OpenMP, BLAS) of the scoring thread. Batches are small and the
    event loop needs a core: an OpenMP team spinning beside it costs more than it parallelises."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=threads)


def _score_batch(scorer: Scorer, batch: list[Any]) -> tuple[list[Outputs | BaseException], Any]:
    """Score the batch in one call; on failure, score each request alone to isolate the bad one.

    Returns the outputs of each request and, if one call scored them all, that call's inputs and
    outputs ``(columns, tensor, predictions, probabilities)`` (else None).
    """
    if len(batch) == 1:
        inputs = batch[0]
        try:
            predictions, proba = scorer.score(inputs.columns, inputs.tensor, matrix=inputs.matrix)
        except Exception as exc:  # noqa: BLE001 - returned to its caller
            return [exc], None
        return [(predictions, proba)], (inputs.columns, inputs.tensor, predictions, proba)
    columns, tensor, matrix = _concat(batch)
    try:
        predictions, proba = scorer.score(columns, tensor, matrix=matrix)
    except Exception:  # noqa: BLE001 - retried request by request below
        return [_score_batch(scorer, [item])[0][0] for item in batch], None
    out: list[Outputs | BaseException] = []
    start = 0
    for item in batch:
        stop = start + item.rows
        out.append((predictions[start:stop], None if proba is None else proba[start:stop]))
        start = stop
    return out, (columns, tensor, predictions, proba)


def _concat(
    batch: list[Any],
) -> tuple[Mapping[str, np.ndarray] | None, np.ndarray | None, np.ndarray | None]:
    """(columns, tensor, matrix) of the requests of a batch, one after the other."""
    first = batch[0]
    if first.tensor is not None:
        return None, np.concatenate([i.tensor for i in batch]), None
    if first.columns is None:
        return None, None, None
    names: tuple[str, ...] | None = getattr(first.columns, "names", None)
    if names is not None and all(i.matrix is not None and i.columns.names == names for i in batch):
        matrix = np.concatenate([i.matrix for i in batch])
        return PackedColumns(names, matrix.T), None, matrix
    return {name: np.concatenate([i.columns[name] for i in batch]) for name in first.columns}, None, None
