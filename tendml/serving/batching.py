"""Adaptive batching: concurrent requests to one model version share one vectorised ``predict``.

An idle model scores a lone request at once (no added latency at low load). While a batch runs on
the worker thread, new requests queue; when it finishes, everything queued (up to
``max_batch_rows``) goes in the next call. When the previous batch held several requests (load),
a new batch waits up to ``max_wait_us`` for more rows before it starts. Each caller gets exactly
its own rows back; if a batch fails, its requests are retried one by one so that one bad request
cannot fail the others.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from tendml.serving.scoring import Scorer

Scored = tuple[np.ndarray, np.ndarray | None]


class Batcher:
    """The queue and worker thread of one model version."""

    def __init__(
        self,
        scorer: Scorer,
        *,
        max_batch_rows: int = 256,
        max_wait_us: int = 300,
        on_batch: Callable[[int], None] | None = None,
        model_threads: int = 1,
    ) -> None:
        self.scorer = scorer
        self.on_batch = on_batch
        self.max_batch_rows = max_batch_rows
        self.max_wait = max_wait_us / 1e6
        self._pending: deque[tuple[Any, asyncio.Future[Scored]]] = deque()
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

    async def score(self, inputs: Any) -> Scored:
        """Predictions (and probabilities) for ``inputs`` (validated ``Inputs`` with ``columns``,
        ``tensor`` and ``rows``), scored together with whatever arrives concurrently."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Scored] = loop.create_future()
        self._pending.append((inputs, future))
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
        batch = self._take()
        if self.on_batch is not None:
            self.on_batch(sum(i.rows for i, _ in batch))
        self._busy = True
        self.batches += 1
        self._last_requests = len(batch)
        work = loop.run_in_executor(self._executor, _score_batch, self.scorer, [i for i, _ in batch])
        work.add_done_callback(lambda done: self._finish(loop, batch, done))

    def _take(self) -> list[tuple[Any, asyncio.Future[Scored]]]:
        batch: list[tuple[Any, asyncio.Future[Scored]]] = []
        rows = 0
        while self._pending and (not batch or rows + self._pending[0][0].rows <= self.max_batch_rows):
            item = self._pending.popleft()
            batch.append(item)
            rows += item[0].rows
        self._pending_rows -= rows
        self.rows += rows
        return batch

    def _finish(
        self,
        loop: asyncio.AbstractEventLoop,
        batch: list[tuple[Any, asyncio.Future[Scored]]],
        done: asyncio.Future[list[Scored | BaseException]],
    ) -> None:
        self._busy = False
        try:
            results: list[Scored | BaseException] = done.result()
        except BaseException as exc:  # noqa: BLE001 - delivered to every caller of the batch
            results = [exc] * len(batch)
        for (_, future), result in zip(batch, results, strict=True):
            if future.done():  # the caller went away
                continue
            if isinstance(result, BaseException):
                future.set_exception(result)
            else:
                future.set_result(result)
        if self._pending:
            self._dispatch(loop)

    def close(self) -> None:
        """Stop the worker thread once the running batch is done."""
        self._cancel_timer()
        self._executor.shutdown(wait=False)


def _limit_threads(threads: int) -> None:
    """Cap the native thread pools (OpenMP, BLAS) of the scoring thread. Batches are small and the
    event loop needs a core: an OpenMP team spinning beside it costs more than it parallelises."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=threads)


def _score_batch(scorer: Scorer, batch: list[Any]) -> list[Scored | BaseException]:
    """Score the batch in one call; on failure, score each request alone to isolate the bad one."""
    if len(batch) == 1:
        try:
            return [scorer.score(batch[0].columns, batch[0].tensor)]
        except Exception as exc:  # noqa: BLE001 - returned to its caller
            return [exc]
    try:
        predictions, proba = scorer.score(*_concat(batch))
    except Exception:  # noqa: BLE001 - retried request by request below
        return [r for item in batch for r in _score_batch(scorer, [item])]
    out: list[Scored | BaseException] = []
    start = 0
    for item in batch:
        stop = start + item.rows
        out.append((predictions[start:stop], None if proba is None else proba[start:stop]))
        start = stop
    return out


def _concat(batch: list[Any]) -> tuple[dict[str, np.ndarray] | None, np.ndarray | None]:
    first = batch[0]
    if first.tensor is not None:
        return None, np.concatenate([i.tensor for i in batch])
    return {name: np.concatenate([i.columns[name] for i in batch]) for name in first.columns}, None
