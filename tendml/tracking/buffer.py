"""The write buffer behind ``log_metric``: appends in memory, written to the store in batches.

A batch is written when it reaches ``flush_batch`` entries, by a background thread at least every
``flush_interval`` seconds, when the run ends, and at interpreter exit (``atexit``), so a crash
after a log call loses nothing that the process had time to flush.
"""

from __future__ import annotations

import atexit
import threading
import weakref
from collections.abc import Callable
from typing import Any, Protocol


class Flushable(Protocol):
    def flush(self) -> None: ...

    def close_at_exit(self) -> None: ...

    def log_failure(self) -> None: ...


class MetricBuffer:
    """Pending metrics, params and tags of one run; thread-safe."""

    __slots__ = ("_lock", "metrics", "params", "tags")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.metrics: list[dict[str, Any]] = []
        self.params: dict[str, str] = {}
        self.tags: dict[str, str] = {}

    def add_metric(self, row: dict[str, Any]) -> int:
        with self._lock:
            self.metrics.append(row)
            return len(self.metrics)

    def add_params(self, params: dict[str, str]) -> None:
        with self._lock:
            self.params.update(params)

    def add_tags(self, tags: dict[str, str]) -> None:
        with self._lock:
            self.tags.update(tags)

    def take(self) -> tuple[list[dict[str, Any]], dict[str, str], dict[str, str]]:
        """Remove and return everything pending."""
        with self._lock:
            out = (self.metrics, self.params, self.tags)
            self.metrics, self.params, self.tags = [], {}, {}
            return out

    def put_back(self, metrics: list[dict[str, Any]], params: dict[str, str], tags: dict[str, str]) -> None:
        """Return a batch whose write failed, ahead of anything logged since, so nothing is lost."""
        with self._lock:
            self.metrics[:0] = metrics
            self.params = {**params, **self.params}
            self.tags = {**tags, **self.tags}

    def __len__(self) -> int:
        return len(self.metrics) + len(self.params) + len(self.tags)


class Flusher:
    """One daemon thread per process that flushes every open run on a timer, and at exit.

    It sleeps for the shortest ``flush_interval`` among the open runs, recomputed whenever a run
    opens, so every run is written at least that often.
    """

    def __init__(self) -> None:
        self._runs: weakref.WeakKeyDictionary[Flushable, float] = weakref.WeakKeyDictionary()
        self._cond = threading.Condition()
        self._closed = False
        self._thread: threading.Thread | None = None
        atexit.register(self.close_all)

    def register(self, run: Flushable, interval: float) -> None:
        with self._cond:
            self._runs[run] = interval
            self._cond.notify()
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="tendml-flusher", daemon=True)
                self._thread.start()

    def unregister(self, run: Flushable) -> None:
        with self._cond:
            self._runs.pop(run, None)

    def _loop(self) -> None:
        while True:
            with self._cond:
                notified = self._cond.wait(min(self._runs.values(), default=1.0))
                # Timed out: flush every run. Notified (a run opened): only recompute the wait.
                runs = [] if notified else list(self._runs)
                if self._closed:
                    return
            self._each(runs, lambda run: run.flush())

    def close_all(self) -> None:
        """At exit: write what is pending and end the runs left open."""
        with self._cond:
            self._closed = True
            self._cond.notify()
            runs = list(self._runs)
        self._each(runs, lambda run: run.close_at_exit())

    @staticmethod
    def _each(runs: list[Flushable], action: Callable[[Flushable], None]) -> None:
        for run in runs:
            try:
                action(run)
            except Exception:  # noqa: BLE001 - a failed write keeps its data buffered for the next try
                run.log_failure()


FLUSHER = Flusher()
