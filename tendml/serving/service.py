"""The inference service behind every protocol: route, score, log, count. Free of HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable
from functools import partial
from typing import TYPE_CHECKING, Any

from tendml.core.errors import NotFound
from tendml.entities.serving import ServeOptions
from tendml.logs import LabelLog, LogReader, PredictionBatch, PredictionLog
from tendml.registry import ModelRef
from tendml.serving.batching import Scored
from tendml.serving.metrics import ServingMetrics
from tendml.serving.models import ModelSet
from tendml.serving.protocols import Inputs, Prediction, RequestError
from tendml.serving.routing import Arm

if TYPE_CHECKING:
    from tendml.workspace import Workspace

log = logging.getLogger("tendml.serving")


class InferenceService:
    """Serves ``refs`` from ``workspace``: one per process (each uvicorn worker has its own)."""

    def __init__(self, workspace: Workspace, refs: list[ModelRef], options: ServeOptions) -> None:
        self.workspace = workspace
        self.options = options.check()
        self.metrics = ServingMetrics()
        self.models = ModelSet(
            workspace,
            refs,
            options,
            on_batch=self._observe_batch,
            on_scored=self._record,
            answer_first=not (options.log_predictions and options.durable),
        )
        self.log: PredictionLog | None = None
        self.labels = LabelLog(workspace.artifacts)
        self.reader = LogReader(workspace.artifacts)
        self._refresher: asyncio.Task[None] | None = None
        self._background: set[asyncio.Task[Any]] = set()
        self.ready = False

    @property
    def default_model(self) -> str:
        """The first served model (MLflow's ``/invocations`` serves this one)."""
        return next(iter(self.models.refs))

    async def start(self) -> None:
        """Load every model, open the prediction log, start the refresher."""
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, self.models.load)
        if self.options.log_predictions:
            wal = self.workspace.settings.home / "serving" / "wal"
            self.log = PredictionLog(
                self.workspace.artifacts,
                wal,
                durable=self.options.durable,
                flush_interval=self.options.flush_interval,
            )
            await loop.run_in_executor(None, self.log.start)
        self._refresher = asyncio.create_task(self._refresh_forever())
        self.ready = True

    async def stop(self) -> None:
        """Graceful shutdown: stop refreshing, let shadow work finish, flush the log."""
        self.ready = False
        if self._refresher is not None:
            self._refresher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._refresher
        if self._background:
            await asyncio.wait(self._background, timeout=10)
        if self.log is not None:
            await asyncio.get_running_loop().run_in_executor(None, self.log.close)
        self.models.close()

    async def infer(
        self,
        name: str,
        inputs: Inputs,
        *,
        key: str | None = None,
        version: int | None = None,
        protocol: str = "native",
    ) -> Prediction:
        """Score ``inputs`` with the model's route (or a specific loaded ``version``); the batch they
        are scored in is logged and counted (:meth:`_record`)."""
        started = time.perf_counter()
        route = self.models.route(name)
        if version is not None:
            arm = route.arm_for_version(version)
            if arm is None:
                raise NotFound(
                    f"model {name!r} version {version} is not served here",
                    field="version",
                    hint=f"served versions: {[a.version.version for a in route.arms()]}",
                )
            shadow = None
        else:
            arm, shadow = route.choose(
                key if key is not None else _column_key(inputs, route.policy.key_column)
            )
        try:
            predictions, proba, ids = await arm.batcher.score(
                inputs, arm=arm.name, protocol=protocol, started=started
            )
        except (ValueError, TypeError, KeyError, IndexError) as exc:
            # Valid by the signature, yet the model refused it (an unseen category, say).
            raise RequestError(
                f"the model could not score this input: {exc}",
                field="inputs",
                status=422,
                hint="check the values against the model's training data",
            ) from None
        if shadow is not None:
            self._spawn(self._shadow(shadow, ids, inputs, protocol))
        return Prediction(
            predictions=predictions,
            probabilities=proba,
            classes=arm.version.signature.classes,
            ids=ids,
            model=name,
            version=arm.version.version,
            arm=arm.name,
        )

    async def _shadow(self, arm: Arm, ids: list[str], inputs: Inputs, protocol: str) -> None:
        """The challenger scores the same rows off the response path; logged under the same ids."""
        try:
            await arm.batcher.score(inputs, arm="shadow", protocol=protocol, ids=ids)
        except Exception:
            log.exception("tendml: shadow scoring by %s v%s failed", arm.version.model, arm.version.version)

    def _record(self, scored: Scored) -> Awaitable[None] | None:
        """Count and log one scored batch (every request in it, in one log entry). Runs on the event
        loop after the answers, or before them in durable mode (then the answers wait for the fsync)."""
        version = scored.version
        for job, seconds in zip(scored.jobs, scored.latency, strict=True):
            if job.arm == "shadow":
                self.metrics.shadow.labels(version.model, str(version.version)).inc(job.inputs.rows)
            else:
                self.metrics.observe(
                    version.model, version.version, job.arm, job.protocol, job.inputs.rows, seconds
                )
        if self.log is None:
            return None
        if self.log.durable:
            return self.log.append_durable(_batch(scored))
        self.log.append_later(partial(_batch, scored))  # made and checked on the log's thread
        return None

    def _observe_batch(self, version: Any, rows: int) -> None:
        self.metrics.batch_rows.labels(version.model, str(version.version)).observe(rows)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _refresh_forever(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(self.options.refresh_interval)
            changed = await loop.run_in_executor(None, self.models.refresh)
            if changed:
                log.info("tendml: switched %s", ", ".join(changed))


def _column_key(inputs: Inputs, column: str | None) -> str | None:
    if column is None or inputs.columns is None or column not in inputs.columns or inputs.rows == 0:
        return None
    return str(inputs.columns[column][0])


def _batch(scored: Scored) -> PredictionBatch:
    """The log entry of a scored batch: its arrays as they are, one time, arm and latency per request."""
    version, jobs = scored.version, scored.jobs
    columns = scored.columns
    one = len(jobs) == 1
    return PredictionBatch(
        ids=scored.ids,
        time_us=scored.time_us if one else [scored.time_us] * len(jobs),
        model=version.model,
        version=version.version,
        arm=jobs[0].arm if one else [job.arm for job in jobs],
        columns=columns,
        tensor=scored.tensor if columns is None else None,
        predictions=scored.predictions,
        probabilities=scored.probabilities,
        latency_ms=scored.latency[0] * 1000.0 if one else [s * 1000.0 for s in scored.latency],
        counts=None if one else [job.inputs.rows for job in jobs],
    )
