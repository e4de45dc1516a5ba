"""The prediction log of the inference server: an append that costs microseconds, I/O off the caller.

``append`` only hands a batch over (a lock and a list append). Two background threads do the I/O: the
WAL thread merges the batches into blocks (one array per column) and writes them as a frame to the
write-ahead log (every 20 ms, or at once for durable waiters, one fsync for all of them: group commit)
and, every ``flush_interval`` seconds, rotates the file; the segment thread turns each rotated file's
blocks into Parquet segments in the artifact store, then deletes it.
They are two threads so that a durable acknowledgement never waits behind a segment upload.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from pathlib import Path

from tendml.artifacts import ArtifactStore
from tendml.core.errors import Conflict, ValidationFailed
from tendml.logs.batch import PredictionBatch
from tendml.logs.block import Block, merge
from tendml.logs.encoding import encode_blocks
from tendml.logs.segments import prediction_segments
from tendml.logs.wal import WalContents, WalFile, claim_orphans, frame

log = logging.getLogger("tendml.logs")

#: Seconds between WAL writes when nobody waits for durability.
WRITE_INTERVAL = 0.02
_Waiter = tuple[asyncio.AbstractEventLoop, "asyncio.Future[None]"]
_Build = Callable[[], "PredictionBatch | Sequence[PredictionBatch]"]
# A rotated WAL file to convert (or None), and the flush() calls that wait for it.
_Job = tuple[WalFile | None, list["Future[None]"]]


class PredictionLog:
    """Appends batches of predictions to a local write-ahead log and turns it into Parquet segments.

    ``artifacts`` receives the segments (``predictions/model=<m>/date=<day>/<wal>-<n>.parquet``);
    ``wal_dir`` holds this process's WAL files. With ``durable``, :meth:`append_durable` returns only once
    the batch is fsynced (it then survives ``kill -9`` and power loss); otherwise the WAL is written
    without fsync at least every 20 ms (a ``kill -9`` loses nothing written; a power cut may lose the
    last moments). Call :meth:`start` first and :meth:`close` at shutdown.
    """

    def __init__(
        self,
        artifacts: ArtifactStore,
        wal_dir: str | Path,
        *,
        durable: bool = False,
        flush_interval: float = 1.0,
    ) -> None:
        if not isinstance(flush_interval, (int, float)) or not flush_interval > 0:
            raise ValidationFailed(
                f"PredictionLog flush_interval must be a number of seconds > 0, got {flush_interval!r}",
                field="flush_interval",
            )
        self._artifacts = artifacts
        self._wal_dir = Path(wal_dir)
        self._durable = durable
        self._flush_interval = float(flush_interval)
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._state = "new"  # -> running -> closing -> closed
        self._pending: list[Block | _Build] = []
        self._waiters: list[_Waiter] = []
        self._flushes: list[Future[None]] = []
        self._wal: WalFile | None = None
        self._jobs: queue.Queue[_Job | None] = queue.Queue()
        self._unconverted: list[WalFile] = []
        self._threads: list[threading.Thread] = []
        self._counts = {"predictions_appended": 0, "predictions_logged": 0, "segments_written": 0}
        self._counts |= {"wal_bytes": 0, "wal_fsyncs": 0, "wal_files_recovered": 0}
        self._last_flush = 0.0

    def __repr__(self) -> str:
        return f"PredictionLog({self._artifacts!r}, {str(self._wal_dir)!r}, durable={self._durable})"

    @property
    def durable(self) -> bool:
        """Whether :meth:`append_durable` waits for fsync."""
        return self._durable

    @property
    def stats(self) -> dict[str, float]:
        """Counters for ``/metrics``: predictions (rows) appended and logged, segments written, WAL bytes
        and fsyncs, WAL files recovered, files waiting for conversion, and the epoch time in seconds of
        the last completed conversion (``last_flush_time``, 0 before the first)."""
        return {
            **self._counts,
            "wal_files_unconverted": len(self._unconverted),
            "last_flush_time": self._last_flush,
        }

    def start(self) -> None:
        """Recover the WAL files of dead processes into segments, then start the background threads."""
        with self._lock:
            if self._state != "new":
                raise Conflict(f"{self!r} was already started", hint="create one PredictionLog per server")
            self._state = "starting"
        try:
            self._wal_dir.mkdir(parents=True, exist_ok=True)
            self._recover()
            self._wal = WalFile.create(self._wal_dir, durable=self._durable)
        except BaseException:
            with self._lock:
                self._state = "new"  # nothing started: start() may be called again
            raise
        self._threads = [
            threading.Thread(target=self._run_wal, name="tendml-wal", daemon=True),
            threading.Thread(target=self._run_segments, name="tendml-segments", daemon=True),
        ]
        for thread in self._threads:
            thread.start()
        with self._lock:
            self._state = "running"

    def append(self, batch: PredictionBatch | Sequence[PredictionBatch]) -> None:
        """Hand a batch (or a sequence of them) over to the background thread: no I/O, a microsecond
        or two whatever the batch's size; safe from any thread."""
        blocks = _blocks(batch)
        with self._lock:
            if self._state in ("closing", "closed"):
                raise self._closed()
            self._pending.extend(blocks)
            self._counts["predictions_appended"] += sum(b.rows for b in blocks)

    def append_later(self, build: Callable[[], PredictionBatch | Sequence[PredictionBatch]]) -> None:
        """Like :meth:`append`, with the batch made by ``build`` on the log's thread: the caller pays
        neither for making it nor for its checks (the inference server answers meanwhile). An error of
        ``build`` is logged with its traceback; that batch is not logged (a bug, never bad input: the
        caller had checked the data ``build`` uses)."""
        with self._lock:
            if self._state in ("closing", "closed"):
                raise self._closed()
            self._pending.append(build)

    async def append_durable(self, batch: PredictionBatch | Sequence[PredictionBatch]) -> None:
        """Append, and in durable mode return only once the batch is fsynced in the WAL.

        Everyone waiting while an fsync runs shares the next one (group commit). In non-durable mode
        this is :meth:`append`. An I/O error of the WAL is raised here (the batch is still kept).
        """
        if not self._durable:
            self.append(batch)
            return
        blocks = _blocks(batch)
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        with self._lock:
            if self._state != "running":
                raise self._not_running()
            self._pending.extend(blocks)
            self._counts["predictions_appended"] += sum(b.rows for b in blocks)
            self._waiters.append((loop, done))
        self._wake.set()
        await done

    def holds_unconverted(self) -> bool:
        """Whether some appended predictions are not in Parquet segments yet (:meth:`flush` would
        write them)."""
        with self._lock:
            appended, pending = self._counts["predictions_appended"], bool(self._pending)
        return pending or appended > self._counts["predictions_logged"] or bool(self._unconverted)

    def flush(self) -> None:
        """Block until everything appended so far is in Parquet segments (tests, shutdown).

        Raises the error of a failed segment write; the batches stay in the WAL and are retried.
        """
        done: Future[None] = Future()
        with self._lock:
            if self._state != "running":
                raise self._not_running()
            self._flushes.append(done)
        self._wake.set()
        done.result()

    def close(self) -> None:
        """Flush, stop the threads and delete the converted WAL; idempotent.

        If segments could not be written, the WAL files stay in ``wal_dir`` for the next :meth:`start`
        and the error is raised.
        """
        done: Future[None] = Future()
        with self._lock:
            if self._state in ("closing", "closed"):
                return
            if self._state != "running":
                self._state = "closed"
                _check_nothing_pending(self, len(self._pending))
                return
            self._state = "closing"
            self._flushes.append(done)
        self._wake.set()
        for thread in self._threads:
            thread.join()
        with self._lock:
            self._state = "closed"
        done.result()

    def _closed(self) -> Conflict:
        return Conflict(f"{self!r} is closed", hint="append between start() and close()")

    def _not_running(self) -> Conflict:
        if self._state in ("new", "starting"):
            return Conflict(f"{self!r} is not started", hint="call start() before logging")
        return self._closed()

    # -- the WAL thread -------------------------------------------------------------------------------

    def _run_wal(self) -> None:
        deadline = time.monotonic() + self._flush_interval
        stopping = False
        while not stopping:
            self._wake.wait(WRITE_INTERVAL)
            self._wake.clear()
            with self._lock:
                pending, self._pending = self._pending, []
                waiters, self._waiters = self._waiters, []
                flushes, self._flushes = self._flushes, []
                stopping = self._state == "closing"
            try:
                self._write(self._built(pending), waiters)
                if flushes or stopping or time.monotonic() >= deadline:
                    self._rotate(flushes, stopping=stopping)
                    deadline = time.monotonic() + self._flush_interval
            except Exception as exc:  # a bug: never leave a flush() or an awaiting request hanging
                log.exception("the WAL thread failed")
                _release(waiters, exc)
                _settle_all(flushes, exc)
        self._jobs.put(None)

    def _built(self, pending: list[Block | _Build]) -> list[Block]:
        """The pending blocks, with those of :meth:`append_later` made now."""
        if all(type(item) is Block for item in pending):
            return pending  # type: ignore[return-value]
        blocks: list[Block] = []
        for item in pending:
            if type(item) is Block:
                blocks.append(item)
                continue
            try:
                built = _blocks(item())  # type: ignore[operator]
            except Exception:
                log.exception("a batch of predictions handed to append_later could not be made; not logged")
                continue
            blocks.extend(built)
            with self._lock:
                self._counts["predictions_appended"] += sum(b.rows for b in built)
        return blocks

    def _write(self, appended: list[Block], waiters: list[_Waiter]) -> None:
        """Write the appended blocks, merged, as one frame (fsynced in durable mode), then release the
        waiters."""
        error: BaseException | None = None
        wal = self._wal
        assert wal is not None
        if appended:
            blocks = merge(appended)
            # Kept in memory first: even if the WAL cannot be written, the blocks reach the segments.
            wal.blocks.extend(blocks)
            try:
                data = frame(encode_blocks(blocks))
                wal.write(data)
                self._counts["wal_bytes"] += len(data)
                if self._durable:
                    wal.sync()
                    self._counts["wal_fsyncs"] += 1
            except Exception as exc:
                log.exception("could not write %d blocks to the WAL %s", len(blocks), wal.path)
                error = exc
        _release(waiters, error)

    def _rotate(self, flushes: list[Future[None]], *, stopping: bool) -> None:
        """Close the current file (if it holds blocks, or at shutdown) and queue it for conversion."""
        wal = self._wal
        assert wal is not None
        if not wal.blocks and not stopping:
            if flushes:
                self._jobs.put((None, flushes))
            return
        if not stopping:
            try:
                self._wal = WalFile.create(self._wal_dir, durable=self._durable)
            except OSError as exc:
                # Keep writing to the current file; its conversion waits for the next rotation.
                log.exception("could not create a new WAL file in %s", self._wal_dir)
                _settle_all(flushes, exc)
                return
        self._jobs.put((wal, flushes))

    # -- the segment thread ---------------------------------------------------------------------------

    def _run_segments(self) -> None:
        while True:
            try:
                job = self._jobs.get(timeout=self._flush_interval)
            except queue.Empty:
                job = (None, [])  # retry files whose conversion failed, without new traffic
            if job is None:
                break
            wal, flushes = job
            if wal is not None:
                self._unconverted.append(wal)
            _settle_all(flushes, self._convert_unconverted())
        for wal in self._unconverted:
            wal.release()

    def _convert_unconverted(self) -> BaseException | None:
        """Convert the rotated files in order; stop at the first failure (kept for the next try)."""
        while self._unconverted:
            wal = self._unconverted[0]
            try:
                self._convert(wal)
            except Exception as exc:
                log.exception("could not write the segments of %s; will retry", wal.path)
                return exc
            self._unconverted.pop(0)
        self._last_flush = time.time()
        return None

    def _convert(self, wal: WalFile) -> None:
        """Write a file's blocks as segments (idempotent: deterministic keys), then delete the file."""
        for key, data in prediction_segments(wal.blocks, wal.stem):
            self._artifacts.put_key(key, data, overwrite=True)
            self._counts["segments_written"] += 1
        self._counts["predictions_logged"] += sum(block.rows for block in wal.blocks)
        wal.remove()

    # -- recovery -------------------------------------------------------------------------------------

    def _recover(self) -> None:
        """Convert the WAL files whose owner died; one that cannot be converted now is retried later."""
        for wal in claim_orphans(self._wal_dir):
            _log_recovery(wal, wal.read())
            self._counts["wal_files_recovered"] += 1
            if self._unconverted:
                self._unconverted.append(wal)  # keep the order of the files
                continue
            try:
                self._convert(wal)
            except Exception:
                log.exception("could not write the recovered segments of %s; will retry", wal.path)
                self._unconverted.append(wal)


