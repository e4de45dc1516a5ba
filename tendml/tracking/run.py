"""An active run: the object ``start_run`` returns, with the logging calls."""

from __future__ import annotations

import logging
import math
import os
import re
import sys
import threading
from collections.abc import Mapping
from contextvars import ContextVar
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from tendml.core.clock import epoch_ms
from tendml.core.errors import Conflict, ValidationFailed
from tendml.entities.datasets import DatasetVersion
from tendml.entities.runs import Run, RunArtifact, RunStatus
from tendml.tracking.buffer import FLUSHER, MetricBuffer

if TYPE_CHECKING:
    from tendml.tracking.service import Tracker

log = logging.getLogger("tendml.tracking")

_KEY = re.compile(r"^[A-Za-z0-9_\-./ :]{1,250}$")
_KEY_HINT = "use 1-250 letters, digits, spaces and _ - . / :"
MAX_PARAM_LENGTH = 6000
_ACTIVE: ContextVar[tuple[ActiveRun, ...]] = ContextVar("tendml_active_runs", default=())


def active_runs() -> tuple[ActiveRun, ...]:
    """The stack of runs started in this thread or task, innermost last."""
    return _ACTIVE.get()


class ActiveRun:
    """A run in progress. Use it as a context manager: it ends FINISHED, or FAILED on an exception.

    Logging calls only append to an in-memory buffer (microseconds); the buffer is written in
    batches (see :mod:`tendml.tracking.buffer`).
    """

    def __init__(self, tracker: Tracker, run_id: str, experiment: str, name: str) -> None:
        self.id = run_id
        self.experiment = experiment
        self.name = name
        self._tracker = tracker
        self._buffer = MetricBuffer()
        self._params: dict[str, str] = {}
        self._keys: set[str] = set()
        self._flush_lock = threading.Lock()
        self._batch = tracker.settings.flush_batch
        self.status: RunStatus = RunStatus.RUNNING
        FLUSHER.register(self, tracker.settings.flush_interval)

    def __repr__(self) -> str:
        return f"ActiveRun(id={self.id!r}, experiment={self.experiment!r}, status={self.status.value})"

    # --- logging -----------------------------------------------------------------------------
    def log_param(self, key: str, value: Any) -> None:
        """Record a parameter; params are immutable, so a different value for the same key is a Conflict."""
        self.log_params({key: value})

    def log_params(self, params: Mapping[str, Any]) -> None:
        """Record several parameters at once."""
        clean: dict[str, str] = {}
        for key, value in params.items():
            self._check_key(key, "param")
            text = str(value)
            if len(text) > MAX_PARAM_LENGTH:
                raise ValidationFailed(
                    f"param {key!r} is {len(text)} characters long",
                    field=key,
                    hint=f"params hold at most {MAX_PARAM_LENGTH}; log long text as an artifact",
                )
            old = self._params.get(key)
            if old is not None and old != text:
                raise Conflict(
                    f"param {key!r} is already {old!r}, cannot change it to {text!r}",
                    field=key,
                    hint="params are immutable; use a metric or tag for values that change",
                )
            clean[key] = text
        self._live()
        self._params.update(clean)
        self._buffer.add_params(clean)

    def log_metric(
        self, key: str, value: float, step: int | None = None, timestamp: int | None = None
    ) -> None:
        """Record one value of a metric at ``step`` (default 0) and ``timestamp`` (epoch ms, default now)."""
        if key not in self._keys:
            self._check_key(key, "metric")
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValidationFailed(
                f"metric {key!r} must be a number, got {type(value).__name__}",
                field=key,
                hint="log text as a tag or param",
            ) from None
        if self.status is not RunStatus.RUNNING:
            self._live()
        row = {
            "run_id": self.id,
            "key": key,
            "value": None if math.isnan(number) else number,
            "step": int(step or 0),
            "timestamp": timestamp if timestamp is not None else epoch_ms(),
        }
        if self._buffer.add_metric(row) >= self._batch:
            self.flush()

    def log_metrics(
        self, metrics: Mapping[str, float], step: int | None = None, timestamp: int | None = None
    ) -> None:
        """Record several metrics at the same step and time."""
        ts = timestamp if timestamp is not None else epoch_ms()
        for key, value in metrics.items():
            self.log_metric(key, value, step=step, timestamp=ts)

    def set_tag(self, key: str, value: Any) -> None:
        """Set a tag (tags, unlike params, may change)."""
        self.set_tags({key: value})

    def set_tags(self, tags: Mapping[str, Any]) -> None:
        for key in tags:
            self._check_key(key, "tag")
        self._live()
        self._buffer.add_tags({k: str(v) for k, v in tags.items()})

    def log_artifact(self, path: str | os.PathLike[str], name: str | None = None) -> list[RunArtifact]:
        """Store a file (or every file under a folder) in the artifact store and record it on the run."""
        self._live()
        return self._tracker.log_artifact(self.id, Path(path), name)

    def log_input(self, dataset: DatasetVersion, role: str = "training") -> None:
        """Record that this run read ``dataset`` (``role``: training, validation, holdout, …)."""
        self._live()
        self._tracker.log_input(self.id, dataset, role)

    def inputs(self, role: str | None = None) -> list[str]:
        """Ids of the dataset versions this run recorded (with ``role``, only those)."""
        return self._tracker.run_inputs(self.id, role)

    # --- life cycle --------------------------------------------------------------------------
    def flush(self) -> None:
        """Write everything buffered now."""
        with self._flush_lock:
            metrics, params, tags = self._buffer.take()
            if not (metrics or params or tags):
                return
            try:
                self._tracker.write_batch(self.id, metrics, params, tags, None)
            except BaseException:
                self._buffer.put_back(metrics, params, tags)
                raise

    def end(self, status: RunStatus | str = RunStatus.FINISHED) -> None:
        """Flush and close the run with ``status``; ending twice is a no-op."""
        if self.status is not RunStatus.RUNNING:
            return
        final = RunStatus(status)
        with self._flush_lock:
            metrics, params, tags = self._buffer.take()
            try:
                self._tracker.write_batch(self.id, metrics, params, tags, final)
            except BaseException:
                self._buffer.put_back(metrics, params, tags)
                raise
            self.status = final
        FLUSHER.unregister(self)
        stack = _ACTIVE.get()
        if self in stack:
            _ACTIVE.set(tuple(r for r in stack if r is not self))

    def close_at_exit(self) -> None:
        """Called at interpreter exit for a run nobody ended."""
        # The interpreter sets sys.last_value when an uncaught exception ends the program.
        self.end(RunStatus.FAILED if getattr(sys, "last_value", None) is not None else RunStatus.FINISHED)

    def log_failure(self) -> None:
        log.exception("tendml: could not write buffered data of run %s; it stays buffered", self.id)

    def info(self) -> Run:
        """The run as stored (flushes first)."""
        self.flush()
        return self._tracker.get_run(self.id)

    def push(self) -> ActiveRun:
        _ACTIVE.set((*_ACTIVE.get(), self))
        return self

    def __enter__(self) -> ActiveRun:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            self.end(RunStatus.FINISHED)
        elif issubclass(exc_type, KeyboardInterrupt):
            self.end(RunStatus.KILLED)
        else:
            self.end(RunStatus.FAILED)

    def _check_key(self, key: str, what: str) -> None:
        if not isinstance(key, str) or not _KEY.match(key):
            raise ValidationFailed(f"invalid {what} name {key!r}", field=key, hint=_KEY_HINT)
        if what == "metric":
            self._keys.add(key)

    def _live(self) -> None:
        if self.status is not RunStatus.RUNNING:
            raise Conflict(
                f"run {self.id} has ended ({self.status.value})",
                field="run_id",
                hint="start a new run to log more",
            )