def _release(waiters: list[_Waiter], error: BaseException | None) -> None:
    """Wake the awaiting coroutines: one ``call_soon_threadsafe`` per event loop."""
    by_loop: dict[asyncio.AbstractEventLoop, list[asyncio.Future[None]]] = {}
    for loop, done in waiters:
        by_loop.setdefault(loop, []).append(done)
    for loop, futures in by_loop.items():
        with contextlib.suppress(RuntimeError):  # a closed loop: nobody is waiting any more
            loop.call_soon_threadsafe(_settle_all, futures, error)


def _settle_all(futures: Sequence[Future[None] | asyncio.Future[None]], error: BaseException | None) -> None:
    for done in futures:
        if done.done():
            continue  # a cancelled waiter
        if error is None:
            done.set_result(None)
        else:
            done.set_exception(error)


def _log_recovery(wal: WalFile, contents: WalContents) -> None:
    log.info("recovered %d predictions (%d frames) from %s", contents.rows, contents.frames, wal.path)
    if contents.cut_at is not None:
        log.warning(
            "cut %d bytes of %s at offset %d (%s): a write torn by a crash; the %d complete frames before it "
            "are kept",
            contents.size - contents.cut_at,
            wal.path,
            contents.cut_at,
            contents.problem,
            contents.frames,
        )


def _blocks(batch: PredictionBatch | Sequence[PredictionBatch]) -> list[Block]:
    """The blocks of an append's batches, checked to be PredictionBatch objects (they checked their
    fields)."""
    if type(batch) is PredictionBatch:
        return [Block.of(batch)]
    if isinstance(batch, (list, tuple)) and all(type(b) is PredictionBatch for b in batch):
        return [Block.of(b) for b in batch]
    raise _not_batches(batch)


def _not_batches(batch: object) -> ValidationFailed:
    wrong = type(batch).__name__
    if isinstance(batch, (list, tuple)):
        wrong = next(type(b).__name__ for b in batch if type(b) is not PredictionBatch)
    return ValidationFailed(
        f"PredictionLog takes a PredictionBatch or a list of them, got a {wrong}",
        field="batch",
        hint="build one PredictionBatch per request from its arrays",
    )


def _check_nothing_pending(owner: PredictionLog, pending: int) -> None:
    if pending:
        raise Conflict(
            f"{owner!r} was closed with {pending} appended predictions but never started: they are lost",
            hint="call start() before logging",
        )
